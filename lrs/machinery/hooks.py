"""Typed calls into the plugins: one method per hook, so core never spells a hook name.

Pre-commit hooks (``check_statements``) fail the request when a plugin fails:
a broken check must not let statements through. Post-commit hooks are called
through :meth:`Hooks.deliver`, one plugin at a time, and a failure is returned
rather than raised, so the outbox retries that plugin alone. The ``register_*``
hooks that run before an application exists (commands, migrations) are plain
functions of the plugin manager.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from functools import cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
import pluggy

from lrs.auth.scopes import ScopeRegistry
from lrs.machinery.manager import PluginError
from lrs.plugin.connectors import ConnectorTypeRegistry
from lrs.plugin.events import Event, StatementsStored
from lrs.plugin.host import AdminPage, StoredStatement
from lrs.plugin.metrics import MetricRegistry
from lrs.plugin.registry import Registry
from lrs.store.statements import stored_payloads
from lrs.xapi.errors import ErrorDetail, InvalidStatement

if TYPE_CHECKING:
    from flask import Blueprint
    from sqlalchemy.orm import Session

    from lrs.plugin.host import Host, Person

logger = logging.getLogger("lrs.plugins")

#: Stored statements' JSON text by ``(tenant_id, id)`` (:meth:`Hooks._read_statements`).
StatementsRead = dict[tuple[int, str], str]


class Hooks:
    """The hooks of one application, bound to its :class:`~lrs.plugin.host.Host`."""

    def __init__(self, manager: pluggy.PluginManager) -> None:
        self._manager = manager
        #: Given by :meth:`bind` before any hook is called.
        self._host: Host
        # The plugin set is fixed once the application is built.
        self.subscribers = cache(self._subscribers)
        #: ``(hook, plugin)`` → that hook on that plugin alone (:func:`_only`).
        self._caller_of = cache(partial(_only, self._manager))
        #: ``(hook, plugin)`` → the arguments that plugin's implementation accepts.
        self._accepted_by = cache(partial(_accepted, self._manager))
        #: The plugin being called and what it deferred, per delivering thread.
        self._local = threading.local()

    def bind(self, host: Host) -> None:
        """Give every hook call its ``host``: once, by the runtime, which builds the host
        after these hooks because the host relays ``resolve_person`` and ``defer`` here."""
        self._host = host

    def check_statements(
        self, *, tenant_id: int, statements: list[dict[str, Any]], version: str,
        credential_id: int | None,
    ) -> None:
        """Ask every ``check_statements`` plugin about a batch about to be stored.

        :raises InvalidStatement: listing the problems of every plugin.
        """
        problems: list[ErrorDetail] = []
        for plugin in self.subscribers("check_statements"):
            try:
                found = self._caller_of("check_statements", plugin)(
                    host=self._host, tenant_id=tenant_id, statements=statements,
                    version=version, credential_id=credential_id,
                )
            except Exception:
                logger.exception("plugin %r failed checking statements", plugin)
                raise
            for result in found:
                for problem in result or ():
                    if not isinstance(problem, ErrorDetail):
                        raise TypeError(f"plugin {plugin!r}: check_statements must return "
                                        f"ErrorDetail objects, got {problem!r}")
                    problems.append(problem)
        if problems:
            raise InvalidStatement.from_details(problems)

    def _read_statements(self, events: Iterable[Event]) -> StatementsRead:
        """The stored JSON of the ``StatementsStored`` among ``events``' statements, by id.

        One query per tenant for all of them (the outbox delivers a claimed batch
        at once). Each event's statements are parsed just before its call
        (:meth:`_call`): parsing the whole batch's up front kept thousands of
        statements alive at once, which made each parse twice as slow.
        """
        wanted: dict[int, set[str]] = {}
        for event in events:
            if isinstance(event, StatementsStored):
                wanted.setdefault(event.tenant_id, set()).update(
                    statement_id.lower() for statement_id in event.statement_ids)
        read: StatementsRead = {}
        with self._host.read() as session:
            for tenant_id, ids in wanted.items():
                read.update(((tenant_id, statement_id), text) for statement_id, text
                            in stored_payloads(session, tenant_id, ids).items())
        return read

    def deliver(self, event: Event, plugins: Iterable[str]) -> dict[str, Exception]:
        """Call ``event``'s hook on each of ``plugins`` separately; return who failed.

        What the plugins deferred (:meth:`defer`) runs before this returns.
        """
        return self.deliver_all([(event, list(plugins))])[0]

    def deliver_all(self, deliveries: list[tuple[Event, list[str]]]
                    ) -> list[dict[str, Exception]]:
        """Deliver each event to its plugins, then run what each plugin deferred.

        ``statements_stored`` implementations get the batch's statements, read
        once for all of them. A plugin whose deferred work fails has failed every
        event it was given here.

        :returns: for each delivery, the plugins that failed and why.
        """
        statements = self._read_statements(event for event, _ in deliveries)
        self._local.deferred = deferred = {}
        try:
            failures = [self._call(event, plugins, statements) for event, plugins in deliveries]
        finally:
            self._local.deferred = None
        for plugin, callbacks in deferred.items():
            try:
                for callback in callbacks:
                    callback()
            except Exception as exc:
                for (_, plugins), failed in zip(deliveries, failures, strict=True):
                    if plugin in plugins:
                        failed.setdefault(plugin, exc)
        return failures

    def defer(self, callback: Callable[[], object]) -> None:
        """Run ``callback`` once the current delivery batch has reached its plugin.

        Only inside a post-commit hook (see :meth:`lrs.plugin.host.Host.defer`); the same
        callback deferred again in that batch runs once.

        :raises RuntimeError: outside a post-commit hook.
        """
        plugin = getattr(self._local, "plugin", None)
        if plugin is None:
            raise RuntimeError("host.defer() works only inside a post-commit hook")
        callbacks = self._local.deferred.setdefault(plugin, [])
        if callback not in callbacks:
            callbacks.append(callback)

    def _call(self, event: Event, plugins: list[str],
              statements: StatementsRead) -> dict[str, Exception]:
        arguments: dict[str, Any] = {"host": self._host, "event": event}
        if isinstance(event, StatementsStored):
            found = ((event.tenant_id, i.lower()) for i in event.statement_ids)
            texts = [statements[key] for key in found if key in statements]
            arguments["statements_json"] = texts
            # Parsed only for plugins that take ``statements``; to the others pluggy
            # passes only what they accept, so this placeholder never reaches one.
            arguments["statements"] = (
                [StoredStatement.from_json(text) for text in texts]
                if any("statements" in self._accepted_by(event.hook, p) for p in plugins)
                else None)
        failures: dict[str, Exception] = {}
        for plugin in plugins:
            self._local.plugin = plugin
            try:
                self._caller_of(event.hook, plugin)(**arguments)
            except Exception as exc:
                failures[plugin] = exc
            finally:
                self._local.plugin = None
        return failures

    def resolve_person(self, *, tenant_id: int, agent: dict[str, Any]) -> Person | None:
        """The first plugin's answer to who ``agent`` is (``None`` if nobody knows)."""
        return self._manager.hook.resolve_person(host=self._host, tenant_id=tenant_id,
                                                 agent=agent)

    def erase_person(
        self, *, session: Session, tenant_id: int, person_keys: frozenset[str],
        deleted_statement_ids: tuple[str, ...], redacted_statement_ids: tuple[str, ...],
        dry_run: bool,
    ) -> dict[str, int]:
        """Have every ``erase_person`` plugin erase (or count) the person in ``session``.

        :returns: the plugins' counts as ``"<plugin>.<name>"``, in plugin order.
        :raises PluginError: a plugin failed or returned something else than
            counts; the caller's transaction must then roll back.
        """
        counts: dict[str, int] = {}
        for plugin in self.subscribers("erase_person"):
            try:
                results = self._caller_of("erase_person", plugin)(
                    host=self._host, session=session, tenant_id=tenant_id,
                    person_keys=person_keys, deleted_statement_ids=deleted_statement_ids,
                    redacted_statement_ids=redacted_statement_ids, dry_run=dry_run)
            except Exception as exc:
                logger.exception("plugin %r failed erasing a person", plugin)
                raise PluginError(f"plugin {plugin!r} failed to erase the person, so nothing "
                                  f"was erased: {exc}") from exc
            found = results[0] if results else {}
            if not (isinstance(found, dict) and all(
                    isinstance(name, str) and type(count) is int for name, count in found.items())):
                raise PluginError(f"plugin {plugin!r}: erase_person must return counts by "
                                  f"name (a dict of int), got {found!r}")
            counts.update((f"{plugin}.{name}", count) for name, count in found.items())
        return counts

    def blueprints(self) -> list[Blueprint]:
        """Every blueprint the plugins register."""
        return [bp for found in self._manager.hook.register_blueprints(host=self._host)
                for bp in found or ()]

    def admin_pages(self) -> list[AdminPage]:
        """Every web UI navigation entry the plugins register, in plugin order.

        :raises PluginError: a plugin returned something else than ``AdminPage``
            objects (caught at start-up rather than on every page).
        """
        pages: list[AdminPage] = []

        def add(plugin: str, found: list[Any]) -> None:
            for page in found:
                if not isinstance(page, AdminPage):
                    raise ValueError(f"plugin {plugin!r}: register_admin_pages must return "
                                     f"lrs.plugin.host.AdminPage objects, got {page!r}")
                pages.append(page)

        for plugin, found in _per_plugin(self._manager, "register_admin_pages", host=self._host):
            _contribute(plugin, add, found)
        return pages

    def metrics(self) -> MetricRegistry:
        """Every metric the plugins register (``register_metrics``).

        :raises PluginError: a plugin returned something else than metrics, or a
            name another plugin took.
        """
        return _filled(MetricRegistry(), self._manager, host=self._host)

    def connector_types(self) -> ConnectorTypeRegistry:
        """Every connector type the plugins register (``register_connector_types``).

        :raises PluginError: as for :meth:`metrics`.
        """
        return _filled(ConnectorTypeRegistry(), self._manager, host=self._host)

    def _subscribers(self, hook: str) -> tuple[str, ...]:
        """Names of the plugins implementing ``hook``, in pluggy's call order."""
        impls = getattr(self._manager.hook, hook).get_hookimpls()
        return tuple(impl.plugin_name for impl in reversed(impls))



#: A registry :func:`_filled` fills and gives back.
R = TypeVar("R", bound=Registry[Any])


def register_commands(manager: pluggy.PluginManager, cli: click.Group) -> None:
    """Let every plugin add its commands to the ``lrs`` group."""
    manager.hook.register_commands(cli=cli)


def migration_locations(manager: pluggy.PluginManager) -> list[str]:
    """The Alembic version folders of every plugin branch, each once (plugins that
    share a branch, such as the outgoing connector types, all name its folder)."""
    return list(dict.fromkeys(str(Path(location).resolve())
                              for found in manager.hook.register_migrations()
                              for location in found or ()))


def scope_registry(manager: pluggy.PluginManager) -> ScopeRegistry:
    """The core scopes and every scope the plugins declare (``register_scopes``).

    It needs no application, so ``lrs scopes list`` works without a database.

    :raises PluginError: a scope is malformed, reserved or declared twice.
    """
    return _filled(ScopeRegistry(), manager)


def _filled(registry: R, manager: pluggy.PluginManager, **arguments: Any) -> R:
    """``registry`` with what each plugin returns from its ``registry.hook``."""
    for plugin, found in _per_plugin(manager, registry.hook, **arguments):
        _contribute(plugin, registry.add, found)
    return registry


def _only(manager: pluggy.PluginManager, hook: str, plugin: str) -> pluggy.HookCaller:
    """``hook`` restricted to ``plugin``: its wrappers still apply, nobody else runs."""
    others = [p for name, p in manager.list_name_plugin() if name != plugin]
    return manager.subset_hook_caller(hook, remove_plugins=others)


def _accepted(manager: pluggy.PluginManager, hook: str, plugin: str) -> frozenset[str]:
    """The argument names of ``plugin``'s implementation of ``hook``."""
    return frozenset(name for impl in getattr(manager.hook, hook).get_hookimpls()
                     if impl.plugin_name == plugin for name in impl.argnames)


def _per_plugin(manager: pluggy.PluginManager, hook: str,
                **arguments: Any) -> list[tuple[str, Any]]:
    """Call ``hook`` on each implementing plugin alone: ``[(plugin name, its result)]``,
    in the order the plugins were loaded (installed ones, then ``create_app``'s)."""
    impls = getattr(manager.hook, hook).get_hookimpls()
    return [(plugin, result)
            for plugin in dict.fromkeys(impl.plugin_name for impl in impls)
            for result in _only(manager, hook, plugin)(**arguments)]


def _contribute(plugin: str, add: Callable[[str, Any], None], found: Any) -> None:
    """``add(plugin, found)``, a plugin's contribution, refused with its name on error."""
    if found is None:
        return
    if not isinstance(found, list | tuple):
        raise PluginError(f"plugin {plugin!r} must return a list, got {found!r}")
    try:
        add(plugin, found)
    except ValueError as exc:
        raise PluginError(str(exc)) from exc
