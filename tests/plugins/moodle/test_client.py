"""The Moodle REST client against a local fake site speaking Moodle's wire format."""

from __future__ import annotations

import pytest

from learnwire.plugins.moodle.client import (
    MoodleAccessDenied,
    MoodleClient,
    MoodleError,
    MoodleUnavailable,
    flatten,
)


def _client(fake_moodle, token=None, **kw):
    fm_token = token or "moodle-test-token"
    slept: list[float] = []
    client = MoodleClient(fake_moodle.url, fm_token, backoff=0.5, sleep=slept.append, **kw)
    return client, slept


def test_client_flattens_nested_parameters_the_moodle_way():
    assert flatten({"criteria": [{"key": "email", "value": "%"}], "flag": True}) == [
        ("criteria[0][key]", "email"),
        ("criteria[0][value]", "%"),
        ("flag", "1"),
    ]


def test_client_sends_token_function_and_json_format(fake_moodle):
    client, _ = _client(fake_moodle)
    courses = client.courses([2])
    assert [c["shortname"] for c in courses] == ["LEAD101"]
    form = fake_moodle.site.requests[-1]["form"]
    assert form["wsfunction"] == "core_course_get_courses"
    assert form["moodlewsrestformat"] == "json"
    assert form["options[ids][0]"] == "2"


def test_client_invalid_token_is_a_clear_access_error(fake_moodle):
    client, _ = _client(fake_moodle, token="wrong")
    with pytest.raises(MoodleAccessDenied) as caught:
        client.courses()
    assert "Invalid token" in str(caught.value)
    assert "LEARNWIRE_PLUGINS__MOODLE__TOKEN" in str(caught.value)


def test_client_function_missing_from_token_service_names_the_function(fake_moodle):
    client, _ = _client(fake_moodle, token="moodle-limited-token")
    client.courses()  # allowed
    with pytest.raises(MoodleAccessDenied) as caught:
        client.course_contents(2)
    message = str(caught.value)
    assert "core_course_get_contents" in message and "Access control exception" in message
    assert caught.value.errorcode == "accessexception"


def test_client_turns_other_moodle_exceptions_into_errors(fake_moodle):
    client, _ = _client(fake_moodle)
    with pytest.raises(MoodleError) as caught:
        client.call("core_course_get_contents")  # courseid missing
    assert caught.value.errorcode == "invalidparameter"
    assert not isinstance(caught.value, MoodleAccessDenied)


def test_client_retries_server_errors_with_backoff(fake_moodle):
    client, slept = _client(fake_moodle, retries=3)
    fake_moodle.site.failures = [503, 502]
    assert client.courses([3])[0]["id"] == 3
    assert slept == [0.5, 1.0]


def test_client_gives_up_after_its_retries(fake_moodle):
    client, slept = _client(fake_moodle, retries=2)
    fake_moodle.site.failures = [500, 500, 500, 500]
    with pytest.raises(MoodleUnavailable) as caught:
        client.courses()
    assert "after 3 attempts" in str(caught.value)
    assert slept == [0.5, 1.0]


def test_client_retries_timeouts(fake_moodle):
    slept: list[float] = []
    # Nothing listens on port 9 of loopback: every attempt fails to connect.
    client = MoodleClient("http://127.0.0.1:9", "t", retries=1, backoff=0.1, sleep=slept.append)
    with pytest.raises(MoodleUnavailable):
        client.courses()
    assert slept == [0.1]


def test_client_rejects_a_non_moodle_answer(fake_moodle):
    client = MoodleClient(fake_moodle.url + "/nowhere", "t", retries=0)
    with pytest.raises(MoodleError) as caught:
        client.courses()
    assert "HTTP 404" in str(caught.value)


def test_client_pages_enrolled_users(fake_moodle):
    client, _ = _client(fake_moodle)
    users = list(client.enrolled_users(2, page_size=3, fields="id,email"))
    assert [u["id"] for u in users] == [7, 8, 9, 10]
    assert set(users[0]) == {"id", "email"}
    calls = [
        r["form"]
        for r in fake_moodle.site.requests
        if r["form"].get("wsfunction") == "core_enrol_get_enrolled_users"
    ]
    assert [c["options[1][value]"] for c in calls] == ["0", "3"]
