"""SCIM provisioning: the ids an identity provider knows our people and groups by.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "scim_users",
        sa.Column("id", _ID, nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("scim_id", sa.String(length=36), nullable=False),
        sa.Column("person_id", _ID, nullable=False),
        sa.Column("user_name", sa.String(length=400), nullable=False),
        sa.Column("user_name_key", sa.String(length=400), nullable=False),
        sa.Column("external_id", sa.String(length=400), nullable=True),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("created_us", sa.BigInteger(), nullable=False),
        sa.Column("updated_us", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"],
                                name=op.f("fk_scim_users_tenant_id_tenants")),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="CASCADE",
                                name=op.f("fk_scim_users_person_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scim_users")),
    )
    op.create_index("uq_scim_users_scim_id", "scim_users", ["scim_id"], unique=True)
    op.create_index("uq_scim_users_person", "scim_users", ["person_id"], unique=True)
    op.create_index("uq_scim_users_tenant_user_name", "scim_users",
                    ["tenant_id", "user_name_key"], unique=True)
    op.create_index("ix_scim_users_tenant_external_id", "scim_users",
                    ["tenant_id", "external_id"])
    op.create_table(
        "scim_groups",
        sa.Column("id", _ID, nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("scim_id", sa.String(length=36), nullable=False),
        sa.Column("group_id", _ID, nullable=False),
        sa.Column("external_id", sa.String(length=400), nullable=True),
        sa.Column("created_us", sa.BigInteger(), nullable=False),
        sa.Column("updated_us", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"],
                                name=op.f("fk_scim_groups_tenant_id_tenants")),
        sa.ForeignKeyConstraint(["group_id"], ["people_groups.id"], ondelete="CASCADE",
                                name=op.f("fk_scim_groups_group_id_people_groups")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scim_groups")),
    )
    op.create_index("uq_scim_groups_scim_id", "scim_groups", ["scim_id"], unique=True)
    op.create_index("uq_scim_groups_group", "scim_groups", ["group_id"], unique=True)
    op.create_index("ix_scim_groups_tenant_external_id", "scim_groups",
                    ["tenant_id", "external_id"])


def downgrade() -> None:
    op.drop_table("scim_groups")
    op.drop_table("scim_users")
