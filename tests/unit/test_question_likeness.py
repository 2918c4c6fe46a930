"""How much a message reads as a content question (messages.questions): the signal the NLU's question router,
the fallback action and the console's content gaps share."""
import pytest

from actions.parsing import is_short_reply, looks_like_question
from messages.questions import THRESHOLD, question_likeness, signals

pytestmark = pytest.mark.unit

HELP_WORDS = {"what", "can", "you", "do", "help", "me", "how", "use", "this", "is", "for", "with", "kind", "question", "ask"}


@pytest.mark.parametrize("text", [
    "How long is parental leave?",
    "Can I expense a $40 lunch in Canada?",
    "I worked at Google before, does that count toward leave?",
    "I'm a designer, what training do I need for accessibility?",
    "explain how bonuses are calculated",
    "RACI matrix accountable vs responsible?",
    "育儿假有多长时间？",          # full-width question mark, no spaces
    "育儿假有多长时间",            # no mark at all: the question word 多长 is enough
    "我可以报销在加拿大40美元的午餐吗?",
])
def test_questions_read_as_questions(text):
    assert question_likeness(text) >= THRESHOLD and looks_like_question(text)


@pytest.mark.parametrize("text", ["hello", "thanks!", "ok", "no thanks", "2", "I'm a designer", "I work as a nurse",
                                  "order me a pizza", "tell me a joke", "quiz me on passwords", "", "   "])
def test_commands_and_statements_do_not(text):
    assert question_likeness(text) < THRESHOLD and not looks_like_question(text)


def test_the_signals_are_those_of_form():
    found = signals("I'm a contractor, can I use the VPN？")
    assert found.question_mark and found.interrogative_clause and not found.interrogative_start
    assert signals("¿cuántos días de vacaciones tengo?").question_mark
    chinese = signals("承包商可以使用公司的VPN吗")
    assert chinese.cjk and chinese.interrogative_clause and 4 <= chinese.words <= 8  # characters count as half words
    assert signals("Who approves expenses over £500?").amount and not signals("who approves expenses?").amount


def test_words_beyond_the_commands_vocabulary_make_a_question():
    # The same interrogative form: made of the help command's own words, or saying something new.
    own = signals("what can you help me with?", HELP_WORDS)
    new = signals("what can you tell me about parental leave in Canada?", HELP_WORDS)
    assert own.novelty == 0.0 and new.novelty >= 0.5
    assert question_likeness("what can you help me with?", HELP_WORDS) < question_likeness(
        "what can you tell me about parental leave in Canada?", HELP_WORDS)
    # Words every kind of message uses do not count either way; plurals match their singular.
    assert signals("what kinds of questions can I ask?", HELP_WORDS, common={"what", "of", "can", "i"}).novelty < 0.5
    assert signals("the the the", HELP_WORDS, common={"the"}).novelty == 0.0


def test_length_and_content_raise_the_score_monotonically():
    assert question_likeness("leave?") < question_likeness("how long is leave?") < question_likeness(
        "how long is parental leave for part-time staff in Canada?")


@pytest.mark.parametrize("text, short", [
    ("no", True), ("no thanks", True), ("don't", True), ("nope, not now", True), ("sure, why not?", True),
    ("yes please, quiz me", True),
    ("don't we get paid for overtime?", False), ("no, how do I report phishing?", False),
    ("not sure, is there a limit on client dinners?", False), ("no I would rather learn about parental leave rules", False),
])
def test_only_short_replies_answer_a_yes_no_offer(text, short):
    assert is_short_reply(text) is short
