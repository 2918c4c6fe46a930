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
    ("考考我网络钓鱼", "网络钓鱼"),
    ("考考我关于网络钓鱼的知识", "网络钓鱼"),
    ("用 SQL 连接的题考考我", "SQL 连接"),
    ("来个网络钓鱼的测验吧", "网络钓鱼"),
    ("考考我《Information Security Basics》", "Information Security Basics"),
    ("考考我", ""),
    ("出几道题考考我", ""),
    ("我想做个测验", ""),
])
def test_topic_is_what_follows_the_request(text, topic):
    assert quiz_topic(text) == topic
