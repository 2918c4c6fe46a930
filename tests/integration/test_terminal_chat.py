"""`tutor chat`'s loop against the real servers, as a person at a terminal would use it."""
import pytest

from cli.terminal import RestClient, chat_loop

pytestmark = pytest.mark.integration


def test_terminal_chat_round_trip(servers):
    typed = iter(["hi", "what is a RACI chart?", "/quit"])
    shown: list[str] = []
    chat_loop(RestClient(servers.rasa_url, "terminal-test"), lambda prompt: next(typed), shown.append)
    transcript = "\n".join(shown)
    assert "I'm your learning tutor" in transcript
    assert "Project Management Fundamentals ›" in transcript


def test_terminal_chat_survives_an_unreachable_server():
    typed = iter(["hello"])

    def read(prompt):
        try:
            return next(typed)
        except StopIteration:
            raise EOFError

    shown: list[str] = []
    chat_loop(RestClient("http://127.0.0.1:9", "nobody", timeout=2), read, shown.append)
    assert any("could not reach the tutor" in line for line in shown)
