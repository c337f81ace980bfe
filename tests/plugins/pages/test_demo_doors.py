"""The demo-only sign-in: mounted only by the demo, refused outside it, every role reachable."""

from __future__ import annotations

import re

from learnwire.core.plugins import get_plugin_manager
from learnwire.core.runtime import Runtime
from learnwire.core.web.app import create_app
from learnwire.plugins.pages.demo_doors import PLUGIN_NAME, DemoDoors, demo_blueprint


def _demo_app(runtime, *, demo: bool, mount: bool = False):  # type: ignore[no-untyped-def]
    """An app as ``learnwire demo --serve`` makes it (``demo``: the plugin registered)."""
    pm = get_plugin_manager(runtime.settings)
    if demo:
        pm.add_plugin(DemoDoors(), name=PLUGIN_NAME)
    app = create_app(Runtime(runtime.settings, pm=pm, db=runtime.db))
    if mount:
        app.register_blueprint(demo_blueprint())
    return app.test_client()


def test_demo_doors_are_mounted_only_for_the_demo(client, runtime, sample_org):
    # `learnwire serve`: not there at all.
    assert client.get("/demo/sign-in").status_code == 404
    # `learnwire demo --serve` registers the demo door: the chooser is there.
    assert _demo_app(runtime, demo=True).get("/demo/sign-in").status_code == 200


def test_demo_doors_refuse_outside_a_demo_even_when_mounted(runtime, sample_org):
    client = _demo_app(runtime, demo=False, mount=True)
    assert client.get("/demo/sign-in").status_code == 404
    assert client.post("/demo/sign-in", data={"role": "manager"}).status_code == 404


def test_demo_doors_sign_in_as_each_role_and_simulate_a_launch(runtime, sample_org):
    client = _demo_app(runtime, demo=True)
    page = client.get("/demo/sign-in").get_data(as_text=True)
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)
    expected = {
        "learner": (sample_org.big_team[0], "/me", ["learner"]),
        "manager": (sample_org.manager, "/team", ["learner", "manager"]),
        "ld_admin": (sample_org.big_team[1], "/learning-admin", ["learner", "ld_admin"]),
        "compliance_officer": (
            sample_org.big_team[2],
            "/compliance",
            ["learner", "compliance_officer"],
        ),
    }
    for role, (person, target, roles) in expected.items():
        signed = client.post(
            "/demo/sign-in", data={"csrf": csrf, "role": role, "learner": str(person)}
        )
        assert signed.status_code == 303 and signed.headers["Location"] == target
        assert client.get("/api/v1/session").get_json()["roles"] == roles
        assert client.get(target).status_code == 200
        csrf = re.search(
            r'name="csrf" value="([0-9a-f]+)"', client.get(target).get_data(as_text=True)
        ).group(1)
    lms = client.get(f"/demo/lms?learner={sample_org.big_team[3]}").get_data(as_text=True)
    door = re.search(r'src="/me\?door=([^"]+)"', lms).group(1)
    fresh = _demo_app(runtime, demo=True)
    assert fresh.get(f"/api/v1/session?door={door}").get_json()["via"] == "lti"
