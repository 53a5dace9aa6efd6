"""Replace the unique ``(tenant_id, dedupe_key)`` and the ``occurred_us`` indexes
with one on ``(tenant_id, occurred_us)``.

Every entry appended paid for both. Dedupe keys are random (``statement:<uuid>``),
so each insert into the unique index landed on a different page: about 6 µs of
PostgreSQL's time per entry, a sixth of the entry's cost. A redelivered event is
now found by the entries of its tenant and times (:func:`plugins.audit.chain.append`
looks them up under the head's lock), and the new index, whose keys grow with
time, serves that look-up, the date filters of exports and counts per tenant.

Revision ID: audit_0003
Revises: audit_0002
"""

from __future__ import annotations

from alembic import op

revision = "audit_0003"
down_revision = "audit_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_audit_entries_tenant_time", "audit_entries",
                    ["tenant_id", "occurred_us"])
    op.drop_index("ix_audit_entries_occurred_us", table_name="audit_entries")
    with op.batch_alter_table("audit_entries") as batch:  # SQLite rebuilds the table
        batch.drop_constraint("uq_audit_entries_tenant_id", type_="unique")


def downgrade() -> None:
    with op.batch_alter_table("audit_entries") as batch:
        batch.create_unique_constraint("uq_audit_entries_tenant_id", ["tenant_id", "dedupe_key"])
    op.create_index("ix_audit_entries_occurred_us", "audit_entries", ["occurred_us"])
    op.drop_index("ix_audit_entries_tenant_time", table_name="audit_entries")
