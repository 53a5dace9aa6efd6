"""What post-commit hooks receive: small, frozen, JSON-serializable facts.

An event is written to the durable outbox (:mod:`lrs.machinery.outbox`) in the same
transaction as the change it describes, and delivered to plugins after the
commit, possibly by another process (``lrs worker``) and possibly more than once.
So events carry identifiers and facts, never live objects: they must survive a
round trip through :meth:`Event.to_json` / :func:`event_from_json` unchanged.

Plugins import this module (with :mod:`lrs.plugin.hookspecs` and :mod:`lrs.plugin.host`); it
depends on nothing else in ``lrs``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

#: One encoder for every event (``json.dumps`` with options builds one per call).
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True)
class Event:
    """Base of every event; ``hook`` names the hook it is delivered to."""

    hook: ClassVar[str]

    #: Tenant the change happened in (the default tenant for store-wide actions).
    tenant_id: int
    #: Where the change came from, for "from where" in an audit trail: for an
    #: HTTP request ``{"ip", "request_id", "user_agent"}`` (the request id is the
    #: one logged and echoed in ``X-Request-Id``), for an ``lrs`` command
    #: ``{"cli": "<os user>@<host>"}``, for :meth:`Host.ingest` ``{"plugin": <name>}``;
    #: ``None`` when unknown (and in events written before 0.1 added it).
    source: dict[str, str] | None = field(default=None, kw_only=True)

    def to_json(self) -> str:
        """The event as compact JSON (tuples become lists).

        Fields are read as they are: ``dataclasses.asdict`` deep-copies every
        value first, which for a batch's ids cost more than the INSERT of the event.
        """
        return _ENCODER.encode({f.name: getattr(self, f.name) for f in fields(self)})

    @classmethod
    def from_json(cls, text: str) -> Event:
        """Rebuild an event written by :meth:`to_json` (lists become tuples again).

        Outbox rows outlive upgrades: a field added since the row was written
        (``source``, ``credential_key``) is absent from it and takes its default.
        """
        data = json.loads(text)
        tuples = {f.name for f in fields(cls) if str(f.type).startswith("tuple")}
        return cls(**{k: tuple(v) if k in tuples else v for k, v in data.items()})


@dataclass(frozen=True)
class StatementsStored(Event):
    """A batch of statements was committed (one ``PUT``/``POST`` or one :meth:`Host.ingest`).

    Voiding statements arrive like any other statement: their ``object.id`` names
    the statement they void.
    """

    hook: ClassVar[str] = "statements_stored"

    #: Ids of the batch in request order. A client's retry of an equivalent
    #: statement is announced again: consumers deduplicate by id.
    statement_ids: tuple[str, ...]
    #: Credential that sent the batch; ``None`` for statements a plugin derived
    #: or an ``lrs statements import``.
    credential_id: int | None = None
    #: That credential's public key (never its secret), as in access logs.
    credential_key: str | None = None


@dataclass(frozen=True)
class DocumentsChanged(Event):
    """State, activity profile or agent profile documents were stored or deleted.

    One request changes one document, except ``DELETE`` of state without a
    ``stateId``, which deletes every document at those coordinates: the ids
    are then all listed. A request that changes nothing (``DELETE`` of an absent
    document) announces nothing. The fields after ``changed_us`` (added in 0.1
    for the audit trail) say who made the change, how, and what the ETags were.
    """

    hook: ClassVar[str] = "documents_changed"

    #: ``"state"``, ``"activity_profile"`` or ``"agent_profile"``.
    kind: str
    #: ``"stored"`` (PUT or POST merge) or ``"deleted"``.
    action: str
    document_ids: tuple[str, ...]
    activity_id: str | None = None
    #: Canonical identity of the agent (``"mbox:mailto:a@example.com"``).
    agent_key: str | None = None
    #: ``None`` when the documents have none, or when a state ``DELETE`` without
    #: ``registration`` removed those of every registration.
    registration: str | None = None
    #: Microseconds since the epoch of the change.
    changed_us: int = 0
    #: The request: ``"put"``, ``"merge"`` (``POST``, which creates an absent
    #: document) or ``"delete"``.
    operation: str | None = None
    #: Credential that made the change (``None`` for a change core did itself).
    credential_id: int | None = None
    #: That credential's public key (never its secret).
    credential_key: str | None = None
    #: The credential's authority Agent or Group, as in its statements.
    authority: dict[str, Any] | None = None
    #: ETag of each of ``document_ids`` before the change, ``None`` where it did not exist.
    etags_before: tuple[str | None, ...] = ()
    #: ETag of each of ``document_ids`` after the change, ``None`` once deleted.
    etags_after: tuple[str | None, ...] = ()


@dataclass(frozen=True)
class AdminActionTaken(Event):
    """An operator changed the LRS: a credential, a tenant, a plugin's data, a replay.

    The compliance audit trail is built from these, so every administrative
    change (HTTP admin API or ``lrs`` command) announces one.
    """

    hook: ClassVar[str] = "admin_action_taken"

    #: Who acted: ``"cli:<os user>"``, ``"admin:<subject>"`` or ``"plugin:<name>"``.
    actor: str
    #: Dotted verb, e.g. ``"credential.created"``, ``"credential.revoked"``,
    #: ``"outbox.replayed"``, ``"person.erased"``.
    action: str
    #: What was acted on, e.g. ``"credential:3f9a0c"`` (never a secret).
    target: str
    #: Microseconds since the epoch of the action.
    occurred_us: int
    #: Extra JSON-able facts (never secrets).
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class NotificationRaised(Event):
    """A plugin raised a notification (:meth:`lrs.plugin.host.Host.notify`), now committed.

    Channels deliver it: core's email channel (``LRS_SMTP_*``, to the topic's
    subscribers and ``audience``) and the ``webhook`` connector type (instances
    whose ``topics`` name it). A channel records how it went with
    :meth:`~lrs.plugin.host.Host.record_notification_delivery`.
    """

    hook: ClassVar[str] = "notification_raised"

    #: The notification's row id (``host.notifications_owed`` gives it back).
    notification_id: int
    #: Random, unique: the idempotency key given to receivers.
    uid: str
    #: Dotted name, e.g. ``kpi.status_changed``.
    topic: str
    subject: str
    text: str
    #: JSON-able facts for machines.
    data: dict[str, Any] = field(default_factory=dict)
    #: Employee ids of the store's directory who receive it by email besides the
    #: topic's subscribers.
    audience: tuple[str, ...] = ()
    #: When it was raised, µs since the epoch.
    raised_us: int = 0
    #: The plugin that raised it, if it said.
    plugin: str | None = None


#: Every event type by the hook it is delivered to.
EVENT_TYPES: dict[str, type[Event]] = {
    cls.hook: cls
    for cls in (StatementsStored, DocumentsChanged, AdminActionTaken, NotificationRaised)
}


def event_from_json(hook: str, text: str) -> Event:
    """Rebuild the event an outbox row holds for ``hook``."""
    return EVENT_TYPES[hook].from_json(text)
