"""``learnwire surveys summary`` as L&D staff use it: shares only over at least k people."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from click.testing import CliRunner

from learnwire.core.cli.root import LearnwireGroup
from learnwire.core.surveys import record

from .conftest import content_id, people

AT = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)


def _cli(runtime):
    root = LearnwireGroup("learnwire")
    runtime.pm.call_each("register_commands", cli=root)
    return lambda *args: CliRunner().invoke(root, list(args), obj=runtime, catch_exceptions=False)


def test_cli_summary_shows_shares_only_over_k_people(make_runtime, org):
    runtime = make_runtime()
    k = runtime.governance.min_group_size
    item = content_id(runtime, 1)
    answering = people(runtime, "answer", k)
    with runtime.db.connection() as conn:
        for n, person in enumerate(answering):
            record.answer_relevance(
                conn, runtime.intake(), learner_id=person, content_id=item,
                answer="relevant" if n else "not_relevant", via="test", at=AT,
            )  # fmt: skip
        record.answer_application(
            conn, runtime.intake(), learner_id=answering[0], content_id=item, answer="used",
            via="test", at=AT,
        )  # fmt: skip
    cli = _cli(runtime)
    window = ("--since", "2026-11-01", "--until", "2026-11-30")
    data = json.loads(cli("surveys", "summary", *window, "--json").output)
    assert data["k"] == k
    assert data["relevance"] == {
        "answers": k,
        "people": k,
        "share": round((k - 1) / k, 3),
        "counts": {"not_relevant": 1, "relevant": k - 1},
    }
    assert data["application"]["share"] is None, "one person: nothing shown"
    human = cli("surveys", "summary", *window).output
    assert f"relevance: {(k - 1) / k:.0%} 'relevant' over {k} answers" in human
    assert f"application: fewer than {k} people answered" in human
    bad = cli("surveys", "summary", "--since", "soon")
    assert bad.exit_code == 2 and "not an ISO 8601 date or time: 'soon'" in bad.output
