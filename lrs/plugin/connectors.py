"""Connector types: how Weft talks to an LMS, an HRIS or a virtual classroom.

A plugin contributes a :class:`ConnectorType` with the
``register_connector_types`` hook: a name, a description, a marshmallow schema
for its configuration, and a ``create`` function that turns a validated
configuration into a :class:`Connector`. A connector's :meth:`Connector.sync`
pulls what is new since a moment, stores it through
``host.ingest(..., plugin=<name>)`` (validation, ``check_statements`` and the
outbox, exactly as an HTTP client) and returns a :class:`SyncSummary`.

Core keeps the types of one application in a :class:`ConnectorTypeRegistry`
(``lrs connectors types`` lists them). Configured connector instances (stored
configurations, schedules) come later; until then a plugin or script builds
one with :meth:`ConnectorType.configure` and calls ``sync`` itself. This module
is public API for plugins, like :mod:`lrs.plugin.host`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from marshmallow import RAISE, Schema, ValidationError

from lrs.plugin.registry import Registry
from lrs.xapi.errors import BadRequest, flatten_messages

if TYPE_CHECKING:
    from lrs.plugin.host import Host


@dataclass(frozen=True)
class SyncSummary:
    """What one :meth:`Connector.sync` did, for logs, commands and an admin page."""

    #: Records read from the remote system.
    fetched: int = 0
    #: Statements stored (ids returned by ``host.ingest``).
    stored: int = 0
    #: Records left out (not relevant, already imported, unmatched people...).
    skipped: int = 0
    #: Where the next sync should start: the newest remote change seen, if known.
    until: datetime | None = None
    #: Anything a person should read (a remote warning, a partial page).
    messages: tuple[str, ...] = ()


class Connector(Protocol):
    """One configured connection to a remote system."""

    def sync(self, since: datetime | None) -> SyncSummary:
        """Import what changed remotely since ``since`` (everything when ``None``).

        Store statements with ``host.ingest(tenant_id, statements, authority=...,
        plugin=<your plugin>)`` and give them fixed ids derived from the remote
        records, so that syncing the same window twice stores nothing twice.
        """
        ...


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

    def config_fields(self) -> list[str]:
        """Names of the configuration fields, required ones marked with ``*``."""
        return [f"{name}{'*' if f.required else ''}"
                for name, f in self._schema().fields.items()]

    def _schema(self) -> Schema:
        """:attr:`config_schema` as an instance (a plugin may give the class)."""
        return (self.config_schema() if isinstance(self.config_schema, type)
                else self.config_schema)


class ConnectorTypeRegistry(Registry[ConnectorType]):
    """The connector types of one application, by name, in registration order."""

    noun = "connector type"
    hook = "register_connector_types"
    item_type = ConnectorType
