import json


def test_bench_tagging_quality_prints_both_sets(run_bench):
    out = json.loads(run_bench("tagging.py"))
    assert out["sample_library_cv"]["items"] > 300 and out["heldout"]["items"] >= 100
    for figures in (out["sample_library_cv"], out["heldout"]):
        assert 0 <= figures["applied_precision"] <= 1 and 0 <= figures["applied_recall"] <= 1


def test_bench_tagging_import_speed_at_toy_size(run_bench):
    out = json.loads(run_bench("tagging.py", "--speed", "--items", "300", "--embed-items", "40"))
    assert out["new"] == 300 and out["embedded"] == 40
    assert out["import_items_per_second"] > 0 and out["rss_mb"]["import_peak"] > 0
