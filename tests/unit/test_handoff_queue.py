"""The human-agent queue (bot/handoff.py) on a temporary SQLite file: order, positions, atomic
claims, restarts and the wait estimate (agents' answers and presence: tests/unit/test_delivery_store.py)."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

import bot.handoff as handoff_module
from bot.delivery import DeliveryStore
from bot.handoff import (
    ANSWERED,
    CLOSED,
    LIVE,
    MAX_MESSAGE_LENGTH,
    OFFLINE,
    REOPENED,
    WAITING,
    WITH_AGENT,
    AlreadyTaken,
    HandlingEstimate,
    HandoffQueue,
    QueueError,
    estimated_wait,
)

UTC = timezone.utc
AMS = ZoneInfo("Europe/Amsterdam")
T0 = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
REFERENCE = re.compile(r"^MW-[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{6}$")
DETAILS = {"vraag": "Waar is mijn terugbetaling?", "bestelnummer": "12345678"}


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


@pytest.fixture
def url(tmp_path):
    return f"sqlite:///{tmp_path / 'klantenservice.db'}"


@pytest.fixture
def queue(url):
    q = HandoffQueue(url)
    yield q
    q.engine.dispose()


def claimed(
    queue: HandoffQueue, conversation_id: str, agent: str = "anna", mode: str = LIVE, minutes: float = 0
):
    entry = queue.enqueue(conversation_id, "socketio", "wil_medewerker", {}, mode=mode, now=at(minutes))
    return queue.claim(entry.id, agent, now=at(minutes + 1))


# --- enqueue ----------------------------------------------------------------------------------------


def test_enqueue_stores_a_waiting_entry_with_a_reference(queue):
    entry = queue.enqueue("klant-1", "socketio", "wil_medewerker", DETAILS, now=T0)
    assert REFERENCE.match(entry.reference), entry.reference
    assert (entry.conversation_id, entry.channel, entry.mode, entry.reason) == (
        "klant-1",
        "socketio",
        LIVE,
        "wil_medewerker",
    )
    assert entry.details == DETAILS
    assert entry.status == WAITING and entry.is_open
    assert entry.agent is None and entry.closed_by is None
    assert entry.queued_at == T0
    assert (entry.claimed_at, entry.answered_at, entry.closed_at) == (None, None, None)
    assert queue.get(entry.id) == entry
    assert queue.live_entry("klant-1") == entry


def test_missing_channel_is_stored_as_onbekend(queue):
    assert queue.enqueue("klant-1", "", "wil_medewerker", {}).channel == "onbekend"


def test_unknown_mode_is_refused_and_nothing_is_stored(queue):
    with pytest.raises(ValueError):
        queue.enqueue("klant-1", "rest", "wil_medewerker", {}, mode="direct")
    assert queue.for_conversation("klant-1") == []
    assert queue.open_entries() == []


def test_a_live_conversation_already_waiting_keeps_its_place(queue):
    first = queue.enqueue("klant-1", "socketio", "wil_medewerker", {"a": 1}, now=at(0))
    queue.enqueue("klant-2", "socketio", "wil_medewerker", {}, now=at(1))
    again = queue.enqueue("klant-1", "rest", "andere_reden", {"b": 2}, now=at(5))
    assert again == first  # same id, reference, queued_at, reason and details
    assert queue.position(first.id) == 1
    assert [e.conversation_id for e in queue.open_entries()] == ["klant-1", "klant-2"]


def test_a_live_conversation_with_an_agent_is_not_queued_twice(queue):
    entry = claimed(queue, "klant-1", agent="anna")
    again = queue.enqueue("klant-1", "socketio", "wil_medewerker", {}, now=at(10))
    assert again.id == entry.id
    assert again.status == WITH_AGENT and again.agent == "anna"
    assert len(queue.for_conversation("klant-1")) == 1


def test_after_closing_a_live_conversation_is_queued_anew(queue):
    entry = claimed(queue, "klant-1")
    queue.close(entry.id, "anna", now=at(5))
    assert queue.live_entry("klant-1") is None
    again = queue.enqueue("klant-1", "socketio", "wil_medewerker", {}, now=at(6))
    assert again.id != entry.id and again.reference != entry.reference
    assert again.status == WAITING
    assert queue.position(again.id) == 1
    assert [e.id for e in queue.for_conversation("klant-1")] == [entry.id, again.id]


def test_offline_entries_are_always_new(queue):
    live = queue.enqueue("klant-1", "socketio", "wil_medewerker", {}, now=at(0))
    first = queue.enqueue(
        "klant-1", "socketio", "buiten_openingstijden", {"vraag": "een"}, mode=OFFLINE, now=at(1)
    )
    second = queue.enqueue(
        "klant-1", "socketio", "buiten_openingstijden", {"vraag": "twee"}, mode=OFFLINE, now=at(2)
    )
    assert len({live.id, first.id, second.id}) == 3
    assert (first.mode, second.mode) == (OFFLINE, OFFLINE)
    assert second.details == {"vraag": "twee"}
    assert queue.live_entry("klant-1") == live  # an offline entry is not the live one


def test_references_are_unique(queue):
    references = [
        queue.enqueue(f"klant-{i}", "rest", "wil_medewerker", {}, mode=OFFLINE).reference for i in range(150)
    ]
    assert len(set(references)) == 150
    assert all(REFERENCE.match(reference) for reference in references)


def test_a_reference_that_is_taken_is_drawn_again(queue, monkeypatch):
    taken = queue.enqueue("klant-1", "rest", "wil_medewerker", {}).reference
    draws = iter([taken, taken, "MW-ABCDEF"])
    monkeypatch.setattr(handoff_module, "new_reference", lambda: next(draws))
    assert queue.enqueue("klant-2", "rest", "wil_medewerker", {}).reference == "MW-ABCDEF"


# --- order and position -----------------------------------------------------------------------------


def test_open_entries_are_oldest_first_by_moment_not_by_insertion(queue):
    # Inserted out of order, with moments in different time zones: 10:30 in Amsterdam is 09:30 UTC.
    late = queue.enqueue("laat", "rest", "r", {}, now=datetime(2026, 11, 24, 10, 0, tzinfo=UTC))
    early = queue.enqueue(
        "vroeg", "rest", "r", {}, mode=OFFLINE, now=datetime(2026, 11, 24, 10, 30, tzinfo=AMS)
    )
    middle = queue.enqueue("midden", "rest", "r", {}, now=datetime(2026, 11, 24, 9, 45, tzinfo=UTC))
    assert [e.id for e in queue.open_entries()] == [early.id, middle.id, late.id]


def test_open_entries_include_waiting_with_agent_and_answered_but_not_closed(queue):
    waiting = queue.enqueue("a", "rest", "r", {}, now=at(0))
    with_agent = claimed(queue, "b", minutes=1)
    answered = claimed(queue, "c", mode=OFFLINE, minutes=2)
    DeliveryStore(engine=queue.engine).add_agent_message(
        answered.id, "anna", "Je terugbetaling is onderweg.", now=at(4)
    )
    closed = claimed(queue, "d", minutes=3)
    queue.close(closed.id, "anna", now=at(5))
    left = queue.enqueue("e", "rest", "r", {}, now=at(4))
    queue.leave("e", now=at(5))
    entries = queue.open_entries()
    assert [e.id for e in entries] == [waiting.id, with_agent.id, answered.id]
    assert [e.status for e in entries] == [WAITING, WITH_AGENT, ANSWERED]
    assert left.id not in [e.id for e in entries]


def test_position_counts_only_waiting_live_entries_ahead(queue):
    first = queue.enqueue("a", "rest", "r", {}, now=at(0))
    offline = queue.enqueue("b", "rest", "r", {}, mode=OFFLINE, now=at(1))
    second = queue.enqueue("c", "rest", "r", {}, now=at(2))
    third = queue.enqueue("d", "rest", "r", {}, now=at(3))
    assert [queue.position(e.id) for e in (first, second, third)] == [1, 2, 3]

    queue.claim(first.id, "anna", now=at(4))
    assert queue.position(first.id) == 0
    assert [queue.position(e.id) for e in (second, third)] == [1, 2]

    queue.leave("c", now=at(5))
    assert queue.position(second.id) == 0
    assert queue.position(third.id) == 1
    assert queue.get(offline.id).status == WAITING  # the offline one never counted


def test_position_of_an_unknown_entry_is_zero(queue):
    assert queue.position(12345) == 0


# --- leave ------------------------------------------------------------------------------------------


def test_leave_closes_only_the_live_open_entry(queue):
    offline = queue.enqueue("klant-1", "rest", "buiten_openingstijden", {}, mode=OFFLINE, now=at(0))
    live = queue.enqueue("klant-1", "rest", "wil_medewerker", {}, now=at(1))
    other = queue.enqueue("klant-2", "rest", "wil_medewerker", {}, now=at(2))
    left = queue.leave("klant-1", now=at(3))
    assert left.id == live.id
    assert (left.status, left.closed_by, left.closed_at) == (CLOSED, "klant", at(3))
    assert queue.get(live.id) == left
    assert queue.get(offline.id).status == WAITING
    assert queue.get(other.id).status == WAITING
    assert queue.live_entry("klant-1") is None
    assert queue.leave("klant-1", now=at(4)) is None  # nothing live is open any more


def test_leave_without_a_handoff_gives_none(queue):
    queue.enqueue("klant-1", "rest", "r", {}, mode=OFFLINE)
    assert queue.leave("klant-1") is None
    assert queue.leave("niemand") is None


def test_leave_while_with_an_agent_ends_the_agents_conversation(queue):
    entry = claimed(queue, "klant-1", agent="anna")
    assert queue.leave("klant-1", now=at(3)).closed_by == "klant"
    with pytest.raises(QueueError, match="afgesloten"):
        DeliveryStore(engine=queue.engine).add_agent_message(entry.id, "anna", "Hallo?")


# --- move_offline (closing time while waiting) -----------------------------------------------------


def test_a_waiting_live_entry_moves_offline_with_its_reference_place_and_question(queue):
    first = queue.enqueue("klant-1", "socketio", "factuur_vraag", {"webshop": "Zalando"}, now=at(0))
    queue.enqueue("klant-2", "rest", "klacht", {"vraag": "Eerder"}, OFFLINE, now=at(5))
    moved = queue.move_offline(first.id, "Mijn factuur klopt niet")
    assert (moved.id, moved.reference, moved.queued_at) == (first.id, first.reference, first.queued_at)
    assert (moved.mode, moved.status) == (OFFLINE, WAITING)
    assert moved.details == {"webshop": "Zalando", "vraag": "Mijn factuur klopt niet"}
    assert queue.live_entry("klant-1") is None
    assert [entry.conversation_id for entry in queue.open_entries()] == ["klant-1", "klant-2"]


def test_an_entry_an_agent_has_taken_does_not_move_offline(queue):
    entry = claimed(queue, "klant-1")
    assert queue.move_offline(entry.id, "hallo?") is None
    assert queue.get(entry.id) == entry


@pytest.mark.parametrize("state", ["closed", "offline", "unknown"])
def test_only_an_open_live_entry_moves_offline(queue, state):
    if state == "unknown":
        assert queue.move_offline(999, "hallo?") is None
        return
    mode = OFFLINE if state == "offline" else LIVE
    entry = queue.enqueue("klant-1", "socketio", "klacht", {"vraag": "oud"}, mode, now=T0)
    if state == "closed":
        queue.leave("klant-1")
    before = queue.get(entry.id)
    assert queue.move_offline(entry.id, "hallo?") is None
    assert queue.get(entry.id) == before


def test_a_long_question_is_cut_to_the_message_limit(queue):
    entry = queue.enqueue("klant-1", "socketio", "klacht", {}, now=T0)
    moved = queue.move_offline(entry.id, "x" * (MAX_MESSAGE_LENGTH + 10))
    assert len(moved.details["vraag"]) == MAX_MESSAGE_LENGTH


# --- get / for_conversation -------------------------------------------------------------------------


def test_get_unknown_gives_none_and_for_conversation_lists_only_that_conversation(queue):
    assert queue.get(99) is None
    one = queue.enqueue("klant-1", "rest", "r", {}, now=at(0))
    queue.enqueue("klant-2", "rest", "r", {}, now=at(1))
    queue.leave("klant-1", now=at(2))
    two = queue.enqueue("klant-1", "rest", "r", {}, mode=OFFLINE, now=at(3))
    assert [(e.id, e.status) for e in queue.for_conversation("klant-1")] == [
        (one.id, CLOSED),
        (two.id, WAITING),
    ]
    assert queue.for_conversation("klant-3") == []


# --- claim ------------------------------------------------------------------------------------------


def test_claim_gives_the_entry_to_one_agent(queue):
    entry = queue.enqueue("klant-1", "rest", "r", {}, now=at(0))
    got = queue.claim(entry.id, "anna", now=at(2))
    assert (got.status, got.agent, got.claimed_at) == (WITH_AGENT, "anna", at(2))
    assert queue.get(entry.id) == got
    with pytest.raises(AlreadyTaken, match="anna"):
        queue.claim(entry.id, "bram", now=at(3))
    assert queue.get(entry.id).agent == "anna"
    assert queue.get(entry.id).claimed_at == at(2)


def test_claiming_a_closed_or_unknown_entry_is_a_queue_error_not_already_taken(queue):
    entry = queue.enqueue("klant-1", "rest", "r", {})
    queue.leave("klant-1")
    with pytest.raises(QueueError, match="afgesloten") as closed:
        queue.claim(entry.id, "anna")
    assert not isinstance(closed.value, AlreadyTaken)
    assert queue.get(entry.id).agent is None
    with pytest.raises(QueueError, match="bestaat niet") as unknown:
        queue.claim(4242, "anna")
    assert not isinstance(unknown.value, AlreadyTaken)


def _claim_at_once(
    queues: list[HandoffQueue], entry_id: int
) -> tuple[list[str], list[tuple[str, AlreadyTaken]], list[BaseException]]:
    """Every queue claims the entry for its own agent at the same moment: the winners, the losers
    and any other error."""
    barrier = threading.Barrier(len(queues))
    wins: list[str] = []
    losses: list[tuple[str, AlreadyTaken]] = []
    errors: list[BaseException] = []

    def attempt(q: HandoffQueue, agent: str) -> None:
        barrier.wait(timeout=30)
        try:
            wins.append(q.claim(entry_id, agent).agent)
        except AlreadyTaken as exc:
            losses.append((agent, exc))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=attempt, args=(q, f"agent-{n}")) for n, q in enumerate(queues)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return wins, losses, errors


@pytest.mark.parametrize("agents", [2, 8])
def test_simultaneous_claims_from_separate_processes_have_exactly_one_winner(url, agents):
    setup = HandoffQueue(url)
    entry_ids = [setup.enqueue(f"klant-{i}", "socketio", "r", {}).id for i in range(3)]
    queues = [HandoffQueue(url) for _ in range(agents)]  # each its own engine, like separate processes
    try:
        for entry_id in entry_ids:
            wins, losses, errors = _claim_at_once(queues, entry_id)
            assert errors == []
            assert len(wins) == 1, wins
            assert len(losses) == agents - 1
            winner = wins[0]
            assert all(winner in str(exc) and agent != winner for agent, exc in losses)
            stored = setup.get(entry_id)
            assert (stored.status, stored.agent) == (WITH_AGENT, winner)
    finally:
        for q in [setup, *queues]:
            q.engine.dispose()


# --- close ------------------------------------------------------------------------------------------


def test_close_ends_the_entry(queue):
    entry = claimed(queue, "klant-1", agent="anna")
    closed = queue.close(entry.id, "anna", now=at(9))
    assert (closed.status, closed.closed_by, closed.closed_at) == (CLOSED, "medewerker", at(9))
    assert not closed.is_open and queue.live_entry("klant-1") is None


def test_close_adds_no_message_and_only_the_agent_may_close(queue):
    deliveries = DeliveryStore(engine=queue.engine)
    entry = claimed(queue, "klant-1", agent="anna")
    with pytest.raises(AlreadyTaken, match="anna"):
        queue.close(entry.id, "bram")
    assert queue.get(entry.id).status == WITH_AGENT
    queue.close(entry.id, "anna")
    assert deliveries.messages("klant-1") == []
    with pytest.raises(QueueError, match="afgesloten"):
        queue.close(entry.id, "anna")


def test_a_waiting_entry_cannot_be_closed(queue):
    entry = queue.enqueue("klant-1", "rest", "r", {})
    with pytest.raises(QueueError, match="eerst op"):
        queue.close(entry.id, "anna")
    assert queue.get(entry.id).status == WAITING


# --- restart ----------------------------------------------------------------------------------------


def test_everything_survives_a_restart(url):
    before = HandoffQueue(url)
    said = DeliveryStore(engine=before.engine)
    amsterdam = datetime(2026, 11, 24, 11, 15, 30, 123456, tzinfo=AMS)  # 10:15:30.123456 UTC
    waiting = before.enqueue("klant-1", "socketio", "wil_medewerker", DETAILS, now=amsterdam)
    live = claimed(before, "klant-2", agent="anna", minutes=2)
    hello = said.add_agent_message(live.id, "anna", "Hallo!", now=at(4))
    offline = claimed(before, "klant-3", agent="bram", mode=OFFLINE, minutes=3)
    answer = said.add_agent_message(offline.id, "bram", "Geregeld.", now=at(6))
    said.acknowledge("klant-3", [answer.id], now=at(7))
    done = claimed(before, "klant-4", minutes=4)
    before.close(done.id, "anna", now=at(9))
    said.hold_for_delivery(done.id, ["Dag!"], now=at(9))
    said.window_opened("klant-2", "sock-2", "rasa-1", timedelta(days=9999), now=at(4))
    snapshot = {e.id: before.get(e.id) for e in (waiting, live, offline, done)}
    messages = {cid: said.messages(cid) for cid in ("klant-2", "klant-3", "klant-4")}
    before.engine.dispose()

    after = HandoffQueue(url)
    heard = DeliveryStore(engine=after.engine)
    try:
        assert {entry_id: after.get(entry_id) for entry_id in snapshot} == snapshot
        assert {cid: heard.messages(cid) for cid in messages} == messages
        assert [e.id for e in after.open_entries()] == [live.id, offline.id, waiting.id]
        assert after.get(waiting.id).details == DETAILS
        assert after.get(offline.id).status == ANSWERED
        assert after.get(done.id).closed_by == "medewerker"
        assert heard.connected("klant-2") is True
        assert after.position(waiting.id) == 1

        restored = after.get(waiting.id)
        assert restored.queued_at == amsterdam
        assert restored.queued_at.utcoffset() == timedelta(0)
        assert restored.queued_at.replace(tzinfo=None) == datetime(2026, 11, 24, 10, 15, 30, 123456)
        moments = [
            after.get(live.id).queued_at,
            after.get(live.id).claimed_at,
            after.get(offline.id).answered_at,
            after.get(done.id).closed_at,
        ]
        moments += [m.created_at for m in heard.messages("klant-2")]
        moments += [m.delivered_at for m in heard.messages("klant-3")]
        assert all(m.tzinfo is not None and m.utcoffset() == timedelta(0) for m in moments)
        assert heard.messages("klant-2")[0].created_at == hello.created_at == at(4)
        assert heard.messages("klant-3")[0].delivered_at == at(7) and answer.delivered_at is None
        assert [m.text for m in heard.pending(["klant-4", "klant-2"])] == ["Hallo!", "Dag!"]
    finally:
        after.engine.dispose()


# --- wait estimate ----------------------------------------------------------------------------------

DEFAULT = timedelta(minutes=6)


def handled(
    queue: HandoffQueue, conversation_id: str, start: float, minutes: float, mode: str = LIVE
) -> None:
    entry = queue.enqueue(conversation_id, "rest", "r", {}, mode=mode, now=at(start - 1))
    queue.claim(entry.id, "anna", now=at(start))
    queue.close(entry.id, "anna", now=at(start + minutes))


ESTIMATE = HandlingEstimate(
    default=DEFAULT,
    lowest=timedelta(minutes=2),
    highest=timedelta(minutes=30),
    window=timedelta(days=14),
    history=50,
    minimum_history=5,
)
NOW = at(60 * 24)  # a day after the first chats


def test_handling_time_defaults_without_enough_history(queue):
    assert queue.handling_time(ESTIMATE, now=NOW) == DEFAULT
    claimed(queue, "open")  # still with the agent: not handled yet
    queue.enqueue("verlaten", "rest", "r", {})
    queue.leave("verlaten")  # left while waiting: never claimed
    handled(queue, "offline", 0, 30, mode=OFFLINE)
    for n in range(ESTIMATE.minimum_history - 1):
        handled(queue, f"klant-{n}", 100 + 10 * n, 9)
    assert queue.handling_time(ESTIMATE, now=NOW) == DEFAULT
    handled(queue, "de-vijfde", 300, 9)
    assert queue.handling_time(ESTIMATE, now=NOW) == timedelta(minutes=9)


def test_handling_time_is_the_median_of_closed_live_chats(queue):
    for n, minutes in enumerate([4, 8, 5, 7, 6]):
        handled(queue, f"klant-{n}", 10 * n, minutes)
    handled(queue, "offline", 100, 90, mode=OFFLINE)  # offline answers are not live handling
    assert queue.handling_time(ESTIMATE, now=NOW) == timedelta(minutes=6)
    live = claimed(queue, "weg", minutes=200)
    queue.leave("weg", now=at(208))  # the customer ended it after 7 minutes with the agent
    assert queue.get(live.id).claimed_at == at(201)
    assert queue.handling_time(ESTIMATE, now=NOW) == timedelta(minutes=6.5)


def test_handling_time_counts_only_the_window_and_the_latest_history(queue):
    for n in range(10):
        handled(queue, f"oud-{n}", 10 * n, 25)  # three weeks before NOW: outside the window
    assert queue.handling_time(ESTIMATE, now=NOW + timedelta(days=21)) == DEFAULT
    for n in range(ESTIMATE.history):
        handled(queue, f"klant-{n}", 60 * 24 * 20 + 10 * n, 3)
    assert queue.handling_time(ESTIMATE, now=NOW + timedelta(days=21)) == timedelta(minutes=3)


def test_handling_time_stays_within_its_bounds(queue):
    for n in range(5):
        handled(queue, f"kort-{n}", 10 * n, 0.1)  # test chats of a few seconds
    assert queue.handling_time(ESTIMATE, now=NOW) == ESTIMATE.lowest
    for n in range(20):
        handled(queue, f"lang-{n}", 100 + 200 * n, 180)
    assert queue.handling_time(ESTIMATE, now=NOW + timedelta(days=2)) == ESTIMATE.highest


def test_the_estimate_for_one_place_does_not_jump_with_a_few_short_chats(queue):
    """Generated history: forty ordinary chats (5 to 9 minutes) and then, one by one, a burst of
    very short ones. The mean of the last handful used to swing from 6 to 12 minutes to below one;
    the median of the window moves by at most a minute for the same place in the queue."""
    import random

    rng = random.Random(15)
    start = 0.0
    estimates = []
    for n in range(40):
        minutes = rng.uniform(5, 9)
        handled(queue, f"gewoon-{n}", start, minutes)
        start += minutes + rng.uniform(1, 20)
        if n >= ESTIMATE.minimum_history:
            estimates.append(estimated_wait(3, 2, queue.handling_time(ESTIMATE, now=at(start))))
    for n in range(8):
        handled(queue, f"test-{n}", start, 0.2)
        start += 1
        estimates.append(estimated_wait(3, 2, queue.handling_time(ESTIMATE, now=at(start))))
    spread = max(estimates) - min(estimates)
    assert spread <= timedelta(minutes=3), spread
    assert min(estimates) >= timedelta(minutes=7)


@pytest.mark.parametrize(
    ("position", "agents", "expected"),
    [
        (0, 2, timedelta(0)),
        (-1, 2, timedelta(0)),
        (1, 1, timedelta(minutes=6)),
        (3, 2, timedelta(minutes=9)),
        (2, 4, timedelta(minutes=3)),
        (3, 0, timedelta(minutes=18)),  # nobody online counts as one agent
        (3, -2, timedelta(minutes=18)),
    ],
)
def test_estimated_wait(position, agents, expected):
    assert estimated_wait(position, agents, timedelta(minutes=6)) == expected


# --- the customer's reaction to an answer from outside staffed hours ------------------------------

WEEK = timedelta(days=7)


def answered_offline(queue: HandoffQueue, conversation_id: str = "klant-offline") -> object:
    entry = queue.enqueue(conversation_id, "socketio", "factuur_vraag", dict(DETAILS), OFFLINE, now=at(0))
    queue.claim(entry.id, "anna", now=at(60))
    DeliveryStore(engine=queue.engine).add_agent_message(
        entry.id, "anna", "Je factuur is aangepast.", now=at(61)
    )
    return queue.get(entry.id)


def test_a_reaction_to_an_answer_goes_back_to_the_agent_who_answered(queue):
    entry = answered_offline(queue)
    assert entry.status == ANSWERED
    reopened = queue.add_reaction(
        entry.conversation_id, entry.reference, "Dat klopt nog niet", WEEK, lambda name: True, now=at(120)
    )
    assert (reopened.status, reopened.agent) == (REOPENED, "anna")
    assert reopened.details["reacties"] == "Dat klopt nog niet"
    assert reopened in queue.open_entries()
    again = queue.add_reaction(
        entry.conversation_id, entry.reference, "Hallo?", WEEK, lambda n: True, now=at(130)
    )
    assert again.details["reacties"] == "Dat klopt nog niet\nHallo?"
    DeliveryStore(engine=queue.engine).add_agent_message(entry.id, "anna", "Nu wel.", now=at(140))
    assert queue.get(entry.id).status == ANSWERED


def test_a_reaction_goes_to_the_queue_when_the_agent_is_gone(queue):
    entry = answered_offline(queue)
    reopened = queue.add_reaction(
        entry.conversation_id, entry.reference, "En nu?", WEEK, lambda name: False, now=at(120)
    )
    assert (reopened.status, reopened.agent) == (WAITING, None)
    assert queue.claim(entry.id, "bob", now=at(125)).agent == "bob"


def test_a_reaction_to_a_closed_old_or_older_question_is_not_a_follow_up(queue):
    entry = answered_offline(queue)
    late = at(61) + WEEK + timedelta(minutes=1)
    assert (
        queue.add_reaction(entry.conversation_id, entry.reference, "x", WEEK, lambda n: True, now=late)
        is None
    )
    assert (
        queue.add_reaction(entry.conversation_id, "MW-ANDERS", "x", WEEK, lambda n: True, now=at(70)) is None
    )
    newer = queue.enqueue(entry.conversation_id, "socketio", "klacht", {}, LIVE, now=at(80))
    assert (
        queue.add_reaction(entry.conversation_id, entry.reference, "x", WEEK, lambda n: True, now=at(90))
        is None
    )
    queue.leave(entry.conversation_id, now=at(95))
    assert queue.get(newer.id).status == CLOSED
    other = answered_offline(queue, "klant-2")
    queue.close(other.id, "anna", now=at(100))
    assert queue.add_reaction("klant-2", other.reference, "x", WEEK, lambda n: True, now=at(110)) is None
    assert queue.get(entry.id).status == ANSWERED


def test_a_repeated_offline_request_gets_the_entry_it_queued(queue):
    first = queue.enqueue(
        "klant-1", "rest", "retour", DETAILS, OFFLINE, now=at(0), request_key="klant-1|h|1.5"
    )
    again = queue.enqueue(
        "klant-1", "rest", "retour", DETAILS, OFFLINE, now=at(1), request_key="klant-1|h|1.5"
    )
    other = queue.enqueue(
        "klant-1", "rest", "retour", DETAILS, OFFLINE, now=at(2), request_key="klant-1|h|9.0"
    )
    assert again == first and other.reference != first.reference
    assert len(queue.open_entries()) == 2


def test_the_same_offline_request_at_the_same_moment_queues_one_entry(url):
    HandoffQueue(url).enqueue("warm-up", "rest", "retour", DETAILS, OFFLINE)  # the schema exists first
    queues = [HandoffQueue(url) for _ in range(8)]
    barrier = threading.Barrier(len(queues))

    def ask(store: HandoffQueue) -> str:
        barrier.wait(timeout=30)
        return store.enqueue(
            "klant-2", "rest", "klacht", DETAILS, OFFLINE, request_key="klant-2|h|3.0"
        ).reference

    with ThreadPoolExecutor(len(queues)) as pool:
        references = set(pool.map(ask, queues))
    assert len(references) == 1
    assert [entry.conversation_id for entry in HandoffQueue(url).open_entries()].count("klant-2") == 1
