"""Customer satisfaction: the question after a conversation and the customer's rating
(bot/satisfaction.py), and buttons with a message kept for delivery (the rating buttons of the
goodbye after an agent hands back).

- csat_ratings: one row per question asked; `entry_id` unique (one question per queue entry),
  None when the assistant handled the conversation alone.
- handoff_messages: `buttons`, JSON text of [{"title", "payload"}] or NULL.

Revision ID: 0009_csat
Revises: 0008_typing
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_csat"
down_revision = "0008_typing"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "csat_ratings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("entry_id", sa.Integer, nullable=True),
        sa.Column("agent", sa.String(80), nullable=True),
        sa.Column("topic", sa.String(60), nullable=True),
        sa.Column("score", sa.SmallInteger, nullable=True),
        sa.Column("comment", sa.Text, nullable=True),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("entry_id"),
    )
    op.create_index("ix_csat_ratings_conversation_id", "csat_ratings", ["conversation_id"])
    op.create_index("ix_csat_ratings_asked_at", "csat_ratings", ["asked_at"])
    with op.batch_alter_table("handoff_messages") as batch:
        batch.add_column(sa.Column("buttons", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("handoff_messages") as batch:
        batch.drop_column("buttons")
    op.drop_index("ix_csat_ratings_asked_at", table_name="csat_ratings")
    op.drop_index("ix_csat_ratings_conversation_id", table_name="csat_ratings")
    op.drop_table("csat_ratings")
