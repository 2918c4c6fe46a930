"""A tokenizer for messages in English, Chinese or both: Rasa's whitespace tokenisation for Latin text, and Chinese
runs segmented into words with jieba.

Chinese has no spaces, so the WhitespaceTokenizer makes one token of a whole Chinese sentence ("我可以在家工作吗")
and only the character n-grams see inside it; Rasa's JiebaTokenizer segments everything with jieba, English
included, and needs the pipeline's language to be "zh". This one keeps the English tokens exactly as before and
splits each run of Han characters into jieba's words, with their character offsets in the message:
"VPN连不上怎么办" -> VPN | 连不上 | 怎么办. It also keeps the Chinese that the WhitespaceTokenizer drops: that one
takes every token made of characters between U+24C2 and U+1F251 for an emoji, so "我的 VPN 连不上" becomes the
one token "VPN" (and a message in Chinese only becomes one token through its "nothing left" fallback).
How it was chosen: bot/nlu/README.md.

    - name: bot.nlu.tokenizer.HanTokenizer
"""
from __future__ import annotations

import logging
import re
from typing import Any, Dict, Iterator, List, Text, Tuple

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message

log = logging.getLogger(__name__)

HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")  # kana, Han, Hangul
WORD = re.compile(r"\w")  # pieces without one (Chinese punctuation: ，。？、) are dropped


def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()  # the dictionary ships with the package; nothing is downloaded
    return jieba


def segment(text: Text) -> Iterator[Tuple[Text, int]]:
    """(piece, offset) of `text`: its Han runs cut into jieba's words, the rest as it is."""
    position = 0
    for run in HAN_RUN.finditer(text):
        if run.start() > position:
            yield text[position:run.start()], position
        for word, start, _ in _jieba().tokenize(run.group()):
            yield word, run.start() + start
        position = run.end()
    if position < len(text):
        yield text[position:], position


def chinese_words(run: Text) -> List[Text]:
    """The words of a run of Chinese characters."""
    return [word for word, _ in segment(run)]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class HanTokenizer(WhitespaceTokenizer):
    """WhitespaceTokenizer, with the Chinese inside each token segmented by jieba."""

    @staticmethod
    def not_supported_languages() -> None:
        return None

    @staticmethod
    def required_packages() -> List[Text]:
        return ["jieba"]

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "HanTokenizer":
        _jieba()
        return cls(config)

    def remove_emoji(self, text: Text) -> Text:
        """Emoji-only tokens are dropped as before; words in CJK scripts are kept."""
        return text if CJK.search(text) else super().remove_emoji(text)

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        tokens = super().tokenize(message, attribute)
        if not any(HAN_RUN.search(t.text) for t in tokens):
            return tokens
        split: List[Token] = []
        for token in tokens:
            if not HAN_RUN.search(token.text):
                split.append(token)
                continue
            for piece, offset in segment(token.text):
                if WORD.search(piece):
                    lead = len(piece) - len(piece.lstrip())
                    split.append(Token(piece.strip(), token.start + offset + lead))
        return self._apply_token_pattern(split)
