"""The routing test sets (tests/rasa/routing_dev.yml, routing_zh.yml) stay apart from the NLU training data, so
the routing figures measure messages the model has never seen."""
import re
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[2]
CHINESE_SET = ROOT / "tests" / "rasa" / "routing_zh.yml"
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def examples(path: Path) -> list[tuple[str, str]]:
    pairs = []
    for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
        for line in str(block.get("examples", "")).splitlines():
            if line.strip().startswith("- "):
                pairs.append((line.strip()[2:].strip(), block["intent"]))
    return pairs


def key(text: str) -> str:
    """A sentence with punctuation, spaces and case left out: "考考我！" and "考考我" are the same sentence."""
    return re.sub(r"[\W_]+", "", text).lower()


def training_sentences() -> set[str]:
    return {key(text) for path in (ROOT / "data" / "nlu").rglob("*.yml") for text, _ in examples(path)}


def test_the_chinese_set_shares_no_sentence_with_the_training_data_or_the_development_set():
    chinese = examples(CHINESE_SET)
    seen = training_sentences() | {key(text) for text, _ in examples(ROOT / "tests" / "rasa" / "routing_dev.yml")}
    assert [text for text, _ in chinese if key(text) in seen] == []
    assert len({key(text) for text, _ in chinese}) == len(chinese)  # no sentence twice


def test_the_chinese_set_is_chinese_and_covers_questions_and_commands():
    chinese = examples(CHINESE_SET)
    assert len(chinese) >= 80 and all(HAN.search(text) for text, _ in chinese)
    intents = {intent for _, intent in chinese}
    assert sum(intent == "ask_question" for _, intent in chinese) >= 40 and len(intents) >= 15


def test_every_intent_has_chinese_training_examples():
    by_language: dict[str, set[str]] = {"zh": set(), "en": set()}
    for path in (ROOT / "data" / "nlu").rglob("*.yml"):
        for text, intent in examples(path):
            by_language["zh" if HAN.search(text) else "en"].add(intent)
    assert by_language["en"] <= by_language["zh"], by_language["en"] - by_language["zh"]


def test_the_development_questions_are_not_training_examples():
    questions = [text for text, intent in examples(ROOT / "tests" / "rasa" / "routing_dev.yml") if intent == "ask_question"]
    assert [text for text in questions if key(text) in training_sentences()] == []
