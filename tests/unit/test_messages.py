"""Replies typed once: each survives the trip through a chat message; the wording catalogue is complete and every
text fills; incoming text is cleaned one way."""
import string

import pytest

from messages import (
    LANGUAGES,
    AnswerReply,
    Button,
    Citation,
    FeedbackReceived,
    QuizQuestion,
    QuizSummary,
    Reply,
    clean_message,
    parse_reply,
    say,
)
from messages.replies import REPLY_TYPES

pytestmark = pytest.mark.unit


def test_every_reply_type_round_trips_through_a_chat_message():
    replies = [
        AnswerReply("text", answer="Use the Report Phish button.", turn_id="t1", confidence=0.8, mode="extractive",
                    citations=[Citation("infosec", "Infosec", "Phishing", "https://x", "infosec.md")], notes=["n"],
                    suggestions=[{"id": "a", "title": "A"}]),
        QuizQuestion("Question 1 of 3", [Button("A", "1")], question_id="q", kind="mcq", prompt="p", options=["A", "B"],
                     position=1, total=3, skill="s", course_title="C"),
        QuizSummary("Quiz finished: 2 of 3 correct.", correct=2, total=3, mastery={"s": 0.7}),
        FeedbackReceived("Thanks", turn_id="t1", value="human", stored=True, question="why?"),
        Reply("plain", [Button("yes", "yes")]),
    ]
    for reply in replies:
        assert parse_reply(reply.message()) == reply
    assert {type(r) for r in replies[:4]} <= set(REPLY_TYPES.values())


def test_the_wire_format_stays_what_rest_clients_read():
    message = AnswerReply("shown", answer="body", turn_id="t", citations=[Citation("c", "T", "S", "u", "f")]).message()
    assert message["text"] == "shown" and message["custom"]["type"] == "answer" and message["custom"]["text"] == "body"
    assert message["custom"]["citations"][0] == {"course_id": "c", "title": "T", "section": "S", "url": "u", "source": "f"}
    assert QuizSummary("done", correct=1, total=2).payload()["summary"] == "done"
    assert Reply("plain").payload() is None and "custom" not in Reply("plain").message()


@pytest.mark.parametrize("message", [{}, {"custom": {"type": "from-the-future", "x": 1}}, {"custom": "nonsense"}, "not a dict"])
def test_unknown_or_malformed_messages_are_read_as_text_or_nothing(message):
    reply = parse_reply(message)
    assert reply is None or (type(reply) is Reply and reply.text == "")


def test_a_payload_of_another_version_still_shows_its_text():
    reply = parse_reply({"text": "hello", "custom": {"type": "answer", "citations": "not a list", "turn_id": 7}})
    assert reply.text == "hello" and reply.citations == []


def test_every_language_has_every_key_and_every_text_fills():
    english = LANGUAGES["en"]
    for lang, texts in LANGUAGES.items():
        assert set(texts) == set(english), lang
    formatter = string.Formatter()
    for key, text in english.items():
        for form in (text.values() if isinstance(text, dict) else [text]):
            fields = {name.split(".")[0].split("[")[0] for _, name, _, _ in formatter.parse(form) if name}
            say(key, **{f: 1 for f in fields})  # raises on a malformed template


def test_count_forms():
    assert say("quiz.start", count=1) == "Let's go: 1 question."
    assert say("quiz.start", count=3) == "Let's go: 3 questions."


@pytest.mark.parametrize("raw, clean", [
    ("what is MFA \udcff\x00 fatigue？", "what is MFA ?  fatigue?"),
    ("ｆｕｌｌ－ｗｉｄｔｈ", "full-width"),
    ("line one\nline two", "line one\nline two"),
])
def test_incoming_text_is_cleaned_one_way(raw, clean):
    assert clean_message(raw) == clean
    assert clean_message(clean_message(raw)) == clean_message(raw)


def test_incoming_text_is_bounded():
    assert len(clean_message("x" * 30_000)) == 20_000 and len(clean_message("x" * 30, 10)) == 10


def test_the_dialogue_engines_own_responses_are_written_from_the_catalogue(tmp_path):
    import re
    from pathlib import Path

    import yaml

    from messages.rasa_responses import RESPONSES, domain_text, write

    root = Path(__file__).resolve().parents[2]
    used = set()
    for path in [*(root / "data").rglob("*.yml"), root / "bot" / "domain" / "domain.yml", root / "tests" / "rasa" / "test_stories.yml"]:
        used |= set(re.findall(r"\butter_\w+", path.read_text()))
    used |= {f"utter_ask_{slot}" for slot in ("profile_role", "profile_goal")}  # asked by the profile form
    assert used <= set(RESPONSES), "an utter_* response is used but not written from messages/"
    domain = yaml.safe_load(domain_text())
    # English without a condition: Rasa falls back to it while the `language` slot is unset, and says nothing at all
    # when every variation has a condition and none matches.
    assert domain["responses"]["utter_goodbye"] == [
        {"text": say("basics.goodbye")},
        {"text": say("basics.goodbye", "zh"), "condition": [{"type": "slot", "name": "language", "value": "zh"}]},
    ]
    target = tmp_path / "responses.yml"
    assert write(target) is True and write(target) is False  # unchanged wording leaves the file (and the model) alone


def test_answers_show_course_links_the_way_each_channel_does():
    from bot.slack.blocks import render
    from cli.terminal import render_reply
    from messages import AnswerReply

    answer = AnswerReply("Ask [HR](https://hr.example.com/leave) <today> & tomorrow.",
                         answer="Ask [HR](https://hr.example.com/leave) <today> & tomorrow.")
    fallback, blocks = render([answer.message()])
    assert blocks[0]["text"]["text"] == "Ask <https://hr.example.com/leave|HR> &lt;today&gt; &amp; tomorrow."
    assert fallback == "Ask HR (https://hr.example.com/leave) <today> & tomorrow."
    assert render_reply(answer.message()) == "Ask HR (https://hr.example.com/leave) <today> & tomorrow."
