"""Local admins (password sign-in for bootstrapping): create and find."""

from __future__ import annotations

import time

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lrs.models import LocalAdmin
from lrs.xapi.errors import Conflict


def create_local_admin(session: Session, *, email: str, password_hash: str) -> LocalAdmin:
    """Add a local admin; e-mail addresses are compared case-insensitively.

    :raises Conflict: a local admin with this address exists.
    """
    email = email.strip()
    if find_local_admin(session, email) is not None:
        raise Conflict(f"a local admin {email!r} already exists")
    row = LocalAdmin(email=email, password_hash=password_hash, created_us=time.time_ns() // 1000)
    session.add(row)
    return row


def find_local_admin(session: Session, email: str) -> LocalAdmin | None:
    return session.scalars(
        select(LocalAdmin).where(func.lower(LocalAdmin.email) == email.strip().lower())
    ).first()
