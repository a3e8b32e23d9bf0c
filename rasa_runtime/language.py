"""The conversation's language, decided in the Rasa server's NLU pipeline (config.yml, last component).

A message in English, or one that asks for a language ("kun je Nederlands praten?", "English
please"), gets the entity `taal` ("en" or "nl"), which the slot `taal` takes through its
`from_entity` mapping: the slot is set by the Rasa server itself, so the answers come in the
customer's language also while the action server is down, and no extra action runs per message.
Dutch is the conversation's language from the start (the slot's initial value), so a Dutch message
carries no entity unless it asks for Dutch: every Dutch message stays as it was for the rest of the
pipeline and for `rasa test`, and an English conversation goes back to Dutch when the customer asks.

A message in a language the assistant does not speak gets the intent `andere_taal` (whatever the
classifier guessed from Dutch and English words), which a rule answers in both languages; the slot
keeps its value. The detector's models are loaded when the component is created, not at the first
customer's message.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_CONFIDENCE,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    EXTRACTOR,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from bot.language import OTHER, detect, preload
from bot.wording import DUTCH

ENTITY = "taal"
OTHER_LANGUAGE_INTENT = "andere_taal"
SWITCH_INTENT = "taal_wisselen"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class LanguageDetector(GraphComponent):
    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LanguageDetector:
        preload()
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self._decide(message)
        return messages

    @staticmethod
    def _decide(message: Message) -> None:
        text = message.get(TEXT) or ""
        if not text.strip() or text.startswith("/"):  # button payloads name an intent, not a language
            return
        detection = detect(text)
        language = detection.language
        if not detection.requested:
            LanguageDetector._no_switch_without_a_request(message)
        if language is None or (language == DUTCH and not detection.requested):
            return
        if language == OTHER:
            intent = {INTENT_NAME_KEY: OTHER_LANGUAGE_INTENT, PREDICTED_CONFIDENCE_KEY: 1.0}
            message.set(INTENT, intent, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [intent, *_ranking_without(message, intent)], add_to_output=True)
            return
        entity = {
            ENTITY_ATTRIBUTE_TYPE: ENTITY,
            ENTITY_ATTRIBUTE_VALUE: language,
            ENTITY_ATTRIBUTE_START: len(text) - len(text.lstrip()),
            ENTITY_ATTRIBUTE_END: len(text.rstrip()),
            ENTITY_ATTRIBUTE_CONFIDENCE: 1.0,
            EXTRACTOR: "LanguageDetector",
        }
        others = [e for e in message.get(ENTITIES) or [] if e.get(ENTITY_ATTRIBUTE_TYPE) != ENTITY]
        message.set(ENTITIES, [*others, entity], add_to_output=True)

    @staticmethod
    def _no_switch_without_a_request(message: Message) -> None:
        """`taal_wisselen` means asking for a language, which `bot.language` decides: a message that
        only names one ("is klarna nederlands?") gets the classifier's next intent instead."""
        if (message.get(INTENT) or {}).get(INTENT_NAME_KEY) != SWITCH_INTENT:
            return
        ranking = _ranking_without(message, {INTENT_NAME_KEY: SWITCH_INTENT})
        if ranking:
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)


def _ranking_without(message: Message, intent: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        r for r in message.get(INTENT_RANKING_KEY) or [] if r.get(INTENT_NAME_KEY) != intent[INTENT_NAME_KEY]
    ]
