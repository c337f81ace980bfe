import re


def test_bench_demo_load_prints_its_figures(run_bench):
    out = run_bench("demo_load.py", "--learners", "50")
    header, row = out.splitlines()[:2]
    assert header.split()[:4] == ["learners", "seconds", "statements", "stmt/s"]
    assert re.match(r"\s+50\s+\d+\.\d\s+\d+\s+\d+\s+\d+ MiB\s+\S", row), out
