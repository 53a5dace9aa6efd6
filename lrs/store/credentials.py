"""Credential use cases: create, list, revoke and authenticate Basic-auth keys."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from lrs.auth import scopes as xapi_scopes
from lrs.auth.secrets import hash_secret, new_key, new_secret, secret_matches
from lrs.models import DEFAULT_TENANT_ID, Credential
from lrs.xapi.errors import NotFound


@dataclass(frozen=True)
class Principal:
    """Who is calling: the credential, its tenant, what it may do, whom it speaks for."""

    credential_id: int
    tenant_id: int
    scopes: frozenset[str]
    authority: dict[str, Any]
    #: xAPI version the credential's client last spoke (see :func:`remember_version`).
    xapi_version: str = "2.0.0"
    #: The credential's public key, for audit records (``None`` when not from a key).
    key: str | None = None

    def allows(self, *acceptable: str) -> bool:
        return any(scope in self.scopes for scope in acceptable)


@dataclass(frozen=True)
class IssuedCredential:
    """Returned once at creation: the only time the secret is known."""

    key: str
    secret: str
    name: str
    scopes: list[str]
    authority: dict[str, Any]


def create_credential(
    session: Session,
    server_key: str,
    *,
    name: str,
    scopes: list[str],
    authority: dict[str, Any] | None = None,
    tenant_id: int = DEFAULT_TENANT_ID,
    known_scopes: xapi_scopes.ScopeRegistry | None = None,
) -> IssuedCredential:
    """Store a new credential; its secret is in the result, and only there.

    :param known_scopes: the application's scopes (``runtime.scopes``, plugin
        scopes included); core's alone when omitted.
    :raises BadRequest: no scope or an unknown one (the message lists the valid ones).
    """
    (known_scopes or xapi_scopes.ScopeRegistry()).check(scopes)
    key, secret = new_key(), new_secret()
    authority = authority or {
        "objectType": "Agent",
        "name": name,
        "account": {"homePage": "urn:weft:credentials", "name": key},
    }
    session.add(
        Credential(
            tenant_id=tenant_id,
            key=key,
            secret_hash=hash_secret(secret, server_key),
            name=name,
            scopes=" ".join(scopes),
            authority=json.dumps(authority),
            created_us=_now_us(),
        )
    )
    return IssuedCredential(key, secret, name, list(scopes), authority)


def list_credentials(session: Session, tenant_id: int | None = None) -> list[Credential]:
    query = select(Credential).order_by(Credential.id)
    if tenant_id is not None:
        query = query.where(Credential.tenant_id == tenant_id)
    return list(session.scalars(query))


def revoke_credential(session: Session, key: str) -> int:
    """Revoke the active credential ``key``; return its tenant (for the audit event)."""
    tenant_id = session.scalars(
        update(Credential)
        .where(Credential.key == key, Credential.revoked_us.is_(None))
        .values(revoked_us=_now_us())
        .returning(Credential.tenant_id)
    ).first()
    if tenant_id is None:
        raise NotFound(f"no active credential with key {key!r}")
    return tenant_id


def authenticate(session: Session, server_key: str, key: str, secret: str) -> Principal | None:
    """The principal for a Basic-auth key/secret, or None when they do not match."""
    if "\x00" in key:  # in no key, and PostgreSQL refuses it in text
        return None
    row = session.scalars(
        select(Credential).where(Credential.key == key, Credential.revoked_us.is_(None))
    ).first()
    if row is None or not secret_matches(secret, row.secret_hash, server_key):
        return None
    return principal_for(row)


def principal_for(row: Credential) -> Principal:
    """The principal an authenticated credential acts as (Basic or OAuth2 token)."""
    return Principal(
        credential_id=row.id,
        tenant_id=row.tenant_id,
        scopes=xapi_scopes.expand(row.scopes.split()),
        authority=json.loads(row.authority),
        xapi_version=row.xapi_version,
        key=row.key,
    )


def remember_version(session: Session, credential_id: int, version: str) -> None:
    """Record the xAPI version a credential's client speaks (written only on change)."""
    session.execute(
        update(Credential)
        .where(Credential.id == credential_id, Credential.xapi_version != version)
        .values(xapi_version=version)
    )


def _now_us() -> int:
    return time.time_ns() // 1000
