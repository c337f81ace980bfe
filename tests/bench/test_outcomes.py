import re


def test_bench_outcomes_prints_its_figures(run_bench, tmp_path):
    out = run_bench(
        "outcomes.py",
        *("--learners", "50", "--sample", "4", "--weeks", "4"),
        *("--data-dir", str(tmp_path / "outcomes")),
    )
    assert re.search(r"^\d+ learners simulated for up to 4 weeks", out, re.M), out
    for arm in ("learnwire", "segmentation baseline"):
        assert re.search(rf"^  {arm} +mean +\d+\.\d days +median +\d+\.\d days", out, re.M), out
    assert re.search(r"learnwire needs -?\d+\.\d% fewer days", out), out
