"""``learnwire outcomes report`` as an L&D admin or operator runs it."""

from __future__ import annotations

import json
from datetime import timedelta

from click.testing import CliRunner

from learnwire.core.cli import cli


def _run(runtime, *args):
    return CliRunner().invoke(cli, ["outcomes", "report", *args], obj=runtime)


def test_cli_json_has_the_reports_shape(runtime, outcomes_org, org_module):
    until = (org_module.START + timedelta(days=90)).isoformat()
    done = _run(runtime, "--since", org_module.START.isoformat(), "--until", until, "--json")
    assert done.exit_code == 0, done.output
    body = json.loads(done.output)
    assert set(body) >= {"since", "until", "k", "people", "organisation", "roles", "series"}
    assert body["people"] == 10 and body["k"] == 5 and body["purpose"] == "learning_analytics"
    completions = body["organisation"]["completions_per_person"]
    assert set(completions) == {"value", "low", "high", "n", "method", "status"}
    assert completions["value"] == 0.9 and completions["n"] == 10
    assert [m["day"] for m in body["organisation"]["mastery"]] == [0, 30, 60, 90]
    assert body["period"] == "month" and body["series"][0]["label"][:4].isdigit()
    narrowed = json.loads(
        _run(
            runtime,
            "--since",
            org_module.START.isoformat(),
            "--until",
            until,
            "--json",
            "--role",
            "team-lead",
            "--period",
            "week",
        ).output
    )
    assert narrowed["people"] == 6 and narrowed["series"][0]["label"][5] == "W"


def test_cli_prints_figures_with_intervals_and_rejects_bad_input(runtime, outcomes_org, org_module):
    until = (org_module.START + timedelta(days=90)).isoformat()
    done = _run(runtime, "--since", org_module.START.isoformat(), "--until", until)
    assert done.exit_code == 0, done.output
    assert "10 people, k = 5" in done.output
    assert "items finished per person" in done.output and "95%" in done.output
    assert "role no role recorded: withheld (fewer than k people)" in done.output
    bad = _run(runtime, "--since", "yesterday")
    assert bad.exit_code == 2 and "not an ISO 8601 date or time: 'yesterday'" in bad.output
    backwards = _run(runtime, "--since", until, "--until", org_module.START.isoformat())
    assert backwards.exit_code == 2 and "--since must be before --until" in backwards.output
