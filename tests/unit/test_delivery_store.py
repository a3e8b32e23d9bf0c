"""Agents' answers and chat-window presence (bot/delivery.py) on a temporary SQLite file, beside
the queue entries they belong to (bot/handoff.py)."""

from __future__ import annotations

import threading
from datetime import timedelta

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
    is_gone,
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
    assert goodbye.kind == "afgelopen" and goodbye.author_name is None
    assert deliveries.pending(["klant-1"]) == [goodbye]
    assert deliveries.acknowledge("klant-1", [goodbye.id], now=at(10)) == 1
    assert deliveries.pending(["klant-1"]) == []
    assert deliveries.messages("klant-1")[0].delivered_at == at(10)
    with pytest.raises(QueueError, match="bestaat niet"):
        deliveries.hold_for_delivery(999, ["Hallo"])


# --- delivery: the chat window acknowledges ---------------------------------------------------------


def test_a_message_is_pending_until_its_own_window_acknowledges_it(queue, deliveries):
    entry = claimed(queue, "klant-1")
    other = claimed(queue, "klant-2")
    texts = ["een", "twee", "drie"]
    sent = [
        deliveries.add_agent_message(entry.id, "anna", t, "Anna", now=at(10 + n)) for n, t in enumerate(texts)
    ]
    theirs = deliveries.add_agent_message(other.id, "anna", "voor klant 2", now=at(11))
    assert [m.text for m in deliveries.pending(["klant-1"])] == texts
    assert [m.text for m in deliveries.pending(["klant-1"])] == texts  # offering is not delivering
    assert sent[0].author_name == "Anna" and sent[0].kind == "antwoord"

    assert deliveries.acknowledge("klant-1", [theirs.id], now=at(20)) == 0  # not klant-1's message
    assert deliveries.acknowledge("klant-1", [sent[1].id, "x", True, None], now=at(20)) == 1
    assert deliveries.acknowledge("klant-1", [sent[1].id], now=at(21)) == 0  # the first one counts
    assert [m.text for m in deliveries.pending(["klant-1", "klant-2"])] == ["een", "drie", "voor klant 2"]
    assert [m.delivered_at for m in deliveries.messages("klant-1")] == [None, at(20), None]
    assert [m.text for m in deliveries.pending(["klant-1"], created_before=at(11))] == ["een"]


# --- delivery: a REST response ----------------------------------------------------------------------


def test_a_rest_response_delivers_only_what_it_confirms(queue, deliveries):
    entry = claimed(queue, "klant-1")
    first = deliveries.add_agent_message(entry.id, "anna", "een", now=at(1))
    token, handed = deliveries.hand_out("klant-1", now=at(2))
    assert [m.id for m in handed] == [first.id]
    second = deliveries.add_agent_message(entry.id, "anna", "twee", now=at(3))
    other_token, others = deliveries.hand_out("klant-1", now=at(3))  # a second response meanwhile
    assert [m.id for m in others] == [second.id]
    deliveries.release(other_token)  # it could not be written
    deliveries.confirm(token, now=at(4))
    assert [(m.text, m.delivered_at) for m in deliveries.messages("klant-1")] == [
        ("een", at(4)),
        ("twee", None),
    ]
    assert [m.id for m in deliveries.hand_out("klant-1", now=at(5))[1]] == [second.id]


def test_a_reservation_that_is_never_confirmed_lapses(queue, deliveries):
    entry = claimed(queue, "klant-1")
    deliveries.add_agent_message(entry.id, "anna", "een", now=at(1))
    assert len(deliveries.hand_out("klant-1", now=at(2))[1]) == 1  # that server died
    assert deliveries.hand_out("klant-1", now=at(2.5))[1] == []
    assert [m.text for m in deliveries.hand_out("klant-1", now=at(3.5))[1]] == ["een"]


def test_a_rest_message_is_seen_as_the_customer_being_there(queue, deliveries):
    entry = queue.enqueue("klant-1", "rest", "r", {}, now=at(0))
    assert deliveries.hand_out("klant-1", now=at(7)) == ("", [])
    assert queue.get(entry.id).customer_seen_at == at(7)


def _pause_before_first_delivery_update(
    engine: sa.engine.Engine, reached: threading.Event, release: threading.Event
) -> None:
    """Makes `engine`'s hand_out wait (at most 3 s) between reading and reserving."""

    @sa.event.listens_for(engine, "before_cursor_execute")
    def pause(conn, cursor, statement, parameters, context, executemany):
        if not reached.is_set() and statement.lstrip().upper().startswith("UPDATE HANDOFF_MESSAGES"):
            reached.set()
            release.wait(timeout=3)


def test_two_simultaneous_responses_never_both_get_a_message(url):
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
        results[name] = [m.id for m in q.hand_out("klant-1")[1]]
        if name == "fast":
            release.set()

    try:
        slow_thread = threading.Thread(target=take, args=("slow", slow))
        slow_thread.start()
        reached.wait(timeout=10)  # the slow one has read and is about to reserve
        take("fast", fast)
        slow_thread.join(timeout=60)
        assert sorted(results["slow"] + results["fast"]) == [
            m.id for m in setup_deliveries.messages("klant-1")
        ]
    finally:
        release.set()
        for q in (setup_deliveries, slow, fast):
            q.engine.dispose()


# --- chat windows -----------------------------------------------------------------------------------

LEASE = timedelta(seconds=30)


def test_a_window_is_connected_while_its_lease_lasts(queue, deliveries):
    assert deliveries.connected("klant-1", now=at(0)) is False
    deliveries.window_opened("klant-1", "sock-1", "rasa-a", LEASE, now=at(0))
    deliveries.window_opened("klant-2", "sock-2", "rasa-a", LEASE, now=at(0))
    assert deliveries.connected("klant-1", now=at(0.4)) is True
    assert deliveries.connected("klant-1", now=at(0.6)) is False  # its server stopped renewing
    deliveries.renew("rasa-a", ["sock-1"], LEASE, now=at(0.4))
    assert (deliveries.connected("klant-1", now=at(0.6)), deliveries.connected("klant-2", now=at(0.6))) == (
        True,
        False,
    )
    deliveries.window_closed("rasa-a", "sock-1", now=at(0.7))
    assert deliveries.connected("klant-1", now=at(0.7)) is False
    deliveries.window_closed("rasa-a", "sock-onbekend")  # nothing to do, no error


def test_a_second_window_keeps_the_conversation_connected(queue, deliveries):
    deliveries.window_opened("klant-1", "sock-oud", "rasa-a", LEASE, now=at(0))
    deliveries.window_opened("klant-1", "sock-nieuw", "rasa-b", LEASE, now=at(0.1))  # reconnected elsewhere
    deliveries.window_closed("rasa-a", "sock-oud", now=at(0.2))
    assert deliveries.connected("klant-1", now=at(0.2)) is True
    deliveries.window_closed("rasa-b", "sock-nieuw", now=at(0.3))
    assert deliveries.connected("klant-1", now=at(0.3)) is False


def test_a_restarted_server_drops_only_its_own_old_leases(queue, deliveries):
    deliveries.window_opened("klant-1", "sock-1", "rasa-a", LEASE, now=at(0))
    deliveries.window_opened("klant-2", "sock-2", "rasa-b", LEASE, now=at(0))
    assert deliveries.server_started("rasa-a") == 1
    assert (deliveries.connected("klant-1", now=at(0)), deliveries.connected("klant-2", now=at(0))) == (
        False,
        True,
    )


def test_the_window_stamps_its_open_live_entry_with_when_the_customer_was_there(queue, deliveries):
    waiting = queue.enqueue("klant-1", "socketio", "r", {}, now=at(0))
    offline = queue.enqueue("klant-1", "socketio", "r", {}, mode=OFFLINE, now=at(0))
    assert queue.get(waiting.id).customer_seen_at == at(0)
    deliveries.window_opened("klant-1", "sock-1", "rasa-a", LEASE, now=at(1))
    deliveries.renew("rasa-a", ["sock-1"], LEASE, now=at(2))
    assert queue.get(waiting.id).customer_seen_at == at(2)
    deliveries.window_closed("rasa-a", "sock-1", now=at(3))
    assert queue.get(waiting.id).customer_seen_at == at(3)
    assert queue.get(offline.id).customer_seen_at == at(0)  # a question for later: not a waiting customer


# --- customers who went away ("weg") ----------------------------------------------------------------

GONE_AFTER = timedelta(minutes=3)


def test_a_customer_whose_window_is_gone_no_longer_counts_for_the_places_behind(queue, deliveries):
    first = queue.enqueue("klant-1", "socketio", "r", {}, now=at(0))
    second = queue.enqueue("klant-2", "socketio", "r", {}, now=at(1))
    third = queue.enqueue("klant-3", "rest", "r", {}, now=at(2))
    deliveries.window_opened("klant-1", "sock-1", "rasa-a", LEASE, now=at(2))
    deliveries.window_opened("klant-2", "sock-2", "rasa-a", LEASE, now=at(2))
    deliveries.window_closed("rasa-a", "sock-1", now=at(3))  # klant-1 closed the window
    deliveries.renew("rasa-a", ["sock-2"], LEASE, now=at(5))  # klant-2's is still open
    assert queue.position(third.id, GONE_AFTER, now=at(5)) == 3  # 2 minutes: klant-1 may come back
    deliveries.renew("rasa-a", ["sock-2"], LEASE, now=at(6.5))
    assert queue.position(third.id, GONE_AFTER, now=at(6.5)) == 2  # klant-1 is "weg"
    assert queue.position(third.id, now=at(6.5)) == 3  # without gone_after every entry counts
    assert is_gone(queue.get(first.id), GONE_AFTER, at(6.5))
    assert not is_gone(queue.get(second.id), GONE_AFTER, at(6.5))
    deliveries.window_opened("klant-1", "sock-9", "rasa-b", LEASE, now=at(6.6))  # back after all
    assert queue.position(third.id, GONE_AFTER, now=at(6.6)) == 3


def test_a_gone_entry_is_closed_without_a_word_and_keeps_its_question(queue, deliveries):
    entry = queue.enqueue("klant-1", "socketio", "factuur_vraag", {"vraag": "Klopt mijn factuur?"}, now=at(0))
    with pytest.raises(QueueError, match="er nog"):
        queue.close_gone(entry.id, "bram", False, GONE_AFTER, now=at(2))
    closed = queue.close_gone(entry.id, "bram", False, GONE_AFTER, now=at(4))
    assert (closed.status, closed.closed_by, closed.closed_at) == (CLOSED, "weg", at(4))
    assert closed.details == {"vraag": "Klopt mijn factuur?"}
    assert deliveries.messages("klant-1") == []
    with pytest.raises(QueueError, match="afgesloten"):
        queue.close_gone(entry.id, "bram", False, GONE_AFTER, now=at(5))


def test_only_the_agent_who_has_it_or_a_team_lead_takes_a_claimed_gone_entry_off(queue):
    entry = claimed(queue, "klant-1", agent="anna")
    with pytest.raises(AlreadyTaken, match="anna"):
        queue.close_gone(entry.id, "bram", False, GONE_AFTER, now=at(10))
    assert queue.close_gone(entry.id, "tess", True, GONE_AFTER, now=at(10)).closed_by == "weg"


# --- buttons ------------------------------------------------------------------------------------------


def test_a_message_keeps_its_well_formed_buttons_for_delivery(queue, deliveries):
    from bot.delivery import MAX_BUTTONS, Button, Said, buttons_of

    entry = queue.enqueue("klant-1", "socketio", "retour", {})
    rating = Said(
        "Hoe tevreden ben je?",
        (Button("4", '/csat_beoordelen{"csat_score":"4"}'), Button("Overslaan", "/overslaan")),
    )
    held = deliveries.hold_for_delivery(entry.id, [rating, "Tot ziens"])
    assert [(m.text, m.buttons) for m in deliveries.pending(["klant-1"])] == [
        ("Hoe tevreden ben je?", rating.buttons),
        ("Tot ziens", ()),
    ]
    assert held[0].buttons_json() == [
        {"title": "4", "payload": '/csat_beoordelen{"csat_score":"4"}'},
        {"title": "Overslaan", "payload": "/overslaan"},
    ]
    token, handed = deliveries.hand_out("klant-1")
    assert token and handed[0].buttons == rating.buttons

    odd = [
        {"title": "ok", "payload": "/ja"},
        {"title": 3, "payload": "/x"},
        "knop",
        {"title": "", "payload": "/y"},
    ]
    assert buttons_of(odd) == (Button("ok", "/ja"),)
    assert buttons_of({"title": "ok"}) == () and buttons_of(None) == ()
    assert len(buttons_of([{"title": "a", "payload": "/a"}] * 50)) == MAX_BUTTONS
