"""People groups and cohorts: static member lists and attribute rules.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "people_groups",
        sa.Column("id", _BIG_ID, nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("rule", sa.Text(), nullable=True),
        sa.Column("created_us", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"],
                                name=op.f("fk_people_groups_tenant_id_tenants")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people_groups")),
    )
    op.create_index("uq_people_groups_tenant_name", "people_groups", ["tenant_id", "name"],
                    unique=True)
    op.create_table(
        "people_group_members",
        sa.Column("group_id", _BIG_ID, nullable=False),
        sa.Column("person_id", _BIG_ID, nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["people_groups.id"],
                                name=op.f("fk_people_group_members_group_id_people_groups"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"],
                                name=op.f("fk_people_group_members_person_id_people"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("group_id", "person_id", name=op.f("pk_people_group_members")),
    )
    op.create_index("ix_people_group_members_person", "people_group_members", ["person_id"])


def downgrade() -> None:
    op.drop_index("ix_people_group_members_person", table_name="people_group_members")
    op.drop_table("people_group_members")
    op.drop_index("uq_people_groups_tenant_name", table_name="people_groups")
    op.drop_table("people_groups")
