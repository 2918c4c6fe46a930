"""The NLU components for Chinese messages (bot/nlu/tokenizer.py, bot/nlu/language.py), run by Rasa's own classes
in Rasa's environment: Chinese is segmented into words with their offsets in the message, English is tokenised
as before, and each message that shows its language gets the `language` entity."""
import json
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[2]
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"

SCRIPT = r'''
import json, sys
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message
from bot.nlu.language import LanguageExtractor
from bot.nlu.tokenizer import HanTokenizer

han, plain = HanTokenizer(HanTokenizer.get_default_config()), WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
extractor = LanguageExtractor()
out = []
for text in json.loads(sys.argv[1]):
    message = Message(data={"text": text})
    extractor.process([message])
    out.append({"text": text, "tokens": [[t.text, t.start, t.end] for t in han.tokenize(message, "text")],
                "whitespace": [t.text for t in plain.tokenize(message, "text")], "entities": message.get("entities", [])})
print(json.dumps(out, ensure_ascii=False))
'''

TEXTS = ["VPN连不上怎么办？", "我的 VPN 连不上", "我可以在家工作吗，谢谢", "出几道题考考我数据隐私", "年假怎麼申請？",
         "how do I report a phishing email?", "Can I expense a $40 lunch in Canada?", "thanks 👍", "ok", "2"]


@pytest.fixture(scope="module")
def parsed():
    if not RASA_PYTHON.exists():
        pytest.skip("Rasa's environment (.venv-rasa) is not installed")
    result = subprocess.run([str(RASA_PYTHON), "-c", SCRIPT, json.dumps(TEXTS, ensure_ascii=False)], cwd=ROOT,
                            env={"PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin"},
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return {row["text"]: row for row in json.loads(result.stdout.strip().splitlines()[-1])}


def words(row):
    return [token[0] for token in row["tokens"]]


def test_chinese_is_segmented_into_words_with_their_offsets(parsed):
    assert words(parsed["VPN连不上怎么办？"]) == ["VPN", "连不上", "怎么办"]
    assert words(parsed["出几道题考考我数据隐私"])[-2:] == ["数据", "隐私"]
    assert "，" not in words(parsed["我可以在家工作吗，谢谢"]) and words(parsed["我可以在家工作吗，谢谢"])[-1] == "谢谢"
    for text, row in parsed.items():
        assert all(text[start:end] == word for word, start, end in row["tokens"]), text


def test_the_chinese_the_whitespace_tokenizer_drops_is_kept(parsed):
    # Rasa's WhitespaceTokenizer takes Han characters for emoji: only "VPN" is left of this message.
    assert parsed["我的 VPN 连不上"]["whitespace"] == ["VPN"]
    assert words(parsed["我的 VPN 连不上"]) == ["我", "的", "VPN", "连不上"]


def test_english_is_tokenised_as_before(parsed):
    for text in ["how do I report a phishing email?", "Can I expense a $40 lunch in Canada?", "thanks 👍"]:
        assert words(parsed[text]) == parsed[text]["whitespace"], text


def test_each_message_that_shows_its_language_gets_the_language_entity(parsed):
    def language(text):
        found = [e for e in parsed[text]["entities"] if e["entity"] == "language"]
        assert len(found) <= 1
        return found[0]["value"] if found else None

    assert language("VPN连不上怎么办？") == language("我的 VPN 连不上") == language("年假怎麼申請？") == "zh"
    assert language("how do I report a phishing email?") == "en"
    assert language("ok") is None and language("2") is None
    entity = parsed["年假怎麼申請？"]["entities"][0]
    assert (entity["start"], entity["end"]) == (0, len("年假怎麼申請？"))
