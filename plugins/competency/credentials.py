"""Open Badges 3.0 and CLR 2.0 credentials for the competencies a person holds.

Each competency the person holds now (shown state ``attained``) becomes an
``OpenBadgeCredential`` (W3C Verifiable Credentials Data Model 2.0, as Open Badges
3.0 uses it): the achievement is the CFItem (its URI as ``id``, its code, statement
and an ``alignment`` to the CFItem in its framework), the subject is the person
(a salted SHA-256 of their email, and their name), the evidence the xAPI statements
that count for it. A ``ClrCredential`` bundles a person's credentials in one.

Both are signed as VC-JWT (Open Badges 3.0 section 8.2): the JWT's payload is the
credential itself, with ``iss``, ``jti``, ``nbf`` (and ``exp`` when it lapses); the
header names the key with ``kid``, a URL that answers the public JWK, also found in
the issuer's JWKS. A credential's ``id`` is derived from the store, the person, the
competency and when it was attained, so issuing again gives the same ``id``.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from joserfc import jwt
from sqlalchemy import select

from lrs.plugin.host import Host
from plugins.competency import framework_trees
from plugins.competency.errors import not_found
from plugins.competency.issuer import ALGORITHM, signing_key
from plugins.competency.models import Attainment, Evidence
from plugins.competency.people import Member, person
from plugins.competency.standing import iso, now_us, shown_state

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CLR_CONTEXT = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"
#: Namespace of the credentials' ids (uuid5).
ID_NAMESPACE = uuid.UUID("6b1b7f0e-3f5e-4f0e-9c55-0a7e5d1c2b10")


@dataclass(frozen=True)
class Issuer:
    """Who signs: the store's issuer profile URL and the name shown to verifiers."""

    url: str
    name: str

    @property
    def jwks_url(self) -> str:
        return f"{self.url}/jwks.json"

    def key_url(self, thumbprint: str) -> str:
        return f"{self.url}/keys/{thumbprint}"

    def profile(self) -> dict[str, Any]:
        return {
            "@context": [VC_CONTEXT, OB_CONTEXT],
            "id": self.url,
            "type": ["Profile"],
            "name": self.name,
        }


def _subject(member: Member) -> dict[str, Any]:
    identifiers = []
    email = member.person.attributes.get("email")
    if email:
        salt = secrets.token_hex(8)
        digest = hashlib.sha256((email.lower() + salt).encode()).hexdigest()
        identifiers.append(
            {
                "type": "IdentityObject",
                "identityType": "emailAddress",
                "hashed": True,
                "identityHash": f"sha256${digest}",
                "salt": salt,
            }
        )
    identifiers.append(
        {
            "type": "IdentityObject",
            "identityType": "name",
            "hashed": False,
            "identityHash": member.name,
        }
    )
    return {"type": ["AchievementSubject"], "identifier": identifiers}


def _achievement(tree: framework_trees.Tree, node: framework_trees.Node) -> dict[str, Any]:
    achievement: dict[str, Any] = {
        "id": node.uri,
        "type": ["Achievement"],
        "achievementType": "Competency",
        "name": node.statement,
        "description": node.statement,
        "criteria": {
            "narrative": "Attained from the xAPI evidence listed in the credential, "
            f"as the competency {node.label} of the framework {tree.title}."
        },
        "alignment": [
            {
                "type": ["Alignment"],
                "targetType": "CFItem",
                "targetUrl": node.uri,
                "targetName": node.statement,
                "targetCode": node.identifier,
                "targetFramework": tree.title,
            }
        ],
    }
    if node.code:
        achievement["humanCode"] = node.code
    return achievement


def badges(
    host: Host, tenant_id: int, employee_id: str, issuer: Issuer, *, competency: str | None = None
) -> tuple[Member, list[dict[str, Any]]]:
    """The person and an unsigned ``OpenBadgeCredential`` per competency they hold now
    (only ``competency``, a CFItem URI, when given: ``404`` if they do not hold it)."""
    member = person(host, tenant_id, employee_id)
    at_us = now_us()
    with host.read() as session:
        nodes = {
            node.uri: (tree, node)
            for f in framework_trees.frameworks(session, tenant_id)
            for tree in [framework_trees.tree(host, session, f)]
            for node in tree.nodes
        }
        held = [
            row
            for row in session.scalars(
                select(Attainment).where(
                    Attainment.tenant_id == tenant_id, Attainment.person_id == member.employee_id
                )
            )
            if shown_state(row.state, row.lapses_us, at_us) == "attained"
            and row.competency_uri in nodes
            and competency in (None, row.competency_uri)
        ]
        evidence: dict[str, list[Any]] = {}
        for row in session.execute(
            select(
                Evidence.competency_uri, Evidence.statement_id, Evidence.verb, Evidence.occurred_us
            )
            .where(
                Evidence.tenant_id == tenant_id,
                Evidence.person_id == member.employee_id,
                Evidence.positive.is_(True),
            )
            .order_by(Evidence.occurred_us, Evidence.statement_id)
        ):
            evidence.setdefault(row.competency_uri, []).append(row)
    if competency is not None and not held:
        raise not_found(f"{employee_id!r} does not hold the competency {competency!r} now")
    order = {uri: index for index, uri in enumerate(nodes)}
    held.sort(key=lambda row: order[row.competency_uri])
    subject = _subject(member)
    credentials = []
    for row in held:
        tree, node = nodes[row.competency_uri]
        since = row.attained_since_us or row.first_attained_us or row.updated_us
        credential: dict[str, Any] = {
            "@context": [VC_CONTEXT, OB_CONTEXT],
            "id": "urn:uuid:"
            + str(
                uuid.uuid5(ID_NAMESPACE, f"{issuer.url}|{member.employee_id}|{node.uri}|{since}")
            ),
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "issuer": {"id": issuer.url, "type": ["Profile"], "name": issuer.name},
            "name": node.statement,
            "validFrom": iso(since),
            "awardedDate": iso(since),
            "credentialSubject": {**subject, "achievement": _achievement(tree, node)},
            "evidence": [
                {
                    "id": f"urn:uuid:{e.statement_id}",
                    "type": ["Evidence"],
                    "name": f"xAPI statement {e.statement_id}",
                    "narrative": f"{e.verb} on {iso(e.occurred_us)}",
                }
                for e in evidence.get(node.uri, [])
            ],
        }
        if row.lapses_us is not None:
            credential["validUntil"] = iso(row.lapses_us)
        credentials.append(credential)
    return member, credentials


def clr(member: Member, credentials: list[dict[str, Any]], issuer: Issuer) -> dict[str, Any]:
    """A ``ClrCredential`` bundling ``credentials`` (``404`` when there are none: a CLR
    holds at least one)."""
    if not credentials:
        raise not_found(f"{member.employee_id!r} holds no competency now")
    issued = now_us()
    return {
        "@context": [VC_CONTEXT, CLR_CONTEXT, OB_CONTEXT],
        "id": f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiableCredential", "ClrCredential"],
        "issuer": {"id": issuer.url, "type": ["Profile"], "name": issuer.name},
        "name": f"Competencies of {member.name}",
        "validFrom": iso(issued),
        "credentialSubject": {
            **credentials[0]["credentialSubject"],
            "type": ["ClrSubject"],
            "achievement": [c["credentialSubject"]["achievement"] for c in credentials],
            "verifiableCredential": credentials,
        },
    }


def sign(host: Host, tenant_id: int, credential: dict[str, Any], issuer: Issuer) -> str:
    """``credential`` as a VC-JWT signed with the store's key."""
    signing = signing_key(host, tenant_id)
    claims = {
        **credential,
        "iss": issuer.url,
        "jti": credential["id"],
        "nbf": _seconds(credential["validFrom"]),
    }
    if "validUntil" in credential:
        claims["exp"] = _seconds(credential["validUntil"])
    header = {"alg": ALGORITHM, "typ": "JWT", "kid": issuer.key_url(signing.thumbprint)}
    return jwt.encode(header, claims, signing.key)


def _seconds(moment: str) -> int:
    return int(datetime.fromisoformat(moment.replace("Z", "+00:00")).timestamp())
