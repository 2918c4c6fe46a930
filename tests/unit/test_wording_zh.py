"""The Chinese wording is complete and really Chinese: every English key, the same placeholders and count forms,
nothing left in English, lists and course titles written the Chinese way, and the dialogue engine's own responses
in both languages."""
import re
import string

import pytest

from messages import LANGUAGES, say
from tutor import Words
from tutor.wording import message_language, topics_text

pytestmark = pytest.mark.unit

EN, ZH = LANGUAGES["en"], LANGUAGES["zh"]
# What may stay in Latin letters in a Chinese text: commands typed as they are (`/tutor ask`, /quit), course titles
# in 《》 (an example course of the sample catalogue), and product names.
_MAY_STAY = re.compile(r"`[^`]*`|/[a-z]+|《[^》]*》|\{[^}]*\}|\bSlack\b|\bSQL\b")


def forms(text) -> list[str]:
    return list(text.values()) if isinstance(text, dict) else [text]


def placeholders(template: str) -> list[tuple[str, str]]:
    return sorted((name, spec) for _, name, spec, _ in string.Formatter().parse(template) if name is not None)


def test_every_english_key_is_in_chinese_with_the_same_placeholders_and_forms():
    assert set(ZH) == set(EN)
    for key, english in EN.items():
        chinese = ZH[key]
        assert type(chinese) is type(english), key
        if isinstance(english, dict):
            assert set(chinese) == set(english), key
        wanted = {p for form in forms(english) for p in placeholders(form)}
        for form in forms(chinese):
            assert set(placeholders(form)) == wanted, key


def test_no_text_is_left_in_english():
    for key, text in ZH.items():
        for form in forms(text):
            left = _MAY_STAY.sub("", form)
            assert not re.search(r"[A-Za-z]{2,}", left), (key, form)
            if re.search(r"[A-Za-z]{2,}", _MAY_STAY.sub("", forms(EN[key])[0])):
                assert re.search(r"[\u4e00-\u9fff]", form), (key, form)


def test_every_chinese_text_fills():
    for key, text in ZH.items():
        for form in forms(text):
            values = {name.split(".")[0].split("[")[0]: 1 for name, _ in placeholders(form)}
            assert say(key, "zh", **values)


def test_count_forms_and_numbers():
    assert say("quiz.start", "zh", count=1) == say("quiz.start", "zh", count=3).replace("3", "1") == "开始吧：共 1 道题。"
    assert say("notice.truncated", "zh", chars=2000) == "你的消息太长了，我只读取了前 2,000 个字符。"


def test_phrases_a_learner_is_told_to_type_are_chinese():
    assert say("say.quiz", "zh") == "考考我" and say("say.review", "zh") == "复习" and say("say.yes", "zh") == "好的"
    assert "“我学得怎么样？”" in say("basics.help_no_courses", "zh") and "“考考我”" in say("progress.none", "zh")


def test_lists_and_titles_are_written_the_languages_way():
    zh, en = Words("zh"), Words("en")
    assert zh("answer.courses_cover", titles=["SQL for Analysts", "Advanced SQL"]) == "课程涵盖：《SQL for Analysts》、《Advanced SQL》。"
    assert en("answer.courses_cover", titles=["SQL for Analysts", "Advanced SQL"]) == "The courses cover: SQL for Analysts, Advanced SQL."
    assert zh("quiz.mastery_now", levels=["phishing 80%", "mfa 40%"]) == "现在的掌握程度：phishing 80%、mfa 40%。"
    assert topics_text(zh, [f"C{i}" for i in range(10)]) == "《C0》、《C1》、《C2》、《C3》、《C4》、《C5》、《C6》、《C7》，另有 2 门课程"
    assert topics_text(en, ["A", "B"]) == "A, B"
    assert zh.sentences("第一句。", "", "第二句。") == "第一句。第二句。" and en.sentences("One.", "Two.") == "One. Two."
    assert zh.reasons(["a", "b"]) == "a；b" and en.reasons(["a", "b"]) == "a; b"


def test_a_course_title_does_not_make_a_chinese_message_english():
    assert message_language("考考我《Information Security Basics》") == "zh"
    assert message_language("quiz me on Information Security Basics") == "en"
    assert message_language("2") is None


def test_the_dialogue_engines_responses_have_a_chinese_variation():
    import yaml

    from messages.rasa_responses import RESPONSES, domain_text

    responses = yaml.safe_load(domain_text())["responses"]
    for name, key in RESPONSES.items():
        english, chinese = responses[name]
        assert english == {"text": say(key)}
        assert chinese == {"text": say(key, "zh"), "condition": [{"type": "slot", "name": "language", "value": "zh"}]}


def test_a_finished_quiz_names_its_skills_in_words():
    from assessment import QuizTurn
    from tutor.wording import summary_reply

    turn = QuizTurn(total=2, finished=True, correct=0, mastery={"infosec-zh-passwords": 0.14})
    for lang in ("en", "zh"):
        text = summary_reply(Words(lang), turn).text
        assert "infosec zh passwords 14%" in text and "infosec-zh-passwords" not in text
