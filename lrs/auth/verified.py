"""Principals of recently verified credentials and tokens, so that a client's requests
do not each pay for a database look-up.

Checking a Basic credential or a Bearer token reads its row (and, for a token,
verifies a signature): with a transaction of its own, about a fifth of what a
small request cost. A process now remembers each verified ``Authorization``
header (by its SHA-256, never the secret itself) with the principal it proved,
for at most :data:`LIFETIME_SECONDS`.

Revocation must still take effect everywhere at once, not when entries expire:
every ``LRS_AUTH_CACHE_SECONDS`` (1 s) at most, a process reads the *revocation
epoch*, one small query over the credentials and revoked tokens, and forgets
everything it remembered when the epoch moved. So a credential or token revoked
in any process of any host stops working within that second, while a busy
worker makes one such query per second instead of one per request. A revocation
in this process forgets at once (:meth:`VerifiedCache.forget_all`).
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from lrs.models import Credential, OAuthRevokedToken

if TYPE_CHECKING:
    from lrs.db import Database
    from lrs.store.credentials import Principal

#: The longest a verified header is trusted without being checked again.
LIFETIME_SECONDS = 300.0
#: Headers remembered at most (the oldest are dropped first).
CAPACITY = 10_000

#: Moves whenever a credential or OAuth client is revoked, or a token is (expired
#: tokens leaving the table move it too, which only costs a re-verification).
_EPOCH = select(
    select(func.max(Credential.revoked_us)).scalar_subquery(),
    select(func.count()).select_from(OAuthRevokedToken).scalar_subquery(),
    select(func.max(OAuthRevokedToken.expires_us)).scalar_subquery(),
)


@dataclass(frozen=True)
class _Entry:
    principal: Principal
    expires: float


class VerifiedCache:
    """The verified ``Authorization`` headers of one process (one per application)."""

    def __init__(self, db: Database, recheck_seconds: float) -> None:
        self._db = db
        self._recheck = recheck_seconds
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()
        self._epoch: object = None
        self._checked = float("-inf")

    @property
    def enabled(self) -> bool:
        return self._recheck > 0

    @staticmethod
    def proof(authorization: str) -> str:
        """What a header is remembered by: its SHA-256, so no secret is kept in clear."""
        return hashlib.sha256(authorization.encode()).hexdigest()

    def principal(self, proof: str) -> Principal | None:
        """The principal ``proof`` was verified as, if still trusted."""
        if not self.enabled:
            return None
        now = time.monotonic()
        if now >= self._checked + self._recheck:
            self._check_epoch(now)
        entry = self._entries.get(proof)
        if entry is None or entry.expires <= now:
            return None
        return entry.principal

    def remember(self, proof: str, principal: Principal, *,
                 expires_at: float | None = None) -> None:
        """Trust ``proof`` as ``principal`` (until ``expires_at``, epoch seconds, if sooner:
        a token's expiry)."""
        if not self.enabled:
            return
        lifetime = LIFETIME_SECONDS
        if expires_at is not None:
            lifetime = min(lifetime, expires_at - time.time())
        if len(self._entries) >= CAPACITY:
            with self._lock:
                for stale in list(self._entries)[:CAPACITY // 10]:
                    self._entries.pop(stale, None)
        self._entries[proof] = _Entry(principal, time.monotonic() + lifetime)

    def update_version(self, credential_id: int, version: str) -> None:
        """The credential's client now speaks ``version`` (see ``remember_version``)."""
        for proof, entry in list(self._entries.items()):
            if entry.principal.credential_id == credential_id:
                self._entries[proof] = replace(
                    entry, principal=replace(entry.principal, xapi_version=version))

    def forget_all(self) -> None:
        """Verify everything again (a credential, client or token was revoked here)."""
        self._entries.clear()
        self._checked = float("-inf")

    def _check_epoch(self, now: float) -> None:
        """Forget everything if a revocation happened anywhere since the last look."""
        with self._lock:
            if now < self._checked + self._recheck:
                return  # another thread just looked
            with self._db.read() as session:
                epoch = tuple(session.execute(_EPOCH).one())
            if epoch != self._epoch:
                self._entries.clear()
                self._epoch = epoch
            self._checked = now
