def test_bench_recommend_prints_its_figures(run_bench, tmp_path):
    out = run_bench(
        "recommend.py",
        *("--learners", "50", "--items", "40", "--sample", "4"),
        # Embedding the 324-item library costs more than the rest; bench/embed.py and the
        # embedder's own tests cover it.
        "--skip-embed",
        *("--data-dir", str(tmp_path / "recommend")),
    )
    assert "sample organisation: 50 learners ready" in out
    assert "catalogue:" in out and "embeddings: skipped" in out and "learner model:" in out
    assert "model load" in out and "p95" in out, out
    assert "batch, " in out and "50 learners ranked and stored" in out, out
