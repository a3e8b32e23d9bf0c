"""Rasa's `events` table (its SQLTrackerStore's), as far as this project reads it.

The dashboard's figures (`bot.insight`) and the review inbox (`bot.review`) read the conversations
from it; it is never created or written here: its definition stays Rasa's, and
tests/unit/test_insight.py checks that these columns are Rasa's.
"""

from __future__ import annotations

import sqlalchemy as sa

EVENTS = sa.Table(
    "events",
    sa.MetaData(),  # not the assistant's database (bot.database.Base): migrations leave it alone
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255)),
    sa.Column("type_name", sa.String(255)),
    sa.Column("timestamp", sa.Float),
    sa.Column("intent_name", sa.String(255)),
    sa.Column("action_name", sa.String(255)),
    sa.Column("data", sa.Text),
)
