"""The application factory: settings → database → HTTP, nothing global."""

from __future__ import annotations

from collections.abc import Iterable

from flask import Flask

from lrs import migrations
from lrs.configuration import record_configuration
from lrs.db import Database, create_db_engine, dispose_after_fork
from lrs.hooks import migration_locations
from lrs.http.alternate import AlternateRequestSyntax
from lrs.http.cors import enable_cors
from lrs.http.errors import register_error_handlers
from lrs.http.metrics import create_metrics_blueprint
from lrs.http.oauth import create_oauth_blueprint
from lrs.http.rate_limit import init_rate_limits
from lrs.http.xapi import create_xapi_blueprint
from lrs.logging import configure_logging
from lrs.plugin_manager import build_plugin_manager
from lrs.runtime import Runtime
from lrs.settings import Settings
from lrs.web import init_web


def create_app(settings: Settings | None = None, *, plugins: Iterable[object] = ()) -> Flask:
    """Build a Weft application.

    Once the database is reached (and migrated, with ``auto_migrate``), the
    configuration in force is compared with the store's record and a change is
    recorded and announced (:func:`lrs.configuration.record_configuration`):
    one short transaction, a logged warning if it cannot be written.

    :param settings: configuration; read from ``LRS_*`` environment variables when
        omitted.
    :param plugins: plugin objects or modules loaded after the installed ones
        (tests register a recording plugin this way).
    :raises lrs.plugin_manager.PluginError: a plugin cannot be loaded.
    """
    settings = settings or Settings.from_env()
    manager = build_plugin_manager(settings.disabled_plugins, plugins)
    app = Flask("lrs")
    app.config["SECRET_KEY"] = settings.secret_key
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.json.compact = True  # type: ignore[attr-defined]

    engine = create_db_engine(settings)
    dispose_after_fork(engine)
    if settings.auto_migrate:
        migrations.upgrade(engine, locations=migration_locations(manager))
    runtime = Runtime(settings=settings, db=Database(engine), plugins=manager)
    app.extensions["lrs"] = runtime

    configure_logging(app, settings)
    record_configuration(runtime)
    register_error_handlers(app)
    app.register_blueprint(create_xapi_blueprint())
    app.register_blueprint(create_oauth_blueprint())
    app.register_blueprint(create_metrics_blueprint())
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
    app.before_request(runtime.outbox.start_inline)
    return app
