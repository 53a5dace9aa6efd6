"""Tenants get a creation time, and PostgreSQL's tenant id sequence skips the default tenant.

Revision 0002 inserted tenant 1 with an explicit id, which leaves PostgreSQL's
``tenants_id_seq`` at its start: the first ``lrs tenants create`` would have
collided with it. The sequence is moved past the highest id here.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import time

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tenants") as batch_op:
        batch_op.add_column(sa.Column("created_us", sa.BigInteger(), nullable=True))
    tenants = sa.table("tenants", sa.column("created_us", sa.BigInteger))
    op.execute(tenants.update().values(created_us=time.time_ns() // 1000))
    with op.batch_alter_table("tenants") as batch_op:
        batch_op.alter_column("created_us", existing_type=sa.BigInteger(), nullable=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SELECT setval(pg_get_serial_sequence('tenants', 'id'), "
                   "(SELECT MAX(id) FROM tenants))")


def downgrade() -> None:
    with op.batch_alter_table("tenants") as batch_op:
        batch_op.drop_column("created_us")
