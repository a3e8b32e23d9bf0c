"""Nonsense declined: a message without a single known word becomes `nlu_fallback`.

config.yml, after the FallbackClassifier:

    - name: rasa_runtime.unknown_words.UnknownWordsClassifier

At training time the component keeps the words of the in-scope examples (every intent but
`out_of_scope`; `bot.vocabulary`) in the model. At run time a message whose words are all unknown
(not even one typo away from a known word) gets the intent `nlu_fallback`, the classifier's guess
second in the ranking, as Rasa's FallbackClassifier does for a guess below its threshold: the
assistant says it did not understand instead of answering a question nobody asked. Messages with an
entity (a webshop, an order or tracking number, a day), button payloads (starting with "/") and
messages already declined are left alone.
"""

from __future__ import annotations

import json
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.vocabulary import Vocabulary

FALLBACK_INTENT = "nlu_fallback"
NOT_LEARNT_FROM = frozenset({"out_of_scope"})
DECLINED = frozenset({FALLBACK_INTENT, "out_of_scope"})
_FILE = "vocabulary.json"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class UnknownWordsClassifier(GraphComponent):
    def __init__(
        self, model_storage: ModelStorage, resource: Resource, vocabulary: Vocabulary | None = None
    ) -> None:
        self._model_storage = model_storage
        self._resource = resource
        self.vocabulary = vocabulary or Vocabulary(())

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> UnknownWordsClassifier:
        return cls(model_storage, resource)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> UnknownWordsClassifier:
        with model_storage.read_from(resource) as directory:
            known = json.loads((directory / _FILE).read_text(encoding="utf-8"))
        return cls(model_storage, resource, Vocabulary(known))

    def train(self, training_data: TrainingData) -> Resource:
        texts = [
            example.get(TEXT)
            for example in training_data.intent_examples
            if example.get(INTENT) not in NOT_LEARNT_FROM and example.get(TEXT)
        ]
        self.vocabulary = Vocabulary.of_texts(texts)
        with self._model_storage.write_to(self._resource) as directory:
            text = json.dumps(sorted(self.vocabulary.words), ensure_ascii=False)
            (directory / _FILE).write_text(text, encoding="utf-8")
        return self._resource

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            if self._is_nonsense(message):
                _decline(message)
        return messages

    def _is_nonsense(self, message: Message) -> bool:
        text = message.get(TEXT) or ""
        intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
        if text.startswith("/") or intent in DECLINED or message.get(ENTITIES):
            return False
        return self.vocabulary.knows_none_of(text)


def _decline(message: Message) -> None:
    fallback = {INTENT_NAME_KEY: FALLBACK_INTENT, "confidence": 1.0}
    ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get(INTENT_NAME_KEY) != FALLBACK_INTENT]
    message.set(INTENT, fallback, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [fallback, *ranking], add_to_output=True)
