"""Learners rate, dismiss and state priorities from their LTI page, and the next page shows
the ranker's answer: POST, redirect, and a re-ranked list with a one-line confirmation.
Ratings are tied to the launch id in the URL and to the learner of that launch; the launch
also signs the learner in for the JSON API where the browser keeps cookies."""

from __future__ import annotations

import html
import os
import re
import sys
from typing import Any
from urllib.parse import urlsplit

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "fixtures"))
library = __import__("learning_library")
sys.path.pop(0)

ROLE = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
FEEDBACK_VERBS = "https://learnwire.dev/xapi/verbs/%"


@pytest.fixture
def items(lti_runtime, platform) -> dict[str, Any]:
    """The library, and the LMS's user-1 and user-2 are team leads in HR."""
    found = library.seed_library(lti_runtime)
    for sub in ("user-1", "user-2"):
        library.give_role(lti_runtime, platform.issuer, sub)
    return found


def recommended(page: str) -> list[str]:
    block = page.split("Recommended for you now</h2>")[1].split("</ul>")[0]
    return re.findall(r"<strong>([^<]+)</strong>", block)


def launch_id_of(page: str) -> str:
    return re.search(r"/lti/launch/([^/\"]+)/feedback", page)[1]


def confirmation(page: str) -> str | None:
    found = re.search(r'<div class="notice" role="status">([^<]*)</div>', page)
    return html.unescape(found[1]) if found else None


def follow(client: Any, response: Any) -> str:
    """The GET after a POST/redirect; the Location is the tool's public launch URL."""
    assert response.status_code == 303, response.get_data(as_text=True)
    location = urlsplit(response.headers["Location"])
    page = client.get(f"{location.path}?{location.query}")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def rate(client: Any, launch_id: str, content_id: Any, verdict: str) -> Any:
    return client.post(
        f"/lti/launch/{launch_id}/feedback",
        data={"content_id": str(content_id), "verdict": verdict},
    )


def feedback_events(runtime: Any) -> list[tuple[Any, ...]]:
    with runtime.db.connection() as conn:
        return conn.execute(
            "SELECT learner_id, content_id, verb, data_category::text FROM learning_event "
            "WHERE verb LIKE %s ORDER BY stored_at",
            (FEEDBACK_VERBS,),
        ).fetchall()


def learner_of(runtime: Any, launch_id: str) -> Any:
    with runtime.db.connection() as conn:
        return conn.execute(
            "SELECT learner_id FROM lti_launch WHERE launch_id = %s", (launch_id,)
        ).fetchone()[0]


def test_learner_feedback_page_offers_ratings_and_priorities(lti, items):
    page = lti.launch().get_data(as_text=True)
    shown = recommended(page)
    assert shown and "SQL joins" not in shown
    launch_id = launch_id_of(page)
    first = shown[0]
    for label in ("Useful", "Not useful", "Dismiss", "More like this"):
        assert f'aria-label="{label}: {first}">{label}</button>' in page
    assert page.count(f"/lti/launch/{launch_id}/feedback") == len(shown)
    assert f'value="{items[first]}"' in page
    priorities = page.split("What matters to you now?")[1]
    assert f"/lti/launch/{launch_id}/priorities" in priorities
    assert '<label for="priority-1">Coaching</label>' in priorities
    assert 'name="priority:feedback"' in priorities
    assert '<option value="sql">SQL (data)</option>' in priorities, "other skills can be added"


def test_learner_feedback_dismiss_is_confirmed_and_the_item_is_gone(lti, items, lti_runtime):
    page = lti.launch().get_data(as_text=True)
    launch_id, first = launch_id_of(page), recommended(page)[0]
    posted = rate(lti.client, launch_id, items[first], "dismiss")
    assert posted.headers["Location"].endswith(f"/lti/launch/{launch_id}?done=dismiss")
    after = follow(lti.client, posted)
    assert confirmation(after) == "Thanks — we won't recommend that one again."
    assert first not in recommended(after)
    assert len(recommended(after)) >= len(recommended(page)) - 1
    [(learner, content, verb, category)] = feedback_events(lti_runtime)
    assert (learner, content) == (learner_of(lti_runtime, launch_id), items[first])
    assert verb.endswith("/dismiss") and category == "feedback"
    reloaded = lti.client.get(f"/lti/launch/{launch_id}").get_data(as_text=True)
    assert confirmation(reloaded) is None and first not in recommended(reloaded)

    second = recommended(after)[0]
    not_useful = follow(lti.client, rate(lti.client, launch_id, items[second], "not_useful"))
    assert confirmation(not_useful) == "Thanks — we'll show fewer like this."
    assert second not in recommended(not_useful)


def test_learner_feedback_priority_and_more_like_this_bring_a_skill_in(lti, items):
    sql = set(library.TITLES["sql"].split("|"))
    page = lti.launch().get_data(as_text=True)
    launch_id = launch_id_of(page)
    assert not sql & set(recommended(page)), "SQL is not part of a team lead's role"

    stated = lti.client.post(
        f"/lti/launch/{launch_id}/priorities",
        data={"priority:feedback": "0", "priority:coaching": "0", "add_skill": "sql"}
        | {"add_weight": "0.5"},
    )
    after = follow(lti.client, stated)
    assert (
        confirmation(after)
        == "Thanks — your priorities are saved, and the list below follows them."
    )
    brought = [t for t in recommended(after) if t in sql]
    assert brought, recommended(after)
    assert "You said SQL matters to you now" in after
    assert 'name="priority:sql"' in after and '<option value="0.5" selected>Matters' in after

    liked = follow(lti.client, rate(lti.client, launch_id, items[brought[0]], "more_like_this"))
    assert confirmation(liked) == "Thanks — we'll show more like this."
    more = [t for t in recommended(liked) if t in sql]
    assert len(more) > len(brought), (brought, more)

    again = lti.client.post(
        f"/lti/launch/{launch_id}/priorities",
        data={"priority:feedback": "0", "priority:coaching": "0", "priority:sql": "0.5"},
    )
    assert confirmation(follow(lti.client, again)) == (
        "Your priorities are as they were; nothing changed."
    )


def test_learner_feedback_refuses_another_learners_or_a_forged_launch(app, lti, items, lti_runtime):
    ada_page = lti.launch().get_data(as_text=True)
    ada_launch, first = launch_id_of(ada_page), recommended(ada_page)[0]
    bob = lti.with_client(app.test_client())
    bob.launch(sub="user-2")

    other = rate(bob.client, ada_launch, items[first], "dismiss")
    assert other.status_code == 403
    assert "unbound_launch" in other.get_data(as_text=True), "Bob's browser did not launch it"
    # Even with Ada's page (and its token) left open in a browser Bob is signed in to.
    token = re.search(r'name="launch_token" value="([0-9a-f]+)"', ada_page)[1]
    shared = bob.client.post(
        f"/lti/launch/{ada_launch}/feedback",
        data={"content_id": str(items[first]), "verdict": "dismiss", "launch_token": token},
    )
    assert shared.status_code == 403
    assert "belongs to another person" in shared.get_data(as_text=True)
    priorities = bob.client.post(
        f"/lti/launch/{ada_launch}/priorities", data={"priority:feedback": "1"}
    )
    assert priorities.status_code == 403

    forged = rate(
        bob.client, "lti1p3-launch-00000000-0000-0000-0000-000000000000", items[first], "dismiss"
    )
    assert forged.status_code == 404
    assert "unknown or has expired" in forged.get_data(as_text=True)
    assert feedback_events(lti_runtime) == []
    assert first in recommended(lti.client.get(f"/lti/launch/{ada_launch}").get_data(as_text=True))


def test_learner_feedback_needs_a_confirmed_launch(app, lti, items, platform):
    cookieless = lti.with_client(app.test_client(use_cookies=False))
    login = cookieless.login(lti_storage_target="_parent")
    pending = cookieless.post_launch(platform.id_token(platform.claims(login.nonce)), login.state)
    launch_id = re.search(r'name="launch_id" value="([^"]+)"', pending.get_data(as_text=True))[1]
    refused = rate(cookieless.client, launch_id, items["SQL joins"], "useful")
    assert refused.status_code == 403
    assert "unverified_launch" in refused.get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "status", "reason"),
    [
        ({"content_id": "not-an-id", "verdict": "useful"}, 400, "is not a content item id"),
        ({"verdict": "useful"}, 400, "named no item"),
        ({"content_id": "{sql}", "verdict": "meh"}, 400, "'meh' is not a rating"),
        ({"content_id": "00000000-0000-0000-0000-000000000001", "verdict": "useful"}, 404, ""),
    ],
)
def test_learner_feedback_bad_rating_gets_a_clear_4xx_page(lti, items, data, status, reason):
    launch_id = launch_id_of(lti.launch().get_data(as_text=True))
    data = {k: v.format(sql=items["SQL joins"]) for k, v in data.items()}
    response = lti.client.post(f"/lti/launch/{launch_id}/feedback", data=data)
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == status, page
    assert 'role="alert"' in page and reason in page
    if status == 404:
        assert "no content item" in page


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ({"priority:astrology": "1"}, "Unknown skill(s): astrology"),
        ({"priority:sql": "2"}, "must be between 0 and 1"),
        ({"priority:sql": "lots"}, "is not a number"),
        ({"priority:sql": "nan"}, "must be between 0 and 1"),
        ({"add_skill": "", "add_weight": "1"}, "named no skills"),
        ({"add_skill": "sql", "add_weight": "-1"}, "must be between 0 and 1"),
    ],
)
def test_learner_feedback_bad_priorities_get_a_clear_4xx_page(lti, items, data, reason):
    launch_id = launch_id_of(lti.launch().get_data(as_text=True))
    response = lti.client.post(f"/lti/launch/{launch_id}/priorities", data=data)
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 400, page
    assert "Your feedback was not saved" in page and reason in page


def test_learner_feedback_catalogue_pages_offer_no_ratings(lti, lti_runtime, items):
    lti_runtime.settings.plugins["lti"] = {"offer_source": "catalogue"}
    page = lti.launch().get_data(as_text=True)
    assert "Feedback that lands" in page
    assert 'name="verdict"' not in page and "What matters to you now?" not in page


def test_learner_feedback_launch_signs_in_for_the_json_api(app, lti, items, lti_runtime):
    page = lti.launch().get_data(as_text=True)
    learner = learner_of(lti_runtime, launch_id_of(page))
    with lti.client.session_transaction() as session:
        assert session["learnwire_learner_id"] == str(learner)
        assert session["learnwire_role"] == "learner"
    api = f"/api/v1/learners/{learner}"
    listed = lti.client.get(f"{api}/recommendations?limit=3")
    assert listed.status_code == 200, listed.get_json()
    top = listed.get_json()["recommendations"][0]["item"]
    assert top["title"] in recommended(page)
    rated = lti.client.post(f"{api}/feedback", json={"content_id": top["id"], "verdict": "dismiss"})
    assert rated.status_code == 201, rated.get_json()
    assert top["title"] not in recommended(
        lti.client.get(f"/lti/launch/{launch_id_of(page)}").get_data(as_text=True)
    )

    teacher = lti.with_client(app.test_client())
    teacher.launch(sub="teacher-1", roles=[ROLE + "Instructor"])
    with teacher.client.session_transaction() as session:
        assert session["learnwire_role"] == "manager"
        someone_else = session["learnwire_learner_id"]
    assert someone_else != str(learner)
    assert teacher.client.get(f"{api}/recommendations").status_code == 403
    assert (
        teacher.client.post(
            f"{api}/feedback", json={"content_id": top["id"]} | {"verdict": "useful"}
        ).status_code
        == 403
    )

    cookieless = lti.with_client(app.test_client(use_cookies=False))
    assert cookieless.launch(sub="user-2").status_code == 200
    assert cookieless.client.get(f"{api}/recommendations").status_code == 401


@pytest.mark.parametrize(
    ("data", "named"),
    [
        ({"priority:sql\x00": "1"}, "priority:sql\\x00"),
        ({"add_skill": "sql\x00", "add_weight": "1"}, "add_skill"),
        ({"priority:sql": "1\x00"}, "priority:sql"),
    ],
)
def test_learner_feedback_nul_in_priorities_is_a_400(lti, items, lti_runtime, data, named):
    launch_id = launch_id_of(lti.launch().get_data(as_text=True))
    response = lti.client.post(f"/lti/launch/{launch_id}/priorities", data=data)
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 400, page
    assert f"parameter '{named}' contains a NUL character" in page
    assert feedback_events(lti_runtime) == []
