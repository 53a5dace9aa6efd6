"""Revoked web UI sessions: a signed-out session cookie stops working at once.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "revoked_web_sessions",
        sa.Column("session_id", sa.String(length=64), nullable=False),
        sa.Column("expires_us", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("session_id", name=op.f("pk_revoked_web_sessions")),
    )
    op.create_index(
        op.f("ix_revoked_web_sessions_expires_us"), "revoked_web_sessions", ["expires_us"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_revoked_web_sessions_expires_us"), table_name="revoked_web_sessions")
    op.drop_table("revoked_web_sessions")
