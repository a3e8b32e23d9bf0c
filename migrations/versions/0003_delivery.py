"""Exactly-once delivery of messages to customers and chat-window leases (bot/delivery.py), and when
a waiting customer was last there (bot/handoff.py).

- handoff_messages: `author_name` (the agent's name as the customer sees it), `kind` (antwoord,
  overgenomen, afgelopen) and `handed_out_at` (a REST response's reservation).
- chat_windows: one lease per connected chat window, replacing chat_presence.
- handoff_queue: `customer_seen_at`.

Revision ID: 0003_delivery
Revises: 0002_case_request_key
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_delivery"
down_revision = "0002_case_request_key"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("handoff_messages") as batch:
        batch.add_column(sa.Column("author_name", sa.String(length=80), nullable=True))
        batch.add_column(sa.Column("kind", sa.String(length=20), nullable=False, server_default="antwoord"))
        batch.add_column(sa.Column("handed_out_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("handoff_queue") as batch:
        batch.add_column(sa.Column("customer_seen_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "chat_windows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=255), nullable=False),
        sa.Column("socket_id", sa.String(length=80), nullable=False),
        sa.Column("server_id", sa.String(length=120), nullable=False),
        sa.Column("connected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("server_id", "socket_id", name="uq_chat_windows_server_socket"),
    )
    for column in ("conversation_id", "server_id", "expires_at"):
        op.create_index(f"ix_chat_windows_{column}", "chat_windows", [column], unique=False)
    op.drop_index("ix_chat_presence_socket_id", table_name="chat_presence")
    op.drop_table("chat_presence")


def downgrade() -> None:
    op.create_table(
        "chat_presence",
        sa.Column("conversation_id", sa.String(length=255), nullable=False),
        sa.Column("socket_id", sa.String(length=80), nullable=True),
        sa.Column("online", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("conversation_id"),
    )
    op.create_index("ix_chat_presence_socket_id", "chat_presence", ["socket_id"], unique=False)
    op.drop_table("chat_windows")
    with op.batch_alter_table("handoff_queue") as batch:
        batch.drop_column("customer_seen_at")
    with op.batch_alter_table("handoff_messages") as batch:
        batch.drop_column("handed_out_at")
        batch.drop_column("kind")
        batch.drop_column("author_name")
