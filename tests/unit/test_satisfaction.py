"""Customer satisfaction (bot/satisfaction.py): asking once, rating, skipping, comments, and the
CSAT and per-agent figures on generated data."""

from __future__ import annotations

import random
import statistics
from datetime import datetime, timedelta, timezone

import pytest

from bot.delivery import DeliveryStore
from bot.handoff import HandoffQueue
from bot.satisfaction import (
    BOT_ONLY,
    COMMENT_WINDOW,
    MAX_COMMENT_LENGTH,
    WITH_AGENT,
    AgentSpan,
    Rating,
    SatisfactionStore,
    agent_figures,
    csat_by_kind,
    parse_score,
)

MOMENT = datetime(2026, 11, 24, 10, 0, tzinfo=timezone.utc)


@pytest.fixture
def queue(tmp_path) -> HandoffQueue:
    return HandoffQueue(f"sqlite:///{tmp_path / 'klantenservice.db'}")


@pytest.fixture
def store(queue) -> SatisfactionStore:
    return SatisfactionStore(engine=queue.engine)


def test_the_question_after_an_agent_is_asked_once_per_entry(queue, store):
    entry = queue.enqueue("klant-1", "socketio", "retour", {})
    assert store.ask_after_agent(entry.id, "klant-1", "anna", "retour", now=MOMENT)
    assert not store.ask_after_agent(entry.id, "klant-1", "anna", "retour", now=MOMENT)
    queue.claim(entry.id, "anna")
    queue.close(entry.id, "anna")
    later = queue.enqueue("klant-1", "socketio", "klacht", {})
    assert store.ask_after_agent(later.id, "klant-1", "bram", "klacht", now=MOMENT)
    assert [(r.entry_id, r.agent, r.kind) for r in store.for_conversation("klant-1")] == [
        (entry.id, "anna", WITH_AGENT),
        (later.id, "bram", WITH_AGENT),
    ]


def test_the_bot_only_question_is_asked_once_per_session(store):
    session = MOMENT - timedelta(minutes=10)
    assert store.ask_bot_only("klant-1", "telefoonnummer", session, now=MOMENT)
    assert not store.ask_bot_only("klant-1", "openingstijden", session, now=MOMENT + timedelta(minutes=1))
    assert store.ask_bot_only("klant-2", "retour", session, now=MOMENT)  # another conversation
    next_session = MOMENT + timedelta(hours=2)
    assert store.ask_bot_only("klant-1", "retour", next_session, now=next_session + timedelta(minutes=3))
    assert [r.topic for r in store.for_conversation("klant-1")] == ["telefoonnummer", "retour"]
    assert all(r.kind == BOT_ONLY for r in store.for_conversation("klant-1"))


def test_a_rating_answers_the_open_question_once_and_a_skip_is_not_asked_again(queue, store):
    entry = queue.enqueue("klant-1", "socketio", "retour", {})
    assert store.rate("klant-1", 4) is None  # nothing asked
    store.ask_after_agent(entry.id, "klant-1", "anna", "retour", now=MOMENT)
    rated = store.rate("klant-1", 4, now=MOMENT + timedelta(minutes=1))
    assert rated is not None and (rated.score, rated.answered_at) == (4, MOMENT + timedelta(minutes=1))
    assert store.rate("klant-1", 1) is None  # a second click changes nothing
    assert store.skip("klant-1") is None
    assert [r.score for r in store.for_conversation("klant-1")] == [4]

    store.ask_bot_only("klant-2", "telefoonnummer", None, now=MOMENT)
    skipped = store.skip("klant-2", now=MOMENT)
    assert skipped is not None and skipped.skipped and skipped.score is None
    assert store.rate("klant-2", 5) is None
    assert not store.ask_bot_only("klant-2", "telefoonnummer", None, now=MOMENT + timedelta(minutes=5))
    with pytest.raises(ValueError):
        store.rate("klant-2", 6)


def test_a_comment_belongs_to_the_rating_just_given_and_is_bounded(store):
    store.ask_bot_only("klant-1", "retour", None, now=MOMENT)
    assert store.add_comment("klant-1", "Snel geholpen", now=MOMENT) is None  # not rated yet
    store.rate("klant-1", 5, now=MOMENT)
    assert store.add_comment("klant-1", "   ", now=MOMENT) is None
    kept = store.add_comment("klant-1", "  <b>Top</b> " + "x" * 2000, now=MOMENT + timedelta(minutes=1))
    assert kept is not None and kept.comment is not None
    assert kept.comment.startswith("<b>Top</b>") and len(kept.comment) == MAX_COMMENT_LENGTH
    assert store.add_comment("klant-1", "nog iets", now=MOMENT + timedelta(minutes=2)) is None

    store.ask_bot_only("klant-2", "retour", None, now=MOMENT)
    store.rate("klant-2", 3, now=MOMENT)
    assert store.add_comment("klant-2", "te laat", now=MOMENT + COMMENT_WINDOW + timedelta(seconds=1)) is None


@pytest.mark.parametrize(
    ("value", "score"),
    [("4", 4), (5, 5), (" 1 ", 1), ("3,0", 3), ("0", None), ("6", None), ("4.5", None), ("vier", None)],
)
def test_scores_are_whole_numbers_from_one_to_five(value, score):
    assert parse_score(value) == score
    assert parse_score(True) is None and parse_score(None) is None


def _generated(seed: int) -> tuple[list[Rating], list[AgentSpan]]:
    generator = random.Random(seed)
    ratings, spans = [], []
    for number in range(200):
        with_agent = generator.random() < 0.5
        agent = generator.choice(["anna", "bram", "chris"]) if with_agent else None
        answered = generator.random() < 0.7
        score = generator.randint(1, 5) if answered and generator.random() < 0.85 else None
        ratings.append(
            Rating(
                number,
                f"klant-{number}",
                number if with_agent else None,
                agent,
                "retour",
                score,
                None,
                MOMENT,
                MOMENT + timedelta(minutes=1) if answered else None,
            )
        )
        if with_agent:
            claimed = MOMENT + timedelta(minutes=number)
            first = (
                claimed + timedelta(seconds=generator.randint(5, 300)) if generator.random() < 0.9 else None
            )
            closed = (
                claimed + timedelta(seconds=generator.randint(60, 3600)) if generator.random() < 0.8 else None
            )
            spans.append(AgentSpan(agent, claimed, first, closed))  # type: ignore[arg-type]
    return ratings, spans


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_csat_bot_only_and_with_an_agent_side_by_side(seed):
    ratings, _ = _generated(seed)
    figures = csat_by_kind(ratings)
    for kind in (BOT_ONLY, WITH_AGENT):
        own = [r for r in ratings if r.kind == kind]
        scores = [r.score for r in own if r.score is not None]
        result = figures[kind]
        assert (result.asked, result.rated) == (len(own), len(scores))
        assert result.skipped == sum(1 for r in own if r.answered_at is not None and r.score is None)
        assert result.average == pytest.approx(sum(scores) / len(scores))
        assert result.satisfied == pytest.approx(len([s for s in scores if s >= 4]) / len(scores))
        assert result.response_rate == pytest.approx(len(scores) / len(own))


def test_csat_of_nothing_is_unknown_not_zero():
    figures = csat_by_kind([])
    assert figures[BOT_ONLY].asked == 0 and figures[BOT_ONLY].average is None
    assert figures[WITH_AGENT].satisfied is None and figures[WITH_AGENT].response_rate is None


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_per_agent_ratings_first_response_and_handling(seed):
    ratings, spans = _generated(seed)
    rows = {row.agent: row for row in agent_figures(ratings, spans)}
    assert sorted(rows) == sorted({s.agent for s in spans})
    for agent, row in rows.items():
        own = [s for s in spans if s.agent == agent]
        scores = [r.score for r in ratings if r.agent == agent and r.score is not None]
        assert row.chats == len(own)
        assert row.csat.rated == len(scores)
        assert row.csat.average == pytest.approx(statistics.fmean(scores))
        firsts = [(s.first_answer_at - s.claimed_at).total_seconds() for s in own if s.first_answer_at]
        handled = [(s.closed_at - s.claimed_at).total_seconds() for s in own if s.closed_at]
        assert row.first_response == statistics.median(firsts)
        assert row.handling == statistics.median(handled)


def test_agent_spans_come_from_the_queue_and_the_agents_first_answer(queue, store):
    deliveries = DeliveryStore(engine=queue.engine)
    entry = queue.enqueue("klant-1", "socketio", "retour", {}, now=MOMENT)
    queue.claim(entry.id, "anna", now=MOMENT + timedelta(minutes=2))
    deliveries.hold_for_delivery(entry.id, ["Anna helpt je nu verder."], now=MOMENT + timedelta(minutes=2))
    deliveries.add_agent_message(entry.id, "anna", "Hoi!", now=MOMENT + timedelta(minutes=3))
    deliveries.add_agent_message(entry.id, "anna", "Nog iets?", now=MOMENT + timedelta(minutes=6))
    queue.close(entry.id, "anna", now=MOMENT + timedelta(minutes=12))
    unanswered = queue.enqueue("klant-2", "socketio", "klacht", {}, now=MOMENT)
    queue.claim(unanswered.id, "bram", now=MOMENT + timedelta(minutes=1))

    spans = store.agent_spans(MOMENT, MOMENT + timedelta(hours=1))
    assert sorted(spans, key=lambda s: s.agent) == [
        AgentSpan(
            "anna",
            MOMENT + timedelta(minutes=2),
            MOMENT + timedelta(minutes=3),
            MOMENT + timedelta(minutes=12),
        ),
        AgentSpan("bram", MOMENT + timedelta(minutes=1), None, None),
    ]
    rows = {row.agent: row for row in agent_figures([], spans)}
    assert (rows["anna"].first_response, rows["anna"].handling) == (60, 600)
    assert (rows["bram"].first_response, rows["bram"].handling) == (None, None)
    assert store.agent_spans(MOMENT + timedelta(hours=1), MOMENT + timedelta(hours=2)) == []


@pytest.mark.parametrize("seed", [1, 2])
def test_containment_per_topic_on_generated_conversations(seed):
    from bot.insight import topic_containment

    generator = random.Random(seed)
    topics = ["retour", "factuur_vraag", "openingstijden", "klacht"]
    first = {f"klant-{n}": generator.choice(topics) for n in range(300)}
    contained = frozenset(sender for sender in first if generator.random() < 0.6)
    rows = topic_containment(first, contained)
    assert [row.conversations for row in rows] == sorted((row.conversations for row in rows), reverse=True)
    assert sum(row.conversations for row in rows) == 300
    for row in rows:
        own = [sender for sender, topic in first.items() if topic == row.topic]
        assert row.conversations == len(own)
        assert row.contained == len([sender for sender in own if sender in contained])
        assert row.containment == pytest.approx(row.contained / row.conversations)


def test_ratings_are_exported_erased_and_purged_with_their_conversation(queue, store, tmp_path):
    import sqlalchemy as sa

    from bot.data_rights import DataRights
    from bot.retention import purge_ratings

    store.ask_bot_only("klant-1", "retour", None, now=MOMENT)
    store.rate("klant-1", 2, now=MOMENT)
    store.add_comment("klant-1", "Duurde lang", now=MOMENT)
    store.ask_bot_only("klant-2", "retour", None, now=MOMENT + timedelta(days=40))
    tracker = sa.create_engine(f"sqlite:///{tmp_path / 'tracker.db'}")
    rights = DataRights(queue.engine, tracker)

    exported = rights.export("klant-1")["csat_ratings"]
    assert [(row["score"], row["comment"]) for row in exported] == [(2, "Duurde lang")]
    assert rights.erase("klant-1").csat_ratings == 1
    assert store.for_conversation("klant-1") == []

    store.ask_bot_only("klant-3", "retour", None, now=MOMENT)
    store.rate("klant-3", 5, now=MOMENT + timedelta(days=35))  # answered later: still active then
    assert purge_ratings(queue.engine, MOMENT + timedelta(days=30)) == 0
    assert purge_ratings(queue.engine, MOMENT + timedelta(days=36)) == 1
    assert [r.conversation_id for r in store.asked_between(MOMENT, MOMENT + timedelta(days=60))] == [
        "klant-2"
    ]
