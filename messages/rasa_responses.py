"""The dialogue engine's own responses (Rasa's utter_* actions, which work even while the action server is
down), written from the wording catalogue into a domain file beside bot/domain/domain.yml before training.

    python -m messages.rasa_responses bot/domain/responses.yml

With more than one language, each response gets one variation per language, chosen by the `language` slot. The
default language's variation has no condition: Rasa prefers a variation whose condition matches and falls back to
one without, and says nothing at all when every variation is conditioned and none matches (the slot still unset).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Dict, List

from .catalog import DEFAULT_LANGUAGE, LANGUAGES, say

# Rasa response -> catalogue key.
RESPONSES: Dict[str, str] = {
    "utter_goodbye": "basics.goodbye",
    "utter_youre_welcome": "basics.youre_welcome",
    "utter_iamabot": "basics.bot",
    "utter_out_of_scope": "basics.out_of_scope",
    "utter_ask_profile_role": "profile.ask_role",
    "utter_ask_profile_goal": "profile.ask_goal",
}


def domain_text() -> str:
    """A Rasa domain file (YAML) holding the responses in every language."""
    lines: List[str] = ["# Written by messages/rasa_responses.py from the wording in messages/; do not edit.", 'version: "3.1"',
                        "responses:"]
    for name, key in RESPONSES.items():
        lines.append(f"  {name}:")
        for lang in sorted(LANGUAGES, key=lambda code: code != DEFAULT_LANGUAGE):
            lines.append(f"    - text: {json.dumps(say(key, lang), ensure_ascii=False)}")
            if lang != DEFAULT_LANGUAGE:
                lines.append(f"      condition: [{{type: slot, name: language, value: {lang}}}]")
    return "\n".join(lines) + "\n"


def write(path: Path) -> bool:
    """Write the responses file; False when it was already up to date (so Rasa's fingerprint stays the same)."""
    text = domain_text()
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return True


if __name__ == "__main__":
    write(Path(sys.argv[1] if len(sys.argv) > 1 else "bot/domain/responses.yml"))
