"""The agent console's tools: quick replies, internal notes, and when a customer last wrote.

- quick_replies: the ready answers team leads keep (bot/quick_replies.py), with a few defaults.
- entry_notes: agents' internal notes on a queue entry (bot/notes.py).
- handoff_queue: `customer_wrote_at`, for the console's alert to the agent who has the entry.

Revision ID: 0006_console_tools
Revises: 0005_login
Create Date: 2026-12-03
"""

from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

revision = "0006_console_tools"
down_revision = "0005_login"
branch_labels = None
depends_on = None

# The defaults, in the customer's "je". A part in [brackets] with {referentie} is left out when the
# conversation has no case.
DEFAULT_REPLIES = (
    (
        "Begroeting",
        "Hoi, fijn dat je even gewacht hebt! Ik lees terug wat je al hebt verteld[ over zaak {referentie}] "
        "en help je verder.",
    ),
    ("Even nakijken", "Ik kijk het even voor je na. Een momentje, ik ben zo terug."),
    (
        "Retourprocedure",
        "Heb je iets teruggestuurd naar de webshop? Dan zetten we de factuur van die bestelling in de "
        "pauzestand, zodat er geen (herinnerings)kosten bij komen terwijl de webshop je retour verwerkt. "
        "Je terugbetaling loopt daarna via ons. Bewaar het trackingnummer van je retourzending goed: "
        "daar kunnen we om vragen.[ Je retour staat bij ons onder zaaknummer {referentie}.]",
    ),
    (
        "Afsluiting",
        "Kan ik je verder nog ergens mee helpen?[ Noem bij een volgende vraag je zaaknummer {referentie}, "
        "dan vinden we alles snel terug.] Fijne dag nog!",
    ),
)


def upgrade() -> None:
    with op.batch_alter_table("handoff_queue") as batch:
        batch.add_column(sa.Column("customer_wrote_at", sa.DateTime(timezone=True), nullable=True))
    replies = op.create_table(
        "quick_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=60), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=40), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "entry_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(length=40), nullable=False),
        sa.Column("author_name", sa.String(length=80), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["entry_id"], ["handoff_queue.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_entry_notes_entry_id", "entry_notes", ["entry_id"], unique=False)
    now = datetime.now(timezone.utc)
    op.bulk_insert(
        replies,
        [
            {"title": title, "text": text, "position": position, "updated_by": None, "updated_at": now}
            for position, (title, text) in enumerate(DEFAULT_REPLIES, start=1)
        ],
    )


def downgrade() -> None:
    op.drop_index("ix_entry_notes_entry_id", table_name="entry_notes")
    op.drop_table("entry_notes")
    op.drop_table("quick_replies")
    with op.batch_alter_table("handoff_queue") as batch:
        batch.drop_column("customer_wrote_at")
