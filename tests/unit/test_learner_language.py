"""The tutor answers in the language the learner writes in: a Chinese message sets it and is remembered, a message
that shows no language keeps it, an English learner reads exactly what they read before; the channels word their
own labels in the language of each reply."""
from pathlib import Path

import pytest

from messages import AnswerReply, Button, Citation, QuizQuestion, parse_reply, say
from store import ProfileStore
from tutor import Tutor, load_settings

pytestmark = pytest.mark.unit


@pytest.fixture()
def tutor(tmp_path: Path, fake_embedder) -> Tutor:
    """A tutor before any ingest: help, greeting and answers are worded without course content."""
    (tmp_path / "tutor.yml").write_text(f"paths:\n  index_dir: {tmp_path / 'none'}\n  store: {tmp_path / 'tutor.db'}\n")
    return Tutor(load_settings(tmp_path / "tutor.yml", environ={}), embedder=fake_embedder)


def test_a_chinese_message_sets_the_language_and_a_wordless_one_keeps_it(tutor):
    assert tutor.language("ana") == "en" and tutor.words("ana").lang == "en"
    assert tutor.note_language("ana", "你好，你能做什么？") == "zh"
    assert tutor.language("ana") == "zh"
    help_reply = tutor.help("ana").replies[0]
    assert help_reply.text == say("basics.help_no_courses", "zh") and help_reply.lang == "zh"
    for wordless in ("2", "ok", "👍", '/give_feedback{"turn_id": "t"}'):
        assert tutor.note_language("ana", wordless) == "zh"
    assert tutor.greet("ana").replies[0].text == say("basics.greet_no_courses", "zh")
    assert tutor.note_language("ana", "how do I reset my password?") == "en" and tutor.language("ana") == "en"


def test_the_dialogues_language_counts_before_the_remembered_one(tutor):
    tutor.note_language("ana", "你好")
    assert tutor.note_language("ana", "2", known="en") == "en"
    assert tutor.language("ana") == "zh"  # only a message that shows its language changes what is remembered
    assert tutor.note_language("ana", "2", known="klingon") == "zh"


def test_an_english_learner_reads_exactly_the_english_texts(tutor):
    assert tutor.note_language("ben", "hello") == "en"
    assert tutor.help("ben").replies[0].text == say("basics.help_no_courses")
    assert tutor.greet("ben").replies[0].text == say("basics.greet_no_courses")
    assert tutor.say("ben", "quiz.declined").replies[0].text == "No problem. Ask me anything else about your courses."


def test_a_question_is_framed_in_its_own_language_without_remembering(tutor):
    """`tutor ask` and the terminal: a Chinese question gets Chinese framing, even for a learner never seen."""
    reply = tutor.answer("cli", "怎么举报钓鱼邮件？", record=False).replies[0]
    assert reply.text == say("answer.index_unavailable", "zh") and reply.lang == "zh"
    assert tutor.language("cli") == "en"
    assert tutor.answer("cli", "how do I report phishing?", record=False).replies[0].text == say("answer.index_unavailable")


def test_the_language_is_kept_in_the_learners_profile(tmp_path):
    profiles = ProfileStore(tmp_path / "tutor.db")
    assert profiles.language("ana") == ""
    profiles.set_language("ana", "zh")
    assert profiles.language("ana") == "zh" and profiles.profile("ana")["role"] == ""
    profiles.save_profile("ana", role="analyst")
    assert profiles.language("ana") == "zh" and profiles.profile("ana")["role"] == "analyst"


def test_typed_replies_carry_their_language_over_the_wire():
    answer = AnswerReply("t", answer="a", turn_id="t1", lang="zh")
    assert answer.message()["custom"]["lang"] == "zh" and parse_reply(answer.message()) == answer
    assert parse_reply({"text": "x", "custom": {"type": "answer"}}).lang == "en"  # from an older action server


def zh_answer() -> dict:
    return AnswerReply("t", answer="“报告钓鱼邮件。”", turn_id="t1", lang="zh",
                       citations=[Citation("c", "Information Security Basics", "Phishing", "https://x")]).message()


def zh_question() -> dict:
    return QuizQuestion("第 1 题", [Button("A", "1")], question_id="q", kind="mcq", prompt="p", options=["A"],
                        position=1, total=3, lang="zh").message()


def test_slack_labels_follow_the_reply():
    from bot.slack.blocks import render

    _, blocks = render([zh_answer(), zh_question()])
    shown = str(blocks)
    assert "来源：" in shown and "转人工" in shown and "提示" in shown and "跳过" in shown
    assert "Sources" not in shown and "Ask a human" not in shown and "Hint" not in shown
    hint = next(e for b in blocks if b["type"] == "actions" for e in b["elements"] if e["text"]["text"] == "提示")
    assert hint["value"] == say("say.hint", "zh")
    _, english = render([AnswerReply("t", answer="a", turn_id="t1", citations=[Citation("c", "C", "S")]).message()])
    assert "Sources:" in str(english) and "Ask a human" in str(english)


def test_teams_cards_follow_the_reply():
    from bot.channels.teams_cards import card_for

    answer = str(card_for(parse_reply(zh_answer())))
    assert "来源：" in answer and "转人工" in answer
    question = card_for(parse_reply(zh_question()))["content"]
    assert question["body"][0]["text"] == "第 1 题（共 3 题）"
    assert [a["title"] for a in question["actions"]][-3:] == ["提示", "跳过", say("quiz.button_flag", "zh")]


def test_channel_apologies_in_the_messages_language():
    from bot.channels.inbound import SORRY, slow_down, sorry

    assert sorry("怎么报销？") == say("channel.sorry", "zh") and sorry("2") == SORRY == sorry("how?")
    assert slow_down("你好") == say("channel.slow_down", "zh")


def test_the_terminal_speaks_the_locales_language_then_the_learners():
    import requests

    from cli.terminal import chat_loop, locale_language

    assert locale_language({"LANG": "zh_CN.UTF-8"}) == "zh" and locale_language({"LANG": "de_DE.UTF-8"}) == "en"
    assert locale_language({"LC_ALL": "en_US.UTF-8", "LANG": "zh_CN.UTF-8"}) == "en" and locale_language({}) == "en"

    class Down:
        def send(self, text):
            raise requests.ConnectionError()

    typed, shown = iter(["你好", "2", "hello"]), []

    def read(prompt):
        try:
            return next(typed)
        except StopIteration:
            raise EOFError

    chat_loop(Down(), read, shown.append, lang="en")
    assert shown[0] == say("channel.terminal_intro")
    assert shown[1:4] == [say("channel.terminal_unreachable", "zh", error="ConnectionError")] * 2 + [
        say("channel.terminal_unreachable", error="ConnectionError")]
