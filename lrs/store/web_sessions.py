"""Revocation of web UI sessions: recorded at sign-out, checked on every UI request."""

from __future__ import annotations

import time

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lrs.models import RevokedWebSession


def revoke_web_session(session: Session, session_id: str, *, expires_us: int) -> None:
    """Refuse the session ``session_id`` from now until ``expires_us``.

    Records past their expiry are dropped here: an expired session is refused
    anyway, so the table holds at most the sessions signed out within one
    session lifetime.
    """
    session.execute(
        delete(RevokedWebSession).where(RevokedWebSession.expires_us < time.time_ns() // 1000)
    )
    if session.get(RevokedWebSession, session_id) is None:
        session.add(RevokedWebSession(session_id=session_id, expires_us=expires_us))


def web_session_revoked(session: Session, session_id: str) -> bool:
    return (
        session.scalar(
            select(RevokedWebSession.session_id).where(RevokedWebSession.session_id == session_id)
        )
        is not None
    )
