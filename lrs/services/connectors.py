"""Connector instances as administrators manage them: create, change, enable, run now.

Each change is committed with its ``admin_action_taken`` event (the audit
trail); the details name the configuration's non-secret fields and which secret
fields were set, never a secret's value.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from lrs.auth.sealing import UnsealError, seal, unseal
from lrs.models import ConnectorInstance, ConnectorRun
from lrs.plugin.connectors import ConnectorType, ConnectorTypeRegistry
from lrs.services.admin import announce_action
from lrs.services.schedules import parse_schedule
from lrs.store import connectors as store
from lrs.xapi.errors import BadRequest, NotFound

if TYPE_CHECKING:
    from lrs.services.core import Core

_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,99}")
#: The audit trail's action for each :func:`set_state` action.
_PAST = {"enable": "enabled", "disable": "disabled", "resume": "resumed",
         "run-soon": "run_requested"}


@dataclass(frozen=True)
class RunView:
    """One run in the history (``lrs connectors runs``, the connector's page)."""

    id: int
    trigger: str
    status: str
    started_us: int
    finished_us: int | None
    fetched: int
    stored: int
    skipped: int
    sent: int
    error: str | None
    messages: tuple[str, ...]

    @property
    def duration_ms(self) -> int | None:
        return None if self.finished_us is None else (self.finished_us - self.started_us) // 1000

    @classmethod
    def of(cls, run: ConnectorRun) -> RunView:
        return cls(run.id, run.trigger, run.status, run.started_us, run.finished_us,
                   run.fetched, run.stored, run.skipped, run.sent, run.error,
                   tuple(json.loads(run.messages)))


@dataclass(frozen=True)
class InstanceView:
    """A connector instance as commands and pages show it: secrets only by name."""

    id: int
    tenant_id: int
    name: str
    type: str
    config: dict[str, Any]
    #: The secret fields that hold a value (their values are never shown again).
    secrets_set: tuple[str, ...]
    schedule: str
    enabled: bool
    paused: bool
    failures: int
    next_run_us: int
    cursor: str | None

    @property
    def state(self) -> str:
        """``enabled``, ``disabled`` or ``paused`` (failed repeatedly; resume it)."""
        return "disabled" if not self.enabled else "paused" if self.paused else "enabled"

    @classmethod
    def of(cls, instance: ConnectorInstance, secrets_set: tuple[str, ...]) -> InstanceView:
        return cls(instance.id, instance.tenant_id, instance.name, instance.type,
                   json.loads(instance.config), secrets_set, instance.schedule,
                   instance.enabled, instance.paused, instance.failures,
                   instance.next_run_us, instance.cursor)


def full_config(instance: ConnectorInstance, server_key: str) -> dict[str, Any]:
    """The instance's whole configuration, secrets decrypted (for running it).

    :raises lrs.auth.sealing.UnsealError: ``LRS_SECRET_KEY`` changed since they were set.
    """
    config = json.loads(instance.config)
    if instance.sealed_secrets:
        config.update(json.loads(unseal(instance.sealed_secrets, server_key)))
    return config


def secret_values(instance: ConnectorInstance, server_key: str) -> list[str]:
    """The instance's secret values, to mask them in error messages."""
    if not instance.sealed_secrets:
        return []
    return [str(v) for v in json.loads(unseal(instance.sealed_secrets, server_key)).values()]


def create_connector(core: Core, types: ConnectorTypeRegistry, *, tenant_id: int, name: str,
                     type_name: str, config: Mapping[str, Any], schedule: str,
                     texts: Mapping[str, str] | None = None, enabled: bool = True,
                     actor: str, source: dict[str, str] | None = None) -> InstanceView:
    """Validate and store a new instance, due at once when enabled.

    :param texts: fields typed as text (``--set``, a web form), read by
        :func:`values_from_texts`; they win over ``config``.

    :raises BadRequest: bad name, unknown type, invalid configuration or schedule.
    :raises Conflict: the store has a connector of that name.
    """
    if not _NAME.fullmatch(name):
        raise BadRequest(f"connector name {name!r}: use 1-100 lowercase letters, digits, "
                         "'.', '_' or '-', starting with a letter or digit")
    connector_type = _type(types, type_name)
    plan = parse_schedule(schedule)
    config = {**config, **values_from_texts(connector_type, texts or {})}
    public, sealed, secrets_set = _split(connector_type, config, core.settings.secret_key)
    now = _now_us()
    with core.db.write() as session:
        instance = store.create_instance(session, ConnectorInstance(
            tenant_id=tenant_id, name=name, type=connector_type.name, config=public,
            sealed_secrets=sealed, schedule=plan.text, enabled=enabled, paused=False,
            cursor=None, next_run_us=now, claimed_until_us=0, failures=0,
            created_us=now, updated_us=now))
        view = InstanceView.of(instance, secrets_set)
        _announce(core, session, view, "connector.created", actor, source,
                  {"type": view.type, "schedule": view.schedule, "enabled": enabled,
                   "config": view.config, "secrets_set": list(secrets_set)})
    return view


def update_connector(core: Core, types: ConnectorTypeRegistry, *, tenant_id: int, name: str,
                     changes: Mapping[str, Any] | None = None,
                     texts: Mapping[str, str] | None = None, unset: tuple[str, ...] = (),
                     schedule: str | None = None, actor: str,
                     source: dict[str, str] | None = None) -> InstanceView:
    """Change configuration fields (secrets not named keep their value) or the schedule.

    :param texts: changed fields typed as text, as for :func:`create_connector`.

    :raises BadRequest: the resulting configuration or the schedule is invalid.
    """
    with core.db.write() as session:
        instance = store.instance_named(session, tenant_id, name, for_update=True)
        connector_type = _type(types, instance.type)
        config = full_config(instance, core.settings.secret_key)
        changes = {**(changes or {}), **values_from_texts(connector_type, texts or {})}
        config.update(changes)
        for field_name in unset:
            config.pop(field_name, None)
        public, sealed, secrets_set = _split(connector_type, config, core.settings.secret_key)
        instance.config, instance.sealed_secrets = public, sealed
        if schedule is not None:
            plan = parse_schedule(schedule)
            instance.schedule = plan.text
            instance.next_run_us = min(instance.next_run_us, plan.next_after(_now_us()))
        instance.updated_us = _now_us()
        view = InstanceView.of(instance, secrets_set)
        _announce(core, session, view, "connector.updated", actor, source,
                  {"changed": sorted(set(changes) | set(unset)),
                   "schedule": view.schedule, "config": view.config,
                   "secrets_set": list(secrets_set)})
    return view


def set_state(core: Core, *, tenant_id: int, name: str, action: str, actor: str,
              source: dict[str, str] | None = None) -> InstanceView:
    """``enable``, ``disable``, ``resume`` (after repeated failures) or ``run-soon``.

    Enabling, resuming and ``run-soon`` make the instance due at once; resuming
    also forgets the failures, so backoff starts afresh.
    """
    now = _now_us()
    with core.db.write() as session:
        instance = store.instance_named(session, tenant_id, name, for_update=True)
        if action == "enable":
            instance.enabled, instance.next_run_us = True, now
        elif action == "disable":
            instance.enabled = False
        elif action == "resume":
            instance.paused, instance.failures, instance.next_run_us = False, 0, now
        elif action == "run-soon":
            if not instance.enabled or instance.paused:
                state, remedy = (("paused", "resume") if instance.paused
                                 else ("disabled", "enable"))
                raise BadRequest(f"connector {name!r} is {state}: {remedy} it first")
            instance.next_run_us = now
        else:
            raise ValueError(f"unknown connector action {action!r}")
        instance.updated_us = now
        view = InstanceView.of(instance, _secret_names(instance, core.settings.secret_key))
        _announce(core, session, view, f"connector.{_PAST[action]}", actor, source, {})
    return view


def delete_connector(core: Core, *, tenant_id: int, name: str, actor: str,
                     source: dict[str, str] | None = None) -> None:
    """Remove the instance and its run history (the audit trail keeps the deletion)."""
    with core.db.write() as session:
        instance = store.instance_named(session, tenant_id, name, for_update=True)
        view = InstanceView.of(instance, _secret_names(instance, core.settings.secret_key))
        store.delete_instance(session, instance)
        _announce(core, session, view, "connector.deleted", actor, source, {"type": view.type})


def list_connectors(core: Core, tenant_id: int) -> list[InstanceView]:
    with core.db.read() as session:
        return [InstanceView.of(i, _secret_names(i, core.settings.secret_key))
                for i in store.instances(session, tenant_id=tenant_id)]


def connector_named(core: Core, tenant_id: int, name: str) -> InstanceView:
    """:raises NotFound: no such connector in the store."""
    with core.db.read() as session:
        instance = store.instance_named(session, tenant_id, name)
        return InstanceView.of(instance, _secret_names(instance, core.settings.secret_key))


def connector_runs(core: Core, tenant_id: int, name: str, limit: int = 20) -> list[RunView]:
    """The connector's latest runs, newest first."""
    with core.db.read() as session:
        instance = store.instance_named(session, tenant_id, name)
        return [RunView.of(run) for run in store.runs(session, instance, limit)]


def values_from_texts(connector_type: ConnectorType,
                      texts: Mapping[str, str]) -> dict[str, Any]:
    """Configuration values from text typed on a command line or in a form.

    A string field (URL, e-mail, token...) takes the text as it is, so a token
    that looks like a number stays a string; a boolean takes true/false,
    yes/no, on/off or 1/0; any other field reads the text as JSON (``500``,
    ``["a", "b"]``), or keeps it as a string for the schema to refuse, naming the field.
    """
    kinds = {f.name: f for f in connector_type.fields()}
    values: dict[str, Any] = {}
    for name, text in texts.items():
        field = kinds.get(name)
        if field is None or field.text:
            values[name] = text
        elif field.boolean and text.strip().lower() in _BOOLEANS:
            values[name] = _BOOLEANS[text.strip().lower()]
        else:
            try:
                values[name] = json.loads(text)
            except ValueError:
                values[name] = text
    return values


def texts_from_values(connector_type: ConnectorType,
                      values: Mapping[str, Any]) -> dict[str, str]:
    """The text a form shows for each configuration value, which
    :func:`values_from_texts` reads back as the same value: a string field's text as
    it is, a boolean ``true``/``false``, any other field's value as JSON."""
    kinds = {f.name: f for f in connector_type.fields()}
    texts: dict[str, str] = {}
    for name, value in values.items():
        field = kinds.get(name)
        if field is not None and field.boolean:
            texts[name] = "true" if value else "false"
        elif field is None or (field.text and isinstance(value, str)):
            texts[name] = str(value)
        else:
            texts[name] = json.dumps(value)
    return texts


_BOOLEANS = {"true": True, "yes": True, "on": True, "1": True,
             "false": False, "no": False, "off": False, "0": False}


def _type(types: ConnectorTypeRegistry, name: str) -> ConnectorType:
    found = types.get(name)
    if found is None:
        known = ", ".join(t.name for t in types) or "none: install a plugin that offers some"
        raise NotFound(f"no connector type {name!r} (installed: {known})")
    return found


def _split(connector_type: ConnectorType, config: dict[str, Any],
           server_key: str) -> tuple[str, str, tuple[str, ...]]:
    """Validate ``config``; return its public part as JSON, its sealed secrets, and the
    names of the secret fields set."""
    connector_type.validate(config)
    secret_names = set(connector_type.secret_fields())
    public = {k: v for k, v in config.items() if k not in secret_names}
    secret = {k: v for k, v in config.items() if k in secret_names}
    sealed = seal(json.dumps(secret, sort_keys=True), server_key) if secret else ""
    return json.dumps(public, sort_keys=True), sealed, tuple(sorted(secret))


def _secret_names(instance: ConnectorInstance, server_key: str) -> tuple[str, ...]:
    """The names of the instance's secret fields that hold a value."""
    if not instance.sealed_secrets:
        return ()
    try:
        return tuple(sorted(json.loads(unseal(instance.sealed_secrets, server_key))))
    except UnsealError:
        return ("(unreadable: LRS_SECRET_KEY changed; set the secrets again)",)


def _announce(core: Core, session: Session, view: InstanceView, action: str, actor: str,
              source: dict[str, str] | None, details: dict[str, Any]) -> None:
    announce_action(core, session, actor=actor, action=action, target=f"connector:{view.name}",
                    tenant_id=view.tenant_id, details=details, source=source)


def _now_us() -> int:
    return time.time_ns() // 1000

