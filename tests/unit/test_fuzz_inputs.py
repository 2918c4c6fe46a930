"""Fuzzing the channel inputs: whatever arrives, parsing either refuses it with BadRequest or yields clean text."""
import json

import pytest
from hypothesis import HealthCheck, given, settings
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


_FILE_HEADS = [b"", b"---\n", b"---\ntitle: [\n---\n", b"%PDF-1.4\n", b"PK\x03\x04", b"<html><body>", b"\xef\xbb\xbf# ", b"\x00\x01"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(suffix=st.sampled_from([".md", ".txt", ".html", ".pdf", ".docx", ".bin"]), head=st.sampled_from(_FILE_HEADS),
       body=st.one_of(st.binary(max_size=3000), st.text(max_size=3000).map(lambda t: t.encode("utf-8", "surrogatepass"))))
def test_any_uploaded_file_is_read_or_refused_with_a_reason(tmp_path, suffix, head, body):
    from retrieval import SourceDocument, UnreadableDocument, load_document

    path = tmp_path / f"upload{suffix}"
    path.write_bytes(head + body)
    try:
        document = load_document(path)
    except UnreadableDocument as exc:
        assert str(exc).strip() and "upload" in str(exc)
    else:
        assert isinstance(document, SourceDocument)


SLACK_BODY = st.one_of(
    st.fixed_dictionaries({"type": st.sampled_from(["event_callback", "url_verification", "block_actions", "x"])},
                          optional={"event_id": st.text(max_size=12), "team_id": JSONISH, "challenge": JSONISH,
                                    "event": st.fixed_dictionaries({"type": st.sampled_from(["message", "app_mention", "app_home_opened"])},
                                                                   optional={"text": JSONISH, "user": JSONISH, "channel": JSONISH,
                                                                             "ts": JSONISH, "thread_ts": JSONISH, "subtype": JSONISH,
                                                                             "channel_type": st.sampled_from(["im", "channel"])})}),
    JSONISH,
)


@pytest.fixture(scope="module")
def slack_http():
    from starlette.testclient import TestClient

    from bot.slack.app import SlackConfig, create_app
    from bot.slack.server import http_app
    from tests.support.mock_slack import MockSlackServer

    mock = MockSlackServer().start()  # the Web API answers; Rasa does not (port 9): listeners reply "try again"
    config = SlackConfig(bot_token="xoxb-fuzz", signing_secret="fuzz-secret", rasa_url="http://127.0.0.1:9", api_url=mock.url)
    with TestClient(http_app(create_app(config, lambda turn_id, value: False))) as client:
        yield client
    mock.stop()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=SLACK_BODY, form=st.booleans())
def test_any_signed_slack_payload_gets_a_clear_status(slack_http, body, form):
    """Signed like Slack, shaped like anything: never a 500; a 400 says what is wrong."""
    import hashlib
    import hmac
    import time
    import urllib.parse

    raw = urllib.parse.urlencode({"payload": json.dumps(body)}) if form else json.dumps(body)
    timestamp = str(int(time.time()))
    signature = "v0=" + hmac.new(b"fuzz-secret", f"v0:{timestamp}:{raw}".encode(), hashlib.sha256).hexdigest()
    content_type = "application/x-www-form-urlencoded" if form else "application/json"
    response = slack_http.post("/slack/events", content=raw.encode(), headers={
        "content-type": content_type, "x-slack-request-timestamp": timestamp, "x-slack-signature": signature})
    assert response.status_code in (200, 400, 401, 404), (response.status_code, response.text)
    if response.status_code == 400:
        assert response.json()["error"]
