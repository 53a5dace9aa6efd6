"""Statements: the payload exactly as it is returned, plus indexed query columns.

The JSON ``payload`` is the statement as the LRS returns it in ``exact`` format
(with ``id``, ``stored``, ``authority`` and ``version`` filled in). Everything a
query filters or sorts on is copied into indexed columns or link tables at insert
time, so that queries never parse JSON.

The link tables (:class:`StatementAgent`, :class:`StatementActivity`,
:class:`StatementTargetKey`) are an index the store keeps, not data of their own:
their rows are written by the statement's own INSERT (on PostgreSQL the same SQL
statement, joined on the pks it returned) and deleted with it
(:func:`lrs.store.statement_rows.delete_statements`). So they carry no foreign key
to ``statements``: checking one cost PostgreSQL a trigger, a lookup and a row lock
on the statement for every link row, about a fifth of its work per stored
statement in batches of 100 (``python -m bench.group_commit --batch 100``).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lrs.models.base import Base
from lrs.models.types import BigId


class Statement(Base):
    __tablename__ = "statements"

    #: Stored order: the paging cursor, stable while new statements arrive.
    pk: Mapped[int] = mapped_column(BigId, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    statement_id: Mapped[str] = mapped_column(String(36))
    payload: Mapped[str] = mapped_column(Text)
    #: ``stored`` in microseconds since the epoch (UTC): exact, sortable, portable.
    stored_us: Mapped[int] = mapped_column(BigInteger)
    verb_id: Mapped[str] = mapped_column(Text)
    registration: Mapped[str | None] = mapped_column(String(36), nullable=True)
    #: Target of a StatementRef object (voiding statements included). Not indexed:
    #: no query looks statements up by it, and each index slows every insert.
    ref_statement_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    voided: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Credential that stored it: ``statements/read/mine`` sees only its own.
    credential_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    #: SHA-2 hashes of attachments whose content the LRS holds, space separated.
    attachment_sha2s: Mapped[str | None] = mapped_column(Text, nullable=True)

    __table_args__ = (
        Index("uq_statements_tenant_statement_id", "tenant_id", "statement_id", unique=True),
        # Results are ordered by (stored_us, pk): every filter index ends with both so
        # that a page is an index range scan, not a sort.
        Index("ix_statements_tenant_stored", "tenant_id", "stored_us", "pk"),
        Index("ix_statements_tenant_verb", "tenant_id", "verb_id", "stored_us", "pk"),
        Index(
            "ix_statements_tenant_registration", "tenant_id", "registration", "stored_us", "pk"
        ),
    )


class StatementAgent(Base):
    """Agents a statement mentions, keyed by IFI, for ``agent`` filters.

    ``related`` is false for the actor and an Agent/Group object (the plain ``agent``
    filter) and true for every other place (``related_agents=true`` only).
    """

    __tablename__ = "statement_agents"

    #: :attr:`Statement.pk` (no foreign key: see the module's docstring).
    statement_pk: Mapped[int] = mapped_column(BigId, primary_key=True)
    agent_key: Mapped[str] = mapped_column(Text, primary_key=True)
    related: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    #: The statement's ``stored_us``: an agent's statements in stored order are one
    #: range of the index, so a page of them is read, not sorted.
    stored_us: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (
        Index("ix_statement_agents_stored", "agent_key", "stored_us", "statement_pk", "related"),
    )


class StatementActivity(Base):
    """Activities a statement mentions, for ``activity`` filters (same ``related`` rule)."""

    __tablename__ = "statement_activities"

    #: :attr:`Statement.pk` (no foreign key: see the module's docstring).
    statement_pk: Mapped[int] = mapped_column(BigId, primary_key=True)
    activity_id: Mapped[str] = mapped_column(Text, primary_key=True)
    related: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    #: The statement's ``stored_us`` (see :attr:`StatementAgent.stored_us`): a page of a
    #: course's thousands of statements is read from one range, in order.
    stored_us: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (
        Index(
            "ix_statement_activities_stored", "activity_id", "stored_us", "statement_pk", "related"
        ),
    )


class StatementTargetKey(Base):
    """Verbs and registrations a statement inherits from the statement it targets.

    xAPI (Communication 2.1.3, "Filter Conditions for StatementRefs"): a statement
    whose object is a StatementRef meets the ``verb`` and ``registration`` filters
    when its target does, recursively. Agents and activities are inherited by
    copying the target's link rows; verbs and registrations live in columns, so
    the target's values (and those it inherited) are copied here at insert time.
    """

    __tablename__ = "statement_target_keys"

    #: :attr:`Statement.pk` (no foreign key: see the module's docstring).
    statement_pk: Mapped[int] = mapped_column(BigId, primary_key=True)
    #: ``verb`` or ``registration``.
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(Text, primary_key=True)

    __table_args__ = (Index("ix_statement_target_keys_value", "kind", "value", "statement_pk"),)


class Activity(Base):
    """The canonical (merged) definition of each activity, served by ``/activities``."""

    __tablename__ = "activities"

    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    activity_id: Mapped[str] = mapped_column(Text, primary_key=True)
    #: JSON of the merged Activity object.
    definition: Mapped[str] = mapped_column(Text)


class Attachment(Base):
    """Attachment content, deduplicated by SHA-2 within a tenant."""

    __tablename__ = "attachments"

    tenant_id: Mapped[int] = mapped_column(Integer, ForeignKey("tenants.id"), primary_key=True)
    sha2: Mapped[str] = mapped_column(String(128), primary_key=True)
    content_type: Mapped[str] = mapped_column(Text)
    content: Mapped[bytes] = mapped_column(LargeBinary)
