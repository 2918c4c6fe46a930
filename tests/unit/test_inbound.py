"""Requests to the REST channel are validated with messages that say what to fix."""
import json

import pytest

from bot.channels.inbound import BadRequest, parse_rest_body
from messages import MAX_MESSAGE_CHARS

pytestmark = pytest.mark.unit


def test_valid_request():
    assert parse_rest_body(json.dumps({"sender": "u", "message": "hi"}).encode()) == ("u", "hi", None)


def test_bad_bytes_are_replaced_not_refused():
    sender, text, _ = parse_rest_body(b'{"sender":"u","message":"caf\xe9 \\udcff ok\\u0000"}')
    assert sender == "u" and text.endswith("ok ") and "\x00" not in text
    text.encode("utf-8")  # always encodable


def test_long_messages_are_capped():
    _, text, _ = parse_rest_body(json.dumps({"sender": "u", "message": "x" * 50_000}).encode())
    assert len(text) == MAX_MESSAGE_CHARS


def test_missing_message_is_an_empty_message():
    assert parse_rest_body(b'{"sender":"u"}')[1] == ""


@pytest.mark.parametrize(
    "body, words",
    [
        (b"", "empty"),
        (bytes(range(256)), "not valid JSON"),
        (b"[1,2]", "JSON object"),
        (b'{"message":"hi"}', '"sender" is required'),
        (b'{"sender":"u","message":5}', '"message" must be a string'),
        (b'{"sender":"u","message":"hi","metadata":3}', '"metadata"'),
    ],
)
def test_malformed_requests_say_what_to_fix(body, words):
    with pytest.raises(BadRequest, match=words):
        parse_rest_body(body)


def test_rate_limiter_is_per_sender_and_sliding():
    from bot.channels.inbound import RateLimiter

    limiter = RateLimiter(3)
    assert [limiter.allow("a", now=t) for t in (0, 1, 2, 3)] == [True, True, True, False]
    assert limiter.allow("b", now=3)
    assert limiter.allow("a", now=60.5)
