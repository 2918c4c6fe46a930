"""An NLU component that sends content questions to the question intent when the classifier took them for a
command without good reason.

DIET learns the commands (greetings, help, quiz, profile…) from a few dozen examples each and can be sure of
itself on a question it has never seen the like of: "Can I expense a $40 lunch in Canada?" as out_of_scope,
"How long is parental leave?" as help. This component runs last in the pipeline (after the FallbackClassifier)
and looks at each message twice: how confident the prediction is, and how much the message reads as a content
question (messages.questions: a question mark, also full-width, an interrogative opening of the message or of a
clause, amounts, length, CJK question particles, and how much of the message lies outside the vocabulary of the
intent it was taken for, learned here from the training data; Chinese is counted in jieba's words, as the
tokenizer cuts it, rather than in characters). When the question reading outweighs the
prediction, the intent becomes the question intent and the original prediction is kept under
`question_routing` in the parse data, so trainers and logs see what happened.

    - name: bot.nlu.question_router.QuestionRouter
      threshold: 0.45          # re-route when question-likeness >= threshold + confidence_weight * confidence
      confidence_weight: 0.45
      min_novelty: 0.25        # ... and at least this share of the content words is new to the predicted intent
      segment_chinese: true    # novelty of Chinese measured on words (jieba), not characters

How it was measured: bot/nlu/README.md.
"""
from __future__ import annotations

import json
import logging
from typing import Any, Dict, List, Optional, Set, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME, INTENT_MESSAGE_PREFIX
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.tokenizer import chinese_words
from messages.questions import QuestionSignals, signals, tokens, word_key

log = logging.getLogger(__name__)

VOCABULARY_FILE = "vocabularies.json"
ROUTING_KEY = "question_routing"


def route(intent: Text, confidence: float, found: QuestionSignals, config: Dict[Text, Any]) -> bool:
    """Whether a message taken for `intent` with `confidence` is a question: it must say something beyond that
    intent's vocabulary (a message made of a command's own words is that command, however it is phrased), and
    the more confident the prediction, the more it must read as a question. The fallback intent is left to the
    fallback action, which sends question-like messages to the tutor by the same measure."""
    if intent in (config["question_intent"], DEFAULT_NLU_FALLBACK_INTENT_NAME) or intent in config["keep_intents"]:
        return False
    if found.novelty < config["min_novelty"]:
        return False
    return found.score() >= config["threshold"] + config["confidence_weight"] * confidence


def common_words(vocabularies: Dict[Text, Set[Text]], min_intents: int) -> Set[Text]:
    """Words that appear in the examples of at least `min_intents` intents."""
    counts: Dict[Text, int] = {}
    for words in vocabularies.values():
        for word in words:
            counts[word] = counts.get(word, 0) + 1
    return {word for word, count in counts.items() if count >= min_intents}


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class QuestionRouter(GraphComponent, IntentClassifier):
    """Re-routes question-like messages predicted as a command (or the fallback) to the question intent."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            # The intent the tutor answers.
            "question_intent": "ask_question",
            # Intents never re-routed (button payloads, quiz commands said mid-quiz).
            "keep_intents": ["give_feedback"],
            # A command prediction with confidence c is re-routed when likeness >= threshold + confidence_weight * c.
            "threshold": 0.45,
            "confidence_weight": 0.45,
            # ... and at least this share of its content words is new to that intent.
            "min_novelty": 0.25,
            # Words found in the examples of at least this many intents are common to all kinds of message and
            # left out when measuring how new a message is to the intent it was taken for.
            "common_word_intents": 4,
            # Measure the novelty of Chinese on jieba's words (as bot.nlu.tokenizer cuts them), not on characters.
            "segment_chinese": True,
        }

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 vocabularies: Optional[Dict[Text, Set[Text]]] = None) -> None:
        self.config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.vocabularies: Dict[Text, Set[Text]] = vocabularies or {}
        self.common = common_words(self.vocabularies, int(self.config["common_word_intents"]))
        self.segment = chinese_words if self.config["segment_chinese"] else None

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "QuestionRouter":
        return cls(config, model_storage, resource)

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "QuestionRouter":
        vocabularies: Dict[Text, Set[Text]] = {}
        try:
            with model_storage.read_from(resource) as directory:
                stored = json.loads((directory / VOCABULARY_FILE).read_text(encoding="utf-8"))
                vocabularies = {intent: set(words) for intent, words in stored.items()}
        except (ValueError, OSError) as exc:
            log.warning("question router has no vocabularies (%s); novelty counts as neutral", exc)
        return cls(config, model_storage, resource, vocabularies)

    def train(self, training_data: TrainingData) -> Resource:
        """Learn the words each intent's examples are made of."""
        vocabularies: Dict[Text, Set[Text]] = {}
        for example in training_data.intent_examples:
            intent = example.get(INTENT)
            if intent:
                vocabularies.setdefault(intent, set()).update(word_key(w) for w in tokens(example.get(TEXT) or "", self.segment))
        self.vocabularies = vocabularies
        self.common = common_words(vocabularies, int(self.config["common_word_intents"]))
        with self._model_storage.write_to(self._resource) as directory:
            (directory / VOCABULARY_FILE).write_text(
                json.dumps({k: sorted(v) for k, v in sorted(vocabularies.items())}, ensure_ascii=False), encoding="utf-8")
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._route(message)
        return messages

    def _route(self, message: Message) -> None:
        text = message.get(TEXT) or ""
        predicted = message.get(INTENT) or {}
        intent = predicted.get(INTENT_NAME_KEY) or ""
        if not intent or not text.strip() or text.startswith(INTENT_MESSAGE_PREFIX):
            return
        confidence = float(predicted.get(PREDICTED_CONFIDENCE_KEY) or 0.0)
        found = signals(text, self.vocabularies.get(intent, set()), self.common, self.segment)
        if not route(intent, confidence, found, self.config):
            return
        likeness = found.score()
        question = self.config["question_intent"]
        ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get(INTENT_NAME_KEY) != question]
        message.set(INTENT, {INTENT_NAME_KEY: question, PREDICTED_CONFIDENCE_KEY: round(likeness, 4)}, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [{INTENT_NAME_KEY: question, PREDICTED_CONFIDENCE_KEY: round(likeness, 4)}, *ranking],
                    add_to_output=True)
        message.set(ROUTING_KEY, {"from": intent, "confidence": round(confidence, 4), "question_likeness": round(likeness, 4)},
                    add_to_output=True)
        log.debug("routed a message taken for %s (%.2f) to %s (question-likeness %.2f)", intent, confidence, question, likeness)
