"""The practice curve fitted from an organisation's stored evidence, reported and served."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from learnwire.core.learner import gain_report, gain_store
from learnwire.core.learner.calibration import calibrate_and_store
from learnwire.core.learner.gain_params import DEFAULT_GAIN, FORMATS, START_SD, GainParams
from learnwire.core.learner.mastery import assessment_responses, fit_and_store
from learnwire.core.ranker.service import RecommendationService
from learnwire.plugins.demo.loader import load_demo
from learnwire.plugins.demo.source import DemoParameters

LEARNWIRE = os.path.join(os.path.dirname(sys.executable), "learnwire")


def _report_cli(
    database_url: str, tmp_path: Path, as_json: bool = True
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEARNWIRE_")}
    env.update(LEARNWIRE_DATABASE_URL=database_url, LEARNWIRE_DATA_DIR=str(tmp_path))
    return subprocess.run(
        [LEARNWIRE, "model", "report", *(["--json"] if as_json else [])],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_gain_report_fits_the_stored_evidence_and_the_service_serves_it(
    runtime, database_url, tmp_path
):
    load_demo(runtime, DemoParameters(seed=4, learners=60, today=date(2026, 11, 20)))
    svc = RecommendationService(runtime)
    none_yet = _report_cli(database_url, tmp_path)
    assert none_yet.returncode != 0 and "model fit" in none_yet.stderr
    with runtime.db.connection() as conn:
        fit_and_store(conn, assessment_responses(conn))
        calibrate_and_store(conn, svc)
        before = svc.model(conn)
        assert before.org.gain.params == DEFAULT_GAIN  # nothing fitted yet: the defaults
        report = gain_report.fit_and_store(conn, svc.governance)
    assert report["answers_after_practice"] > 0
    assert report["practice"] > 0 and sum(report["practice_by_format"].values()) > 0
    held = report["held_out"]
    # Scored on people the scoring fit never saw, against the priors alone.
    assert held["learners"] >= 1 and held["answers"] > 0
    assert {"log_loss", "auc"} <= set(held["fitted"]) and {"log_loss", "auc"} <= set(held["prior"])
    assert report["prior"] == DEFAULT_GAIN.as_dict()
    # Served unless it predicts the held-out people clearly worse than the priors; otherwise
    # reported, not used.
    if not held["fitted_clearly_worse"]:
        assert report["params"] != report["prior"] and report["rejected"] is None
    else:
        assert report["params"]["fitted"] is False and report["rejected"]["fitted"] is True
        assert {**report["params"], "fitted": True} == {**report["prior"], "fitted": True}
    with runtime.db.connection() as conn:
        served = svc.model(conn)
        someone = conn.execute("SELECT learner_id FROM learning_event LIMIT 1").fetchone()[0]
        state, _ = svc.state(conn, someone, at=datetime(2026, 11, 20, tzinfo=UTC))
    assert served is not before
    assert served.org.gain.params.as_dict() == report["params"]
    assert state.gain.params.as_dict() == report["params"]

    shown = _report_cli(database_url, tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["params"] == report["params"]
    table = _report_cli(database_url, tmp_path, as_json=False)
    assert table.returncode == 0, table.stderr
    for name in ("practice_gain", "zone", "peak", "forget_rate", "start_sd", "format_gain[video]"):
        assert name in table.stdout, table.stdout

    # Whatever is stored is what the learner model replays and the ranker reads.
    chosen = GainParams(practice_gain=0.09, format_gain={"video": 2.5}, start_sd=0.11, fitted=True)
    with runtime.db.connection() as conn:
        gain_store.store(conn, chosen, {**report, "params": chosen.as_dict()})
    with runtime.db.connection() as conn:
        state, _ = svc.state(conn, someone, at=datetime(2026, 11, 20, tzinfo=UTC))
    assert state.gain.params.practice_gain == 0.09
    assert state.gain.format_gain[FORMATS.index("video")] == 2.5
    # The start's spread is served with the curve: the level's uncertainty reads it.
    assert state.gain.params.start_sd == 0.11
    assert float(state.level_sd.max()) <= 0.11 + 1e-6
    # A fit stored before the start's spread was served loads with the documented default.
    with runtime.db.connection() as conn:
        conn.execute("UPDATE learning_gain_model SET params = params - 'start_sd'")
    with runtime.db.connection() as conn:
        assert gain_store.load(conn).start_sd == START_SD
