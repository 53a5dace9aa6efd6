"""The outbound queue's table, on metadata of its own (its Alembic branch creates it).

One row is one statement owed to one connector instance. Rows are appended after
the statement's commit (the ``statements_stored`` hook, delivered at least once
by the outbox) and deleted once the remote system acknowledged the statement,
so the table only holds the backlog.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Index, Integer, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {"ix": "ix_%(column_0_label)s", "pk": "pk_%(table_name)s"}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class QueuedStatement(Base):
    __tablename__ = "outbound_queue"
    #: An instance's backlog in arrival order: what every sync reads and deletes.
    __table_args__ = (Index("ix_outbound_queue_instance_seq", "instance_id", "seq"),)

    #: Arrival order (BIGINT identity on PostgreSQL, the rowid on SQLite).
    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    #: The connector instance the statement is owed to (``host.connector_instances``).
    instance_id: Mapped[int] = mapped_column(BigInteger)
    #: That instance's type, so each type's plugin cleans up after its deleted instances.
    connector_type: Mapped[str] = mapped_column(String(100))
    statement_id: Mapped[str] = mapped_column(String(36))


QUEUE = QueuedStatement.__table__


class PostedStatus(Base):
    """The compliance status a webhook instance last posted for one person and assignment."""

    __tablename__ = "webhook_statuses"

    instance_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    assignment_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    employee_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    status: Mapped[str] = mapped_column(String(20))
    #: The deadline the status was about (ISO date): a new cycle is a change too.
    due: Mapped[str] = mapped_column(String(10))


class StatusCheck(Base):
    """When a webhook instance last compared the statuses (they are computed, not stored)."""

    __tablename__ = "webhook_status_checks"

    instance_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    checked_us: Mapped[int] = mapped_column(BigInteger)


POSTED = PostedStatus.__table__
CHECKS = StatusCheck.__table__
