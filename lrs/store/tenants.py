"""Tenant ("store") use cases: create, list and look up by name.

A tenant is a store of its own: its credentials and OAuth clients, statements,
documents, attachments, canonical activities and plugin data. Every store
function takes the caller's ``tenant_id`` and filters on it, so isolation holds
whichever view or plugin calls. Tenants are created by administrators
(``lrs tenants create``); single-store deployments only ever use the default
tenant that the migrations insert.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lrs.models import DEFAULT_TENANT_ID, Credential, Tenant
from lrs.xapi.errors import BadRequest, Conflict, NotFound

#: Names are typed on command lines and shown in tables: short and shell-safe.
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


@dataclass(frozen=True)
class TenantSummary:
    """One line of ``lrs tenants list``."""

    id: int
    name: str
    created_us: int
    #: Credentials (OAuth clients included) that are not revoked.
    active_credentials: int


def create_tenant(session: Session, name: str) -> Tenant:
    """Add a tenant; its id is known when this returns (the row is flushed).

    :raises BadRequest: the name is not 1-64 letters, digits, ``.``, ``_`` or ``-``.
    :raises Conflict: a tenant has this name already (compared case-insensitively,
        so that ``Acme`` and ``acme`` cannot be told apart by mistake).
    """
    if not NAME_PATTERN.fullmatch(name):
        raise BadRequest(f"invalid store name {name!r}: use 1-64 letters, digits, '.', '_' "
                         "or '-', starting with a letter or digit")
    taken = session.scalar(select(Tenant.name).where(func.lower(Tenant.name) == name.lower()))
    if taken is not None:
        raise Conflict(f"a store named {taken!r} already exists")
    tenant = Tenant(name=name, created_us=time.time_ns() // 1000)
    session.add(tenant)
    session.flush()
    return tenant


def tenant_named(session: Session, name: str | None) -> Tenant:
    """The tenant called ``name`` (exactly), or the default tenant for ``None``.

    :raises NotFound: no tenant has this name.
    """
    if name is None:
        return session.get_one(Tenant, DEFAULT_TENANT_ID)
    tenant = session.scalar(select(Tenant).where(Tenant.name == name))
    if tenant is None:
        # Some commands once took the store's id: say that a name is wanted.
        hint = "stores are named, not numbered; " if name.isdigit() else ""
        raise NotFound(f"no store named {name!r} ({hint}lrs tenants list shows them)")
    return tenant


def tenant_names(session: Session) -> dict[int, str]:
    """Every tenant's name by id (for tables that show which store a row belongs to)."""
    rows = session.execute(select(Tenant.id, Tenant.name))
    return {tenant_id: name for tenant_id, name in rows}


def list_tenants(session: Session) -> list[TenantSummary]:
    """Every tenant, oldest first, with its number of active credentials (one SELECT)."""
    active = (
        select(Credential.tenant_id, func.count().label("n"))
        .where(Credential.revoked_us.is_(None))
        .group_by(Credential.tenant_id)
        .subquery()
    )
    rows = session.execute(
        select(Tenant.id, Tenant.name, Tenant.created_us, func.coalesce(active.c.n, 0))
        .outerjoin(active, active.c.tenant_id == Tenant.id)
        .order_by(Tenant.id)
    )
    return [TenantSummary(*row) for row in rows]
