"""The links in messages: open an item (recording the click), dismiss it, one-click
unsubscribe (RFC 8058) that works without signing in and is honoured at once, and one-tap
answers to micro-survey questions.

Opening an item answers a GET, as links must; dismissing, unsubscribing and answering change
what is stored about the person, so a GET only shows a button and the change needs a POST
(mail scanners follow links in GETs; RFC 8058 posts ``List-Unsubscribe=One-Click``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from flask import Blueprint, current_app, redirect, render_template_string, request

from .. import surveys
from ..errors import NotFound, ValidationFailed
from ..learner import feedback
from ..surveys import record as survey_record
from . import events, preferences
from .links import Links, LinkTarget
from .settings import delivery_settings

delivery_pages = Blueprint("delivery", __name__, url_prefix="/delivery")

_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{{ title }}</title>
</head><body style="font-family: sans-serif; max-width: 32em; margin: 3em auto">
<h1 style="font-size: 1.3em">{{ title }}</h1><p>{{ text }}</p>
{% if button %}<form method="post">
{% if places %}<fieldset style="border: 0; padding: 0"><legend>Where? (optional)</legend>
{% for value, label in places %}<label style="display: block"><input type="radio" name="where"
 value="{{ value }}"> {{ label }}</label>{% endfor %}</fieldset>
<p><label>Anything to add? (optional, {{ note_max }} characters at most)<br>
<textarea name="note" maxlength="{{ note_max }}" rows="3" cols="40"></textarea></label></p>
{% endif %}<button type="submit">{{ button }}</button></form>{% endif %}
</body></html>"""


def _runtime() -> Any:
    return current_app.extensions["learnwire"]


def _links() -> Links:
    settings = _runtime().settings
    return Links(
        settings.flask_secret(),
        settings.public_url,
        max_age_days=delivery_settings(settings).link_days,
    )


def _page(
    title: str, text: str, button: str = "", status: int = 200, *, ask_where: bool = False
) -> Any:
    places = list(surveys.PLACE_LABELS.items()) if ask_where else []
    body = render_template_string(
        _PAGE,
        title=title,
        text=text,
        button=button,
        places=places,
        note_max=surveys.NOTE_MAX_CHARS,
    )
    return body, status, {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"}


def _target(action: str, token: str) -> tuple[LinkTarget, UUID]:
    """The link's target and the person it is for (every link names one)."""
    target = _links().read(action, token)
    if target.learner_id is None:
        raise ValidationFailed("this link names nobody", field="token")
    return target, target.learner_id


@delivery_pages.get("/c/<token>")
def open_item(token: str) -> Any:
    target, learner = _target("open", token)
    runtime = _runtime()
    with runtime.db.connection() as conn:
        row = conn.execute(
            "SELECT coalesce(activity_id, launch_url), launch_url FROM content_item "
            "WHERE id = %s AND retired_at IS NULL",
            (target.content_id,),
        ).fetchone()
        if row is None:
            raise NotFound("this item is no longer in the catalogue")
        channel = _channel_of(conn, target.send_id)
        events.record(
            conn,
            runtime.intake(),
            what="clicked",
            learner_id=learner,
            object_id=row[0],
            key=f"{target.send_id}|{target.content_id}",
            at=datetime.now(UTC),
            channel=channel,
        )
    return redirect(row[1], code=302)


@delivery_pages.route("/d/<token>", methods=["GET", "POST"])
def dismiss_item(token: str) -> Any:
    target, learner = _target("dismiss", token)
    if target.content_id is None:
        raise ValidationFailed("this link names no item", field="token")
    content_id = target.content_id
    if request.method == "GET":
        return _page(
            "Not for you?",
            "We will stop suggesting this item and suggest others instead.",
            "Yes, dismiss it",
        )
    runtime = _runtime()
    with runtime.db.connection() as conn:
        feedback.rate(
            conn,
            runtime.intake(),
            learner_id=learner,
            content_id=content_id,
            verdict="dismiss",
        )
    return _page("Dismissed", "Thank you: it will not be suggested again.")


@delivery_pages.route("/u/<token>", methods=["GET", "POST"])
def unsubscribe(token: str) -> Any:
    target, learner = _target("unsubscribe", token)
    what = {
        "digest": "daily and weekly digests",
        "survey": "questions about what you learned",
    }.get(target.kind or "", "reminders before events")
    if request.method == "GET":
        return _page(
            "Unsubscribe",
            f"Stop learning {what} in {target.channel}? You can switch them back on any time.",
            "Unsubscribe",
        )
    runtime = _runtime()
    with runtime.db.connection() as conn:
        preferences.set_cadence(
            conn,
            learner,
            kind=target.kind or "",
            channel=target.channel or "",
            cadence="off",
            via="unsubscribe link",
        )
        events.record(
            conn,
            runtime.intake(),
            what="unsubscribed",
            learner_id=learner,
            object_id=f"{_links().base}/kinds/{target.kind}/{target.channel}",
            key=f"{target.kind}|{target.channel}|{datetime.now(UTC).isoformat()}",
            at=datetime.now(UTC),
            channel=target.channel or "",
        )
    return _page("Unsubscribed", f"You will get no more learning {what} in {target.channel}.")


@delivery_pages.route("/a/<token>", methods=["GET", "POST"])
def answer(token: str) -> Any:
    """One tap on an answer in a message: a GET shows what will be recorded and a button
    (and, for "I used it", where and an optional note); the POST records it. Answering again
    stores nothing new."""
    target, learner = _target("answer", token)
    kind, given = target.kind or "", target.answer or ""
    if kind not in surveys.KINDS or given not in surveys.ANSWERS[kind]:
        raise ValidationFailed("this link names no survey answer", field="token")
    runtime = _runtime()
    with runtime.db.connection() as conn:
        about = _survey_subject(conn, target, kind)
        if request.method == "GET":
            return _page(
                surveys.QUESTIONS[kind],
                f"{about}: your answer is \u201c{surveys.LABELS[given]}\u201d.",
                "Record my answer",
                ask_where=kind == surveys.APPLICATION and given == "used",
            )
        via = f"delivery ({_channel_of(conn, target.send_id)})"
        if kind == surveys.OBSERVATION:
            done = survey_record.observe_team(
                conn,
                runtime.intake(),
                manager_id=learner,
                team_id=target.team or "",
                skill_id=target.skill or "",
                answer=given,
                k=runtime.require_governance().min_group_size,
                via=via,
            )
        elif kind == surveys.APPLICATION:
            done = survey_record.answer_application(
                conn,
                runtime.intake(),
                learner_id=learner,
                content_id=_content_of(target),
                answer=given,
                where=request.form.get("where") or None,
                note=request.form.get("note"),
                via=via,
            )
        else:
            done = survey_record.answer_relevance(
                conn,
                runtime.intake(),
                learner_id=learner,
                content_id=_content_of(target),
                answer=given,
                via=via,
            )
    if done.refused:
        return _page("Not recorded", f"Your answer was not stored: {done.refused}.")
    return _page("Thank you", "Your answer is recorded. It shapes what we suggest next.")


def _content_of(target: LinkTarget) -> UUID:
    if target.content_id is None:
        raise ValidationFailed("this link names no item", field="token")
    return target.content_id


def _survey_subject(conn: Any, target: LinkTarget, kind: str) -> str:
    """What the question is about, in words, looked up now (never taken from the link)."""
    if kind == surveys.OBSERVATION:
        row = conn.execute("SELECT name FROM skill WHERE id = %s", (target.skill,)).fetchone()
        if row is None:
            raise NotFound("this skill is no longer in the catalogue")
        return f"Your team and \u201c{row[0]}\u201d"
    row = conn.execute(
        "SELECT title FROM content_item WHERE id = %s", (_content_of(target),)
    ).fetchone()
    if row is None:
        raise NotFound("this item is no longer in the catalogue")
    return f"\u201c{row[0]}\u201d"


def _channel_of(conn: Any, send_id: int | None) -> str:
    if send_id is None:
        return "unknown"
    row = conn.execute("SELECT channel FROM delivery_send WHERE id = %s", (send_id,)).fetchone()
    return row[0] if row else "unknown"
