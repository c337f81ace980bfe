"""Deep linking, grades (AGS) and rosters (NRPS) over real HTTP: the browser follows the
OIDC dance, the tool calls the platform's services with a service token, and the platform
checks every request it receives (client assertion, scopes, payloads)."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime

from click.testing import CliRunner

from learnwire.adapters.lti import keys
from learnwire.adapters.lti.cli import lti as lti_commands
from learnwire.core.cli.root import cli
from learnwire.core.models import DataCategory, EventResult, IdentityRef, LearningEvent
from learnwire.core.sources import SourceBatch

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
ROLE = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
INSTRUCTOR = [ROLE + "Instructor"]


def content_ids(page: str) -> list[str]:
    return re.findall(r'name="content_id" value="([0-9a-f-]{36})"', page)


def test_services_deep_linking_returns_signed_resource_links(
    browser, served_tool, platform, catalogue, html_forms
):
    picker = browser.launch(
        served_tool, hint="dl", message_type="LtiDeepLinkingRequest", roles=INSTRUCTOR
    )
    assert picker.status_code == 200, picker.text
    # The ranker is on, but this course has no learners yet: said plainly.
    assert "No recommendations for this course's learners today." in picker.text
    offered = content_ids(picker.text)
    assert sorted(offered) == sorted(str(i) for i in catalogue.values())
    [form] = [f for f in html_forms(picker.text) if f.method == "post"]
    chosen = [str(catalogue["fb-101"]), str(catalogue["sql-101"])]
    autopost = browser.submit(form, content_id=chosen, graded="1")
    assert autopost.status_code == 200, autopost.text
    [back] = html_forms(autopost.text)
    assert back.action == platform.url("/deep-link-return")
    done = browser.submit(back)
    assert done.status_code == 200, done.text
    assert platform.problems == []
    items = {i["custom"]["learnwire_content_id"]: i for i in platform.deep_links}
    assert set(items) == set(chosen)
    assert items[chosen[0]]["title"] == "Feedback that lands"
    assert items[chosen[0]]["lineItem"]["scoreMaximum"] == 100
    assert items[chosen[0]]["lineItem"]["resourceId"] == chosen[0]


def test_services_learner_cannot_deep_link(browser, served_tool, catalogue):
    page = browser.launch(served_tool, hint="dl", message_type="LtiDeepLinkingRequest")
    assert page.status_code == 403
    assert "Only instructors, managers and administrators" in page.text


def test_services_score_for_deep_linked_item_reaches_the_gradebook(
    browser, served_tool, platform, catalogue, lti_runtime, html_forms
):
    item = catalogue["fb-101"]
    line = platform.add_line_item({"label": "Feedback that lands", "scoreMaximum": 100})
    custom = {"learnwire_content_id": str(item)}
    page = browser.launch(
        served_tool,
        hint="rl",
        sub="learner-7",
        **{LTI + "custom": custom, AGS: platform.ags_claim(lineitem=line["id"])},
    )
    assert page.status_code == 200, page.text
    assert "Send my result to the course gradebook" in page.text
    _record_score(lti_runtime, platform.issuer, "learner-7", 0.85)
    [score_form] = [f for f in html_forms(page.text) if f.action.endswith("/score")]
    sent = browser.submit(score_form)
    assert sent.status_code == 200, sent.text
    assert "Your result (85 / 100) was sent" in sent.text
    assert platform.problems == []
    [score] = platform.scores
    assert score["userId"] == "learner-7"
    assert (score["scoreGiven"], score["scoreMaximum"]) == (85, 100)
    assert (score["activityProgress"], score["gradingProgress"]) == ("Completed", "FullyGraded")
    assert score["lineitem"] == line["id"]


def test_services_score_creates_the_line_item_when_the_launch_has_none(
    browser, served_tool, platform, catalogue, html_forms
):
    item = catalogue["sql-101"]
    page = browser.launch(
        served_tool,
        hint="rl2",
        **{LTI + "custom": {"learnwire_content_id": str(item)}, AGS: platform.ags_claim()},
    )
    [score_form] = [f for f in html_forms(page.text) if f.action.endswith("/score")]
    sent = browser.submit(score_form)
    assert sent.status_code == 200, sent.text
    assert platform.problems == []
    [created] = platform.line_items.values()
    assert created["resourceId"] == str(item) and created["resourceLinkId"] == "rl-1"
    assert created["label"] == "SQL joins" and created["tag"].startswith("learnwire:")
    [score] = platform.scores
    assert score["lineitem"] == created["id"]
    assert "scoreGiven" not in score, "nothing scored yet: progress only"
    assert (score["activityProgress"], score["gradingProgress"]) == ("Initialized", "NotReady")


def _members(platform) -> None:
    platform.members = [
        {
            "user_id": f"u{i}",
            "email": f"u{i}@example.org",
            "roles": [ROLE + "Learner"],
            "status": "Active",
        }
        for i in range(4)
    ] + [
        {"user_id": "gone", "roles": [ROLE + "Learner"], "status": "Inactive"},
        {"user_id": "boss", "roles": [ROLE + "Instructor"]},
    ]


def test_services_roster_pull_inside_a_launch(
    browser, served_tool, platform, lti_runtime, html_forms
):
    _members(platform)
    page = browser.launch(
        served_tool, hint="rl3", sub="boss", roles=INSTRUCTOR, **{NRPS: platform.nrps_claim()}
    )
    [roster_form] = [f for f in html_forms(page.text) if f.action.endswith("/roster")]
    done = browser.submit(roster_form)
    assert done.status_code == 200, done.text
    assert "Roster updated: 5 active members" in done.text
    assert platform.problems == []
    with lti_runtime.db.connection() as conn:
        learners = conn.execute("SELECT count(*) FROM learner").fetchone()[0]
        roles = dict(
            conn.execute(
                "SELECT role, count(*) FROM lti_course_membership WHERE context_id = 'course-42' "
                "GROUP BY role"
            ).fetchall()
        )
    assert learners == 5, "the launching instructor and the roster's 'boss' are one person"
    assert roles == {"learner": 4, "instructor": 1}


def test_services_roster_pull_with_service_token_from_the_cli(
    served_tool, platform, registered, lti_runtime
):
    _members(platform)
    cli.add_command(lti_commands)
    result = CliRunner().invoke(
        cli,
        [
            "lti",
            "roster",
            "pull",
            "--issuer",
            platform.issuer,
            "--json",
            "--context-memberships-url",
            platform.nrps_claim()["context_memberships_url"],
        ],
        obj=lti_runtime,
    )
    assert result.exit_code == 0, result.output
    assert platform.problems == []
    assert '"active": 5' in result.output and '"skipped_inactive": 1' in result.output
    again = CliRunner().invoke(
        cli,
        [
            "lti",
            "roster",
            "pull",
            "--issuer",
            platform.issuer,
            "--json",
            "--context-memberships-url",
            platform.nrps_claim()["context_memberships_url"],
        ],
        obj=lti_runtime,
    )
    assert '"learners_created": 0' in again.output, "a second pull links, never duplicates"


def _record_score(runtime, issuer: str, sub: str, scaled: float) -> None:
    event = LearningEvent(
        statement_id=uuid.uuid4(),
        subject=IdentityRef(kind="lti", namespace=issuer, value=sub),
        source="xapi",
        data_category=DataCategory.ASSESSMENT,
        occurred_at=datetime.now(UTC),
        verb="http://adlnet.gov/expapi/verbs/scored",
        object_id="https://library.example/activities/fb-101",
        result=EventResult(score_scaled=scaled, completion=True),
    )
    with runtime.db.connection() as conn:
        runtime.intake().store(conn, SourceBatch(events=[event]), source="xapi")


def _pull(lti_runtime, platform):
    cli.add_command(lti_commands)
    return CliRunner().invoke(
        cli,
        [
            "lti",
            "roster",
            "pull",
            "--issuer",
            platform.issuer,
            "--json",
            "--context-memberships-url",
            platform.nrps_claim()["context_memberships_url"],
        ],
        obj=lti_runtime,
    )


def _course_members(lti_runtime, platform) -> set[str]:
    with lti_runtime.db.connection() as conn:
        learners = {
            r[0]
            for r in conn.execute(
                "SELECT learner_id FROM lti_course_membership WHERE context_id = 'course-42'"
            )
        }
        resolver = lti_runtime.intake().resolver
        return {
            sub
            for sub in ("u0", "u1", "u2", "u3", "gone", "boss")
            if resolver.resolve_subjects(
                conn, [IdentityRef(kind="lti", namespace=platform.issuer, value=sub)], source="lti"
            )[0]
            in learners
        }


def test_services_roster_pull_ends_what_the_lms_ended(
    served_tool, platform, registered, lti_runtime
):
    _members(platform)
    platform.members[4]["status"] = "Active"  # "gone" is still in the course at first
    first = _pull(lti_runtime, platform)
    assert first.exit_code == 0, first.output
    assert _course_members(lti_runtime, platform) == {"u0", "u1", "u2", "u3", "gone", "boss"}

    platform.members[4]["status"] = "Inactive"  # set inactive in the LMS
    del platform.members[2]  # u2 removed from the course
    second = _pull(lti_runtime, platform)
    assert second.exit_code == 0, second.output
    assert _course_members(lti_runtime, platform) == {"u0", "u1", "u3", "boss"}
    assert json.loads(second.output)["memberships_ended"] == 2
    assert platform.problems == []


def test_services_second_placement_of_an_item_gets_its_own_grade_column(
    browser, served_tool, platform, catalogue, lti_runtime, html_forms
):
    item = str(catalogue["fb-101"])
    # The first placement's column, as the platform created it when the item was linked.
    first = platform.add_line_item(
        {
            "label": "Feedback that lands",
            "scoreMaximum": 100,
            "resourceId": item,
            "resourceLinkId": "rl-1",
            "tag": "learnwire",
        }
    )
    page = browser.launch(
        served_tool,
        hint="second",
        **{
            LTI + "custom": {"learnwire_content_id": item},
            LTI + "resource_link": {"id": "rl-2", "title": "Again"},
            AGS: platform.ags_claim(),  # only the line-items URL
        },
    )
    assert page.status_code == 200, page.text
    [score_form] = [f for f in html_forms(page.text) if f.action.endswith("/score")]
    sent = browser.submit(score_form)
    assert sent.status_code == 200, sent.text
    assert platform.problems == []
    [score] = platform.scores
    assert score["lineitem"] != first["id"], "the first placement's column is left alone"
    column = platform.line_items[score["lineitem"]]
    assert (column["resourceId"], column["resourceLinkId"]) == (item, "rl-2")

    again = browser.submit(score_form)
    assert again.status_code == 200, again.text
    assert platform.scores[1]["lineitem"] == score["lineitem"], "found again, not re-created"
    assert len(platform.line_items) == 2


def test_services_refused_access_token_is_named_with_its_likely_cause(
    served_tool, platform, registered, lti_runtime
):
    _members(platform)
    cli.add_command(lti_commands)
    with lti_runtime.db.connection() as conn:
        platform.pasted_tool_kid = keys.active(conn).kid
    rotated = CliRunner().invoke(cli, ["lti", "keys", "rotate"], obj=lti_runtime)
    assert rotated.exit_code == 0, rotated.output
    failed = _pull(lti_runtime, platform)
    assert failed.exit_code == 2, failed.output
    message = failed.output
    assert "access-token request to " + platform.url("/token") in message
    assert "HTTP 500" in message and "old copy of the tool's public key" in message
    assert "roster call" not in message
    assert "<html" not in message and "token.php" not in message, "no HTML body dumped"
