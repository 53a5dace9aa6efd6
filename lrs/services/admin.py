"""Administrative changes, each committed together with its ``admin_action_taken`` event.

The compliance audit trail is built from these events, so a change and its
announcement share one transaction: the event exists exactly when the change
does. Commands (and any admin API) call these functions rather than the store
functions they wrap, which stay free of plugins so that tests and fixtures can
seed data without announcing anything.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from lrs.auth.passwords import hash_password
from lrs.models import DEFAULT_TENANT_ID, Tenant
from lrs.plugin.events import AdminActionTaken
from lrs.store import credentials as store
from lrs.store import erasure, local_admins, notifications, oauth_clients, tenants
from lrs.store.people import delete_people_with, directory_keys, people_for_agent_keys
from lrs.xapi.errors import BadRequest
from lrs.xapi.redaction import person_keys, pseudonym

if TYPE_CHECKING:
    from lrs.services.core import Core


def announce_action(
    core: Core, session: Session, *, actor: str, action: str, target: str,
    details: dict[str, Any] | None = None, tenant_id: int = DEFAULT_TENANT_ID,
    source: dict[str, str] | None = None, occurred_us: int | None = None, wake: bool = True,
) -> None:
    """Enqueue an :class:`~lrs.plugin.events.AdminActionTaken` in ``session``'s transaction.

    :param actor: who acted, ``"cli:<os user>"``, ``"admin:<subject>"``,
        ``"plugin:<name>"`` or ``"system"``.
    :param details: extra JSON-able facts; never a secret.
    :param source: where the action came from (:attr:`lrs.plugin.events.Event.source`),
        e.g. :func:`lrs.cli.context.cli_source`.
    :param occurred_us: when (µs since the epoch); now by default.
    :param wake: see :meth:`lrs.machinery.outbox.Outbox.announce`.
    """
    core.outbox.announce(session, AdminActionTaken(
        tenant_id=tenant_id, actor=actor, action=action, target=target,
        occurred_us=time.time_ns() // 1000 if occurred_us is None else occurred_us,
        details=details or {}, source=source,
    ), wake=wake)


def create_credential(
    core: Core, *, actor: str, name: str, scopes: list[str],
    authority: dict[str, Any] | None = None, tenant_id: int = DEFAULT_TENANT_ID,
    source: dict[str, str] | None = None,
) -> store.IssuedCredential:
    """Create a credential and announce ``credential.created`` (its key, never its secret)."""
    return _issue(core, store.create_credential, "credential.created", actor=actor,
                  name=name, scopes=scopes, authority=authority, tenant_id=tenant_id,
                  source=source)


def revoke_credential(
    core: Core, *, actor: str, key: str, source: dict[str, str] | None = None,
) -> None:
    """Revoke the active credential ``key`` and announce ``credential.revoked``.

    :raises NotFound: no active credential has this key (nothing is announced).
    """
    with core.db.write() as session:
        tenant_id = store.revoke_credential(session, key)
        announce_action(core, session, actor=actor, action="credential.revoked",
                        target=f"credential:{key}", tenant_id=tenant_id, source=source)
    core.verified.forget_all()


def create_tenant(
    core: Core, *, actor: str, name: str, source: dict[str, str] | None = None,
) -> Tenant:
    """Create a store and announce ``tenant.created`` (in the new tenant's own trail).

    :raises BadRequest: the name is malformed.
    :raises Conflict: a store has this name already.
    """
    with core.db.write() as session:
        tenant = tenants.create_tenant(session, name)
        announce_action(core, session, actor=actor, action="tenant.created",
                        target=f"tenant:{tenant.name}", tenant_id=tenant.id,
                        details={"id": tenant.id, "name": tenant.name}, source=source)
    return tenant


def create_oauth_client(core: Core, *, actor: str, **grant: Any) -> store.IssuedCredential:
    """Register an OAuth client and announce ``oauth_client.created`` (never its secret).

    :param grant: ``name``, ``scopes`` and optionally ``authority``, ``tenant_id``
        and ``source``, as for :func:`create_credential`.
    """
    return _issue(core, oauth_clients.create_client, "oauth_client.created", actor=actor,
                  **grant)


def revoke_oauth_client(
    core: Core, *, actor: str, client_id: str, source: dict[str, str] | None = None,
) -> None:
    """Revoke OAuth client ``client_id`` (and its tokens); announce ``oauth_client.revoked``.

    :raises NotFound: no active OAuth client has this id (nothing is announced).
    """
    with core.db.write() as session:
        tenant_id = oauth_clients.revoke_client(session, client_id)
        announce_action(core, session, actor=actor, action="oauth_client.revoked",
                        target=f"credential:{client_id}", tenant_id=tenant_id, source=source)
    core.verified.forget_all()


def create_local_admin(
    core: Core, *, actor: str, email: str, password: str,
    source: dict[str, str] | None = None,
) -> None:
    """Add a password admin for the web UI; announce ``local_admin.created`` (no password).

    :raises Conflict: one with this e-mail address exists.
    """
    password_hash = hash_password(password)  # slow: outside the transaction
    with core.db.write() as session:
        local_admins.create_local_admin(session, email=email, password_hash=password_hash)
        announce_action(core, session, actor=actor, action="local_admin.created",
                        target=f"local_admin:{email.strip()}", source=source)


def erase_person(
    core: Core, *, actor: str, agent: dict[str, Any], tenant_id: int = DEFAULT_TENANT_ID,
    dry_run: bool = False, source: dict[str, str] | None = None,
) -> dict[str, int]:
    """Erase one person from one store (GDPR Art. 17); announce ``person.erased``.

    Everything happens in one transaction, the plugins' part of the erasure
    and the announcement included; the announcement's target is
    the pseudonym :func:`~lrs.xapi.redaction.pseudonym` (never the identifier)
    and whose details are the counts returned. What is erased, and what is kept,
    is in docs/erasure.md.

    :param agent: the person, an Agent with one identifier (an ``mbox`` also
        erases statements naming its ``mbox_sha1sum``).
    :param dry_run: only count what would be erased; change and announce nothing.
    :returns: how many of each kind (:meth:`lrs.store.erasure.ErasurePlan.counts`),
        then what each plugin erased (``"<plugin>.<name>"``, the ``erase_person`` hook).
    :raises BadRequest: ``agent`` is a Group or has no identifier.
    :raises PluginError: a plugin failed to erase its part; nothing was erased.
    """
    if not isinstance(agent, dict) or agent.get("objectType", "Agent") != "Agent":
        raise BadRequest("erasure is of one person: give an Agent, not a Group")
    try:
        keys = person_keys(agent)
    except ValueError as exc:
        raise BadRequest(str(exc)) from None
    if dry_run:
        with core.db.read() as session:
            counts = _erase(core, session, tenant_id, keys, dry_run=True)
            session.rollback()  # whatever a plugin did in a dry run is undone
            return counts
    with core.db.write() as session:
        counts = _erase(core, session, tenant_id, keys, dry_run=False)
        announce_action(core, session, actor=actor, action="person.erased",
                        target=pseudonym(agent), tenant_id=tenant_id, details=counts,
                        source=source)
    return counts


def _erase(core: Core, session: Session, tenant_id: int, keys: frozenset[str], *,
           dry_run: bool) -> dict[str, int]:
    """Plan the erasure, let the plugins erase (or count) theirs, then erase Weft's part.

    The plugins go first, while the statements they are told about can still be read.
    """
    plan = erasure.plan_erasure(session, tenant_id, keys)
    deleted, redacted = plan.statement_ids()
    counts = plan.counts() | core.hooks.erase_person(
        session=session, tenant_id=tenant_id, person_keys=keys,
        deleted_statement_ids=deleted, redacted_statement_ids=redacted, dry_run=dry_run)
    notified = _erase_notifications(session, tenant_id, keys, dry_run=dry_run)
    counts["people"] = delete_people_with(session, tenant_id, keys, dry_run=dry_run)
    counts |= notified
    if not dry_run:
        erasure.apply_erasure(session, tenant_id, keys, plan)
    return counts


def _erase_notifications(session: Session, tenant_id: int, keys: frozenset[str], *,
                         dry_run: bool) -> dict[str, int]:
    """The notifications addressed to or about the person, and their subscriptions: found
    by the employee ids and addresses the directory has for them (read before the
    directory forgets them) and the e-mail address they are erased by."""
    people = people_for_agent_keys(session, tenant_id, directory_keys(keys)).values()
    emails = {p.email for p in people if p.email}
    emails |= {key.removeprefix("mbox:mailto:") for key in keys if key.startswith("mbox:mailto:")}
    return notifications.erase_person(session, tenant_id, {p.employee_id for p in people},
                                      emails, dry_run=dry_run)


def _issue(
    core: Core, create: Callable[..., store.IssuedCredential], action: str, *,
    actor: str, name: str, scopes: list[str], authority: dict[str, Any] | None = None,
    tenant_id: int = DEFAULT_TENANT_ID, source: dict[str, str] | None = None,
) -> store.IssuedCredential:
    """Grant API access with ``create`` (a store function) and announce ``action``."""
    with core.db.write() as session:
        issued = create(session, core.settings.secret_key, name=name, scopes=scopes,
                        authority=authority, tenant_id=tenant_id, known_scopes=core.scopes)
        announce_action(core, session, actor=actor, action=action,
                        target=f"credential:{issued.key}", tenant_id=tenant_id,
                        details={"name": issued.name, "scopes": issued.scopes,
                                 "authority": issued.authority}, source=source)
    return issued
