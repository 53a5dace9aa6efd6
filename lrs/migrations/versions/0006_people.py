"""People directory: people per store and the xAPI identities that are them.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "people",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.String(length=200), nullable=False),
        sa.Column("display_name", sa.String(length=400), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("department", sa.String(length=400), nullable=True),
        sa.Column("manager_employee_id", sa.String(length=200), nullable=True),
        sa.Column("location", sa.String(length=400), nullable=True),
        sa.Column("job_title", sa.String(length=400), nullable=True),
        sa.Column("hire_date", sa.Date(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("attributes", sa.Text(), nullable=False),
        sa.Column("created_us", sa.BigInteger(), nullable=False),
        sa.Column("updated_us", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"],
                                name=op.f("fk_people_tenant_id_tenants")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
    )
    op.create_index("uq_people_tenant_employee", "people", ["tenant_id", "employee_id"],
                    unique=True)
    op.create_index("ix_people_tenant_department", "people", ["tenant_id", "department"])
    op.create_index("ix_people_tenant_manager", "people", ["tenant_id", "manager_employee_id"])
    op.create_table(
        "person_identities",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("agent_key", sa.Text(), nullable=False),
        sa.Column("person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"],
                                name=op.f("fk_person_identities_person_id_people"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"],
                                name=op.f("fk_person_identities_tenant_id_tenants")),
        sa.PrimaryKeyConstraint("tenant_id", "agent_key", name=op.f("pk_person_identities")),
    )
    op.create_index("ix_person_identities_person", "person_identities", ["person_id"])


def downgrade() -> None:
    op.drop_index("ix_person_identities_person", table_name="person_identities")
    op.drop_table("person_identities")
    op.drop_index("ix_people_tenant_manager", table_name="people")
    op.drop_index("ix_people_tenant_department", table_name="people")
    op.drop_index("uq_people_tenant_employee", table_name="people")
    op.drop_table("people")
