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
def queue_at(monkeypatch):
    def use(url: str) -> None:
        monkeypatch.setenv(URL_VARIABLE, url)
        delivery._queue.cache_clear()

    yield use
    delivery._queue.cache_clear()


def test_a_waiting_answer_is_handed_out_once(queue_at, tmp_path):
    url = f"sqlite:///{tmp_path / 'klantenservice.db'}"
    queue_at(url)
    queue = HandoffQueue(url)
    entry = queue.enqueue("klant-5", "rest", "medewerker_spreken", {})
    queue.claim(entry.id, "anna")
    DeliveryStore(engine=queue.engine).add_agent_message(entry.id, "anna", "Hoi, ik help je verder.")

    assert asyncio.run(delivery.take_undelivered("klant-6")) == []
    assert asyncio.run(delivery.take_undelivered("klant-5")) == ["Hoi, ik help je verder."]
    assert asyncio.run(delivery.take_undelivered("klant-5")) == []


def test_an_unreachable_queue_database_gives_no_answers_and_no_error(queue_at):
    queue_at("postgresql://klantenservice@127.0.0.1:9/klantenservice?connect_timeout=2")
    assert asyncio.run(delivery.take_undelivered("klant-7")) == []
