"""The store's credential signing key: an ES256 (P-256) key made on first use.

The private key is kept sealed in ``competency_issuer_keys``
(:meth:`~lrs.plugin.host.Host.seal`: encrypted under a key derived from
``LRS_SECRET_KEY``), so a copy of the database alone cannot sign. The public key is
published as a JWKS, and under its own URL (the ``kid`` of every credential), so
that anyone can verify a credential with the issuer's published key. Making the key
is recorded in the audit trail (``competency.issuer_key_created``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from joserfc.jwk import ECKey
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lrs.plugin.host import Host
from plugins.competency.models import IssuerKey
from plugins.competency.standing import now_us

ALGORITHM = "ES256"


@dataclass(frozen=True)
class Signing:
    """The key that signs, and the ``kid`` naming its public half."""

    key: ECKey
    thumbprint: str


def public_key(host: Host, tenant_id: int) -> dict[str, Any] | None:
    """The store's public JWK (with ``kid`` the thumbprint), or ``None`` before any
    credential was issued (no key is made by a reader)."""
    with host.read() as session:
        row = session.scalar(select(IssuerKey).where(IssuerKey.tenant_id == tenant_id))
        return None if row is None else {**json.loads(row.public_jwk), "kid": row.kid}


def signing_key(host: Host, tenant_id: int) -> Signing:
    """The store's signing key, made (and sealed) on first use."""
    with host.read() as session:
        row = session.scalar(select(IssuerKey).where(IssuerKey.tenant_id == tenant_id))
        if row is not None:
            return _open(host, row)
    key = ECKey.generate_key("P-256")
    thumbprint = key.thumbprint()
    try:
        with host.write() as session:
            session.add(
                IssuerKey(
                    tenant_id=tenant_id,
                    kid=thumbprint,
                    algorithm=ALGORITHM,
                    public_jwk=json.dumps(
                        {**key.as_dict(private=False), "alg": ALGORITHM, "use": "sig"}
                    ),
                    sealed_private_jwk=host.seal(json.dumps(key.as_dict(private=True))),
                    created_us=now_us(),
                )
            )
            host.record_admin_action(
                session,
                tenant_id,
                actor="plugin:competency",
                action="competency.issuer_key_created",
                target=f"competency_issuer_key:{thumbprint}",
                details={"algorithm": ALGORITHM},
            )
    except IntegrityError:  # another request made the store's key first: use that one
        return signing_key(host, tenant_id)
    return Signing(key, thumbprint)


def _open(host: Host, row: IssuerKey) -> Signing:
    return Signing(ECKey.import_key(json.loads(host.unseal(row.sealed_private_jwk))), row.kid)
