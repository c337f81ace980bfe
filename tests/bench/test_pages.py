def test_bench_pages_prints_its_figures(run_bench, tmp_path):
    out = run_bench(
        "pages.py",
        *("--learners", "50", "--sample", "3"),
        *("--data-dir", str(tmp_path / "pages")),
    )
    assert "sample organisation: 50 learners ready" in out
    assert "/me " in out and "/team " in out and "database p50" in out, out
