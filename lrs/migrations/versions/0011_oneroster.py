"""Groups imported from a roster (OneRoster classes): their key there, and members' roles.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("people_groups") as batch:
        batch.add_column(sa.Column("source_key", sa.String(length=300), nullable=True))
    op.create_index("uq_people_groups_tenant_source_key", "people_groups",
                    ["tenant_id", "source_key"], unique=True)
    with op.batch_alter_table("people_group_members") as batch:
        batch.add_column(sa.Column("role", sa.String(length=60), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("people_group_members") as batch:
        batch.drop_column("role")
    op.drop_index("uq_people_groups_tenant_source_key", table_name="people_groups")
    with op.batch_alter_table("people_groups") as batch:
        batch.drop_column("source_key")
