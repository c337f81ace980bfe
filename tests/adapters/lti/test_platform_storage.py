"""The LTI platform-storage (postMessage) flow: state and nonce go into the LMS's own frame at
login and are read back by the launch page, so no third-party cookie is needed."""

from __future__ import annotations

import re


def test_platform_storage_login_page_stores_state_and_nonce_then_continues(lti, platform):
    login = lti.login(lti_storage_target="_parent")
    page = login.response.get_data(as_text=True)
    assert login.response.status_code == 200
    assert '"lti.put_data"' in page
    assert f'"state_{login.state}": "{login.state}"' in page
    assert f'"nonce_{login.nonce}": "{login.nonce}"' in page
    assert f'var origin = "{platform.issuer}"' in page, "messages go to the platform's origin only"
    assert platform.url("/auth?") in page


def test_platform_storage_launch_is_confirmed_by_the_browser(app, lti, platform, lti_runtime):
    cookieless = lti.with_client(app.test_client(use_cookies=False))
    login = cookieless.login(lti_storage_target="_parent")
    token = platform.id_token(platform.claims(login.nonce))
    pending = cookieless.post_launch(token, login.state)
    page = pending.get_data(as_text=True)
    assert pending.status_code == 200
    assert '"lti.get_data"' in page and "Hello" not in page
    launch_id = re.search(r'name="launch_id" value="([^"]+)"', page)[1]
    with lti_runtime.db.connection() as conn:
        assert conn.execute("SELECT binding, verified FROM lti_launch").fetchone() == (
            "platform_storage",
            False,
        )
    # The confirmation page names the state and nonce it asks the platform storage for:
    # another browser holding only the launch id must not get it (and with it, the launch).
    elsewhere = app.test_client(use_cookies=False).get(f"/lti/launch/{launch_id}")
    assert elsewhere.status_code == 403
    assert "unbound_launch" in elsewhere.get_data(as_text=True)
    assert login.state not in elsewhere.get_data(as_text=True)
    blocked = cookieless.client.post(f"/lti/launch/{launch_id}/score")
    assert blocked.status_code == 403
    assert "unverified_launch" in blocked.get_data(as_text=True)

    forged = cookieless.client.post(
        "/lti/launch/verify",
        data={"launch_id": launch_id, "state": login.state, "nonce": "nonce-from-elsewhere"},
    )
    assert forged.status_code == 403
    assert "storage_mismatch" in forged.get_data(as_text=True)

    confirmed = cookieless.client.post(
        "/lti/launch/verify",
        data={"launch_id": launch_id, "state": login.state, "nonce": login.nonce},
    )
    assert confirmed.status_code == 200
    assert "Your learning" in confirmed.get_data(as_text=True)
    with lti_runtime.db.connection() as conn:
        assert conn.execute("SELECT verified FROM lti_launch").fetchone() == (True,)
