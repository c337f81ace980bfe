"""The app factory: health reporting and problem-details errors."""

from __future__ import annotations

from learnwire.core.config import Settings
from learnwire.core.runtime import Runtime
from learnwire.core.web.app import create_app


def test_app_healthz_reports_database_and_in_process_broker(runtime):
    response = create_app(runtime).test_client().get("/healthz")
    body = response.get_json()
    assert response.status_code == 200
    assert body["status"] == "ok"
    assert body["database"]["status"] == "ok"
    assert body["database"]["migrations_applied"] >= 1
    assert body["broker"]["status"] == "in-process"


def test_app_healthz_with_real_redis(database_url, tmp_path, pm, db, redis_url):
    settings = Settings(database_url=database_url, data_dir=tmp_path, redis_url=redis_url)
    body = create_app(Runtime(settings, pm=pm, db=db)).test_client().get("/healthz").get_json()
    assert body["broker"] == {"status": "ok"}


def test_app_healthz_degraded_when_broker_down(database_url, tmp_path, pm, db):
    settings = Settings(
        database_url=database_url, data_dir=tmp_path, redis_url="redis://127.0.0.1:1/0"
    )
    response = create_app(Runtime(settings, pm=pm, db=db)).test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["broker"]["status"] == "error"


def test_app_unknown_route_is_problem_json(runtime):
    response = create_app(runtime).test_client().get("/no/such/page")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 404
