"""Create the default tenant that single-store deployments use.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    tenants = sa.table("tenants", sa.column("id", sa.Integer), sa.column("name", sa.String))
    op.bulk_insert(tenants, [{"id": 1, "name": "default"}])


def downgrade() -> None:
    op.execute("DELETE FROM tenants WHERE id = 1")
