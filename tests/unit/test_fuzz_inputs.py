"""Fuzzing the channel inputs: whatever arrives, parsing either refuses it with BadRequest or yields clean text."""
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.channels.inbound import BadRequest, parse_rest_body
from bot.channels.teams_cards import text_from_activity
from bot.slack.blocks import MAX_BLOCKS, MAX_SECTION_CHARS, render

pytestmark = pytest.mark.unit
JSONISH = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
                       lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
def test_any_bytes(body):
    try:
        sender, text, metadata = parse_rest_body(body)
    except BadRequest as exc:
        assert str(exc)
        return
    sender.encode("utf-8"), text.encode("utf-8")


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["sender", "message", "metadata", "other"]), JSONISH, max_size=4))
def test_any_json_object(payload):
    try:
        sender, text, metadata = parse_rest_body(json.dumps(payload).encode())
    except BadRequest:
        return
    assert sender and isinstance(text, str) and (metadata is None or isinstance(metadata, dict))
    text.encode("utf-8")


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["text", "value", "type"]), JSONISH, max_size=3))
def test_any_teams_activity(activity):
    assert isinstance(text_from_activity(activity), str)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.fixed_dictionaries({"text": st.text(max_size=9000)},
                                      optional={"buttons": st.lists(st.fixed_dictionaries({"title": st.text(max_size=120), "payload": st.text(max_size=50)}), max_size=30)}), max_size=60))
def test_any_reply_fits_slack_limits(messages):
    fallback, blocks = render(messages)
    assert len(blocks) <= MAX_BLOCKS and len(fallback) <= MAX_SECTION_CHARS
    assert all(len(b["text"]["text"]) <= MAX_SECTION_CHARS for b in blocks if b["type"] == "section")
