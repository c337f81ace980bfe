"""Retirement by review: a retired item is never recommended again, stays retired when its
provider lists it again, and keeps its history."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from click.testing import CliRunner

from learnwire.core.cli.root import cli
from learnwire.core.ranker.service import RecommendationService
from learnwire.plugins.catalogue import plugin

try:  # the sample organisation moves from core/demo to plugins/demo
    from learnwire.plugins.demo.loader import load_demo
    from learnwire.plugins.demo.source import DemoParameters
except ImportError:
    from learnwire.core.demo.loader import load_demo
    from learnwire.core.demo.source import DemoParameters

PARAMS = DemoParameters(seed=41, learners=50, today=date(2026, 11, 20))


def run(runtime, *args, code=0):
    plugin.register_commands(cli=cli)
    result = CliRunner().invoke(cli, list(map(str, args)), obj=runtime)
    assert result.exit_code == code, result.output
    return result


def recommended(runtime, learners):
    svc = RecommendationService(runtime)
    return Counter(
        r.content_id
        for lid in learners
        for r in svc.recommend(lid, at=PARAMS.as_of, limit=10, store=False).recommendations
    )


@pytest.fixture
def org(runtime, db):
    load_demo(runtime, PARAMS)
    with db.connection() as conn:
        return [r[0] for r in conn.execute("SELECT id FROM learner ORDER BY id")]


def test_retirement_retired_item_is_never_recommended_again(runtime, db, org):
    before = recommended(runtime, org)
    target, _ = before.most_common(1)[0]
    with db.connection() as conn:
        provider, external_id, events = conn.execute(
            "SELECT c.provider, c.external_id, (SELECT count(*) FROM learning_event e "
            "WHERE e.content_id = c.id) FROM content_item c WHERE c.id = %s",
            (target,),
        ).fetchone()
    base = ("content", "retirement")
    run(runtime, *base, "retire", provider, external_id, "--by", "lee", code=2)
    run(runtime, *base, "propose", provider, external_id, "--reason", "outdated", "--by", "kim")
    assert target in recommended(runtime, org), "a proposal alone changes nothing"
    run(runtime, *base, "retire", provider, external_id, "--by", "lee")
    assert target not in recommended(runtime, org)
    # The provider lists it again: it stays retired.
    load_demo(runtime, PARAMS, full=True)
    assert target not in recommended(runtime, org)
    with db.connection() as conn:
        retired, still_events = conn.execute(
            "SELECT c.retired_at IS NOT NULL, (SELECT count(*) FROM learning_event e "
            "WHERE e.content_id = c.id) FROM content_item c WHERE c.id = %s",
            (target,),
        ).fetchone()
    assert retired and still_events == events, "history stays"
    listed = run(runtime, *base, "list", "--state", "retired", "--json").output
    assert external_id in listed and '"decided_by": "lee"' in listed
    run(runtime, *base, "reinstate", provider, external_id, "--by", "lee")
    with db.connection() as conn:
        assert (
            conn.execute("SELECT retired_at FROM content_item WHERE id = %s", (target,)).fetchone()[
                0
            ]
            is None
        )


def test_retirement_keep_leaves_the_item_live(runtime, db):
    run(
        runtime,
        "skills",
        "import",
        __import__("pathlib").Path(__file__).parent / "data" / "framework.csv",
    )
    run(
        runtime,
        "content",
        "import",
        __import__("pathlib").Path(__file__).parent / "data" / "catalogue.json",
        "--provider",
        "vendor",
    )
    run(
        runtime,
        "content",
        "retirement",
        "propose",
        "vendor",
        "lx-4412",
        "--reason",
        "old",
        "--by",
        "kim",
    )
    run(runtime, "content", "retirement", "keep", "vendor", "lx-4412", "--by", "lee")
    run(runtime, "content", "retirement", "retire", "vendor", "lx-4412", "--by", "lee", code=2)
    with db.connection() as conn:
        assert (
            conn.execute(
                "SELECT retired_at FROM content_item WHERE external_id = 'lx-4412'"
            ).fetchone()[0]
            is None
        )
