def test_bench_policies_prints_its_figures(run_bench):
    out = run_bench("policies.py", "--learners", "11", "--events", "5")
    assert "organisation: 11 learners, 55 events" in out
    for figure in ("governed view", "team aggregate", "retention sweep", "erasure of one"):
        assert figure in out, out
    assert "audit verify:" in out and "ok=True" in out, out
