"""The experiments benchmark at toy size: the report recovers the known effect, and A/A
placements rarely declare a difference."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import experiments
from outcome_worlds import WORLD_INDEX


def test_experiments_true_effect_within_interval_and_aa_rate_at_toy_size():
    people = experiments.simulate(5, 60, ("oracle", "segmentation"), WORLD_INDEX["current"])
    lines = experiments.report(people, "oracle", "segmentation", 5)
    text = "\n".join(lines)
    assert text.count("TRUE effect") == 3 and "day 90 (final)" in text
    assert "provisional: before the horizon" in text
    day90 = lines[lines.index(next(x for x in lines if x.startswith("day 90"))) + 3]
    assert "inside the interval: yes" in day90, text
    covered = float(lines[-1].split("held the true effect in ")[1].split()[0])
    assert covered >= 0.9, lines[-1]
    # 200 A/A placements of the toy organisation: the rate stays near alpha (0.05).
    rates = experiments.aa_rates([people], 200)
    fixed = float(rates[1].rsplit(":", 1)[1])
    sequential = float(rates[3].rsplit(":", 1)[1])
    assert "200 placements" in rates[0]
    assert fixed <= 0.1 and sequential <= 0.1, rates


def test_experiments_command_prints_its_figures(run_bench):
    out = run_bench(
        "experiments.py", "--learners", "50", "--aa-runs", "20", "--treatment", "adaptive"
    )
    assert "day 30 (provisional" in out and "day 90 (final)" in out, out
    assert "false-positive rate, fixed test at the 90-day horizon" in out, out
    assert "sequential interval looked at on days 30/60/90" in out, out
