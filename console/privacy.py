"""Privacy in the console's views: stable aliases instead of learner ids, and PII redaction in views and exports.
(Forgetting a learner and retention are the Tutor's: `Tutor.forget`, `Tutor.apply_retention`.)"""
from __future__ import annotations

import hashlib
import hmac
import re

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<!\w)(?:\+?\d[\d ().-]{7,}\d)(?!\w)")
_CARD = re.compile(r"\b(?:\d[ -]?){13,19}\b")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){3,7}\b")

def alias(learner: str, secret: str) -> str:
    """A stable pseudonym: the same learner always gets the same alias, which reveals nothing."""
    digest = hmac.new(secret.encode(), learner.encode("utf-8", "replace"), hashlib.sha256).hexdigest()
    return f"Learner-{digest[:6].upper()}"


def redact(text: str | None) -> str:
    """Mask e-mail addresses, phone numbers, card numbers and IBANs."""
    if not text:
        return ""
    text = _EMAIL.sub("[email]", text)
    text = _IBAN.sub("[iban]", text)
    text = _CARD.sub(lambda m: "[card]" if len(re.sub(r"\D", "", m.group())) >= 13 else m.group(), text)
    return _PHONE.sub("[phone]", text)
