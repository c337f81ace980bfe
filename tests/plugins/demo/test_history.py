"""Ninety days of xAPI statements and a fortnight of calendar per person: valid xAPI 1.0.3,
deterministic, inside their windows, and informative enough for BKT to recover mastery."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

import numpy as np
from ralph.models.xapi.base.statements import BaseXapiStatement

from learnwire.core.learner import bkt_train
from learnwire.plugins.demo import simulation
from learnwire.plugins.demo.catalogue import library
from learnwire.plugins.demo.history import history_window, learner_history
from learnwire.plugins.demo.learners import latent_profile
from learnwire.plugins.demo.organisation import build_organisation
from learnwire.plugins.demo.situations import SITUATIONS, calendar_window, upcoming_situations
from learnwire.plugins.demo.statements import VERB_IRI

TODAY = date(2026, 11, 20)
ITEMS = {e.activity_id: e for e in library()}
DURATION = re.compile(r"^PT(\d+H)?(\d+M)?(\d+S)?$")
LANGUAGE = re.compile(r"^[a-z]{2}(-[A-Z]{2})?$")


def _iri(value: str) -> None:
    parts = urlsplit(value)
    assert parts.scheme in ("http", "https") and parts.netloc, value


def check_statement(s: dict) -> None:
    """Structural xAPI 1.0.3 check, stricter than the spec where the demo promises more."""
    assert {"id", "actor", "verb", "object", "timestamp"} <= set(s)
    assert set(s) <= {"id", "actor", "verb", "object", "result", "context", "timestamp"}
    assert str(uuid.UUID(s["id"])) == s["id"]
    actor = s["actor"]
    assert actor["objectType"] == "Agent"
    ifis = [k for k in ("mbox", "mbox_sha1sum", "openid", "account") if k in actor]
    assert len(ifis) == 1 and set(actor) == {"objectType", ifis[0]}
    if "mbox" in actor:
        assert re.fullmatch(r"mailto:[^@\s]+@[^@\s]+\.[a-z]+", actor["mbox"])
    else:
        assert set(actor["account"]) == {"homePage", "name"} and actor["account"]["name"]
        _iri(actor["account"]["homePage"])
    verb = s["verb"]
    assert verb["id"] in VERB_IRI.values()
    assert all(LANGUAGE.match(k) and v for k, v in verb["display"].items())
    target = s["object"]
    assert target["objectType"] == "Activity"
    entry = ITEMS[target["id"]]  # the object is a library item's activity IRI
    assert target["definition"]["name"] == {"en-US": entry.item.title}
    _iri(target["definition"]["type"])
    result = s.get("result")
    if result is not None:
        assert result and set(result) <= {
            "score", "success", "completion", "response", "duration", "extensions",
        }  # fmt: skip
        for key in ("success", "completion"):
            assert isinstance(result.get(key, False), bool)
        if "score" in result:
            score = result["score"]
            assert set(score) == {"scaled", "raw", "min", "max"}
            assert -1 <= score["scaled"] <= 1 and score["min"] <= score["raw"] <= score["max"]
            assert score["min"] < score["max"]
            assert abs(score["scaled"] - score["raw"] / score["max"]) < 1e-3
        if "duration" in result:
            assert DURATION.match(result["duration"]) and result["duration"] != "PT"
        for key, value in result.get("extensions", {}).items():
            _iri(key)
            assert 0 <= value <= 100
    context = s["context"]
    assert set(context) == {"registration", "platform", "language"}
    assert str(uuid.UUID(context["registration"])) == context["registration"]
    assert LANGUAGE.match(context["language"])
    at = datetime.fromisoformat(s["timestamp"])
    assert at.utcoffset() == timedelta(0)


def test_history_statements_are_valid_xapi():
    org = build_organisation(4, 60)
    start, end = history_window(TODAY)
    total = 0
    for person in range(0, 60, 3):
        profile = latent_profile(org, person)
        history = learner_history(org.seed, profile, TODAY)
        by_session: dict[str, list[datetime]] = {}
        for s in history.statements:
            check_statement(s)
            BaseXapiStatement.model_validate(s)  # ralph-malph's strict model as the oracle
            at = datetime.fromisoformat(s["timestamp"])
            assert start <= at < end
            by_session.setdefault(s["context"]["registration"], []).append(at)
            ident = s["actor"].get("account", {}).get("name") or s["actor"]["mbox"]
            assert profile.employee_id.lower() in ident.lower()
        for times in by_session.values():
            assert times == sorted(times)
        verbs = [s["verb"]["id"].rsplit("/", 1)[1] for s in history.statements]
        for i, verb in enumerate(verbs):  # every session opens with a launch
            if (
                i == 0
                or history.statements[i]["context"]["registration"]
                != (history.statements[i - 1]["context"]["registration"])
            ):
                assert verb == "launched"
        total += len(history.statements)
    assert total > 500


def test_history_is_deterministic_and_depends_on_the_seed():
    org = build_organisation(4, 60)
    profile = latent_profile(org, 12)
    first = learner_history(org.seed, profile, TODAY)
    again = learner_history(org.seed, latent_profile(org, 12), TODAY)
    assert first.statements == again.statements
    assert np.array_equal(first.final_mastery, again.final_mastery)
    other = learner_history(5, latent_profile(build_organisation(5, 60), 12), TODAY)
    assert other.statements != first.statements
    shifted = learner_history(org.seed, profile, TODAY + timedelta(days=7))
    assert max(s["timestamp"] for s in shifted.statements) > max(
        s["timestamp"] for s in first.statements
    )


def test_history_lets_bkt_recover_who_knows_a_skill():
    """Fit BKT on the answers alone; its final mastery must rank people who are truly above
    a skill's threshold above those who are not."""
    org = build_organisation(8, 400)
    events, truth = [], {}
    for person in range(300):
        history = learner_history(org.seed, latent_profile(org, person), TODAY)
        for s in history.statements:
            if s["verb"]["id"].endswith("/answered"):
                skill = ITEMS[s["object"]["id"]].skills[0]
                events.append((person, skill, int(s["result"]["success"])))
                truth[person, skill] = simulation.knows(history.final_mastery[skill], skill, 0.5)
    model = bkt_train.fit(events)
    sequences: dict[tuple[int, int], list[int]] = {}
    for person, skill, correct in events:
        sequences.setdefault((person, skill), []).append(correct)
    estimate = np.array([model.mastery_after(k[1], r) for k, r in sequences.items()])
    known = np.array([truth[k] > 0.5 for k in sequences])
    assert 0.2 < known.mean() < 0.8
    pos, neg = estimate[known], estimate[~known]
    auc = (pos[:, None] > neg[None, :]).mean() + 0.5 * (pos[:, None] == neg[None, :]).mean()
    assert auc > 0.8


def test_history_practice_raises_mastery():
    org = build_organisation(4, 200)
    gains = []
    for person in range(0, 200, 4):
        profile = latent_profile(org, person)
        history = learner_history(org.seed, profile, TODAY)
        gains.append((history.final_mastery - profile.mastery).sum())
        assert (history.final_mastery >= profile.mastery - 1e-12).all()
    assert np.mean(gains) > 0.05


def test_history_calendar_is_upcoming_and_shares_one_to_ones():
    org = build_organisation(9, 120)
    start, end = calendar_window(TODAY)
    calendars = {p: upcoming_situations(org, latent_profile(org, p), TODAY) for p in range(120)}
    seen = set()
    for situations in calendars.values():
        keys = [s.event_key for s in situations]
        assert len(keys) == len(set(keys))
        for s in situations:
            assert s.situation in SITUATIONS and start <= s.starts_at < end
            assert 15 <= s.duration_minutes <= 120
            seen.add(s.situation)
        assert situations == sorted(
            situations, key=lambda s: (s.starts_at, s.situation, s.event_key)
        )
    assert len(seen) >= 10
    team = org.teams[0]
    report = team.start + 1
    mine = {s.starts_at for s in calendars[report] if s.situation == "one_to_one"}
    managers = {s.starts_at for s in calendars[team.manager] if s.situation == "one_to_one"}
    assert mine and mine <= managers
    assert upcoming_situations(org, latent_profile(org, 5), TODAY) == calendars[5]


def test_history_does_not_depend_on_hash_seed_or_process():
    """Two interpreters with different hash seeds generate byte-identical data."""
    script = (
        "import hashlib, json; from datetime import date; "
        "from learnwire.plugins.demo.organisation import build_organisation; "
        "from learnwire.plugins.demo.learners import latent_profile; "
        "from learnwire.plugins.demo.history import learner_history; "
        "from learnwire.plugins.demo.situations import upcoming_situations; "
        "org = build_organisation(2, 80); h = hashlib.sha256(); "
        "[h.update(json.dumps([learner_history(2, latent_profile(org, p), date(2026, 11, 20))"
        ".statements, [s.__repr__() for s in upcoming_situations(org, latent_profile(org, p), "
        "date(2026, 11, 20))]], sort_keys=True).encode()) for p in range(0, 80, 7)]; "
        "print(h.hexdigest())"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for seed in ("1", "2")
    }
    assert len(digests) == 1
