"""Experiments on the real store: placement, governance, arms served by the ranker, reports
with their guards, the command line and the L&D page."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from click.testing import CliRunner

from learnwire.core.cli import cli
from learnwire.core.delivery.compose import choose_items
from learnwire.core.delivery.outbox import Claim
from learnwire.core.errors import Conflict, ValidationFailed
from learnwire.core.governance import Subject
from learnwire.core.ranker.service import RecommendationService
from learnwire.core.web.app import create_app
from learnwire.plugins.experiments import placement, report, store
from learnwire.plugins.experiments.definition import parse
from learnwire.plugins.pages.signin import open_session

NOW = datetime.now(UTC)
ADMIN = Subject("ld_admin", "test-admin")


def definition(**changes: Any) -> Any:
    data: dict[str, Any] = {
        "id": "lw-vs-seg",
        "title": "Team leads: learnwire against the team-lead curriculum",
        "population": {"roles": ["team-lead"], "start": (NOW - timedelta(days=1)).isoformat()},
        "arms": [{"name": "lw", "serve": "learnwire"}, {"name": "seg", "serve": "segmentation"}],
        "strata": ["role"],
        "primary_outcome": {"metric": "active_days", "horizon_days": 30},
        "weekly_minutes": 60,
    }
    data.update(changes)
    return parse(data)


def create(runtime: Any, d: Any) -> placement.Placement:
    with runtime.db.connection() as conn:
        return placement.create(conn, runtime.governance, ADMIN, d)


def arms(runtime: Any, experiment_id: str = "lw-vs-seg") -> dict[Any, str]:
    with runtime.db.connection() as conn:
        return store.assignments(conn, experiment_id)


def test_experiments_placement_is_stable_audited_and_balanced(runtime, everyone):
    first = create(runtime, definition())
    placed = arms(runtime)
    assert set(placed) == set(everyone) and first.placed == 10
    assert sorted(first.arms.values()) == [5, 5]  # one stratum, blocks of two
    again = create(runtime, definition())
    assert again.placed == 0 and again.kept == 10 and arms(runtime) == placed
    with runtime.db.connection() as conn:
        audited = conn.execute(
            "SELECT count(*) FROM policy_audit WHERE action = 'write:experiment_assignment' "
            "AND purpose = 'learning_analytics' AND subject_hash IS NOT NULL"
        ).fetchone()[0]
        started = conn.execute(
            "SELECT detail FROM policy_audit WHERE action = 'experiment:create'"
        ).fetchone()[0]
        row = conn.execute(
            "SELECT source, data_category::text, occurred_at, stored_at FROM "
            "experiment_assignment LIMIT 1"
        ).fetchone()
    assert audited == 10 and started["placed"] == 10 and started["arms"] == {"lw": 5, "seg": 5}
    assert row[0] == "experiments" and row[1] == "derived" and row[2] and row[3]
    # Deterministic given the experiment and the people: placing again from scratch agrees.
    with runtime.db.connection() as conn:
        conn.execute("DELETE FROM experiment")
    create(runtime, definition())
    assert arms(runtime) == placed


def test_experiments_opted_out_people_are_excluded_and_counted(runtime, everyone):
    out = everyone[3]
    with runtime.db.connection() as conn:
        conn.execute(
            "INSERT INTO policy_opt_out (learner_id, family) VALUES (%s, 'job_profile')", (out,)
        )
    done = create(runtime, definition())
    assert out not in arms(runtime) and done.placed == 9
    assert done.excluded == {"opt_out:job_profile": 1}
    with runtime.db.connection() as conn:
        assert store.get(conn, "lw-vs-seg").excluded == {"opt_out:job_profile": 1}
    # Opting out after placement: left out of the analysis and counted, the arm kept.
    later = next(p for p in everyone if p != out)
    with runtime.db.connection() as conn:
        conn.execute(
            "INSERT INTO policy_opt_out (learner_id, family) VALUES (%s, 'job_profile')", (later,)
        )
        built = report.build(conn, runtime.governance, ADMIN, "lw-vs-seg")
    assert built.excluded == {"opt_out:job_profile": 1, "after placement, opt_out:job_profile": 1}
    assert sum(a.measured for a in built.arms if a.reported) <= 8


def test_experiments_primary_outcome_cannot_change_after_the_start(runtime, everyone):
    create(runtime, definition())
    changed = definition(primary_outcome={"metric": "completion", "horizon_days": 30})
    with pytest.raises(Conflict, match="create a new experiment"):
        create(runtime, changed)
    # Before the start, the definition may still change (nobody has been served an arm).
    later = (NOW + timedelta(days=5)).isoformat()
    create(runtime, definition(id="later", population={"roles": [], "start": later}))
    create(
        runtime,
        definition(
            id="later",
            population={"roles": [], "start": later},
            primary_outcome={"metric": "completion", "horizon_days": 60},
        ),
    )
    with runtime.db.connection() as conn:
        assert store.get(conn, "later").definition.primary_outcome.horizon_days == 60


def test_experiments_segmentation_arm_is_the_curriculum_in_order(runtime, everyone):
    create(runtime, definition())
    placed = arms(runtime)
    seg = next(p for p in everyone if placed[p] == "seg")
    lw = next(p for p in everyone if placed[p] == "lw")
    with runtime.db.connection() as conn:
        rows = conn.execute(
            "SELECT c.id, c.difficulty FROM content_item c JOIN content_skill s ON "
            "s.content_id = c.id WHERE s.skill_id IN ('feedback', 'coaching')"
        ).fetchall()
        done = {
            r[0]
            for r in conn.execute(
                "SELECT content_id FROM learning_event WHERE learner_id = %s AND completion",
                (seg,),
            )
        }
    curriculum = [r[0] for r in sorted(rows, key=lambda r: (r[1], str(r[0])))]
    expected = [c for c in curriculum if c not in done][:5]
    service = RecommendationService(runtime)
    ranking = service.recommend(seg, at=NOW, limit=5)
    assert [r.content_id for r in ranking.recommendations] == expected
    assert "team-lead curriculum" in ranking.recommendations[0].explanation.lower() or (
        "curriculum" in ranking.recommendations[0].explanation
    )
    full = service.recommend(lw, at=NOW, limit=5)
    assert {c.signal for r in full.recommendations for c in r.contributions} - {"segmentation"}
    # The batch (delivery's and the nightly run's path) serves the same arm.
    service.recommend_all(at=NOW + timedelta(minutes=1), learners=[seg, lw], limit=5)
    with runtime.db.connection() as conn:
        stored = [
            r[0]
            for r in conn.execute(
                "SELECT content_id FROM recommendation WHERE learner_id = %s AND "
                "generated_at = %s ORDER BY rank",
                (seg, NOW + timedelta(minutes=1)),
            )
        ]
        with_curriculum = conn.execute(
            "SELECT count(*) FROM recommendation WHERE learner_id = %s AND generated_at = %s "
            "AND contributions::text LIKE '%%segmentation%%'",
            (lw, NOW + timedelta(minutes=1)),
        ).fetchone()[0]
    assert stored == expected and with_curriculum == 0
    # Delivery chooses a digest's items through the same service: the curriculum again.
    digest = Claim(0, -1, seg, "digest", NOW.date(), "email", 0, "learned", None)
    with runtime.db.connection() as conn:
        chosen = choose_items(conn, service, digest, limit=3, at=NOW, store=False)
    assert [c for c, _ in chosen] == expected[:3]
    # Stopped: everyone gets the full ranking again.
    with runtime.db.connection() as conn:
        placement.stop(conn, runtime.governance, ADMIN, "lw-vs-seg", "enough")
    again = RecommendationService(runtime).recommend(seg, at=NOW + timedelta(hours=1), limit=5)
    assert all(c.signal != "segmentation" for r in again.recommendations for c in r.contributions)


def test_experiments_every_arm_gets_the_same_time_budget(runtime, everyone):
    create(runtime, definition(weekly_minutes=20))
    placed = arms(runtime)
    service = RecommendationService(runtime)
    with runtime.db.connection() as conn:
        durations = dict(conn.execute("SELECT id, duration_minutes FROM content_item"))
    for arm in ("lw", "seg"):
        for person in [p for p in everyone if placed[p] == arm][:2]:
            recs = service.recommend(person, at=NOW, limit=5).recommendations
            assert recs and sum(durations[r.content_id] for r in recs) <= 20, arm
    outsider = service.recommend(everyone[0], at=NOW - timedelta(days=3), limit=5)
    assert len(outsider.recommendations) == 5  # before the start: no budget, no arm


def test_experiments_without_arm_blocks_the_family_for_its_people(runtime, everyone):
    d = definition(
        arms=[
            {"name": "lw", "serve": "learnwire"},
            {"name": "nohr", "serve": "without:assessment_results"},
        ]
    )
    create(runtime, d)
    placed = arms(runtime)
    person = next(p for p in everyone if placed[p] == "nohr")
    other = next(p for p in everyone if placed[p] == "lw")
    service = RecommendationService(runtime)
    with runtime.db.connection() as conn:
        ranking, view = service.rank(conn, person, at=NOW)
        _, other_view = service.rank(conn, other, at=NOW)
    assert view.families["assessment_results"].reason == "experiment"
    assert not [e for e in view.events if "assessment_results" in e.families]
    assert other_view.families["assessment_results"].status != "blocked"
    blocked = [s for s in ranking.signals if s.status == "blocked"]
    assert blocked and all("experiment lw-vs-seg" in s.reason for s in blocked)


def test_experiments_bad_definitions_name_the_field(runtime, everyone):
    typo = [{"name": "a", "serve": "learnwire"}, {"name": "b", "serve": "segmentaton"}]
    with pytest.raises(ValidationFailed, match=r"arms\.1\.serve") as bad:
        parse({**definition().model_dump(mode="json"), "arms": typo})
    assert getattr(bad.value, "field", None) == "arms.1.serve"
    unknown = definition(arms=[{"name": "a", "serve": "learnwire"}, {"name": "b",
                                "serve": "without:horoscope"}])  # fmt: skip
    with pytest.raises(Exception, match="unknown signal family 'horoscope'"):
        create(runtime, unknown)


def _events(runtime: Any, people: list[Any], days_ago: list[int]) -> None:
    with runtime.db.connection() as conn:
        for person in people:
            for d in days_ago:
                conn.execute(
                    "INSERT INTO learning_event (statement_id, learner_id, source, "
                    "data_category, occurred_at, verb, object_id, completion, statement) "
                    "VALUES (gen_random_uuid(), %s, 'lms', 'behavioural', %s, "
                    "'http://adlnet.gov/expapi/verbs/experienced', 'https://x/a', false, '{}')",
                    (person, NOW - timedelta(days=d, hours=1)),
                )


def test_experiments_report_final_with_intervals_and_guards(runtime, everyone):
    d = definition(
        population={"roles": ["team-lead"], "start": (NOW - timedelta(days=40)).isoformat()}
    )
    create(runtime, d)
    placed = arms(runtime)
    lw = [p for p in everyone if placed[p] == "lw"]
    seg = [p for p in everyone if placed[p] == "seg"]
    _events(runtime, lw, [15, 16, 17, 18, 19, 20])
    _events(runtime, seg, [15, 16])
    _events(runtime, lw[:2] + seg[:2], [25, 26, 27])
    with runtime.db.connection() as conn:
        built = report.build(conn, runtime.governance, ADMIN, "lw-vs-seg")
    assert built.final and built.k == 5 and built.headline.startswith("final")
    by_arm = {a.name: a for a in built.arms}
    assert by_arm["lw"].reported and by_arm["lw"].measured == 5
    (effect,) = built.effects
    assert effect.arm == "lw" and effect.control == "seg"
    assert effect.difference is not None and effect.difference > 0
    assert (
        effect.low is not None
        and effect.high is not None
        and effect.low < effect.difference < effect.high
    )
    assert effect.test.startswith("Welch") and effect.mde is not None and not effect.provisional
    assert effect.standardized is not None and effect.standardized > 0
    text = report.render(built)
    assert "minimum detectable effect" in text and "sequential" in text


def test_experiments_report_withholds_arms_under_k_and_says_not_enough_data(runtime, everyone):
    three = (("lw", "learnwire"), ("seg", "segmentation"), ("lw2", "learnwire"))
    d = definition(arms=[{"name": n, "serve": s} for n, s in three])
    create(runtime, d)
    with runtime.db.connection() as conn:
        built = report.build(conn, runtime.governance, ADMIN, "lw-vs-seg")
    assert all(not a.reported and "fewer than k = 5" in a.note for a in built.arms)
    assert all(a.mean is None for a in built.arms)
    assert built.headline == "not enough data yet" and not built.final
    assert all(e.verdict == "not enough data yet" for e in built.effects)
    # A population under k in all: placed, and reported as not enough data (not refused).
    # People already in a running experiment are not placed in a second one.
    start = (NOW - timedelta(days=1)).isoformat()
    small = definition(id="small", population={"units": ["team-b"], "start": start})
    assert create(runtime, small).excluded == {"in_another_experiment": 4}
    with runtime.db.connection() as conn:
        placement.stop(conn, runtime.governance, ADMIN, "lw-vs-seg", "make room")
    assert create(runtime, small).placed == 4
    with runtime.db.connection() as conn:
        built = report.build(conn, runtime.governance, ADMIN, "small")
    assert sum(a.placed for a in built.arms) == 4 and built.headline == "not enough data yet"


@pytest.fixture
def run(runtime, monkeypatch):
    monkeypatch.setenv("LEARNWIRE_OPERATOR", "lena")
    runtime.pm.call_each("register_commands", cli=cli)
    runner = CliRunner()

    def invoke(*args: str, code: int = 0) -> Any:
        result = runner.invoke(cli, list(args), obj=runtime)
        assert result.exit_code == code, result.output
        return result

    return invoke


def test_experiments_cli_create_status_report_stop(run, everyone, tmp_path):
    file = tmp_path / "exp.yaml"
    file.write_text(json.dumps(definition().model_dump(mode="json")))
    file = file.rename(tmp_path / "exp.json")
    assert "10 placed now" in run("experiment", "create", str(file)).output
    status = json.loads(run("experiment", "status", "--json").output)
    assert status[0]["id"] == "lw-vs-seg" and status[0]["arms"] == {"lw": 5, "seg": 5}
    body = json.loads(run("experiment", "report", "lw-vs-seg", "--json").output)
    assert body["metric"] == "active_days" and not body["final"]
    assert "Primary outcome (pre-registered)" in run("experiment", "report", "lw-vs-seg").output
    changed = definition(primary_outcome={"metric": "completion", "horizon_days": 30})
    file.write_text(json.dumps(changed.model_dump(mode="json")))
    refused = run("experiment", "create", str(file), code=2)
    assert "create a new experiment" in refused.output
    bad = run("experiment", "create", "--id", "x", "--arm", "a=learnwire", "--metric",
              "completion", "--horizon-days", "30", "--weekly-minutes", "60", code=2)  # fmt: skip
    assert "arms" in bad.output and "at least 2" in bad.output
    assert "stopped" in run("experiment", "stop", "lw-vs-seg", "--reason", "done").output


def test_experiments_page_for_ld_admins(runtime, everyone, sample_org):
    create(runtime, definition())
    client = create_app(runtime).test_client()
    with runtime.db.connection() as conn:
        admin = open_session(
            conn, sample_org.small_team[0], via="oidc",
            claims={"groups": ["learning-and-development"]}, lifetime=timedelta(hours=1),
        )  # fmt: skip
        learner = open_session(conn, sample_org.big_team[0], via="lti", claims={},
                               lifetime=timedelta(hours=1))  # fmt: skip
    page = client.get(f"/learning-admin/experiments?door={admin}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "lw-vs-seg" in text and "fewer than k = 5 people measured" not in text
    assert '<th scope="row">lw</th><td>learnwire</td><td class="num">5</td>' in text
    assert client.get(f"/learning-admin/experiments?door={learner}").status_code == 403
    api = client.get("/api/v1/learning-admin/experiments", headers={"X-Learnwire-Door": admin})
    assert api.get_json()[0]["experiment"] == "lw-vs-seg"
    bad = client.post(
        "/api/v1/learning-admin/experiments",
        headers={"X-Learnwire-Door": admin},
        json={"id": "Bad Id"},
    )
    assert bad.status_code == 400 and "id" in bad.get_json()["detail"]
    assert "Experiments" in client.get(f"/learning-admin?door={admin}").get_data(as_text=True)
