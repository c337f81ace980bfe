"""Sections built on other plugins (experiments, curation) exist only when those plugins are
loaded: left out by the allow-list or disabled, their pages and API answer 404, nothing links
to them and the OpenAPI document does not describe them; the rest of /learning-admin works."""

from __future__ import annotations

import re
import sys
from datetime import timedelta
from html import unescape
from importlib import metadata

import psycopg
import pytest

from learnwire.core.plugins import get_plugin_manager
from learnwire.core.runtime import Runtime
from learnwire.core.store import Database
from learnwire.core.store import migrations as migration_runner
from learnwire.core.web.app import create_app
from learnwire.plugins.pages.sections import SECTIONS, mounted
from learnwire.plugins.pages.signin import open_session
from learnwire.testing import empty_store

from ...conftest import fixture_module, make_settings

L_AND_D = ["learning-and-development"]
EXPERIMENTS = {
    "page": "/learning-admin/experiments",
    "api": ("/api/v1/learning-admin/experiments",),
    "link": "Experiments",
    "schemas": {"Report", "ExperimentDefinition"},
}
CURATION = {
    "page": "/learning-admin/curation",
    "api": ("/api/v1/learning-admin/curation",),
    "link": "Curation: gaps, stale items, duplicates, tag review",
    "schemas": set(),
}
BY_PLUGIN = {"experiments": EXPERIMENTS, "catalogue": CURATION}
BARE_DATABASE = "learnwire_test_sections"


def _every_plugin() -> set[str]:
    return {ep.name for ep in metadata.entry_points(group="learnwire")}


def _runtime(database_url, tmp_path, db, *, without=(), disable=()) -> Runtime:
    settings = make_settings(
        database_url, tmp_path, plugins_allow=sorted(_every_plugin() - set(without))
    )
    pm = get_plugin_manager(settings)
    for name in disable:
        pm.disable(name, "its hook raised (as the plugin manager records a failure)")
    return Runtime(settings, pm=pm, db=db)


def _admin(db, learner_id) -> str:
    with db.connection() as conn:
        return open_session(
            conn,
            learner_id,
            via="oidc",
            claims={"groups": L_AND_D},
            lifetime=timedelta(hours=1),
        )


def _links(client, token) -> str:
    response = client.get(f"/learning-admin?door={token}")
    assert response.status_code == 200
    return unescape(response.get_data(as_text=True))


def _check_absent(app, token, section) -> None:
    client = app.test_client()
    page = _links(client, token)
    assert f">{section['link']}</a>" not in page
    assert "Learning outcomes over time" in page and "Same-Role Divergence" in page
    assert client.get(f"{section['page']}?door={token}").status_code == 404
    for path in section["api"]:
        for call in (client.get, client.post):
            response = call(path, headers={"X-Learnwire-Door": token}, json={})
            assert response.status_code == 404, (path, response.status_code)
    doc = client.get("/api/v1/openapi.json").get_json()
    assert not set(section["api"]) & set(doc["paths"])
    assert not section["schemas"] & set(doc["components"]["schemas"])
    assert "/api/v1/learning-admin" in doc["paths"]
    # What the document describes is exactly what the app serves, still.
    served = {
        re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/learning-admin")
    }
    assert served == {p for p in doc["paths"] if p.startswith("/api/v1/learning-admin")}


def _check_present(app, token, section) -> None:
    client = app.test_client()
    assert f">{section['link']}</a>" in _links(client, token)
    assert client.get(f"{section['page']}?door={token}").status_code == 200
    doc = client.get("/api/v1/openapi.json").get_json()
    assert set(section["api"]) <= set(doc["paths"])
    assert section["schemas"] <= set(doc["components"]["schemas"])


def test_sections_every_one_is_mounted_when_its_plugin_is_loaded(
    database_url, tmp_path, db, sample_org
):
    app = create_app(_runtime(database_url, tmp_path, db))
    assert [s.name for s in mounted(app)] == [s.name for s in SECTIONS]
    token = _admin(db, sample_org.small_team[0])
    for section in BY_PLUGIN.values():
        _check_present(app, token, section)


@pytest.mark.parametrize("plugin", sorted(BY_PLUGIN))
def test_sections_plugin_left_out_by_allow_list_hides_its_section(
    plugin, database_url, tmp_path, db, sample_org
):
    runtime = _runtime(database_url, tmp_path, db, without=[plugin])
    assert runtime.pm.infos[plugin].status == "skipped"
    app = create_app(runtime)
    token = _admin(db, sample_org.small_team[0])
    _check_absent(app, token, BY_PLUGIN[plugin])
    (other,) = set(BY_PLUGIN) - {plugin}
    _check_present(app, token, BY_PLUGIN[other])


@pytest.mark.parametrize("plugin", sorted(BY_PLUGIN))
def test_sections_disabled_plugin_hides_its_section(plugin, database_url, tmp_path, db, sample_org):
    runtime = _runtime(database_url, tmp_path, db, disable=[plugin])
    assert runtime.pm.infos[plugin].status == "disabled"
    app = create_app(runtime)
    _check_absent(app, _admin(db, sample_org.small_team[0]), BY_PLUGIN[plugin])


def test_sections_plugin_that_fails_to_import_takes_only_its_section(
    database_url, tmp_path, db, sample_org, monkeypatch
):
    # A module set to None in sys.modules cannot be imported: the loader's real failure path.
    monkeypatch.setitem(sys.modules, "learnwire.plugins.experiments.plugin", None)
    runtime = _runtime(database_url, tmp_path, db)
    assert runtime.pm.infos["experiments"].status == "disabled"
    assert "failed to import" in runtime.pm.infos["experiments"].reason
    assert runtime.pm.infos["pages"].status == "loaded"
    app = create_app(runtime)
    token = _admin(db, sample_org.small_team[0])
    _check_absent(app, token, EXPERIMENTS)
    _check_present(app, token, CURATION)


@pytest.fixture(scope="module")
def bare_db(pg_admin_url, tmp_path_factory):
    """A database migrated without the experiments and catalogue plugins: their tables do
    not exist, as for an operator who never allowed them."""
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BARE_DATABASE}"')
        conn.execute(f'CREATE DATABASE "{BARE_DATABASE}"')
    url = pg_admin_url.replace("@/postgres?", f"@/{BARE_DATABASE}?", 1)
    settings = make_settings(
        url,
        tmp_path_factory.mktemp("bare"),
        plugins_allow=sorted(_every_plugin() - set(BY_PLUGIN)),
    )
    db = Database(url, min_size=1, max_size=4)
    migration_runner.upgrade(db, get_plugin_manager(settings).collect("register_migrations"))
    yield url, db
    db.close()
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{BARE_DATABASE}"')


def test_sections_without_their_tables_learning_admin_still_works(bare_db, tmp_path):
    url, db = bare_db
    empty_store(db)
    with db.connection() as conn:
        missing = conn.execute(
            "SELECT to_regclass('experiment') IS NULL AND to_regclass('skill_tag') IS NULL"
        ).fetchone()
    assert missing == (True,)
    runtime = _runtime(url, tmp_path, db, without=list(BY_PLUGIN))
    org = fixture_module("pages_org").build(
        runtime, fixture_module("learning_library").seed_library(runtime)
    )
    app = create_app(runtime)
    assert mounted(app) == ()
    token = _admin(db, org.small_team[0])
    for section in BY_PLUGIN.values():
        _check_absent(app, token, section)
    client = app.test_client()
    assert (
        client.get("/api/v1/learning-admin", headers={"X-Learnwire-Door": token}).status_code == 200
    )
