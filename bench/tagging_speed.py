"""Catalogue import speed, for ``python bench/tagging.py --speed``.

A catalogue CSV of ``n`` items is imported (the ``learnwire content import`` path) into a
fresh embedded PostgreSQL and embedded; items/s for each phase and the process's resident
memory sampled while it runs (flat = it does not grow with the file).
"""

from __future__ import annotations

import csv
import resource
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path


def _write_csv(path: Path, n: int) -> None:
    formats = ("video", "article", "course", "exercise", "podcast")
    words = ("SQL", "negotiation", "feedback", "Python", "GDPR", "roadmaps", "testing", "Excel")
    with path.open("w", newline="") as handle:
        w = csv.writer(handle)
        w.writerow(
            ["id", "title", "description", "format", "duration", "language", "difficulty", "url"]
        )
        for i in range(n):
            topic = words[i % len(words)]
            w.writerow(
                [
                    f"bench-{i}",
                    f"{topic} in practice, part {i}",
                    f"Lesson {i} on {topic}: worked examples, a checklist and a short quiz.",
                    formats[i % len(formats)],
                    5 + i % 55,
                    "en",
                    (i % 10) / 10,
                    f"https://bench.example/items/{i}",
                ]
            )


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 1e6


def speed(n: int, embed_limit: int | None) -> dict:
    from learnwire.core.config import Settings
    from learnwire.core.embedders.active import active_embedder
    from learnwire.core.embedders.content import embed_pending
    from learnwire.core.runtime import Runtime
    from learnwire.plugins.catalogue.importer import import_catalogue
    from learnwire.plugins.catalogue.provider import FileCatalogueProvider

    root = Path(tempfile.mkdtemp(prefix="lw-bench-tag-", dir="/tmp"))
    path = root / "catalogue.csv"
    _write_csv(path, n)
    runtime = Runtime(Settings(data_dir=root, pseudonym_key="bench", secret_key="bench"))
    samples: list[float] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.5):
            samples.append(_rss_mb())

    try:
        runtime.upgrade()
        thread = threading.Thread(target=sample, daemon=True)
        thread.start()
        before = _rss_mb()
        t0 = time.perf_counter()
        report = import_catalogue(
            runtime.db, runtime.intake(), FileCatalogueProvider("bench", path)
        )
        imported = t1 = time.perf_counter()
        after_import = _rss_mb()
        import_samples = len(samples)
        print(f"imported {report.new} items in {t1 - t0:.1f} s", file=sys.stderr, flush=True)
        embedder = active_embedder(runtime)
        if embed_limit is not None:
            # Embed only the first ``embed_limit`` items: the rate, not the whole wait.
            with runtime.db.connection() as conn:
                conn.execute(
                    "UPDATE content_item SET retired_at = now() WHERE id NOT IN (SELECT id "
                    "FROM content_item ORDER BY id LIMIT %s)",
                    (embed_limit,),
                )
        t1 = time.perf_counter()
        embedded = embed_pending(runtime.db, embedder, batch_size=256)
        t2 = time.perf_counter()
        stop.set()
        thread.join()
        return {
            "items": n,
            "new": report.new,
            "import_seconds": round(imported - t0, 1),
            "import_items_per_second": round(n / (imported - t0)),
            "embed_seconds": round(t2 - t1, 1),
            "embedded": embedded.embedded,
            "embed_items_per_second": round(embedded.embedded / (t2 - t1)),
            # Import: the file is streamed, so the peak must not grow with the file. Embedding
            # loads the ONNX model (a few hundred MB) once.
            "rss_mb": {
                "before": round(before),
                "import_peak": round(max(samples[:import_samples] or [after_import])),
                "after_import": round(after_import),
                "embed_peak": round(max(samples[import_samples:] or [0])),
            },
        }
    finally:
        stop.set()
        runtime.close()
        shutil.rmtree(root, ignore_errors=True)
