"""What one application owns, kept in ``app.extensions["lrs"]`` (no module globals).

The Runtime assembles the plugin machinery, the host it gives plugins and the use
cases; :func:`current_runtime` is how the HTTP and web edges find it per request.
Nothing below the edges imports this module: the use cases take what they need
as :class:`lrs.services.core.Core`, and the host is wired, not imported into.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Literal

from flask import current_app

from lrs.auth.scopes import ScopeRegistry
from lrs.auth.verified import VerifiedCache
from lrs.db import Database
from lrs.machinery.hooks import Hooks, scope_registry
from lrs.machinery.manager import PluginManager
from lrs.machinery.outbox import Outbox
from lrs.plugin.connectors import ConnectorTypeRegistry
from lrs.plugin.host import Host, HostWiring
from lrs.plugin.metrics import MetricRegistry
from lrs.services import email_channel
from lrs.services.assignment_status import assigned_people, assignment_statuses
from lrs.services.assignments import create_from_spec, list_assignments
from lrs.services.connector_runner import ConnectorRunner
from lrs.services.group_commit import GroupCommit
from lrs.services.groups import group_member_agents, group_members, people_matching
from lrs.services.ingest import new_group_commit, store_batch
from lrs.services.people import (
    employee_ids_of,
    import_people_feed,
    people_by_employee_id,
    resolve_people,
    resolve_person,
)
from lrs.services.people_view import people_in_view
from lrs.settings import Settings
from lrs.store.tenants import tenant_named

#: A decorator factory guarding views: ``guard(*names)(view)``.
ViewGuard = Callable[..., Callable[[Any], Any]]

#: What a process running Weft is: a ``"server"`` (``lrs serve``, gunicorn workers),
#: the ``"worker"`` (``lrs worker``) or another ``lrs`` ``"command"``.
Role = Literal["server", "worker", "command"]


@dataclass
class Runtime:
    settings: Settings
    db: Database
    plugins: PluginManager
    #: Guards of plugin views, given by :func:`lrs.app.create_app`: credentials and
    #: scopes (:func:`lrs.auth.protector.protect`) and signed-in roles
    #: (:func:`lrs.web.access.requires_role`). Both find the runtime per request, so
    #: they sit above it.
    requires: ViewGuard
    requires_role: ViewGuard
    #: Only a server records the configuration and delivers inline (:func:`lrs.app.create_app`).
    role: Role = "server"
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
    #: Verified ``Authorization`` headers of this process (:mod:`lrs.auth.verified`).
    verified: VerifiedCache = field(init=False)
    #: Statement writes sharing commits (:mod:`lrs.services.group_commit`).
    group_commit: GroupCommit | None = field(init=False)
    #: Runs configured connector instances (:mod:`lrs.services.connector_runner`).
    connectors: ConnectorRunner = field(init=False)

    def __post_init__(self) -> None:
        email_channel.register(self.plugins, self.settings)  # docs/notifications.md
        self.hooks = Hooks(self.plugins)
        self.outbox = Outbox(self.settings, self.db, self.hooks, server=self.role == "server")
        self.scopes = scope_registry(self.plugins)
        self.verified = VerifiedCache(self.db, self.settings.auth_cache_seconds)
        self.group_commit = new_group_commit(self, self.settings.group_commit_max,
                                             self.settings.group_commit_gather_ms)
        self.host = Host(self.settings, self.db, HostWiring(
            ingest=partial(store_batch, self), resolve_person=partial(resolve_person, self),
            resolve_people=partial(resolve_people, self),
            employee_ids=partial(employee_ids_of, self),
            group_members=partial(group_members, self),
            group_member_agents=partial(group_member_agents, self),
            people_by_employee_id=partial(people_by_employee_id, self),
            import_people=partial(import_people_feed, self),
            assignments=partial(list_assignments, self),
            assigned_people=partial(assigned_people, self),
            assignment_statuses=partial(assignment_statuses, self),
            create_assignment=partial(create_from_spec, self),
            announce=self.outbox.announce, defer=self.hooks.defer,
            requires=self.requires, requires_role=self.requires_role,
            tenant_id=self.tenant_id, delivers_events=self.delivers_events,
            people_matching=partial(people_matching, self),
            metric=lambda name: self.metrics.get(name),
            people_in_view=partial(people_in_view, self),
        ))
        self.hooks.bind(self.host)
        self.metrics = self.hooks.metrics()
        self.connector_types = self.hooks.connector_types()
        self.connectors = ConnectorRunner(self.settings, self.db, self.connector_types,
                                          self.host)

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
    """The runtime of the application handling this request (HTTP and web edges only)."""
    return current_app.extensions["lrs"]
