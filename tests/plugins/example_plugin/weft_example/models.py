"""The plugin's own table, on its own metadata (created by its Alembic branch)."""

from __future__ import annotations

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class SeenStatement(Base):
    """One stored statement the plugin was told about, keyed so redelivery is harmless."""

    __tablename__ = "example_seen_statements"

    tenant_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    statement_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    verb_id: Mapped[str] = mapped_column(Text)
