"""Cases remember the request that filed them, so a repeated request gets the same case.

Revision ID: 0002_case_request_key
Revises: 0001_first
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_case_request_key"
down_revision = "0001_first"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("request_key", sa.String(length=400), nullable=True))
        batch.create_unique_constraint("uq_cases_request_key", ["request_key"])


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_constraint("uq_cases_request_key", type_="unique")
        batch.drop_column("request_key")
