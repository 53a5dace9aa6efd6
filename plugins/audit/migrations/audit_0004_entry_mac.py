"""Add ``audit_entries.mac``: a keyed MAC of each entry's seq and hash.

Signed checkpoints come every N entries, so an entry edited and the chain
re-hashed after it was found only at the next checkpoint (or the head). With a
MAC per entry, verification names the entry itself. Entries appended before
this revision keep ``NULL``; the MAC of each new one is written as it is appended.

Revision ID: audit_0004
Revises: audit_0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "audit_0004"
down_revision = "audit_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("audit_entries", sa.Column("mac", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_entries") as batch:
        batch.drop_column("mac")
