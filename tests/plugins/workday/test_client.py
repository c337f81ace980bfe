"""The Workday client against a fake tenant that checks the OAuth flow."""

from __future__ import annotations

import pytest

from learnwire.plugins.workday.client import (
    WorkdayAccessDenied,
    WorkdayAuthError,
    WorkdayClient,
    WorkdayUnavailable,
)
from learnwire.testing import FakeClock


def _client(fake_workday, clock=None, **kw):
    fw_url = fake_workday.url
    values = {
        "host": fw_url,
        "tenant": "acme",
        "client_id": "lw-client",
        "client_secret": "lw-secret",
        "refresh_token": "lw-refresh-token",
        "token_url": f"{fw_url}/ccx/oauth2/acme/token",
        "backoff": 0.25,
        **kw,
    }
    slept: list[float] = []
    client = WorkdayClient(**values, clock=clock or FakeClock(), sleep=slept.append)
    return client, slept


def test_client_uses_the_refresh_token_grant_and_a_bearer_on_every_call(fake_workday):
    client, _ = _client(fake_workday)
    workers = list(client.rest("workers", page_size=3))
    client.report("ISU_LW/LW_Goals")
    tenant = fake_workday.tenant
    assert [w["id"] for w in workers] == ["W-1", "W-2", "W-3", "W-4"]
    assert len(tenant.token_requests) == 1
    request = tenant.token_requests[0]
    assert request["form"] == {"grant_type": "refresh_token", "refresh_token": "lw-refresh-token"}
    assert request["client"] == "lw-client:lw-secret"
    assert tenant.rejected == []
    assert len(tenant.api_requests) == 3


def test_client_pages_rest_collections_with_limit_and_offset(fake_workday):
    client, _ = _client(fake_workday)
    list(client.rest("workers", page_size=3))
    pages = [r["args"] for r in fake_workday.tenant.api_requests]
    assert pages == [{"limit": "3", "offset": "0"}, {"limit": "3", "offset": "3"}]


def test_client_refreshes_when_the_tenant_expires_the_token(fake_workday):
    fake_workday.tenant.token_uses = 1
    client, _ = _client(fake_workday)
    assert len(list(client.rest("workers", page_size=1))) == 4
    tenant = fake_workday.tenant
    assert tenant.rejected == ["expired or unknown token"] * 3
    assert len(tenant.token_requests) == 4


def test_client_refreshes_before_the_stated_expiry(fake_workday):
    fake_workday.tenant.expires_in = 600
    clock = FakeClock()
    client, _ = _client(fake_workday, clock=clock)
    client.report("ISU_LW/LW_Goals")
    clock.advance(minutes=9, seconds=30)  # inside the one-minute safety margin
    client.report("ISU_LW/LW_Goals")
    assert len(fake_workday.tenant.token_requests) == 2
    assert fake_workday.tenant.rejected == []


def test_client_explains_a_refused_refresh_token(fake_workday):
    client, _ = _client(fake_workday, refresh_token="revoked")
    with pytest.raises(WorkdayAuthError) as caught:
        client.report("ISU_LW/LW_Goals")
    assert "Invalid refresh token" in str(caught.value)
    assert "REFRESH_TOKEN" in str(caught.value)


def test_client_reports_missing_domain_security(fake_workday):
    fake_workday.tenant.forbidden.add("/ccx/service/customreport2/acme/ISU_LW/LW_Goals")
    client, _ = _client(fake_workday)
    with pytest.raises(WorkdayAccessDenied) as caught:
        client.report("ISU_LW/LW_Goals")
    assert "report ISU_LW/LW_Goals" in str(caught.value)


def test_client_retries_server_errors(fake_workday):
    fake_workday.tenant.failures = [502, 503]
    client, slept = _client(fake_workday)
    assert client.report("ISU_LW/LW_Goals")[0]["Goal_ID"] == "G-1"
    assert slept == [0.25, 0.5]
    fake_workday.tenant.failures = [500] * 5
    with pytest.raises(WorkdayUnavailable):
        _client(fake_workday, retries=1)[0].report("ISU_LW/LW_Goals")
