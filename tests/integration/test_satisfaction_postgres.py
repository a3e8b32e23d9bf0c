"""Satisfaction ratings (bot/satisfaction.py) on PostgreSQL: one question per queue entry under
concurrent askers, a rating answers once, and the per-agent spans' subquery."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest

from bot.database import create_engine
from bot.delivery import DeliveryStore
from bot.handoff import HandoffQueue
from bot.satisfaction import AgentSpan, SatisfactionStore

MOMENT = datetime(2026, 11, 24, 10, 0, tzinfo=timezone.utc)


@pytest.fixture
def engine(postgres_url, request):
    from scripts.db_servers import fresh_database

    url = fresh_database(postgres_url, f"csat_{request.node.name[:40].lower()}")
    engine = create_engine(url)
    yield engine
    engine.dispose()


def test_one_question_per_entry_and_one_answer_on_postgresql(engine):
    queue, store = HandoffQueue(engine=engine), SatisfactionStore(engine=engine)
    entry = queue.enqueue("klant-1", "socketio", "retour", {}, now=MOMENT)
    with ThreadPoolExecutor(4) as pool:
        asked = list(
            pool.map(lambda _: store.ask_after_agent(entry.id, "klant-1", "anna", "retour"), range(8))
        )
    assert asked.count(True) == 1
    with ThreadPoolExecutor(4) as pool:
        rated = list(pool.map(lambda score: store.rate("klant-1", score), [1, 2, 3, 4, 5]))
    assert sum(result is not None for result in rated) == 1
    [rating] = store.for_conversation("klant-1")
    assert rating.score in range(1, 6) and rating.answered_at is not None


def test_agent_spans_on_postgresql(engine):
    queue, store, deliveries = (
        HandoffQueue(engine=engine),
        SatisfactionStore(engine=engine),
        DeliveryStore(engine=engine),
    )
    entry = queue.enqueue("klant-1", "socketio", "retour", {}, now=MOMENT)
    queue.claim(entry.id, "anna", now=MOMENT + timedelta(minutes=1))
    deliveries.add_agent_message(entry.id, "anna", "Hoi", now=MOMENT + timedelta(minutes=2))
    queue.close(entry.id, "anna", now=MOMENT + timedelta(minutes=9))
    assert store.agent_spans(MOMENT, MOMENT + timedelta(hours=1)) == [
        AgentSpan(
            "anna",
            MOMENT + timedelta(minutes=1),
            MOMENT + timedelta(minutes=2),
            MOMENT + timedelta(minutes=9),
        )
    ]
