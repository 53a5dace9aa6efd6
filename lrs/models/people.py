"""The people directory: who the learners are, per store, and the xAPI identities that are them.

A person is what HR knows (employee number, department, manager, hire date...);
statements name agents. ``person_identities`` ties each agent identity (the IFI
key of :func:`lrs.xapi.actors.agent_ifi_key`) to at most one person of the store,
so resolving a batch of actors is one indexed look-up.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lrs.models.base import Base
from lrs.models.types import BigId


class Person(Base):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    #: The HR system's key (employee number): what imports match on, unique per store.
    employee_id: Mapped[str] = mapped_column(String(200))
    display_name: Mapped[str | None] = mapped_column(String(400), nullable=True)
    #: Work address; also one of the person's identities (``mbox:mailto:...``).
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    department: Mapped[str | None] = mapped_column(String(400), nullable=True)
    #: The manager's ``employee_id`` (HR exports name managers by number).
    manager_employee_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    location: Mapped[str | None] = mapped_column(String(400), nullable=True)
    job_title: Mapped[str | None] = mapped_column(String(400), nullable=True)
    hire_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Further attributes, a JSON object of strings (``{"cost_center": "4711"}``).
    attributes: Mapped[str] = mapped_column(Text, default="{}")
    created_us: Mapped[int] = mapped_column(BigInteger)
    updated_us: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (
        Index("uq_people_tenant_employee", "tenant_id", "employee_id", unique=True),
        Index("ix_people_tenant_department", "tenant_id", "department"),
        Index("ix_people_tenant_manager", "tenant_id", "manager_employee_id"),
    )


class PersonIdentity(Base):
    """One xAPI identity of a person: an email (and its SHA-1), an LMS account, an SSO subject."""

    __tablename__ = "person_identities"

    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    #: :func:`lrs.xapi.actors.agent_ifi_key` of the identity.
    agent_key: Mapped[str] = mapped_column(Text, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))

    __table_args__ = (Index("ix_person_identities_person", "person_id"),)


class PeopleGroup(Base):
    """A named set of people of a store: listed one by one (static), or everyone matching
    an attribute rule (``department = Sales AND hire_date >= 2026-01-01``)."""

    __tablename__ = "people_groups"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    name: Mapped[str] = mapped_column(String(200))
    #: The rule of a rule group (:mod:`lrs.services.group_rules`); ``None`` for a static one.
    rule: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_us: Mapped[int] = mapped_column(BigInteger)
    #: The group's key in the roster it was imported from (``oneroster:class:<sourcedId>``),
    #: by which a re-import finds it even when the class was renamed; ``None`` when
    #: an admin created it.
    source_key: Mapped[str | None] = mapped_column(String(300), nullable=True)

    __table_args__ = (
        Index("uq_people_groups_tenant_name", "tenant_id", "name", unique=True),
        Index("uq_people_groups_tenant_source_key", "tenant_id", "source_key", unique=True),
    )


class PeopleGroupMember(Base):
    """A member of a static group."""

    __tablename__ = "people_group_members"

    group_id: Mapped[int] = mapped_column(ForeignKey("people_groups.id", ondelete="CASCADE"),
                                          primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"),
                                           primary_key=True)
    #: The member's role in the group as its roster states it (OneRoster: ``student``,
    #: ``teacher``...); ``None`` for members an admin added.
    role: Mapped[str | None] = mapped_column(String(60), nullable=True)

    __table_args__ = (Index("ix_people_group_members_person", "person_id"),)


class IdentityChange(Base):
    """One merge or split of people in the directory: who, which identities, by whom.

    Kept so that a report can say why a statement resolved to someone else than it
    did last month; erased with the people it names.
    """

    __tablename__ = "people_identity_changes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    recorded_us: Mapped[int] = mapped_column(BigInteger)
    #: ``merged`` (``other`` was absorbed into ``person``) or ``split`` (identities of
    #: ``person`` went to the new person ``other``).
    action: Mapped[str] = mapped_column(String(20))
    person: Mapped[str] = mapped_column(String(200))
    other: Mapped[str] = mapped_column(String(200))
    #: The agent keys that changed hands, a JSON array.
    identities: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(200))

    __table_args__ = (
        Index("ix_people_identity_changes_person", "tenant_id", "person"),
        Index("ix_people_identity_changes_other", "tenant_id", "other"),
    )
