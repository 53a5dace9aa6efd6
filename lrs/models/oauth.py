"""OAuth2 tables: which credentials may fetch tokens, the keys that sign them, revocations.

An OAuth client *is* a credential (same key, HMAC'd secret, tenant, scopes and
authority) that is also allowed to exchange its secret for short-lived tokens at
``/oauth/token``. Keeping the identity in ``credentials`` means statements a
token stores carry the same ``credential_id`` as Basic requests would, so
``statements/read/mine`` and revocation need no second code path.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lrs.models.base import Base


class OAuthClient(Base):
    """Marks a credential as an OAuth2 client (client credentials grant only)."""

    __tablename__ = "oauth_clients"

    credential_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("credentials.id", ondelete="CASCADE"), primary_key=True
    )
    created_us: Mapped[int] = mapped_column(BigInteger)


class OAuthSigningKey(Base):
    """An RS256 key pair. The newest unretired key signs; retired keys still verify."""

    __tablename__ = "oauth_signing_keys"

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: PKCS#8 PEM encrypted with ``LRS_SECRET_KEY``: a database dump alone cannot
    #: mint tokens.
    private_pem: Mapped[str] = mapped_column(Text)
    #: Public JWK (JSON) as published at ``/oauth/jwks``.
    public_jwk: Mapped[str] = mapped_column(Text)
    created_us: Mapped[int] = mapped_column(BigInteger)
    #: When a rotation replaced it; it stays published until its tokens expire.
    retired_us: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class OAuthRevokedToken(Base):
    """A revoked access token's ``jti``, kept until the token would have expired."""

    __tablename__ = "oauth_revoked_tokens"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_us: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (Index("ix_oauth_revoked_tokens_expires_us", "expires_us"),)
