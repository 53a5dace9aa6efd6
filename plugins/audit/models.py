"""The audit trail's own tables, on metadata of its own (its Alembic branch creates them).

``audit_entries`` is the hash chain; ``audit_checkpoints`` are signed snapshots of
it every N entries; ``audit_head`` is the one-row signed head, re-signed at every
append, so that removing the newest entries (which leaves a valid shorter chain)
is detected too. The columns are the entry; :func:`plugins.audit.chain.entry_body`
says which of them the hash covers.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Index, Integer, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {"ix": "ix_%(column_0_label)s", "uq": "uq_%(table_name)s_%(column_0_name)s",
          "pk": "pk_%(table_name)s"}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class AuditEntry(Base):
    """One recorded write or administrative action."""

    __tablename__ = "audit_entries"
    #: A tenant's entries by time: exports' date filters, counts per tenant, and
    #: :func:`plugins.audit.chain.append`'s look-up of a redelivered event's entries.
    __table_args__ = (Index("ix_audit_entries_tenant_time", "tenant_id", "occurred_us"),)

    #: Position in the chain, 1, 2, 3... with no gap.
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    tenant_id: Mapped[int] = mapped_column(Integer)
    #: When the audit trail recorded it (µs since the epoch).
    recorded_us: Mapped[int] = mapped_column(BigInteger)
    #: When the action happened (µs since the epoch), the time exports filter on.
    occurred_us: Mapped[int] = mapped_column(BigInteger)
    #: Who: ``credential:<key>``, ``credential-id:<id>``, ``cli:<user>``, ``admin:<sub>``.
    actor: Mapped[str] = mapped_column(Text)
    #: Dotted verb: ``statement.stored``, ``statement.voided``, ``document.deleted``...
    action: Mapped[str] = mapped_column(String(100))
    #: What was acted on: ``statement:<id>``, ``state:<activity>|<agent>|...``.
    target: Mapped[str] = mapped_column(Text)
    #: From where (JSON: ``ip``, ``request_id``) when the event says; else ``null``.
    source: Mapped[str | None] = mapped_column(Text)
    #: The learner concerned (canonical agent key), for per-person exports.
    person: Mapped[str | None] = mapped_column(Text, index=True)
    #: The activity concerned (IRI), for per-activity exports.
    activity: Mapped[str | None] = mapped_column(Text, index=True)
    #: Values before and after the change (JSON), ``null`` where there is none.
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    #: Other facts (JSON object).
    details: Mapped[str] = mapped_column(Text)
    #: With ``tenant_id`` and ``occurred_us``, what makes a redelivered event append
    #: nothing (``statement:<id>``...).
    dedupe_key: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    #: HMAC-SHA256 of ``seq`` and ``hash`` under a key derived from the signing key
    #: (:func:`plugins.audit.chain.entry_mac`): locates an edited, re-chained entry.
    #: ``NULL`` for entries appended before ``audit_0004``.
    mac: Mapped[str | None] = mapped_column(String(64), nullable=True)


class AuditCheckpoint(Base):
    """A signed statement that the chain had ``seq`` entries ending in ``hash`` at ``signed_us``."""

    __tablename__ = "audit_checkpoints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))
    signed_us: Mapped[int] = mapped_column(BigInteger)
    #: Base64 Ed25519 signature of :func:`plugins.audit.chain.checkpoint_message`.
    signature: Mapped[str] = mapped_column(Text)


class AuditHead(Base):
    """The one row (``id = 1``) naming the newest entry, signed like a checkpoint.

    Appenders lock it (``FOR UPDATE`` on PostgreSQL), which also serializes them.
    """

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))
    signed_us: Mapped[int] = mapped_column(BigInteger)
    signature: Mapped[str | None] = mapped_column(Text)
