"""The fake LMS as a browser sees it: a course page that embeds the tool in an iframe (or
launches it in the top window) by posting the OIDC login initiation, and answers the LTI
Client Side postMessages for platform storage (``lti.capabilities``, ``lti.put_data``,
``lti.get_data``), either from the course page itself (``lti_storage_target=_parent``) or
from a hidden named frame on the platform's origin, as Canvas does.

Every message the responder receives is kept in ``window.ltiStorageLog``; anything a
conforming tool would not send (wrong origin, no message_id, missing key or value, reading
a key it never stored) goes to ``window.ltiStorageProblems``, which tests assert is empty.
"""

from __future__ import annotations

import html
import json
from typing import Any

from flask import Flask, Response, request
from lti_fake_platform import FakePlatform

#: The platform-storage responder, per the LTI Client Side postMessage and Platform Storage
#: specifications: data is scoped to the sender's origin, answers go back to that origin.
RESPONDER = """
(function () {
  var toolOrigin = %(tool_origin)s;
  var stored = {};
  var log = window.ltiStorageLog = [];
  var problems = window.ltiStorageProblems = [];
  window.addEventListener("message", function (event) {
    var data = event.data;
    if (!data || typeof data !== "object" || typeof data.subject !== "string") { return; }
    if (data.subject.indexOf("lti.") !== 0) { return; }
    log.push({origin: event.origin, subject: data.subject, key: data.key, id: data.message_id});
    var reply = {subject: data.subject + ".response", message_id: data.message_id};
    function refuse(code, message) {
      problems.push(data.subject + ": " + message);
      reply.error = {code: code, message: message};
    }
    var mine = stored[event.origin] = stored[event.origin] || {};
    if (event.origin !== toolOrigin) {
      refuse("unauthorized", "message from " + event.origin + ", not the tool");
    } else if (!data.message_id) {
      refuse("bad_request", "no message_id");
    } else if (data.subject === "lti.capabilities") {
      reply.supported_messages = [
        {subject: "lti.put_data", frame: %(frame)s},
        {subject: "lti.get_data", frame: %(frame)s}
      ];
    } else if (data.subject === "lti.put_data") {
      if (typeof data.key !== "string" || !data.key) {
        refuse("bad_request", "put_data without a key");
      } else if (typeof data.value !== "string") {
        refuse("bad_request", "put_data without a string value");
      } else {
        mine[data.key] = data.value;
        reply.key = data.key;
        reply.value = data.value;
      }
    } else if (data.subject === "lti.get_data") {
      reply.key = data.key;
      if (!(data.key in mine)) {
        refuse("bad_request", "get_data for a key never stored: " + data.key);
      } else {
        reply.value = mine[data.key];
      }
    } else {
      refuse("unsupported_subject", "unsupported subject " + data.subject);
    }
    event.source.postMessage(reply, event.origin);
  });
})();
"""


class BrowserPlatform(FakePlatform):
    """The fake platform with the pages a browser needs; ``tool_origin`` is set by tests."""

    storage_frame = "post_message_forwarding"

    def __init__(self, host: str = "localhost") -> None:
        self.tool_origin = ""
        self.tool_login_url = ""
        super().__init__()
        # A different site from the tool's 127.0.0.1: in the iframe the tool's cookies are
        # third-party, as in a real LMS, so only platform storage can bind the launch.
        self.issuer = self.served.url.replace("127.0.0.1", host)

    def _app(self) -> Flask:
        app = super()._app()
        app.add_url_rule("/course/<hint>", view_func=self._course)
        app.add_url_rule("/storage-frame", view_func=self._storage_frame)
        app.add_url_rule("/frame", view_func=self._frame)
        return app

    def _responder(self, frame: str) -> str:
        values = {"tool_origin": json.dumps(self.tool_origin), "frame": json.dumps(frame)}
        return f"<script>{RESPONDER % values}</script>"

    def _course(self, hint: str) -> Response:
        """The course page: ``?storage=_parent|frame|silent|none`` and ``?window=iframe|top``
        (``silent``: the launch asks for platform storage that never answers)."""
        storage = request.args.get("storage", "_parent")
        top = request.args.get("window") == "top"
        spec = self.launches[hint]
        fields = {
            "iss": self.issuer,
            "login_hint": spec.get("sub", "user-1"),
            "target_link_uri": self.tool_launch_url,
            "lti_message_hint": hint,
            "client_id": self.client_id,
            "lti_deployment_id": self.deployment_id,
        }
        if storage != "none":
            fields["lti_storage_target"] = self.storage_frame if storage == "frame" else "_parent"
        inputs = "".join(
            f'<input type="hidden" name="{k}" value="{html.escape(v)}">' for k, v in fields.items()
        )
        target = "_self" if top else "tool-frame"
        parts = [
            "<!DOCTYPE html><html><head><title>Leading teams</title></head><body>",
            "<h1>Leading teams</h1>",
            f'<form id="launch" method="post" action="{html.escape(self.tool_login_url)}"'
            f' target="{target}">{inputs}</form>',
        ]
        if not top:
            parts.append(
                '<iframe name="tool-frame" id="tool-frame" title="learnwire"'
                ' style="width: 960px; height: 2000px; border: 1px solid #ccc"></iframe>'
            )
        if storage == "_parent":
            parts.append(self._responder("_parent"))
        launch = "document.getElementById('launch').submit();"
        if storage == "frame":
            # The storage frame must listen before the tool's first message.
            parts.append(
                f'<iframe name="{self.storage_frame}" src="/storage-frame" hidden'
                f' onload="{launch}"></iframe>'
            )
        else:
            parts.append(f"<script>{launch}</script>")
        parts.append("</body></html>")
        return Response("".join(parts), mimetype="text/html")

    def _frame(self) -> Response:
        """A platform page that shows a tool URL in its iframe (a bookmarked or shared link),
        with platform storage that holds nothing for it, or (``?storage=none``) none at all."""
        src = request.args.get("src", "")
        self.check(src.startswith(self.tool_origin + "/"), f"frame for a foreign URL {src}")
        responder = "" if request.args.get("storage") == "none" else self._responder("_parent")
        body = (
            "<!DOCTYPE html><html><body>"
            f'<iframe id="tool-frame" title="learnwire" src="{html.escape(src)}"'
            f' style="width: 960px; height: 600px"></iframe>{responder}</body></html>'
        )
        return Response(body, mimetype="text/html")

    def _storage_frame(self) -> Response:
        body = f"<!DOCTYPE html><html><body>{self._responder(self.storage_frame)}</body></html>"
        return Response(body, mimetype="text/html")


def configure(platform: BrowserPlatform, tool_url: str) -> Any:
    platform.tool_origin = tool_url
    platform.tool_login_url = f"{tool_url}/lti/login"
    platform.tool_launch_url = f"{tool_url}/lti/launch"
    platform.tool_jwks_url = f"{tool_url}/lti/jwks"
    return platform
