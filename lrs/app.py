"""The application factory: settings → database → HTTP, nothing global."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask

from lrs import migrations
from lrs.auth.protector import protect
from lrs.db import Database, create_db_engine, dispose_after_fork
from lrs.http.alternate import AlternateRequestSyntax
from lrs.http.assignments import create_assignments_blueprint
from lrs.http.cors import enable_cors
from lrs.http.errors import register_error_handlers
from lrs.http.metrics import create_metrics_blueprint
from lrs.http.notifications import create_notifications_blueprint
from lrs.http.oauth import create_oauth_blueprint
from lrs.http.rate_limit import init_rate_limits
from lrs.http.request_guard import guard_requests
from lrs.http.scim import create_scim_blueprint
from lrs.http.source import trust_proxies
from lrs.http.xapi import create_xapi_blueprint
from lrs.logging import configure_logging
from lrs.machinery.hooks import migration_locations
from lrs.machinery.manager import build_plugin_manager
from lrs.runtime import Role, Runtime
from lrs.services.configuration import record_configuration
from lrs.settings import Settings
from lrs.web import init_web
from lrs.web.access import requires_role


class _App(Flask):
    """Flask, asking once per function whether it must be run as a coroutine.

    Flask asks ``inspect.iscoroutinefunction`` of the view and of every
    before- and after-request function on every request, some fifteen times a
    request (about 1 % of a single-statement POST's CPU, issue 17); the answer
    never changes.
    """

    def __init__(self, import_name: str) -> None:
        super().__init__(import_name)
        self._synchronous: dict[Callable[..., Any], Callable[..., Any]] = {}

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        try:
            return self._synchronous[func]
        except KeyError:
            return self._synchronous.setdefault(func, super().ensure_sync(func))


def create_app(settings: Settings | None = None, *, plugins: Iterable[object] = (),
               role: Role = "server") -> Flask:
    """Build a Weft application.

    Once the database is reached (and migrated, with ``auto_migrate``), a
    serving application compares the configuration in force with the store's
    record and records and announces a change
    (:func:`lrs.services.configuration.record_configuration`): one short transaction, a
    logged warning if it cannot be written.

    :param settings: configuration; read from ``LRS_*`` environment variables when
        omitted.
    :param plugins: plugin objects or modules loaded after the installed ones
        (tests register a recording plugin this way).
    :param role: what the process is (:attr:`lrs.runtime.Runtime.role`). Only a
        ``"server"`` is what the deployment's configuration is (an operator's
        shell may well lack some of its variables): a ``"command"`` or the
        ``"worker"`` neither records its own configuration nor delivers events
        from a thread (``LRS_OUTBOX_INLINE``).
    :raises lrs.machinery.manager.PluginError: a plugin cannot be loaded.
    """
    settings = settings or Settings.from_env()
    manager = build_plugin_manager(settings.disabled_plugins, plugins)
    app = _App("lrs")
    app.config["SECRET_KEY"] = settings.secret_key
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.json.compact = True  # type: ignore[attr-defined]

    engine = create_db_engine(settings)
    dispose_after_fork(engine)
    if settings.auto_migrate:
        migrations.upgrade(engine, locations=migration_locations(manager))
    runtime = Runtime(settings=settings, db=Database(engine), plugins=manager,
                      requires=protect, requires_role=requires_role, role=role)
    app.extensions["lrs"] = runtime

    configure_logging(app, settings)
    guard_requests(app)
    if role == "server":
        record_configuration(runtime)
    register_error_handlers(app)
    app.register_blueprint(create_xapi_blueprint())
    app.register_blueprint(create_oauth_blueprint())
    app.register_blueprint(create_metrics_blueprint())
    app.register_blueprint(create_assignments_blueprint())
    app.register_blueprint(create_notifications_blueprint())
    app.register_blueprint(create_scim_blueprint())
    for blueprint in runtime.hooks.blueprints():
        app.register_blueprint(blueprint)
    init_web(app, runtime)
    enable_cors(app, settings)
    init_rate_limits(app, settings)
    app.wsgi_app = AlternateRequestSyntax(  # type: ignore[method-assign]
        app.wsgi_app,
        max_form_bytes=settings.max_form_bytes,
        max_form_fields=settings.max_form_fields,
    )
    trust_proxies(app, settings.trusted_proxies)
    app.before_request(runtime.outbox.start_inline)
    return app
