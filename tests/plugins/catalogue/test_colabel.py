"""Co-label suggestions: the organisation's own labelling learnt from its reviewed tags,
proposed as extra candidates, and never over an admin's decision."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from learnwire.plugins.catalogue.colabel import (
    PRIOR_ITEMS,
    CoLabels,
    ReviewedItem,
    cautious_threshold,
    fit_colabel,
    propose,
)
from learnwire.plugins.catalogue.tag_store import content_ref, tag_states
from learnwire.plugins.catalogue.tagging import Candidate

from .conftest import DATA, applied, run


def _band(_skill: int, level: float) -> int:
    return 0 if level <= 0.4 else 1


def test_colabel_rate_recovers_a_known_rate():
    rng = np.random.default_rng(7)
    items = []
    for _ in range(400):  # advanced items of skill 0: 70 % also tagged 1
        weights = {0: 1.0, 1: 0.4} if rng.random() < 0.7 else {0: 1.0}
        items.append(ReviewedItem.from_weights(weights, 0.8))
    for _ in range(200):  # foundation items of skill 0: never
        items.append(ReviewedItem.from_weights({0: 1.0}, 0.2))
    counts = CoLabels(items, _band)
    advanced, pooled, support = counts.rate(0, 1, 1)
    n_ab = sum(1 in i.skills for i in items)
    assert support == 400
    assert advanced == pytest.approx(0.7, abs=0.05)
    assert counts.rate(0, 1, 0)[0] < 0.02
    assert pooled == pytest.approx(n_ab / 600, abs=0.01)
    # Skill 1 is only ever a side tag (weight 0.4): it says nothing of what goes with 0.
    assert counts.rate(1, 0, 1)[2] == 0 and 0 not in counts.partners.get(1, set())


def test_colabel_rate_is_shrunk_towards_the_base_rate_on_thin_counts():
    items = [ReviewedItem.from_weights({0: 1.0, 1: 1.0}, 0.8)] + [
        ReviewedItem.from_weights({2: 1.0}, 0.8) for _ in range(9)
    ]
    rate, _, support = CoLabels(items, _band).rate(0, 1, 1)
    base = 1 / 10
    assert support == 1
    assert rate == pytest.approx((1 + PRIOR_ITEMS * base) / (1 + PRIOR_ITEMS))
    assert base < rate < 1.0


def test_colabel_no_reviewed_tags_no_extra_candidates():
    similarity = np.array([[0.9, 0.1, 0.1]])
    text = [Candidate(0, 0, 1, 0.9, 0.95)]
    assert fit_colabel([], text, similarity, np.zeros(1, dtype=np.int64), _band,
                       target_precision=0.88) is None  # fmt: skip
    assert len(propose(CoLabels([], _band), text, [0.8], similarity).items) == 0


def test_colabel_proposes_partners_of_confident_text_candidates_only():
    items = [ReviewedItem.from_weights({0: 1.0, 1: 0.4}, 0.8) for _ in range(5)]
    similarity = np.array([[0.9, 0.1, 0.3], [0.2, 0.1, 0.9]])
    text = [Candidate(0, 0, 1, 0.9, 0.95), Candidate(1, 0, 2, 0.2, 0.1)]
    found = propose(CoLabels(items, _band), text, [0.8, 0.8], similarity)
    assert found.items.tolist() == [0] and found.skills.tolist() == [1]
    assert found.via.tolist() == [0]
    assert found.features[0, 3] == pytest.approx(0.95)  # A's confidence
    assert found.features[0, 4] == pytest.approx(0.1)  # the item's own similarity to B


def test_colabel_cautious_threshold_needs_more_than_a_lucky_few():
    confidence = np.linspace(1.0, 0.0, 100)
    labels = np.arange(100) < 60  # the 60 most confident are right
    threshold = cautious_threshold(confidence, labels, 0.88)
    assert labels[confidence >= threshold].mean() >= 0.88
    assert cautious_threshold(confidence[:5], labels[:5], 0.88) == 1.0


_ANALYSIS = ("sales", "churn", "survey", "inventory", "web traffic", "support tickets",
             "marketing spend", "delivery times", "pricing", "hiring funnel", "energy use",
             "returns")  # fmt: skip
_PYTHON = ("file renaming", "report generation", "API calls", "CSV cleaning", "unit tests",
           "virtual environments", "logging", "scheduling jobs", "packaging",
           "command-line tools", "type hints", "error handling")  # fmt: skip
_FEEDBACK = ("a missed deadline", "a strong presentation", "meeting interruptions",
             "a late report", "code review tone", "client calls", "team handovers",
             "a new hire's first week", "a sales pitch", "an incident review",
             "a project retrospective", "a difficult customer")  # fmt: skip


def _convention_catalogue(path: Path, *, tagged: bool) -> Path:
    """Items whose provider tags follow a convention the text does not state: every
    intermediate data analysis item is also tagged SQL."""
    rows = []
    for i, topic in enumerate(_ANALYSIS):
        for level in ("intermediate", "advanced", "beginner"):
            skills = "data-analysis:1.0" + (";sql:0.4" if level != "beginner" else "")
            rows.append((f"DA-{i}-{level}", f"Analysing {topic} data ({level})",
                         f"Clean, explore and summarise {topic} data to answer a business "
                         f"question, at {level} level.", level, skills))  # fmt: skip
    for i, topic in enumerate(_PYTHON):
        rows.append((f"PY-{i}", f"Python for {topic}", f"Write a Python script for {topic}.",
                     "intermediate", "python:1.0"))  # fmt: skip
    for i, topic in enumerate(_FEEDBACK):
        rows.append((f"FB-{i}", f"Feedback on {topic}", f"Give specific, timely feedback on "
                     f"{topic} and its impact.", "intermediate", "feedback:1.0"))  # fmt: skip
    rows.append(("NEW-1", "Analysing customer lifetime data (intermediate)",
                 "Clean, explore and summarise customer lifetime data to answer a business "
                 "question, at intermediate level.", "intermediate", ""))  # fmt: skip
    with path.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["id", "title", "description", "difficulty", "url", "skills"])
        for ext, title, description, level, skills in rows:
            url = f"https://learn.acme.example/{ext}"
            out.writerow([ext, title, description, level, url, skills if tagged else ""])
    return path


def _review(runtime):
    return json.loads(run(runtime, "tags", "review", "--json", "--limit", "500").output)["review"]


def test_tags_run_proposes_the_organisations_co_labels_and_an_admin_reject_wins(
    runtime, db, tmp_path
):
    # A high apply threshold keeps the suggestion in the review queue, where its why shows.
    runtime.settings.plugins["catalogue"] = {"apply_threshold": 0.999}
    run(runtime, "skills", "import", DATA / "framework.csv")
    catalogue = _convention_catalogue(tmp_path / "convention.csv", tagged=True)
    run(runtime, "content", "import", catalogue, "--provider", "acme")
    report = json.loads(run(runtime, "tags", "run", "--json").output)
    assert report["reviewed_items"] == 60
    assert report["colabel_suggestions"] >= 1
    with db.connection() as conn:
        row = conn.execute(
            "SELECT t.via_skill_id, t.apply_at FROM skill_tag t JOIN content_item c "
            "ON c.id = t.content_id WHERE c.external_id = 'NEW-1' AND t.skill_id = 'sql'"
        ).fetchone()
    assert row is not None and row[0] == "data-analysis" and 0 < row[1] <= 1
    (queued,) = [r for r in _review(runtime) if "NEW-1" in r["item"] and r["skill_id"] == "sql"]
    assert "usually also tagged sql by this organisation" in queued["why"]

    run(runtime, "tags", "reject", "acme", "NEW-1", "sql", "--by", "lee")
    run(runtime, "tags", "run")
    # The run proposed it again; the reject still decides.
    with db.connection() as conn:
        cid = content_ref(conn, "acme", "NEW-1")
        states = tag_states(conn, threshold=0.01, flag_limit=3, content_ids=[cid])
    (sql,) = [s for s in states if s.skill_id == "sql"]
    assert (sql.origin, sql.via_skill_id, sql.state) == ("machine", "data-analysis", "rejected")
    assert "sql" not in applied(db, "NEW-1")
    assert not [r for r in _review(runtime) if "NEW-1" in r["item"] and r["skill_id"] == "sql"]


def test_tags_run_without_reviewed_tags_proposes_from_text_alone(runtime, db, tmp_path):
    run(runtime, "skills", "import", DATA / "framework.csv")
    catalogue = _convention_catalogue(tmp_path / "untagged.csv", tagged=False)
    run(runtime, "content", "import", catalogue, "--provider", "acme")
    report = json.loads(run(runtime, "tags", "run", "--json").output)
    assert report["reviewed_items"] == 0 and report["colabel_suggestions"] == 0
    with db.connection() as conn:
        via = conn.execute(
            "SELECT count(*) FROM skill_tag WHERE via_skill_id IS NOT NULL OR apply_at IS NOT NULL"
        ).fetchone()[0]
    assert via == 0
