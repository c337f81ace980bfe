"""The landing page and learner pages render what the store holds, and no identifiers."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta
from html import unescape

import pytest

from learnwire.core.web.app import create_app
from learnwire.plugins.demo.loader import load_demo
from learnwire.plugins.demo.overview import DemoPages
from learnwire.plugins.demo.overview_queries import PAGE_SIZE
from learnwire.plugins.demo.source import DemoParameters

PARAMS = DemoParameters(seed=31, learners=60, today=date(2026, 11, 20))
LEARNER_LINK = re.compile(r'href="/learners/([0-9a-f-]{36})"')


@pytest.fixture
def client(runtime, db):
    load_demo(runtime, PARAMS)
    runtime.pm.add_plugin(DemoPages(), name="demo-pages")  # as `learnwire demo --serve` does
    return create_app(runtime).test_client()


def _text(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/html"
    return unescape(response.get_data(as_text=True))


def _no_identifiers(page: str) -> None:
    assert not re.search(r"E0\d{5}|@larkspur\.example|mailto:", page)


def test_overview_shows_the_organisation_profiles_catalogue_and_learners(client, db):
    page = _text(client.get("/"))
    with db.connection() as conn:
        departments = conn.execute(
            "SELECT d.name, count(DISTINCT t.external_id) FROM org_unit d JOIN org_unit t "
            "ON t.parent_external_id = d.external_id WHERE d.kind = 'department' GROUP BY 1"
        ).fetchall()
        profile, skill = conn.execute(
            "SELECT p.name, s.name FROM job_profile p JOIN job_profile_skill r "
            "ON r.job_profile_id = p.id JOIN skill s ON s.id = r.skill_id LIMIT 1"
        ).fetchone()
        formats = conn.execute("SELECT format, count(*) FROM content_item GROUP BY 1").fetchall()
        first_ids = [
            str(r[0])
            for r in conn.execute("SELECT id FROM learner ORDER BY id LIMIT %s", (PAGE_SIZE,))
        ]
    assert len(departments) == 10
    for name, teams in departments:
        assert f"{name}: {teams} team" in page
    assert profile in page and skill in page
    for fmt, n in formats:
        assert re.search(rf"<td>{fmt}</td><td class=\"num\">{n}</td>", page)
    assert "60</strong> learners" in page
    assert LEARNER_LINK.findall(page) == first_ids
    assert "page 1 of 2" in page
    second = _text(client.get("/?page=2"))
    assert len(LEARNER_LINK.findall(second)) == 60 - PAGE_SIZE
    _no_identifiers(page)
    _no_identifiers(second)


def test_overview_filters_learners_by_team(client, db):
    with db.connection() as conn:
        unit, name, size = conn.execute(
            "SELECT u.external_id, u.name, count(*) FROM org_unit u JOIN team_membership m "
            "ON m.unit_external_id = u.external_id WHERE u.kind = 'team' "
            "GROUP BY 1, 2 ORDER BY 3 DESC, 1 LIMIT 1"
        ).fetchone()
    page = _text(client.get(f"/?unit={unit}"))
    assert f"Learners in {name}" in page
    assert "60</strong> learners" in page  # the totals stay the organisation's
    assert len(LEARNER_LINK.findall(page)) == size
    assert client.get("/?unit=no-such-team").status_code == 404
    assert client.get("/?page=zero").status_code == 400


def test_overview_learner_page_shows_recommendations_with_reasons(client, db):
    page = _text(client.get("/"))
    learner = LEARNER_LINK.findall(page)[3]
    detail = _text(client.get(f"/learners/{learner}"))
    section = detail.split('id="recommended"')[1].split('id="role"')[0]
    assert section.count("<li>") == 5
    assert "score" in section and "expected progress" in section
    _no_identifiers(detail)


def test_overview_learner_page_shows_role_activity_situations_and_role_items(client, db):
    with db.connection() as conn:
        learner_id, role, profile_id = conn.execute(
            "SELECT f.learner_id, p.name, p.id FROM hr_fact f JOIN job_profile p "
            "ON p.id = f.value #>> '{}' WHERE f.fact_type = 'job_profile' AND EXISTS ("
            "SELECT 1 FROM learning_event e WHERE e.learner_id = f.learner_id "
            "AND e.occurred_at > %s) ORDER BY f.learner_id LIMIT 1",
            (PARAMS.as_of - timedelta(days=30),),
        ).fetchone()
        verbs = conn.execute(
            "SELECT split_part(verb, '/', -1), count(*) FROM learning_event WHERE learner_id = %s "
            "AND occurred_at > %s GROUP BY 1",
            (learner_id, PARAMS.as_of - timedelta(days=30)),
        ).fetchall()
        situations = conn.execute(
            "SELECT count(*) FROM calendar_signal WHERE learner_id = %s", (learner_id,)
        ).fetchone()[0]
        top_skill = conn.execute(
            "SELECT s.name FROM job_profile_skill r JOIN skill s ON s.id = r.skill_id "
            "WHERE r.job_profile_id = %s ORDER BY r.weight * r.target_level DESC, r.skill_id "
            "LIMIT 1",
            (profile_id,),
        ).fetchone()[0]
        titles = {
            r[0]
            for r in conn.execute(
                "SELECT c.title FROM content_item c JOIN content_skill cs ON cs.content_id = c.id "
                "JOIN skill s ON s.id = cs.skill_id WHERE s.name = %s",
                (top_skill,),
            )
        }
    page = _text(client.get(f"/learners/{learner_id}"))
    assert str(learner_id) in page and role in page
    for verb, n in verbs:
        assert re.search(rf"<td>{verb}</td><td class=\"num\">{n}</td>", page)
    assert "Data as of Fri 20 Nov 2026" in page
    assert page.count("<td>") >= min(situations, 12)
    assert top_skill in page
    shown = re.findall(
        r'<li><a href="https://learn\.larkspur\.example/library/[^"]+">([^<]+)</a>', page
    )
    assert len(shown) >= 3 and set(shown) & titles
    _no_identifiers(page)


def test_overview_unknown_learner_is_404(client):
    response = client.get(f"/learners/{uuid.uuid4()}")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert client.get("/learners/not-a-uuid").status_code == 404


def test_overview_on_an_empty_store_says_so(runtime, db):
    runtime.pm.add_plugin(DemoPages(), name="demo-pages")
    page = _text(create_app(runtime).test_client().get("/"))
    assert "No organisation is stored yet" in page and "No learners are stored yet" in page


def test_overview_pages_are_never_mounted_by_serve(runtime, db):
    # Individual learners' activity without sign-in: never on a production server. The demo
    # plugin is loaded from its entry point here, as for `learnwire serve`.
    assert runtime.pm.infos["demo"].status == "loaded"
    response = create_app(runtime).test_client().get("/learners/" + str(uuid.uuid4()))
    assert response.status_code == 404
    assert create_app(runtime).test_client().get("/").status_code == 404
