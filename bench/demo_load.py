"""Benchmark loading the sample organisation into a fresh embedded PostgreSQL.

Each size runs in its own process (so peak RSS is that load's own) against a new embedded
server in a temporary directory, through ``load_demo`` exactly as ``learnwire demo`` runs
it: generation, intake (identity resolution, the registered intake guards, idempotent
writes) and the store. Prints per-phase time, statements per second and the peak resident
memory of the loading process (the PostgreSQL server's memory is not included). With
LEARNWIRE_DATABASE_URL set, it loads into that database instead (the suite's toy run does).

    python bench/demo_load.py                 # 2,000 learners
    python bench/demo_load.py --large         # 2,000 and 20,000 learners
    python bench/demo_load.py --learners 500  # any sizes, repeatable
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path


def _one(learners: int, seed: int) -> dict:
    from learnwire.core.config import Settings
    from learnwire.core.runtime import Runtime
    from learnwire.plugins.demo.loader import load_demo
    from learnwire.plugins.demo.source import DemoParameters
    from learnwire.plugins.demo.summary import demo_summary

    root = Path(tempfile.mkdtemp(prefix="lw-bench-demo-", dir="/tmp"))
    runtime = Runtime(Settings(data_dir=root, pseudonym_key="bench", secret_key="bench"))
    try:
        runtime.upgrade()
        started = time.perf_counter()
        report = load_demo(runtime, DemoParameters(seed, learners, date(2026, 11, 20)))
        seconds = time.perf_counter() - started
        summary = demo_summary(runtime.db)
    finally:
        runtime.close()
        shutil.rmtree(root, ignore_errors=True)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "learners": learners,
        "seconds": round(seconds, 1),
        "statements": summary["statements"],
        "statements_per_second": round(summary["statements"] / seconds),
        "records": report.totals(),
        "calendar_situations": summary["calendar_situations"],
        "phases": {p.label: round(p.seconds, 1) for p in report.phases},
        "peak_rss_mib": round(peak_kib / 1024),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, action="append", help="size to load")
    parser.add_argument("--large", action="store_true", help="also load 20,000 learners")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(_one(args.one, args.seed)))
        return
    sizes = args.learners or [2000]
    if args.large and 20000 not in sizes:
        sizes.append(20000)
    print(
        f"{'learners':>8} {'seconds':>8} {'statements':>10} {'stmt/s':>7} {'peak RSS':>9}  phases"
    )
    for n in sizes:
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(n), "--seed", str(args.seed)],
            check=True,
            capture_output=True,
            text=True,
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        phases = ", ".join(f"{k} {v} s" for k, v in r["phases"].items())
        print(
            f"{r['learners']:>8} {r['seconds']:>8} {r['statements']:>10} "
            f"{r['statements_per_second']:>7} {r['peak_rss_mib']:>6} MiB  {phases}"
        )
        if r["records"]["rejected"]:
            print(f"         intake rejected {r['records']['rejected']} records")


if __name__ == "__main__":
    main()
