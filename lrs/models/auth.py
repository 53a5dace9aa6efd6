"""Tenants and the Basic-auth credentials that belong to them."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lrs.models.base import Base
from lrs.models.types import BigId

#: Tenant that exists in every store; single-tenant deployments only use this one.
DEFAULT_TENANT_ID = 1


class Tenant(Base):
    """A store: statements, documents and credentials never cross tenants."""

    __tablename__ = "tenants"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    #: When ``lrs tenants create`` made it (µs since the epoch); the default tenant
    #: carries the time the migration that added this column ran.
    created_us: Mapped[int] = mapped_column(BigInteger)


class Credential(Base):
    """A Basic-auth key/secret pair. The secret is kept only as an HMAC-SHA256."""

    __tablename__ = "credentials"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    #: Space-separated xAPI scopes, e.g. ``"statements/write statements/read/mine"``.
    scopes: Mapped[str] = mapped_column(Text)
    #: JSON of the Agent set as ``authority`` on statements this credential stores.
    authority: Mapped[str] = mapped_column(Text)
    #: xAPI version of this credential's latest request: the version a request that
    #: omits ``X-Experience-API-Version`` is answered in (its client's own version).
    xapi_version: Mapped[str] = mapped_column(String(10), default="2.0.0")
    created_us: Mapped[int] = mapped_column(BigInteger)
    revoked_us: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class LocalAdmin(Base):
    """A person who may sign in to the web UI with a password, as ``admin``.

    Only a bootstrap for the first admin (``LRS_LOCAL_LOGIN``); everyone else signs
    in through the identity provider. The password is kept as a slow scrypt hash
    (:mod:`lrs.auth.passwords`): it is checked once per sign-in, not per request.
    """

    __tablename__ = "local_admins"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_us: Mapped[int] = mapped_column(BigInteger)


class RevokedWebSession(Base):
    """A web UI session ended by sign-out, refused until it would have expired anyway.

    The session itself lives in the browser's signed cookie; without this record a
    copy of the cookie taken before sign-out would stay valid for its whole
    lifetime. Rows are dropped once past ``expires_us``.
    """

    __tablename__ = "revoked_web_sessions"

    #: The random id :mod:`lrs.web.access` puts in each new session.
    session_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: When the session would have expired (µs since the epoch).
    expires_us: Mapped[int] = mapped_column(BigInteger, index=True)
