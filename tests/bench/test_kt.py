import re

import numpy as np


def _split(path, students, rng):  # type: ignore[no-untyped-def]
    """A toy ASSISTments-shaped file: students who know a skill mostly answer right."""
    rows = ["student_id,skill_id,correct,step"]
    for s in students:
        for skill in (1, 2, 3):
            knows = rng.random() < 0.5
            for step in range(8):
                p = 0.85 if knows or step > 4 else 0.3
                rows.append(f"s{s},{skill},{int(rng.random() < p)},{step}")
    path.write_text("\n".join(rows) + "\n")


def test_bench_kt_prints_its_figures(run_bench, tmp_path):
    rng = np.random.default_rng(7)
    data = tmp_path / "toy"
    data.mkdir()
    _split(data / "train.csv", range(30), rng)
    _split(data / "test.csv", range(30, 40), rng)
    out = run_bench("kt.py", "--data", str(data), "--no-forget")
    line = next(x for x in out.splitlines() if x.startswith("learnwire BKT"))
    assert re.search(r"learnwire BKT\s+0\.\d{4}\s+0\.\d{4}\s+\d+\.\d\d", line), out
    assert "skills defaulted" in out
    # No side environment with pyBKT in the suite: the run says so rather than skipping it.
    assert "pyBKT not available in this run" in out
