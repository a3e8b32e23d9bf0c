"""channels/delivery.py: agents' answers reach the channels once each, and a queue database that
cannot be reached delays them without breaking the chat."""

from __future__ import annotations

import asyncio

import pytest

from bot.database import URL_VARIABLE
from bot.delivery import DeliveryStore
from bot.handoff import HandoffQueue
from channels import delivery


@pytest.fixture
def store_at(monkeypatch):
    def use(url: str) -> None:
        monkeypatch.setenv(URL_VARIABLE, url)
        delivery._store.cache_clear()

    yield use
    delivery._store.cache_clear()


def test_a_waiting_answer_is_handed_out_once_and_delivered_only_when_confirmed(store_at, tmp_path):
    url = f"sqlite:///{tmp_path / 'klantenservice.db'}"
    store_at(url)
    queue = HandoffQueue(url)
    entry = queue.enqueue("klant-5", "rest", "medewerker_spreken", {})
    queue.claim(entry.id, "anna")
    said = DeliveryStore(engine=queue.engine)
    said.add_agent_message(entry.id, "anna", "Hoi, ik help je verder.")

    assert asyncio.run(delivery.hand_out("klant-6")) == ("", [])
    token, [answer] = asyncio.run(delivery.hand_out("klant-5"))
    assert answer.text == "Hoi, ik help je verder." and answer.delivered_at is None
    assert asyncio.run(delivery.hand_out("klant-5"))[1] == []  # reserved for the first response
    asyncio.run(delivery.release(token))  # that response could not be written
    token, [again] = asyncio.run(delivery.hand_out("klant-5"))
    asyncio.run(delivery.confirm(token))
    assert again.id == answer.id
    assert said.messages("klant-5")[0].delivered_at is not None
    assert asyncio.run(delivery.hand_out("klant-5")) == ("", [])


def test_an_unreachable_queue_database_gives_no_answers_and_no_error(store_at):
    store_at("postgresql://klantenservice@127.0.0.1:9/klantenservice?connect_timeout=2")
    assert asyncio.run(delivery.hand_out("klant-7")) == ("", [])
    assert asyncio.run(delivery.pending(["klant-7"])) == []
    assert asyncio.run(delivery.acknowledge("klant-7", [1])) == 0
    asyncio.run(delivery.window_opened("klant-7", "sock-1"))  # logged, not raised


def test_the_server_id_is_stable_and_can_be_chosen():
    assert delivery.server_id({"RASA_PORT": "5006"}).endswith(":5006")
    assert delivery.server_id({"RASA_PORT": "5006"}) == delivery.server_id({"RASA_PORT": "5006"})
    assert delivery.server_id({"KLANTENSERVICE_SERVER_ID": " rasa-0 "}) == "rasa-0"


def test_a_rest_customer_gets_a_waiting_message_with_its_buttons():
    from datetime import datetime, timezone

    from bot.delivery import Button, Message
    from channels.rest import _rest_message

    moment = datetime(2026, 11, 24, 10, 0, tzinfo=timezone.utc)
    rating = Message(
        1,
        1,
        "klant-1",
        "assistent",
        "Hoe tevreden?",
        moment,
        None,
        None,
        "afgelopen",
        (Button("4", "/csat_beoordelen"),),
    )
    plain = Message(2, 1, "klant-1", "anna", "Hoi", moment, None, "Anna")
    assert _rest_message("klant-1", rating) == {
        "recipient_id": "klant-1",
        "text": "Hoe tevreden?",
        "buttons": [{"title": "4", "payload": "/csat_beoordelen"}],
    }
    assert _rest_message("klant-1", plain) == {"recipient_id": "klant-1", "text": "Hoi"}
