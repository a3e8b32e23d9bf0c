"""When the customer last typed in the chat window while an agent had it (the console's "klant typt…").

- handoff_queue: `customer_typing_at`, stamped by the Rasa server's socket.io channel at most every
  few seconds; the console shows the indicator while it is fresh.

Revision ID: 0008_typing
Revises: 0006_console_tools
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_typing"
down_revision = "0006_console_tools"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("handoff_queue") as batch:
        batch.add_column(sa.Column("customer_typing_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("handoff_queue") as batch:
        batch.drop_column("customer_typing_at")
