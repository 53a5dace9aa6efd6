"""Connector instances (a configured connection to a remote system) and their runs.

An instance is claimed by the worker that runs it by moving ``claimed_until_us``
ahead (PostgreSQL skips rows other workers hold with ``FOR UPDATE SKIP LOCKED``),
so each instance runs at most once at a time across every worker and host.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lrs.models.base import Base
from lrs.models.types import BigId


class ConnectorInstance(Base):
    __tablename__ = "connector_instances"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    name: Mapped[str] = mapped_column(String(100))
    #: The connector type's name (``forwarding``, ``moodle``...).
    type: Mapped[str] = mapped_column(String(100))
    #: The configuration's non-secret fields, a JSON object as the admin gave them.
    config: Mapped[str] = mapped_column(Text, default="{}")
    #: The secret fields, a JSON object encrypted with the key derived from
    #: ``LRS_SECRET_KEY`` (:mod:`lrs.auth.sealing`); empty when there are none.
    sealed_secrets: Mapped[str] = mapped_column(Text, default="")
    #: ``every 15m`` or a five-field cron expression (UTC).
    schedule: Mapped[str] = mapped_column(String(100))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Set after ``LRS_CONNECTOR_MAX_FAILURES`` failed runs in a row.
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Where the next run continues (the connector's own opaque string).
    cursor: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: When the instance is due next, µs since the epoch.
    next_run_us: Mapped[int] = mapped_column(BigInteger)
    #: Until when a worker holds the instance (0 when nobody does).
    claimed_until_us: Mapped[int] = mapped_column(BigInteger, default=0)
    #: Failed runs in a row (reset by a successful run).
    failures: Mapped[int] = mapped_column(Integer, default=0)
    created_us: Mapped[int] = mapped_column(BigInteger)
    updated_us: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (
        Index("uq_connector_instances_tenant_name", "tenant_id", "name", unique=True),
        Index("ix_connector_instances_next_run", "next_run_us"),
    )


class ConnectorRun(Base):
    """One run of an instance: when, why, what it did, how it ended."""

    __tablename__ = "connector_runs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    instance_id: Mapped[int] = mapped_column(
        ForeignKey("connector_instances.id", ondelete="CASCADE"))
    #: ``schedule``, ``manual`` (run now) or ``retry`` (after a failure).
    trigger: Mapped[str] = mapped_column(String(20))
    #: ``running``, ``succeeded``, ``failed`` or ``interrupted`` (the worker died).
    status: Mapped[str] = mapped_column(String(20))
    started_us: Mapped[int] = mapped_column(BigInteger)
    finished_us: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    fetched: Mapped[int] = mapped_column(Integer, default=0)
    stored: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    sent: Mapped[int] = mapped_column(Integer, default=0)
    #: The error, with the instance's secrets masked.
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: The summary's messages, a JSON array of strings.
    messages: Mapped[str] = mapped_column(Text, default="[]")

    __table_args__ = (Index("ix_connector_runs_instance_started", "instance_id", "started_us"),)
