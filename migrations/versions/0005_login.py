"""Login hardening (bot/agents.py, bot/agent_sessions.py, bot/login_throttle.py).

- agents: `disabled` (cannot log in) and `session_stamp` (changes with the password; sessions carry it).
- agent_sessions: `stamp`, the account's session stamp at login.
- agent_login_throttle (per name and address, and per address) replaces agent_login_failures (per
  name only, which let anyone lock an agent out).

Revision ID: 0005_login
Revises: 0004_entry_request_key
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_login"
down_revision = "0004_entry_request_key"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("agents") as batch:
        batch.add_column(sa.Column("disabled", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("session_stamp", sa.String(length=32), nullable=False, server_default=""))
    with op.batch_alter_table("agent_sessions") as batch:
        batch.add_column(sa.Column("stamp", sa.String(length=32), nullable=False, server_default=""))
    op.create_table(
        "agent_login_throttle",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("first_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index(
        "ix_agent_login_throttle_last_failure_at", "agent_login_throttle", ["last_failure_at"], unique=False
    )
    op.drop_table("agent_login_failures")


def downgrade() -> None:
    op.create_table(
        "agent_login_failures",
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("username"),
    )
    op.drop_index("ix_agent_login_throttle_last_failure_at", table_name="agent_login_throttle")
    op.drop_table("agent_login_throttle")
    with op.batch_alter_table("agent_sessions") as batch:
        batch.drop_column("stamp")
    with op.batch_alter_table("agents") as batch:
        batch.drop_column("session_stamp")
        batch.drop_column("disabled")
