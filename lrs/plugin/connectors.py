"""Connector types: how Weft talks to an LMS, an HRIS, a virtual classroom or another LRS.

A plugin contributes a :class:`ConnectorType` with the
``register_connector_types`` hook: a name, a description, a marshmallow schema
for its configuration (fields with ``metadata={"secret": True}`` are encrypted
at rest and never shown again), and a ``create`` function that turns a validated
configuration into a :class:`Connector`.

Administrators create *instances* of a type (``lrs connectors create``, the web
UI): a name, a configuration, a schedule. ``lrs worker`` runs each due instance,
one run at a time per instance across every worker and host, by calling
:meth:`Connector.sync` with a :class:`SyncRun`: the store (tenant) it works for
and the *cursor* the previous run left, an opaque string of the connector's
own (a remote timestamp, a page token, the last statement forwarded). The
connector does one bounded piece of work from there, calls
:meth:`SyncRun.checkpoint` whenever what it did so far is safely done (a crash
then resumes from there), and returns a :class:`SyncSummary`. An exception fails
the run: the runtime retries later with backoff, and pauses the instance after
repeated failures until an operator resumes it (docs/connectors.md).

This module is public API for plugins, like :mod:`lrs.plugin.host`.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from marshmallow import RAISE, Schema, ValidationError, missing
from marshmallow import fields as marshmallow_fields
from marshmallow.validate import OneOf

from lrs.plugin.registry import Registry
from lrs.store import text
from lrs.xapi.errors import BadRequest, flatten_messages

if TYPE_CHECKING:
    from lrs.plugin.host import Host


def storable(value: str) -> bool:
    """Whether ``value``, text from a remote system, can be stored as it is: it holds
    no NUL and no lone UTF-16 surrogate (no database stores them, and
    ``host.ingest`` refuses a statement holding one). A connector leaves a record
    holding such text out, with a message, as the people directory does a row: one
    record must not fail every run at the same place."""
    return text.storable(value)


@dataclass(frozen=True)
class SyncSummary:
    """What one :meth:`Connector.sync` did, for the run history, commands and the UI."""

    #: Records read from the remote system (records in).
    fetched: int = 0
    #: Statements or directory records written into Weft.
    stored: int = 0
    #: Records left out (not relevant, already imported, unmatched people...).
    skipped: int = 0
    #: Records delivered to the remote system (records out: forwarded statements,
    #: webhook calls).
    sent: int = 0
    #: Where the next run continues; ``None`` keeps the last checkpoint's cursor.
    cursor: str | None = None
    #: Anything a person should read (a remote warning, a partial page).
    messages: tuple[str, ...] = ()
    #: True when there is more to do now (a backlog): the runtime runs the
    #: instance again at once instead of waiting for its schedule.
    more: bool = False


class RunLost(Exception):
    """The run's claim expired and another worker may have taken the instance over:
    :meth:`SyncRun.checkpoint` raises it so that the connector stops at once."""


@dataclass
class SyncRun:
    """One run of a connector instance: what it works on and where it resumes.

    The runtime gives a subclass that keeps checkpoints in the database; scripts
    and tests may build one directly (``SyncRun(tenant_id=1)``), which keeps them
    in memory.
    """

    #: The store (tenant) the instance belongs to: read and write only there.
    tenant_id: int
    #: The instance's name (for messages and fixed ids of derived records).
    instance: str = "manual"
    #: The cursor the last successful run or checkpoint left; ``None`` the first time.
    cursor: str | None = None
    #: Set when the worker shuts down: checkpoint and return soon.
    stopping: threading.Event = field(default_factory=threading.Event, repr=False)

    def checkpoint(self, cursor: str) -> None:
        """Keep ``cursor`` as done: a run that fails or is killed later resumes from it.

        Call it after each piece of work that is safely stored or acknowledged
        remotely (a page imported, a batch forwarded). It also renews the run's
        claim on the instance.

        :raises RunLost: the claim expired (the run was stalled for longer than
            ``LRS_CONNECTOR_LEASE_SECONDS``); stop without doing more.
        """
        self._keep(cursor)
        self.cursor = cursor

    @property
    def should_stop(self) -> bool:
        """Whether the worker is stopping (SIGTERM): return after the next checkpoint."""
        return self.stopping.is_set()

    def _keep(self, cursor: str) -> None:
        """Persist ``cursor`` (nothing to do for a run kept in memory)."""


class Connector(Protocol):
    """One configured connection to a remote system."""

    def sync(self, run: SyncRun) -> SyncSummary:
        """Do one bounded piece of work from ``run.cursor`` (everything when ``None``).

        Store statements with ``host.ingest(run.tenant_id, statements, authority=...,
        plugin=<your plugin>)`` and give them fixed ids derived from the remote
        records, so that repeating a window stores nothing twice. Raise on a
        failure (an exception's text is shown to administrators, with the
        instance's secrets masked).
        """
        ...


@dataclass(frozen=True)
class ConfigField:
    """One field of a connector type's configuration (:meth:`ConnectorType.fields`)."""

    name: str
    required: bool
    #: Marked ``metadata={"secret": True}``.
    secret: bool
    #: ``metadata={"description": ...}``: shown beside the field in the web UI.
    description: str
    #: A string field (``String``, ``Url``, ``Email``...): a form's text is its value;
    #: other fields' text is read as JSON (``500``, ``["a", "b"]``).
    text: bool
    boolean: bool
    #: The values a ``validate.OneOf`` allows (a form offers them as a list).
    choices: tuple[str, ...] = ()
    #: What an absent optional field means (``load_default``), shown in forms.
    default: str = ""


class ConnectorConfigError(BadRequest):
    """A connector configuration was refused; ``errors`` name each bad field."""

    error = "invalid_connector_config"


@dataclass(frozen=True)
class ConnectorType:
    """A kind of connector a plugin offers (``moodle``, ``workday``, ``zoom``...)."""

    #: Unique, lowercase: what configurations and ``lrs connectors types`` name it by.
    name: str
    #: One line for administrators choosing a connector.
    description: str
    #: Its configuration's schema (a class or an instance); unknown fields are
    #: refused whatever its ``Meta.unknown`` says.
    config_schema: type[Schema] | Schema
    #: ``create(host, config)`` with the *validated* configuration (the
    #: schema's ``load`` result) returns a :class:`Connector`. Do no I/O here:
    #: connect in ``sync``.
    create: Callable[[Host, Any], Connector]
    #: ``"core"`` or the plugin that registered it; the registry fills it in.
    origin: str = field(default="core", compare=False)

    def validate(self, config: Mapping[str, Any]) -> Any:
        """The configuration loaded by :attr:`config_schema`.

        :raises ConnectorConfigError: listing every bad field by JSON path
            (``$.base_url``), with the schema's message.
        """
        try:
            return self._schema().load(config, unknown=RAISE)
        except ValidationError as exc:
            details = flatten_messages(exc.messages)
            raise ConnectorConfigError(
                f"connector type {self.name!r}: invalid configuration: "
                + "; ".join(f"{d.path}: {d.message}" for d in details), errors=details,
            ) from None

    def configure(self, host: Host, config: Mapping[str, Any]) -> Connector:
        """Validate ``config`` and create the connector.

        :raises ConnectorConfigError: the configuration is invalid.
        """
        return self.create(host, self.validate(config))

    def fields(self) -> list[ConfigField]:
        """The configuration's fields, for commands and the web UI's forms."""
        return [ConfigField(name, f.required, bool(f.metadata.get("secret")),
                            str(f.metadata.get("description", "")),
                            isinstance(f, marshmallow_fields.String),
                            isinstance(f, marshmallow_fields.Boolean),
                            next((tuple(map(str, v.choices)) for v in f.validators
                                  if isinstance(v, OneOf)), ()),
                            _default_text(f))
                for name, f in self._schema().fields.items()]

    def secret_fields(self) -> list[str]:
        """Names of the fields marked ``metadata={"secret": True}``: encrypted at rest,
        never shown again, masked in run errors."""
        return [f.name for f in self.fields() if f.secret]

    def config_fields(self) -> list[str]:
        """Names of the configuration fields, required ones marked with ``*``."""
        return [f"{f.name}{'*' if f.required else ''}" for f in self.fields()]

    def _schema(self) -> Schema:
        """:attr:`config_schema` as an instance (a plugin may give the class)."""
        return (self.config_schema() if isinstance(self.config_schema, type)
                else self.config_schema)


class ConnectorTypeRegistry(Registry[ConnectorType]):
    """The connector types of one application, by name, in registration order."""

    noun = "connector type"
    hook = "register_connector_types"
    item_type = ConnectorType


def _default_text(f: marshmallow_fields.Field) -> str:
    """What an absent optional field means, as a form shows it: a string field's text,
    any other's JSON (a ``load_default`` may be a factory such as ``list``)."""
    if f.load_default is missing:
        return ""
    default = f.load_default() if callable(f.load_default) else f.load_default
    return str(default) if isinstance(f, marshmallow_fields.String) else json.dumps(default)
