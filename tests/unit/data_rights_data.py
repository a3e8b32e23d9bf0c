"""One customer's conversation stored everywhere the assistant keeps it (the tracker store through
Rasa's SQLTrackerStore, the queue with an agent's answer, a chat window, cases, a review decision),
beside another customer's, and a way to look for a conversation id in every table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import sqlalchemy as sa

from bot.cases import CaseStore
from bot.database import metadata
from bot.delivery import DeliveryStore
from bot.handoff import OFFLINE, HandoffQueue
from bot.notes import NoteStore
from bot.review import ReviewDecision
from bot.tracker_events import EVENTS
from tests.unit.review_data import T0, answer, fill, start, user

KLANT, ANDER = "klant-7f3a", "klant-9b2c"
SECRET = "mijn IBAN is NL91ABNA0417164300"


@dataclass(frozen=True)
class Stored:
    tracker_url: str
    case_reference: str
    queue_reference: str


def store_conversations(tracker_path: Path, engine: sa.engine.Engine) -> Stored:
    turns = [
        (
            KLANT,
            [*start(T0), user(SECRET, "terugbetaling", 0.41, T0 + 1), *answer("utter_terugbetaling", T0 + 1)],
        ),
        (ANDER, [*start(T0 + 5), user("hoi", "begroeten", 0.99, T0 + 6), *answer("utter_begroeten", T0 + 6)]),
    ]
    tracker_url = fill(tracker_path, turns)
    cases, queue, deliveries = (
        CaseStore(engine=engine),
        HandoffQueue(engine=engine),
        DeliveryStore(engine=engine),
    )
    case = cases.create("klacht", KLANT, {"klacht_omschrijving": SECRET, "klacht_betreft": "factuur"})
    cases.create("retour", KLANT, {"webshop": "Zalando"})
    cases.create("retour", ANDER, {"webshop": "bol.com"})
    entry = queue.enqueue(KLANT, "socketio", "klacht", {"vraag": SECRET}, OFFLINE)
    queue.enqueue(ANDER, "socketio", "retour", {"vraag": "waar blijft mijn geld"}, OFFLINE)
    queue.claim(entry.id, "anna")
    deliveries.add_agent_message(entry.id, "anna", "We kijken ernaar.")
    NoteStore(engine=engine).add(entry.id, "anna", "Anna", "Klant wil teruggebeld worden.")
    deliveries.window_opened(KLANT, "socket-1", "rasa-1", timedelta(seconds=30))
    with engine.begin() as connection:
        connection.execute(
            sa.insert(ReviewDecision.__table__).values(
                message_key="k1",
                event_id=3,
                conversation_id=KLANT,
                message_time=datetime.fromtimestamp(T0 + 1, timezone.utc),
                masked_text="mijn IBAN is [IBAN]",
                decision="terugbetaling",
                written=True,
                reviewer="tess",
                decided_at=datetime.now(timezone.utc),
            )
        )
    return Stored(tracker_url, case.reference, entry.reference)


def rows_about(conversation_id: str, engine: sa.engine.Engine, tracker: sa.engine.Engine) -> dict[str, int]:
    """Rows that name the conversation, in every table of the assistant's database that has a
    conversation id, and in the tracker store."""
    found = {}
    with engine.connect() as connection:
        for table in metadata().tables.values():
            if "conversation_id" in table.c:
                query = (
                    sa.select(sa.func.count())
                    .select_from(table)
                    .where(table.c.conversation_id == conversation_id)
                )
                found[table.name] = connection.execute(query).scalar_one()
    with tracker.connect() as connection:
        query = sa.select(sa.func.count()).where(EVENTS.c.sender_id == conversation_id)
        found["events"] = connection.execute(query).scalar_one()
    return found
