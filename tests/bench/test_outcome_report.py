def test_bench_outcome_report_prints_its_figures(run_bench, tmp_path):
    out = run_bench(
        "outcome_report.py",
        *("--learners", "50", "--repeat", "1"),
        *("--data-dir", str(tmp_path / "outcomes")),
    )
    assert "sample organisation: 50 learners ready" in out
    assert "governed read" in out and "per-person outcomes" in out
    assert "outcome report over 50 people" in out and "median" in out, out
    assert "role level gain by day 90" in out and "concentration (Gini)" in out
    assert "page (HTML)  served from the snapshot: median" in out, out
    assert "JSON API     served from the snapshot: median" in out
