"""The topic in the ways people ask for a quiz."""
import pytest

from actions.quiz import quiz_topic

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("text, topic", [
    ("quiz me on sql", "sql"),
    ("can you quiz me on why security is everyone's job", "why security is everyone's job"),
    ("give me a quiz on SQL joins", "SQL joins"),
    ("I want a quiz about phishing", "phishing"),
    ("I'd like a quiz on privacy", "privacy"),
    ("let's do a quick quiz on feedback", "feedback"),
    ("please test my knowledge of joins", "joins"),
    ("test me", ""),
    ("a quick quiz", ""),
])
def test_topic_is_what_follows_the_request(text, topic):
    assert quiz_topic(text) == topic
