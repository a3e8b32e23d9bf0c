"""Agents' answers and chat-window presence (bot/delivery.py) on a temporary SQLite file, beside
the queue entries they belong to (bot/handoff.py)."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from bot.delivery import DeliveryStore
from bot.handoff import (
    ANSWERED,
    CLOSED,
    MAX_MESSAGE_LENGTH,
    OFFLINE,
    WITH_AGENT,
    AlreadyTaken,
    HandoffQueue,
    QueueError,
)
from tests.unit.test_handoff_queue import at, claimed


@pytest.fixture
def url(tmp_path):
    return f"sqlite:///{tmp_path / 'klantenservice.db'}"


@pytest.fixture
def queue(url):
    q = HandoffQueue(url)
    yield q
    q.engine.dispose()


@pytest.fixture
def deliveries(queue):
    return DeliveryStore(engine=queue.engine)


# --- agents' messages -------------------------------------------------------------------------------


def test_only_the_claiming_agent_may_answer(queue, deliveries):
    entry = queue.enqueue("klant-1", "socketio", "r", {})
    with pytest.raises(QueueError, match="eerst op"):
        deliveries.add_agent_message(entry.id, "anna", "Hallo")
    queue.claim(entry.id, "anna")
    with pytest.raises(AlreadyTaken, match="anna"):
        deliveries.add_agent_message(entry.id, "bram", "Hallo")
    with pytest.raises(QueueError, match="bestaat niet"):
        deliveries.add_agent_message(999, "anna", "Hallo")
    assert deliveries.messages("klant-1") == []


@pytest.mark.parametrize("text", ["", "   ", "\n\t "])
def test_an_empty_message_is_refused(queue, deliveries, text):
    entry = claimed(queue, "klant-1")
    with pytest.raises(QueueError, match="leeg"):
        deliveries.add_agent_message(entry.id, "anna", text)
    assert deliveries.messages("klant-1") == []


def test_message_length_limit(queue, deliveries):
    entry = claimed(queue, "klant-1")
    with pytest.raises(QueueError, match=str(MAX_MESSAGE_LENGTH)):
        deliveries.add_agent_message(entry.id, "anna", "x" * (MAX_MESSAGE_LENGTH + 1))
    longest = deliveries.add_agent_message(entry.id, "anna", "  " + "x" * MAX_MESSAGE_LENGTH + "\n")
    assert longest.text == "x" * MAX_MESSAGE_LENGTH  # surrounding white space does not count
    assert [m.id for m in deliveries.messages("klant-1")] == [longest.id]


def test_a_message_is_stored_for_its_conversation(queue, deliveries):
    entry = claimed(queue, "klant-1", agent="anna")
    message = deliveries.add_agent_message(entry.id, "anna", "  Goedemiddag, ik help je verder.  ", now=at(3))
    assert (message.entry_id, message.conversation_id, message.author, message.text) == (
        entry.id,
        "klant-1",
        "anna",
        "Goedemiddag, ik help je verder.",
    )
    assert (message.created_at, message.delivered_at) == (at(3), None)
    assert deliveries.messages("klant-1") == [message]


def test_answering_an_offline_entry_marks_it_answered_once(queue, deliveries):
    entry = claimed(queue, "klant-1", mode=OFFLINE)
    deliveries.add_agent_message(entry.id, "anna", "Je pakket komt morgen.", now=at(5))
    answered = queue.get(entry.id)
    assert (answered.status, answered.answered_at) == (ANSWERED, at(5))
    assert answered.is_open
    deliveries.add_agent_message(entry.id, "anna", "Nog een aanvulling.", now=at(7))
    assert queue.get(entry.id).answered_at == at(5)  # the first answer counts
    assert queue.get(entry.id).status == ANSWERED
    closed = queue.close(entry.id, "anna", now=at(8))
    assert closed.status == CLOSED


def test_answering_a_live_entry_keeps_it_with_the_agent(queue, deliveries):
    entry = claimed(queue, "klant-1")
    deliveries.add_agent_message(entry.id, "anna", "Hallo!", now=at(5))
    stored = queue.get(entry.id)
    assert (stored.status, stored.answered_at) == (WITH_AGENT, None)
    assert queue.live_entry("klant-1").id == entry.id


def test_no_messages_after_close(queue, deliveries):
    entry = claimed(queue, "klant-1")
    queue.close(entry.id, "anna")
    with pytest.raises(QueueError, match="afgesloten"):
        deliveries.add_agent_message(entry.id, "anna", "Nog iets")
    assert deliveries.messages("klant-1") == []


def test_the_assistants_goodbye_waits_for_delivery_like_an_answer(queue, deliveries):
    entry = claimed(queue, "klant-1", agent="anna")
    queue.close(entry.id, "anna", now=at(9))
    [goodbye] = deliveries.hold_for_delivery(entry.id, ["Je chat weer met mij."], now=at(9))
    assert (goodbye.entry_id, goodbye.author, goodbye.delivered_at) == (entry.id, "assistent", None)
    assert deliveries.messages("klant-1") == [goodbye]
    [taken] = deliveries.take_undelivered("klant-1", now=at(10))
    assert (taken.id, taken.text, taken.delivered_at) == (goodbye.id, "Je chat weer met mij.", at(10))
    assert deliveries.take_undelivered("klant-1") == []
    with pytest.raises(QueueError, match="bestaat niet"):
        deliveries.hold_for_delivery(999, ["Hallo"])


# --- delivery ---------------------------------------------------------------------------------------


def test_take_undelivered_returns_messages_in_order_once(queue, deliveries):
    entry = claimed(queue, "klant-1")
    other = claimed(queue, "klant-2")
    texts = ["een", "twee", "drie"]
    for n, text in enumerate(texts):
        deliveries.add_agent_message(entry.id, "anna", text, now=at(10 + n))
    deliveries.add_agent_message(other.id, "anna", "voor klant 2", now=at(11))

    taken = deliveries.take_undelivered("klant-1", now=at(20))
    assert [m.text for m in taken] == texts
    assert all(m.delivered_at == at(20) for m in taken)
    assert deliveries.take_undelivered("klant-1", now=at(21)) == []
    assert [m.delivered_at for m in deliveries.messages("klant-1")] == [at(20)] * 3
    assert [m.delivered_at for m in deliveries.messages("klant-2")] == [None]

    later = deliveries.add_agent_message(entry.id, "anna", "vier", now=at(22))
    assert [m.id for m in deliveries.take_undelivered("klant-1", now=at(23))] == [later.id]
    assert deliveries.take_undelivered("klant-1") == []
    assert [m.text for m in deliveries.take_undelivered("klant-2")] == ["voor klant 2"]


def test_mark_delivered_is_idempotent_and_keeps_the_first_moment(queue, deliveries):
    entry = claimed(queue, "klant-1")
    first = deliveries.add_agent_message(entry.id, "anna", "een")
    second = deliveries.add_agent_message(entry.id, "anna", "twee")
    deliveries.mark_delivered([], now=at(5))  # nothing to do, no error
    deliveries.mark_delivered([first.id], now=at(5))
    deliveries.mark_delivered([first.id], now=at(6))
    assert [m.delivered_at for m in deliveries.messages("klant-1")] == [at(5), None]
    assert [m.id for m in deliveries.take_undelivered("klant-1", now=at(7))] == [second.id]
    deliveries.mark_delivered(iter([first.id, second.id]), now=at(8))
    assert [m.delivered_at for m in deliveries.messages("klant-1")] == [at(5), at(7)]


def _pause_before_first_delivery_update(
    engine: sa.engine.Engine, reached: threading.Event, release: threading.Event
) -> None:
    """Makes `engine`'s take_undelivered wait (at most 3 s) between reading and marking."""

    @sa.event.listens_for(engine, "before_cursor_execute")
    def pause(conn, cursor, statement, parameters, context, executemany):
        if not reached.is_set() and statement.lstrip().upper().startswith("UPDATE HANDOFF_MESSAGES"):
            reached.set()
            release.wait(timeout=3)


def test_two_simultaneous_takers_never_both_get_a_message(url):
    setup = HandoffQueue(url)
    setup_deliveries = DeliveryStore(engine=setup.engine)
    entry = claimed(setup, "klant-1")
    for text in ("een", "twee"):
        setup_deliveries.add_agent_message(entry.id, "anna", text)
    slow, fast = DeliveryStore(url), DeliveryStore(url)
    reached, release = threading.Event(), threading.Event()
    _pause_before_first_delivery_update(slow.engine, reached, release)
    results: dict[str, list] = {}

    def take(name: str, q: DeliveryStore) -> None:
        results[name] = [m.id for m in q.take_undelivered("klant-1")]
        if name == "fast":
            release.set()

    try:
        slow_thread = threading.Thread(target=take, args=("slow", slow))
        slow_thread.start()
        reached.wait(timeout=10)  # the slow one has read and is about to mark
        take("fast", fast)
        slow_thread.join(timeout=60)
        assert sorted(results["slow"] + results["fast"]) == [
            m.id for m in setup_deliveries.messages("klant-1")
        ]
    finally:
        release.set()
        for q in (setup, slow, fast):
            q.engine.dispose()


# --- presence ---------------------------------------------------------------------------------------


def test_presence_follows_the_chat_window(queue, deliveries):
    assert deliveries.is_online("klant-1") is False
    deliveries.set_presence("klant-1", "sock-1", True, now=at(0))
    deliveries.set_presence("klant-2", "sock-2", True, now=at(0))
    assert deliveries.is_online("klant-1") is True
    deliveries.set_presence("klant-1", "sock-1", False, now=at(1))
    assert deliveries.is_online("klant-1") is False
    assert deliveries.is_online("klant-2") is True
    deliveries.set_presence("klant-1", "sock-1", True, now=at(2))
    assert deliveries.is_online("klant-1") is True


def test_socket_closed_only_affects_that_socket(queue, deliveries):
    deliveries.set_presence("klant-1", "sock-1", True, now=at(0))
    deliveries.set_presence("klant-2", "sock-2", True, now=at(0))
    deliveries.socket_closed("sock-1", now=at(1))
    assert (deliveries.is_online("klant-1"), deliveries.is_online("klant-2")) == (False, True)
    deliveries.socket_closed("sock-onbekend")
    assert deliveries.is_online("klant-2") is True


def test_a_closed_old_socket_does_not_take_a_reconnected_chat_offline(queue, deliveries):
    deliveries.set_presence("klant-1", "sock-oud", True, now=at(0))
    deliveries.set_presence("klant-1", "sock-nieuw", True, now=at(1))  # reconnected on a new socket
    deliveries.socket_closed("sock-oud", now=at(2))
    assert deliveries.is_online("klant-1") is True
    deliveries.socket_closed("sock-nieuw", now=at(3))
    assert deliveries.is_online("klant-1") is False
