"""The review inbox on PostgreSQL: the same conversations copied row for row, decisions in the same
database."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from bot import nlu_examples
from bot.masking import IBAN
from bot.review import Refused
from tests.unit.review_data import conversations, copy_training_data, fill, make_inbox


def test_the_inbox_and_labelling_work_on_postgresql(tmp_path, postgres_url):
    """The same conversations copied row for row into PostgreSQL, decisions in the same database."""
    from scripts.db_servers import fresh_database

    data_dir = copy_training_data(tmp_path / "data")
    url = fresh_database(postgres_url, "review_inbox_test")
    source = sa.create_engine(fill(tmp_path / "tracker.db", conversations()))
    target = sa.create_engine(url)
    metadata = sa.MetaData()
    events = sa.Table(
        "events",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("sender_id", sa.String(255), nullable=False, index=True),
        sa.Column("type_name", sa.String(255), nullable=False),
        sa.Column("timestamp", sa.Float),
        sa.Column("intent_name", sa.String(255)),
        sa.Column("action_name", sa.String(255)),
        sa.Column("data", sa.Text),
    )
    metadata.create_all(target)
    with source.connect() as read, target.begin() as write:
        rows = [dict(row._mapping) for row in read.execute(sa.select(events))]
        write.execute(events.insert(), rows)
    source.dispose()
    inbox = make_inbox(tmp_path, data_dir, url, db_url=url)
    try:
        page = inbox.page(limit=3)
        assert [m.conversation_id for m in page.messages] == ["eva", "dirk", "bram"]
        assert page.next_before is not None
        rest = inbox.page(before=page.next_before, limit=3)
        assert [m.conversation_id for m in rest.messages] == ["anna"] and rest.next_before is None
        assert rest.messages[0].confidence == 0.41 and rest.messages[0].reason == "fallback"
        inbox.label(rest.messages[0], "terugbetaling", "lea")
        assert [m.conversation_id for m in inbox.page().messages] == ["eva", "dirk", "bram"]
        with pytest.raises(Refused, match="al beoordeeld"):
            inbox.label(inbox.message(rest.messages[0].event_id), "klacht", "lea")
        assert nlu_examples.read_examples(data_dir / "nlu_reviewed.yml") == {
            "terugbetaling": [f"wnr krijg ik mn poen terug, rekening {IBAN}"]
        }
    finally:
        inbox.close()
        target.dispose()
