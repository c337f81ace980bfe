"""Embedding speed of the built-in ``minilm`` embedder (all-MiniLM-L6-v2 on onnxruntime).

Prints the model load time, sentences per second over 300 catalogue-like texts (title,
summary and skill names, as the content job embeds them), the latency of embedding one
short learner need, as the ranker does per learner, and the process's peak memory. On a
shared 2-core machine the figures swing with the load; ``--threads 1`` is steadier.

    .venv/bin/python bench/embed.py [--threads N] [--batch-size N]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time

from learnwire.core.embedders.content import content_text
from learnwire.core.embedders.minilm import MiniLMEmbedder, MiniLMSettings

TOPICS = [
    ("Giving feedback", "feedback that helps people grow, using situation, behaviour, impact"),
    ("Coaching", "open questions and active listening in one-to-one meetings"),
    ("Delegation", "handing over work with clear outcomes, authority and check-ins"),
    ("Difficult conversations", "raising under-performance while keeping trust"),
    ("Hiring", "structured interviews, scorecards and avoiding bias"),
    ("Onboarding", "a new team member's first ninety days"),
    ("Negotiation", "anchoring, concessions and knowing your walk-away point"),
    ("Presenting", "structuring a talk and handling questions from senior leaders"),
    ("Stakeholder management", "mapping interests and keeping sponsors informed"),
    ("Project planning", "scope, milestones, risks and dependencies"),
    ("Budgeting", "building a forecast and explaining variances to finance"),
    ("SQL", "joins, aggregates and window functions in PostgreSQL"),
    ("Data visualisation", "choosing the right chart and telling a story with data"),
    ("Python", "writing readable functions, tests and packages"),
    ("Information security", "phishing, passwords and handling confidential data"),
    ("Data protection", "GDPR principles, lawful basis and data subject rights"),
    ("Customer service", "de-escalating complaints and following up"),
    ("Sales discovery", "qualifying needs and mapping the buying process"),
    ("Time management", "prioritising with an urgent-important matrix"),
    ("Remote collaboration", "async writing, meeting hygiene and team rituals"),
    ("Change management", "explaining why, involving people and sustaining change"),
    ("Strategic thinking", "connecting team goals to company strategy"),
    ("Wellbeing", "recognising burnout and setting healthy boundaries"),
    ("Inclusive leadership", "psychological safety and fair decision making"),
    ("Conflict resolution", "separating positions from interests in a team dispute"),
    ("Performance reviews", "evidence-based ratings and development plans"),
    ("Excel", "pivot tables, lookups and quarterly reporting"),
    ("Agile delivery", "backlogs, sprints and retrospectives that change things"),
    ("Writing", "clear emails, summaries and decision documents"),
    ("Decision making", "framing options, trade-offs and reversible decisions"),
]
ANGLES = [
    ("{t}: the essentials", "A short introduction to {s}."),
    ("Practice: {t} in real situations", "Work through scenarios about {s}."),
    ("{t} for new managers", "What first-time managers need to know about {s}."),
    ("Advanced {t}", "Go deeper into {s}, with common mistakes and how to avoid them."),
    ("Simulation: {t}", "An interactive role play on {s} with feedback on your choices."),
    ("Podcast: experts on {t}", "Practitioners discuss {s} and what they learned."),
    ("{t} checklist", "A one-page checklist on {s} to use before the real thing."),
    ("Assessment: {t}", "Check your understanding of {s} with ten questions."),
    ("Case study: {t} at a growing company", "How one team improved at {s}."),
    ("Guide: {t} step by step", "A step-by-step guide to {s}, with templates."),
]


def catalogue_texts() -> list[str]:
    return [
        content_text(title.format(t=topic), summary.format(s=about), [topic])
        for topic, about in TOPICS
        for title, summary in ANGLES
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=0, help="onnxruntime threads (0: auto)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--texts", type=int, default=300, help="catalogue texts per run")
    args = parser.parse_args()

    texts = catalogue_texts()[: args.texts]
    embedder = MiniLMEmbedder(MiniLMSettings(threads=args.threads, batch_size=args.batch_size))
    started = time.perf_counter()
    embedder.load()
    load_seconds = time.perf_counter() - started
    tokenizer = embedder._model()[0]
    tokens = [len(e.ids) for e in tokenizer.encode_batch(texts)]

    embedder.embed_array(texts[:32])  # warm-up: first runs allocate onnxruntime buffers
    runs = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        embedder.embed_array(texts)
        runs.append(time.perf_counter() - started)
    single = []
    for text in texts[:50]:
        started = time.perf_counter()
        embedder.embed([text.split("\n")[0]])
        single.append(time.perf_counter() - started)

    best, median = min(runs), statistics.median(runs)
    print(f"model load (tokenizer + onnxruntime session): {load_seconds:.2f} s")
    print(
        f"texts: {len(texts)}, tokens per text: mean {statistics.mean(tokens):.1f}, "
        f"max {max(tokens)}; batch size {args.batch_size}, threads {args.threads or 'auto'}"
    )
    print(
        f"throughput: {len(texts) / median:.0f} sentences/s median, "
        f"{len(texts) / best:.0f} best ({median:.3f} s per {len(texts)} texts "
        f"over {args.repeat} runs)"
    )
    print(
        f"one short text (a learner need): p50 {statistics.median(single) * 1000:.1f} ms, "
        f"max {max(single) * 1000:.1f} ms"
    )
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory of this process: {peak_mib:.0f} MiB")


if __name__ == "__main__":
    main()
