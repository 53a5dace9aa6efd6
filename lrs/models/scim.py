"""What a SCIM client (an identity provider, an HRIS) provisioned: its ids for people and groups.

SCIM ids are opaque, stable strings the provider keeps and sends back on every
update, so they are random UUIDs of their own rather than row ids (SQLite may
reuse a deleted row's id, and a stale id must never reach somebody else). A link
also keeps what SCIM states and the directory has no column for (``userName``,
``externalId``, name parts, typed emails); everything else is the person's or the
group's own row. Links go with their person or group (``ON DELETE CASCADE``):
an erasure leaves nothing here.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lrs.models.base import Base
from lrs.models.types import BigId


class ScimUser(Base):
    """A person as provisioned through ``/scim/v2/Users``."""

    __tablename__ = "scim_users"

    #: Creation order: the order lists are paged in.
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    scim_id: Mapped[str] = mapped_column(String(36))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    #: ``userName`` as given; unique per store without regard to case (RFC 7643 §4.1.1).
    user_name: Mapped[str] = mapped_column(String(400))
    #: ``userName`` lowercased: what uniqueness and ``userName eq`` filters use.
    user_name_key: Mapped[str] = mapped_column(String(400))
    external_id: Mapped[str | None] = mapped_column(String(400), nullable=True)
    #: The attributes kept as given (name, emails, phoneNumbers...), a JSON object.
    data: Mapped[str] = mapped_column(Text, default="{}")
    created_us: Mapped[int] = mapped_column(BigInteger)
    updated_us: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (
        Index("uq_scim_users_scim_id", "scim_id", unique=True),
        Index("uq_scim_users_person", "person_id", unique=True),
        Index("uq_scim_users_tenant_user_name", "tenant_id", "user_name_key", unique=True),
        Index("ix_scim_users_tenant_external_id", "tenant_id", "external_id"),
    )


class ScimGroup(Base):
    """A static people group as provisioned through ``/scim/v2/Groups``."""

    __tablename__ = "scim_groups"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    scim_id: Mapped[str] = mapped_column(String(36))
    group_id: Mapped[int] = mapped_column(ForeignKey("people_groups.id", ondelete="CASCADE"))
    external_id: Mapped[str | None] = mapped_column(String(400), nullable=True)
    created_us: Mapped[int] = mapped_column(BigInteger)
    updated_us: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (
        Index("uq_scim_groups_scim_id", "scim_id", unique=True),
        Index("uq_scim_groups_group", "group_id", unique=True),
        Index("ix_scim_groups_tenant_external_id", "tenant_id", "external_id"),
    )
