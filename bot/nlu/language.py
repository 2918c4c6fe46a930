"""An NLU component that says which language a message is written in, as the entity `language` ("zh" or "en").

The domain maps it to the `language` slot, which chooses the language of the dialogue engine's own responses
(bot/domain/responses.yml) and tells the actions which language to answer in. A message that shows no language
("ok", "2", "👍") gets no entity, so the slot keeps the learner's language. The detection is
`messages.detect_language`, shared with the tutor. The entity does not influence the conversation (domain.yml).

    - name: bot.nlu.language.LanguageExtractor
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.constants import INTENT_MESSAGE_PREFIX
from rasa.shared.nlu.constants import (
    ENTITIES, ENTITY_ATTRIBUTE_CONFIDENCE, ENTITY_ATTRIBUTE_END, ENTITY_ATTRIBUTE_START, ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE, EXTRACTOR, TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from messages.language import detect_language

ENTITY = "language"


def language_entity(text: Text, extractor: Text = "LanguageExtractor") -> Dict[Text, Any] | None:
    """The `language` entity of a message, spanning all of it; None when the message shows no language."""
    if not text or text.startswith(INTENT_MESSAGE_PREFIX):
        return None
    language = detect_language(text)
    if language is None:
        return None
    return {ENTITY_ATTRIBUTE_TYPE: ENTITY, ENTITY_ATTRIBUTE_VALUE: language, ENTITY_ATTRIBUTE_START: 0,
            ENTITY_ATTRIBUTE_END: len(text), ENTITY_ATTRIBUTE_CONFIDENCE: 1.0, EXTRACTOR: extractor}


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class LanguageExtractor(GraphComponent, EntityExtractorMixin):
    """Adds the entity `language` ("zh"/"en") to each message that shows its language."""

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "LanguageExtractor":
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            entity = language_entity(message.get(TEXT) or "", self.__class__.__name__)
            if entity is not None:
                kept = [e for e in message.get(ENTITIES, []) if e.get(ENTITY_ATTRIBUTE_TYPE) != ENTITY]
                message.set(ENTITIES, [*kept, entity], add_to_output=True)
        return messages
