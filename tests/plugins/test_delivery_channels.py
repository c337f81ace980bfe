"""The built-in channels against local servers speaking each service's wire format: Slack's
Web API, a Teams Workflows webhook, and a real SMTP server. Each checks the request it gets
(auth header, card shape); bad credentials and addresses fail with a clear reason."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from learnwire.core.delivery import (
    ChannelError,
    Message,
    MessageItem,
    MessageSurvey,
    SurveyAnswer,
)
from learnwire.plugins.email.channel import EmailChannel
from learnwire.plugins.email.settings import EmailSettings
from learnwire.plugins.slack.channel import SlackChannel
from learnwire.plugins.slack.settings import SlackSettings
from learnwire.plugins.teams.channel import TeamsChannel
from learnwire.plugins.teams.settings import TeamsSettings

from ..conftest import fixture_module

NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)


def _message(address: str, channel: str) -> Message:
    return Message(
        send_id=7,
        learner_id=uuid.uuid4(),
        kind="digest",
        channel=channel,
        address=address,
        subject="Your 2 learning picks for today.",
        intro="Your 2 learning picks for today.",
        timing="sent at 08:10, when you usually learn",
        items=[
            MessageItem(
                title="Feedback <that> lands",
                reason="Your role asks for feedback delivery.",
                duration_minutes=6,
                url="https://lw.example/delivery/c/a",
                dismiss_url="https://lw.example/delivery/d/a",
            ),
            MessageItem(title="Coaching questions", reason="Next on your path.", url="https://x/c"),
        ],
        unsubscribe_url="https://lw.example/delivery/u/t",
        text="plain",
        html="<p>html</p>",
    )


def test_slack_posts_block_kit_with_the_bot_token():
    chat = fixture_module("fake_chat")
    with chat.FakeSlack() as slack:
        channel = SlackChannel(SlackSettings(**slack.settings()))
        receipt = channel.send(_message("U0ANA", "slack"))
        [got] = slack.received
    assert receipt.delivered and receipt.provider_id == "1.0001"
    assert got["headers"]["Authorization"] == f"Bearer {chat.BOT_TOKEN}"
    body = got["body"]
    assert body["channel"] == "U0ANA" and body["text"]
    sections = [b for b in body["blocks"] if b["type"] == "section"]
    assert len(sections) == 3
    link = "<https://lw.example/delivery/c/a|Feedback &lt;that&gt; lands>"
    assert link in sections[1]["text"]["text"]
    assert sections[1]["accessory"]["url"] == "https://lw.example/delivery/d/a"
    assert "Unsubscribe" in body["blocks"][-1]["elements"][0]["text"]
    assert not slack.problems


def test_slack_bad_token_fails_permanently_with_what_to_fix():
    chat = fixture_module("fake_chat")
    with chat.FakeSlack() as slack:
        channel = SlackChannel(SlackSettings(**slack.settings(token="xoxb-wrong")))
        with pytest.raises(ChannelError) as caught:
            channel.send(_message("U0ANA", "slack"))
    assert caught.value.permanent
    assert "BOT_TOKEN" in str(caught.value) and "xoxb-wrong" not in str(caught.value)
    with pytest.raises(ValidationError, match="starting with 'xoxb-'"):
        SlackSettings(bot_token="xoxp-user-token")


def test_slack_name_instead_of_user_id_is_refused_before_sending():
    chat = fixture_module("fake_chat")
    with chat.FakeSlack() as slack:
        with pytest.raises(ChannelError, match="user id") as caught:
            SlackChannel(SlackSettings(**slack.settings())).send(_message("@ana", "slack"))
        assert caught.value.permanent and slack.received == []


def test_slack_rate_limit_is_transient():
    chat = fixture_module("fake_chat")
    with chat.FakeSlack() as slack:
        slack.fail_with = (429, {"ok": False, "error": "ratelimited"})
        with pytest.raises(ChannelError) as caught:
            SlackChannel(SlackSettings(**slack.settings())).send(_message("U0ANA", "slack"))
    assert not caught.value.permanent


def test_teams_workflow_gets_an_adaptive_card_for_the_recipient():
    chat = fixture_module("fake_chat")
    with chat.FakeTeamsWorkflow() as teams:
        channel = TeamsChannel(TeamsSettings(webhook_url=teams.url()))
        assert channel.send(_message("ana@example.com", "teams")).delivered
        [got] = teams.received
    body = got["body"]
    assert body["recipient"] == "ana@example.com"
    card = body["attachments"][0]["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
    containers = [e for e in card["body"] if e["type"] == "Container"]
    assert len(containers) == 2
    actions = containers[0]["items"][2]["actions"]
    assert [a["url"] for a in actions] == [
        "https://lw.example/delivery/c/a",
        "https://lw.example/delivery/d/a",
    ]
    assert "[Unsubscribe](https://lw.example/delivery/u/t)" in card["body"][-1]["text"]
    assert not teams.problems


def test_teams_bad_webhook_signature_fails_permanently_without_the_url():
    chat = fixture_module("fake_chat")
    with chat.FakeTeamsWorkflow() as teams:
        channel = TeamsChannel(TeamsSettings(webhook_url=teams.url(sig="forged")))
        with pytest.raises(ChannelError) as caught:
            channel.send(_message("ana@example.com", "teams"))
    assert caught.value.permanent and "WEBHOOK_URL" in str(caught.value)
    assert "forged" not in str(caught.value)
    with pytest.raises(ValidationError, match="retired Office 365 connector"):
        TeamsSettings(webhook_url="https://contoso.webhook.office.com/webhookb2/x")


def test_email_wrong_password_and_bounce_are_clear_permanent_failures():
    smtp_module = fixture_module("fake_smtp")
    with smtp_module.FakeSmtp() as smtp:
        wrong = EmailSettings(**{**smtp.settings(), "password": "not-it"})
        with pytest.raises(ChannelError, match="refused the username or password") as caught:
            EmailChannel(wrong).send(_message("ana@example.com", "email"))
        assert caught.value.permanent and "not-it" not in str(caught.value)
        good = EmailChannel(EmailSettings(**smtp.settings()))
        with pytest.raises(ChannelError, match="bounced") as bounced:
            good.send(_message("ana@bounce.example", "email"))
        assert bounced.value.permanent and "bounce.example" not in str(bounced.value)
        with pytest.raises(ChannelError, match="not valid"):
            good.send(_message("not an address", "email"))
        assert smtp.messages == []


def test_email_without_a_trusted_certificate_refuses_to_send():
    smtp_module = fixture_module("fake_smtp")
    with smtp_module.FakeSmtp() as smtp:
        untrusted = EmailSettings(**{**smtp.settings(), "ca_file": None})
        with pytest.raises(ChannelError, match="TLS") as caught:
            EmailChannel(untrusted).send(_message("ana@example.com", "email"))
        assert caught.value.permanent and smtp.messages == []


def _with_survey(message: Message) -> Message:
    question = MessageSurvey(
        question="Was this relevant to your work now?",
        about="Coaching <questions>",
        answers=[
            SurveyAnswer(label="Yes, relevant", url="https://lw.example/delivery/a/yes"),
            SurveyAnswer(label="Not relevant now", url="https://lw.example/delivery/a/no"),
        ],
    )
    return message.model_copy(update={"surveys": [question]})


def test_slack_survey_question_comes_with_one_link_button_per_answer():
    chat = fixture_module("fake_chat")
    with chat.FakeSlack() as slack:
        SlackChannel(SlackSettings(**slack.settings())).send(
            _with_survey(_message("U0ANA", "slack"))
        )
        [got] = slack.received
    blocks = got["body"]["blocks"]
    [asked] = [b for b in blocks if "Was this relevant" in b.get("text", {}).get("text", "")]
    assert "Coaching &lt;questions&gt;" in asked["text"]["text"]
    [buttons] = [b for b in blocks if b["type"] == "actions"]
    assert [(e["text"]["text"], e["url"]) for e in buttons["elements"]] == [
        ("Yes, relevant", "https://lw.example/delivery/a/yes"),
        ("Not relevant now", "https://lw.example/delivery/a/no"),
    ]
    assert len({e["action_id"] for e in buttons["elements"]}) == 2
    assert not slack.problems


def test_teams_survey_question_comes_with_one_open_url_action_per_answer():
    chat = fixture_module("fake_chat")
    with chat.FakeTeamsWorkflow() as teams:
        TeamsChannel(TeamsSettings(webhook_url=teams.url())).send(
            _with_survey(_message("ana@example.com", "teams"))
        )
        [got] = teams.received
    card = got["body"]["attachments"][0]["content"]
    survey = [e for e in card["body"] if e["type"] == "Container"][-1]
    assert survey["items"][0]["text"].startswith("**Was this relevant to your work now?**")
    assert [(a["type"], a["title"], a["url"]) for a in survey["items"][1]["actions"]] == [
        ("Action.OpenUrl", "Yes, relevant", "https://lw.example/delivery/a/yes"),
        ("Action.OpenUrl", "Not relevant now", "https://lw.example/delivery/a/no"),
    ]
    assert not teams.problems
