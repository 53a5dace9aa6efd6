"""What one application owns, kept in ``app.extensions["lrs"]`` (no module globals)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from flask import current_app

from lrs.auth.scopes import ScopeRegistry
from lrs.connectors import ConnectorTypeRegistry
from lrs.db import Database
from lrs.hooks import Hooks, scope_registry
from lrs.host import Host
from lrs.metrics import MetricRegistry
from lrs.outbox import Outbox
from lrs.plugin_manager import PluginManager
from lrs.settings import Settings
from lrs.store.tenants import tenant_named

#: What a process running Weft is: a ``"server"`` (``lrs serve``, gunicorn workers),
#: the ``"worker"`` (``lrs worker``) or another ``lrs`` ``"command"``.
Role = Literal["server", "worker", "command"]


@dataclass
class Runtime:
    settings: Settings
    db: Database
    plugins: PluginManager
    #: Only a server records the configuration and delivers inline (:func:`lrs.app.create_app`).
    role: Role = "server"
    #: What plugins are given (:mod:`lrs.host`).
    host: Host = field(init=False)
    #: Typed calls into the plugins (:mod:`lrs.hooks`).
    hooks: Hooks = field(init=False)
    #: Post-commit events waiting for plugins (:mod:`lrs.outbox`).
    outbox: Outbox = field(init=False)
    #: xAPI, core and plugin scopes (:mod:`lrs.auth.scopes`).
    scopes: ScopeRegistry = field(init=False)
    #: KPI metrics the plugins offer (:mod:`lrs.metrics`).
    metrics: MetricRegistry = field(init=False)
    #: Connector types the plugins offer (:mod:`lrs.connectors`).
    connector_types: ConnectorTypeRegistry = field(init=False)

    def __post_init__(self) -> None:
        self.host = Host(self)
        self.hooks = Hooks(self.plugins, self.host)
        self.scopes = scope_registry(self.plugins)
        self.metrics = self.hooks.metrics()
        self.connector_types = self.hooks.connector_types()
        self.outbox = Outbox(self)

    @property
    def delivers_events(self) -> bool:
        """Whether this process delivers post-commit events to plugins (see :class:`Host`)."""
        return self.role == "worker" or (self.role == "server" and self.settings.outbox_inline)

    def tenant_id(self, name: str | None) -> int:
        """The id of the store called ``name`` (the default store for ``None``).

        :raises NotFound: no store has this name.
        """
        with self.db.read() as session:
            return tenant_named(session, name).id


def current_runtime() -> Runtime:
    return current_app.extensions["lrs"]
