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


@pytest.mark.parametrize("text, masked", [
    ("手机13812345678请联系我", "手机[phone]请联系我"),
    ("邮箱ana@corp.com请回复", "邮箱[email]请回复"),
    ("卡号4111 1111 1111 1111到期", "卡号[card]到期"),
    ("请在 24 小时内报告，分机 8000", "请在 24 小时内报告，分机 8000"),
])
def test_pii_is_masked_in_chinese_text_without_spaces(text, masked):
    assert redact(text) == masked
