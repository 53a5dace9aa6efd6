"""OAuth2 client use cases: register, list, revoke, and resolve tokens to principals.

An OAuth client is a credential (:mod:`lrs.store.credentials`) with an
``oauth_clients`` row: its key is the ``client_id``, its secret (HMAC-SHA256 like
every credential secret) the ``client_secret``. Tokens therefore act as that
credential: statements they store carry its ``credential_id``, so
``statements/read/mine`` means "stored by this client" whichever way it
authenticated, and revoking the credential also kills its tokens.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from lrs.auth import scopes as xapi_scopes
from lrs.models import DEFAULT_TENANT_ID, Credential, OAuthClient, OAuthRevokedToken
from lrs.store.bulk import dialect_insert
from lrs.store.credentials import (
    IssuedCredential,
    Principal,
    create_credential,
    principal_for,
    revoke_credential,
)
from lrs.xapi.errors import NotFound


def create_client(
    session: Session,
    server_key: str,
    *,
    name: str,
    scopes: list[str],
    authority: dict[str, Any] | None = None,
    tenant_id: int = DEFAULT_TENANT_ID,
    known_scopes: xapi_scopes.ScopeRegistry | None = None,
) -> IssuedCredential:
    """Register a client; the returned key/secret are its ``client_id``/``client_secret``.

    :param known_scopes: as for :func:`~lrs.store.credentials.create_credential`.
    """
    issued = create_credential(
        session, server_key, name=name, scopes=scopes, authority=authority, tenant_id=tenant_id,
        known_scopes=known_scopes,
    )
    credential_id = session.scalars(select(Credential.id).where(Credential.key == issued.key)).one()
    session.add(OAuthClient(credential_id=credential_id, created_us=_now_us()))
    return issued


def list_clients(session: Session, tenant_id: int | None = None) -> list[Credential]:
    """The credentials registered as OAuth clients, revoked ones included."""
    query = select(Credential).join(OAuthClient).order_by(Credential.id)
    if tenant_id is not None:
        query = query.where(Credential.tenant_id == tenant_id)
    return list(session.scalars(query))


def revoke_client(session: Session, client_id: str) -> int:
    """Revoke the client ``client_id``: its secret and every token it holds stop working.

    :returns: the client's tenant.
    :raises NotFound: no active OAuth client has this ``client_id``.
    """
    if find_client(session, client_id) is None:
        raise NotFound(f"no active OAuth client with client_id {client_id!r}")
    return revoke_credential(session, client_id)


def find_client(session: Session, client_id: str) -> Credential | None:
    """The active credential registered as OAuth client ``client_id``."""
    if "\x00" in client_id:  # in no client_id, and PostgreSQL refuses it in text
        return None
    return session.scalars(_active_clients().where(Credential.key == client_id)).first()


def token_principal(
    session: Session, client_id: str, jti: str, scopes: tuple[str, ...]
) -> Principal | None:
    """Whom a verified token acts for, or None once it or its client was revoked.

    The token may carry fewer scopes than its client (the client asked for less);
    it never carries more than the client still holds.
    """
    row = session.scalars(
        _active_clients().where(
            Credential.key == client_id,
            ~exists().where(OAuthRevokedToken.jti == jti),
        )
    ).first()
    if row is None:
        return None
    principal = principal_for(row)
    return replace(principal, scopes=principal.scopes & xapi_scopes.expand(scopes))


def revoke_token(session: Session, jti: str, expires_at: int) -> None:
    """Remember that token ``jti`` is revoked until it expires (RFC 7009).

    Entries of tokens that have expired anyway are dropped on the way, which
    keeps the table as small as the set of live revoked tokens.
    """
    now_us = _now_us()
    session.execute(delete(OAuthRevokedToken).where(OAuthRevokedToken.expires_us < now_us))
    session.execute(
        dialect_insert(session, OAuthRevokedToken.__table__)
        .values(jti=jti, expires_us=expires_at * 1_000_000)
        .on_conflict_do_nothing()
    )


def _active_clients() -> Any:
    return select(Credential).join(OAuthClient).where(Credential.revoked_us.is_(None))


def _now_us() -> int:
    return time.time_ns() // 1000
