import re


def test_bench_ingest_prints_its_figures(run_bench):
    out = run_bench(
        "ingest.py",
        *("--learners", "50", "--rounds", "1", "--clients", "1", "--batch", "100"),
        *("--reference-sample", "200"),
    )
    stored = re.search(r"^sample organisation: 50 learners, ([\d,]+) statements", out, re.M)
    assert stored, out
    assert re.search(rf"round 1: +[\d,]+ statements/s .*store now {stored[1]} statements", out)
    assert re.search(r"end to end over HTTP: [\d,]+ statements/s overall", out), out
    assert re.search(r"ralph strict BaseXapiStatement [\d,]+ statements/s", out), out
