"""State, activity profile and agent profile documents."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lrs.models.base import Base
from lrs.models.types import BigId


class Document(Base):
    """One document of any of the three document resources.

    ``kind`` is ``state``, ``activity_profile`` or ``agent_profile``; the scope
    columns that do not apply to a kind are empty strings (not NULL) so that the
    unique index covers them on every database.
    """

    __tablename__ = "documents"

    pk: Mapped[int] = mapped_column(BigId, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    kind: Mapped[str] = mapped_column(String(20))
    activity_id: Mapped[str] = mapped_column(Text, default="")
    agent_key: Mapped[str] = mapped_column(Text, default="")
    registration: Mapped[str] = mapped_column(String(36), default="")
    document_id: Mapped[str] = mapped_column(Text)
    content_type: Mapped[str] = mapped_column(Text)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    etag: Mapped[str] = mapped_column(String(64))
    updated_us: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (
        Index(
            "uq_documents_scope",
            "tenant_id", "kind", "activity_id", "agent_key", "registration", "document_id",
            unique=True,
        ),
    )
