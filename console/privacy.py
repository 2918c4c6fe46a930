"""Privacy in the console's views: stable aliases instead of learner ids, and PII redaction in views and exports.
(Forgetting a learner and retention are the Tutor's: `Tutor.forget`, `Tutor.apply_retention`.)"""
from __future__ import annotations

import hashlib
import hmac
import re

# A word character that is not Chinese. Python counts Han characters as \w, and Chinese puts no space around a
# number or an address ("手机13812345678", "邮箱ana@corp.com请回复"): boundaries made of \w would hide the PII from
# every pattern below, and an address would swallow the Chinese words around it.
_W = r"[^\W\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
_EMAIL = re.compile(rf"(?:{_W}|[.+-])+@(?:{_W}|-)+(?:\.(?:{_W}|-)+)+")
_PHONE = re.compile(rf"(?<!{_W})(?:\+?\d[\d ().-]{{7,}}\d)(?!{_W})")
_CARD = re.compile(rf"(?<!{_W})(?:\d[ -]?){{13,19}}(?!{_W})")
_IBAN = re.compile(rf"(?<!{_W})[A-Z]{{2}}\d{{2}}(?: ?[A-Z0-9]{{4}}){{3,7}}(?!{_W})")

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
