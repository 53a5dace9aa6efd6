"""Drop the index on ``audit_entries.tenant_id`` alone.

The unique ``(tenant_id, dedupe_key)`` index starts with ``tenant_id`` and
serves every query the single-column one did; each entry appended paid for
maintaining both.

Revision ID: audit_0002
Revises: audit_0001
"""

from __future__ import annotations

from alembic import op

revision = "audit_0002"
down_revision = "audit_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_audit_entries_tenant_id", table_name="audit_entries")


def downgrade() -> None:
    op.create_index("ix_audit_entries_tenant_id", "audit_entries", ["tenant_id"])
