import re


def test_bench_embed_prints_its_figures(run_bench):
    out = run_bench("embed.py", "--texts", "12", "--repeat", "1", "--threads", "1")
    assert re.search(r"model load .*: \d+\.\d+ s", out), out
    assert "texts: 12," in out
    assert re.search(r"throughput: \d+ sentences/s median", out), out
    assert re.search(r"one short text .*: p50 \d+\.\d ms", out), out
