"""Redaction and aliases used by the console's views and exports."""
import pytest

from console import alias, redact

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("text, hidden, shown", [
    ("mail me at ana.o'neil@corp.co.uk please", "ana.o'neil@corp.co.uk"[4:], "[email]"),
    ("call +44 20 7946 0958 today", "7946", "[phone]"),
    ("or (555) 123-4567", "123-4567", "[phone]"),
    ("card 4111 1111 1111 1111 expires", "4111", "[card]"),
    ("IBAN GB82 WEST 1234 5698 7654 32", "WEST", "[iban]"),
])
def test_pii_is_masked(text, hidden, shown):
    masked = redact(text)
    assert hidden not in masked and shown in masked


def test_ordinary_numbers_survive():
    assert redact("respond within 30 days, or 72 hours for breaches") == "respond within 30 days, or 72 hours for breaches"


def test_aliases_are_stable_and_keyed():
    assert alias("ana", "k1") == alias("ana", "k1") != alias("ben", "k1")
    assert alias("ana", "k1") != alias("ana", "k2") and alias("ana", "k1").startswith("Learner-")
