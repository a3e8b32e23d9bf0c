"""The component trained and loaded through Rasa's own model storage, then run on messages."""

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from rasa_runtime.unknown_words import UnknownWordsClassifier


def _example(text, intent):
    return Message(data={"text": text, "intent": intent})


@pytest.fixture()
def classifier(tmp_path):
    storage = LocalModelStorage(tmp_path)
    resource = Resource("unknown_words")
    context = ExecutionContext(GraphSchema({}), "test")
    trained = UnknownWordsClassifier.create({}, storage, resource, context)
    trained.train(
        TrainingData(
            [
                _example("waar blijft mijn factuur", "factuur"),
                _example("ik wil een retour aanmelden", "retour"),
                _example("wat is de hoofdstad van frankrijk", "out_of_scope"),
            ]
        )
    )
    return UnknownWordsClassifier.load({}, storage, resource, context)


def _processed(classifier, text, intent="retour", entities=()):
    message = Message(data={"text": text, "intent": {"name": intent, "confidence": 0.97}})
    message.set("intent_ranking", [{"name": intent, "confidence": 0.97}])
    message.set("entities", list(entities))
    [processed] = classifier.process([message])
    return processed


def test_a_message_without_a_known_word_is_not_understood(classifier):
    message = _processed(classifier, "sdkjfh qpwoeiru")
    assert message.get("intent") == {"name": "nlu_fallback", "confidence": 1.0}
    assert [r["name"] for r in message.get("intent_ranking")] == ["nlu_fallback", "retour"]


def test_words_of_out_of_scope_examples_are_not_learnt(classifier):
    assert _processed(classifier, "hoofdstad frankrijk").get("intent")["name"] == "nlu_fallback"


@pytest.mark.parametrize("text", ["mijn facturr", "retour", "/retour", "0612345678"])
def test_a_known_word_a_typo_a_payload_or_a_number_is_left_alone(classifier, text):
    assert _processed(classifier, text).get("intent")["name"] == "retour"


def test_a_message_with_an_entity_is_left_alone(classifier):
    webshop = {"entity": "webshop", "value": "Qwxyz", "start": 0, "end": 5}
    assert _processed(classifier, "qwxyz", entities=[webshop]).get("intent")["name"] == "retour"


def test_a_message_already_declined_keeps_its_intent(classifier):
    message = _processed(classifier, "sdkjfh", intent="out_of_scope")
    assert message.get("intent") == {"name": "out_of_scope", "confidence": 0.97}
