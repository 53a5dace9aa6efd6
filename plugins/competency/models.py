"""The competency plugin's tables, on metadata of its own (its Alembic branch creates them).

A framework (``competency_frameworks``, a CASE CFDocument) holds items
(``competency_items``, CFItems: the competencies) and associations between nodes
(``competency_associations``, CFAssociations: ``isChildOf``, ``precedes``...).
Items and associations that left the package are marked retired, never deleted, so
that evidence recorded against them stays traceable; each change of an item is kept
in ``competency_item_history``.

Evidence rules (``competency_rules``) turn statements into evidence
(``competency_evidence``), from which each person's standing on each competency
(``competency_attainments``) is kept, with every change of state in
``competency_attainment_history``.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Float, Index, Integer, MetaData, String, Text
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


class EvidenceRule(Base):
    """An admin's rule: statements about ``target`` count as evidence for competencies.

    ``target_kind`` says how ``target`` is matched: ``activity`` (the statement's
    object id), ``activity_type`` (the object's ``definition.type``) or ``program``
    (the object id, or a ``parent``/``grouping`` context activity: every module of
    a program). Conditions narrow which statements count; ``weight`` is how much
    one counts toward the confidence; ``valid_days`` is how long evidence lasts
    (recertification), ``None`` for ever.
    """

    __tablename__ = "competency_rules"
    __table_args__ = (Index("ix_competency_rules_tenant_target", "tenant_id", "target"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(Integer)
    #: ``activity``, ``activity_type`` or ``program``.
    target_kind: Mapped[str] = mapped_column(String(20))
    target: Mapped[str] = mapped_column(String(900))
    #: JSON list of the competency (CFItem) URIs this rule gives evidence for.
    competencies: Mapped[str] = mapped_column(Text)
    #: JSON list of verb IRIs that count; empty: the plugin's default set.
    verbs: Mapped[str] = mapped_column(Text)
    min_scaled: Mapped[float | None] = mapped_column(Float, nullable=True)
    success_required: Mapped[bool] = mapped_column(Boolean)
    weight: Mapped[float] = mapped_column(Float)
    valid_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    enabled: Mapped[bool] = mapped_column(Boolean)
    created_us: Mapped[int] = mapped_column(BigInteger)
    updated_us: Mapped[int] = mapped_column(BigInteger)


class Evidence(Base):
    """One statement counted for (or against) one person's competency.

    ``route`` says why it counts: ``rule`` (``rule_id`` set), or the statement named
    the competency itself: ``object``, ``context`` (category/grouping/parent) or
    ``extension`` (a result extension). ``positive`` is false for counter-evidence
    (a failed assessment). Removed when its statement is voided.
    """

    __tablename__ = "competency_evidence"
    __table_args__ = (
        Index(
            "uq_competency_evidence_person_competency_statement",
            "tenant_id",
            "person_id",
            "competency_uri",
            "statement_id",
            unique=True,
        ),
        Index("ix_competency_evidence_tenant_statement", "tenant_id", "statement_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(Integer)
    #: The person's employee id in the people directory (``Person.id`` of the host).
    person_id: Mapped[str] = mapped_column(String(200))
    competency_uri: Mapped[str] = mapped_column(String(900))
    statement_id: Mapped[str] = mapped_column(String(36))
    route: Mapped[str] = mapped_column(String(10))
    rule_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    verb: Mapped[str] = mapped_column(Text)
    positive: Mapped[bool] = mapped_column(Boolean)
    weight: Mapped[float] = mapped_column(Float)
    scaled: Mapped[float | None] = mapped_column(Float, nullable=True)
    #: The statement's ``timestamp`` (when it happened), microseconds since the epoch.
    occurred_us: Mapped[int] = mapped_column(BigInteger)
    #: When this evidence stops counting (``valid_days`` after it happened), or ``None``.
    expires_us: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    recorded_us: Mapped[int] = mapped_column(BigInteger)


class Attainment(Base):
    """A person's current standing on one competency, from their evidence.

    ``state`` is ``attained``, ``not_attained``, ``conflicting`` or ``unknown``;
    ``first_attained_us`` never moves once set (time-to-competency reads it);
    ``lapses_us`` is when the current attainment expires unless renewed, or, once
    expired evidence has made it not attained, when it lapsed.
    """

    __tablename__ = "competency_attainments"
    __table_args__ = (
        Index(
            "uq_competency_attainments_person_competency",
            "tenant_id",
            "person_id",
            "competency_uri",
            unique=True,
        ),
        Index("ix_competency_attainments_tenant_competency", "tenant_id", "competency_uri"),
        # The sweep's question: the tenant's attained rows whose lapse has passed.
        Index("ix_competency_attainments_due", "tenant_id", "state", "lapses_us"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(Integer)
    #: The person's employee id in the people directory (``Person.id`` of the host).
    person_id: Mapped[str] = mapped_column(String(200))
    competency_uri: Mapped[str] = mapped_column(String(900))
    state: Mapped[str] = mapped_column(String(20))
    confidence: Mapped[float] = mapped_column(Float)
    evidence_count: Mapped[int] = mapped_column(Integer)
    first_attained_us: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    attained_since_us: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    lapses_us: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    updated_us: Mapped[int] = mapped_column(BigInteger)


class AttainmentChange(Base):
    """A change of state of one attainment, with the derived statement recorded for it."""

    __tablename__ = "competency_attainment_history"
    __table_args__ = (Index("ix_competency_attainment_history_person", "tenant_id", "person_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(Integer)
    #: The person's employee id in the people directory (``Person.id`` of the host).
    person_id: Mapped[str] = mapped_column(String(200))
    competency_uri: Mapped[str] = mapped_column(String(900))
    from_state: Mapped[str] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    #: When the change took effect (the evidence's time, or the lapse date).
    effective_us: Mapped[int] = mapped_column(BigInteger)
    #: The id of the derived xAPI statement recorded for it, if any.
    statement_id: Mapped[str | None] = mapped_column(String(36), nullable=True)


class IssuerKey(Base):
    """A store's key for signing credentials (Open Badges 3.0, CLR 2.0), made on first use.

    The private key is sealed (:meth:`lrs.plugin.host.Host.seal`, under a key derived
    from ``LRS_SECRET_KEY``): a copy of the database alone cannot sign. The public key
    is what the store's JWKS publishes, under ``kid``.
    """

    __tablename__ = "competency_issuer_keys"
    __table_args__ = (Index("uq_competency_issuer_keys_tenant", "tenant_id", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(Integer)
    kid: Mapped[str] = mapped_column(String(100))
    #: The JWS algorithm, ``ES256``.
    algorithm: Mapped[str] = mapped_column(String(10))
    #: The public JWK (JSON), as published.
    public_jwk: Mapped[str] = mapped_column(Text)
    #: The private JWK (JSON), sealed.
    sealed_private_jwk: Mapped[str] = mapped_column(Text)
    created_us: Mapped[int] = mapped_column(BigInteger)
