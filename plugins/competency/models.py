"""The competency plugin's tables, on metadata of its own (its Alembic branch creates them).

A framework (``competency_frameworks``, a CASE CFDocument) holds items
(``competency_items``, CFItems: the competencies) and associations between nodes
(``competency_associations``, CFAssociations: ``isChildOf``, ``precedes``...).
Items and associations that left the package are marked retired, never deleted, so
that evidence recorded against them stays traceable; each change of an item is kept
in ``competency_item_history``.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Index, Integer, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Framework(Base):
    """A CFDocument: the framework as its publisher identifies and versions it."""

    __tablename__ = "competency_frameworks"
    __table_args__ = (
        Index("uq_competency_frameworks_tenant_identifier", "tenant_id", "identifier", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(Integer)
    identifier: Mapped[str] = mapped_column(String(200))
    uri: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    creator: Mapped[str] = mapped_column(Text)
    version: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: ``lastChangeDateTime`` as ISO 8601 UTC (``2026-01-05T10:00:00+00:00``).
    last_change: Mapped[str] = mapped_column(String(40))
    #: ``1.0``, ``1.1`` or ``csv``: what the last import read.
    source_format: Mapped[str] = mapped_column(String(10))
    imported_us: Mapped[int] = mapped_column(BigInteger)


class Item(Base):
    """A CFItem: one competency (or grouping node) of a framework."""

    __tablename__ = "competency_items"
    __table_args__ = (
        Index("uq_competency_items_framework_uri", "framework_id", "uri", unique=True),
        Index("ix_competency_items_framework_identifier", "framework_id", "identifier"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    framework_id: Mapped[int] = mapped_column(Integer)
    identifier: Mapped[str] = mapped_column(String(200))
    uri: Mapped[str] = mapped_column(String(900))
    full_statement: Mapped[str] = mapped_column(Text)
    human_coding_scheme: Mapped[str | None] = mapped_column(Text, nullable=True)
    item_type: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_change: Mapped[str] = mapped_column(String(40))
    #: Gone from the last imported package; kept so evidence stays traceable.
    retired: Mapped[bool] = mapped_column(Boolean)
    #: 1 when first imported, bumped by each change recorded in the history.
    version: Mapped[int] = mapped_column(Integer)


class Association(Base):
    """A CFAssociation: ``origin associationType destination`` between two node URIs."""

    __tablename__ = "competency_associations"
    __table_args__ = (
        Index(
            "uq_competency_associations_framework_identifier",
            "framework_id",
            "identifier",
            unique=True,
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    framework_id: Mapped[int] = mapped_column(Integer)
    identifier: Mapped[str] = mapped_column(String(200))
    uri: Mapped[str] = mapped_column(Text)
    association_type: Mapped[str] = mapped_column(String(100))
    origin_uri: Mapped[str] = mapped_column(Text)
    destination_uri: Mapped[str] = mapped_column(Text)
    sequence_number: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_change: Mapped[str] = mapped_column(String(40))
    retired: Mapped[bool] = mapped_column(Boolean)


class ItemChange(Base):
    """One change of an item: what changed (old and new values), from which version."""

    __tablename__ = "competency_item_history"
    __table_args__ = (Index("ix_competency_item_history_item", "item_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(Integer)
    #: ``updated``, ``retired`` or ``restored``.
    change: Mapped[str] = mapped_column(String(10))
    from_version: Mapped[int] = mapped_column(Integer)
    from_last_change: Mapped[str] = mapped_column(String(40))
    to_last_change: Mapped[str] = mapped_column(String(40))
    #: JSON ``{"field": [old, new]}`` of the changed fields.
    fields: Mapped[str] = mapped_column(Text)
    changed_us: Mapped[int] = mapped_column(BigInteger)
