"""History of the people directory's identity merges and splits.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "people_identity_changes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("recorded_us", sa.BigInteger(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("person", sa.String(length=200), nullable=False),
        sa.Column("other", sa.String(length=200), nullable=False),
        sa.Column("identities", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"],
                                name=op.f("fk_people_identity_changes_tenant_id_tenants")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people_identity_changes")),
    )
    op.create_index("ix_people_identity_changes_person", "people_identity_changes",
                    ["tenant_id", "person"])
    op.create_index("ix_people_identity_changes_other", "people_identity_changes",
                    ["tenant_id", "other"])


def downgrade() -> None:
    op.drop_index("ix_people_identity_changes_other", table_name="people_identity_changes")
    op.drop_index("ix_people_identity_changes_person", table_name="people_identity_changes")
    op.drop_table("people_identity_changes")
