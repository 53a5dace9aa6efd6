"""OAuth2 access tokens: RS256 JWTs signed with keys kept in the database.

Keys live in ``oauth_signing_keys`` rather than in files so that every worker
and every host of a deployment signs and verifies with the same ones, and so
that ``lrs oauth rotate-key`` takes effect everywhere at once. The newest
unretired key signs; a retired key stays published (and accepted) until the
last token it signed has expired. Private keys are stored as PKCS#8 encrypted
with ``LRS_SECRET_KEY``, so a database dump alone cannot mint tokens.

JWTs are encoded and checked with :mod:`joserfc` (the project does not use
``authlib.jose``).
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from lrs.models import OAuthSigningKey
from lrs.xapi.errors import Unauthorized

ALGORITHM = "RS256"
#: ``aud`` of every token: the xAPI resource of this LRS is the only one they open.
AUDIENCE = "urn:weft:xapi"
#: RSA modulus size of new signing keys.
KEY_BITS = 2048
#: Seconds of clock difference tolerated on ``exp``/``nbf``/``iat`` between hosts.
LEEWAY_SECONDS = 30


class InvalidToken(Unauthorized):
    """A Bearer token that is malformed, forged, expired or revoked (RFC 6750 §3.1)."""

    error = "invalid_token"

    def __post_init__(self) -> None:
        description = self.message.replace('"', "'")
        self.headers.setdefault(
            "WWW-Authenticate", f'Bearer error="invalid_token", error_description="{description}"'
        )
        super().__post_init__()


@dataclass(frozen=True)
class AccessToken:
    """The verified claims of an access token that the rest of Weft relies on."""

    #: Key of the credential (OAuth client) the token was issued to.
    client_key: str
    scopes: tuple[str, ...]
    jti: str
    #: Expiry, seconds since the epoch.
    expires_at: int

    def check_client(self, client: object) -> bool:
        """Authlib's revocation endpoint asks whether ``client`` owns this token."""
        return getattr(client, "client_id", None) == self.client_key


@dataclass
class Keyring:
    """Issues and verifies tokens for one application.

    Parsed keys are cached per ``kid``: a key's content never changes, and
    decrypting a private PEM costs tens of milliseconds.
    """

    secret_key: str = field(repr=False)
    issuer: str
    ttl_seconds: int
    _private: dict[str, RSAKey] = field(default_factory=dict, repr=False)
    _public: dict[str, RSAKey] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def issue(self, session: Session, *, client_key: str, scopes: list[str]) -> str:
        """A signed access token for ``client_key`` carrying ``scopes``."""
        row = _signing_row(session) or _add_key(session, self.secret_key)
        key = self._cached(self._private, row.kid, lambda: RSAKey.import_key(
            row.private_pem, password=self.secret_key))
        now = int(time.time())
        claims = {
            "iss": self.issuer, "aud": AUDIENCE, "sub": client_key,
            "iat": now, "nbf": now, "exp": now + self.ttl_seconds,
            "jti": secrets.token_urlsafe(16), "scope": " ".join(scopes),
        }
        return jwt.encode({"alg": ALGORITHM, "kid": row.kid, "typ": "at+jwt"}, claims, key)

    def verify(self, session: Session, token: str) -> AccessToken:
        """The claims of ``token`` once its signature and claims check out.

        Revocation is not checked here: it is a fact about the client's rows
        (:func:`lrs.store.oauth_clients.token_principal`).

        :raises InvalidToken: forged, malformed, expired or for another issuer.
        """
        try:
            decoded = jwt.decode(
                token, lambda guest: self._verifying_key(session, guest.headers().get("kid")),
                algorithms=[ALGORITHM],
            )
            claims = decoded.claims
            jwt.JWTClaimsRegistry(
                leeway=LEEWAY_SECONDS,
                iss={"essential": True, "value": self.issuer},
                aud={"essential": True, "value": AUDIENCE},
                sub={"essential": True},
                jti={"essential": True},
                exp={"essential": True},
                scope={"essential": True},
            ).validate(claims)
        except (JoseError, ValueError, TypeError) as exc:
            raise InvalidToken(f"the access token is not valid: {_describe(exc)}") from None
        return AccessToken(
            client_key=claims["sub"], scopes=tuple(str(claims["scope"]).split()),
            jti=claims["jti"], expires_at=int(claims["exp"]),
        )

    def jwks(self, session: Session) -> dict[str, list[dict[str, str]]]:
        """The JSON Web Key Set of every key whose tokens may still be valid."""
        return {"keys": [json.loads(row.public_jwk) for row in self._published(session)]}

    def _published(self, session: Session) -> list[OAuthSigningKey]:
        oldest_live_us = (time.time_ns() // 1000) - self.ttl_seconds * 1_000_000
        return list(session.scalars(
            select(OAuthSigningKey)
            .where(or_(OAuthSigningKey.retired_us.is_(None),
                       OAuthSigningKey.retired_us > oldest_live_us))
            .order_by(OAuthSigningKey.created_us.desc(), OAuthSigningKey.kid)
        ))

    def _verifying_key(self, session: Session, kid: object) -> RSAKey:
        if not isinstance(kid, str):
            raise ValueError("the token names no signing key")
        return self._cached(self._public, kid, lambda: self._load_public(session, kid))

    def _load_public(self, session: Session, kid: str) -> RSAKey:
        for row in self._published(session):
            if row.kid == kid:
                return RSAKey.import_key(json.loads(row.public_jwk))
        raise ValueError("the token was signed by an unknown or withdrawn key")

    def _cached(self, cache: dict[str, RSAKey], kid: str, load: Callable[[], RSAKey]) -> RSAKey:
        with self._lock:
            found = cache.get(kid)
        if found is None:
            found = load()  # outside the lock: it may query or decrypt
            with self._lock:
                found = cache.setdefault(kid, found)
        return found


def rotate_key(session: Session, secret_key: str) -> str:
    """Retire the signing key(s) in use and add a new one; return the new ``kid``.

    Tokens signed by the retired keys stay valid until they expire: the keys stay
    in the JWKS that long (see :meth:`Keyring.jwks`).
    """
    now_us = time.time_ns() // 1000
    session.execute(
        update(OAuthSigningKey).where(OAuthSigningKey.retired_us.is_(None)).values(retired_us=now_us)
    )
    return _add_key(session, secret_key, now_us).kid


def _signing_row(session: Session) -> OAuthSigningKey | None:
    return session.scalars(
        select(OAuthSigningKey).where(OAuthSigningKey.retired_us.is_(None))
        .order_by(OAuthSigningKey.created_us.desc(), OAuthSigningKey.kid).limit(1)
    ).first()


def _add_key(session: Session, secret_key: str, now_us: int | None = None) -> OAuthSigningKey:
    """Generate and store a key pair (also done on the first token request)."""
    kid = secrets.token_urlsafe(12)
    key = RSAKey.generate_key(KEY_BITS, parameters={"kid": kid, "use": "sig", "alg": ALGORITHM})
    row = OAuthSigningKey(
        kid=kid,
        private_pem=key.as_pem(private=True, password=secret_key).decode("ascii"),
        public_jwk=json.dumps(key.as_dict(private=False)),
        created_us=now_us or time.time_ns() // 1000,
    )
    session.add(row)
    return row


def _describe(exc: Exception) -> str:
    if isinstance(exc, JoseError):
        return exc.description or exc.error
    return str(exc)
