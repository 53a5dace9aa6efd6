"""What one application owns, kept in ``app.extensions["lrs"]`` (no module globals)."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app

from lrs.auth.scopes import ScopeRegistry
from lrs.db import Database
from lrs.machinery.hooks import Hooks, scope_registry
from lrs.machinery.manager import PluginManager
from lrs.machinery.outbox import Outbox
from lrs.plugin.connectors import ConnectorTypeRegistry
from lrs.plugin.host import Host
from lrs.plugin.metrics import MetricRegistry
from lrs.settings import Settings
from lrs.store.tenants import tenant_named


@dataclass
class Runtime:
    settings: Settings
    db: Database
    plugins: PluginManager
    #: What plugins are given (:mod:`lrs.plugin.host`).
    host: Host = field(init=False)
    #: Typed calls into the plugins (:mod:`lrs.machinery.hooks`).
    hooks: Hooks = field(init=False)
    #: Post-commit events waiting for plugins (:mod:`lrs.machinery.outbox`).
    outbox: Outbox = field(init=False)
    #: xAPI, core and plugin scopes (:mod:`lrs.auth.scopes`).
    scopes: ScopeRegistry = field(init=False)
    #: KPI metrics the plugins offer (:mod:`lrs.plugin.metrics`).
    metrics: MetricRegistry = field(init=False)
    #: Connector types the plugins offer (:mod:`lrs.plugin.connectors`).
    connector_types: ConnectorTypeRegistry = field(init=False)

    def __post_init__(self) -> None:
        self.host = Host(self)
        self.hooks = Hooks(self.plugins, self.host)
        self.scopes = scope_registry(self.plugins)
        self.metrics = self.hooks.metrics()
        self.connector_types = self.hooks.connector_types()
        self.outbox = Outbox(self)

    def tenant_id(self, name: str | None) -> int:
        """The id of the store called ``name`` (the default store for ``None``).

        :raises NotFound: no store has this name.
        """
        with self.db.read() as session:
            return tenant_named(session, name).id


def current_runtime() -> Runtime:
    return current_app.extensions["lrs"]
