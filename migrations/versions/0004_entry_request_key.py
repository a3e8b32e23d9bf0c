"""Queue entries remember the request that queued them, so a repeated request gets the same entry.

Revision ID: 0004_entry_request_key
Revises: 0003_delivery
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_entry_request_key"
down_revision = "0003_delivery"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("handoff_queue") as batch:
        batch.add_column(sa.Column("request_key", sa.String(length=400), nullable=True))
        batch.create_unique_constraint("uq_handoff_queue_request_key", ["request_key"])


def downgrade() -> None:
    with op.batch_alter_table("handoff_queue") as batch:
        batch.drop_constraint("uq_handoff_queue_request_key", type_="unique")
        batch.drop_column("request_key")
