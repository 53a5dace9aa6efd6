"""The application factory: settings → database → HTTP, nothing global."""

from __future__ import annotations

from flask import Flask

from lrs import migrations
from lrs.db import Database, create_db_engine, dispose_after_fork
from lrs.http.alternate import AlternateRequestSyntax
from lrs.http.errors import register_error_handlers
from lrs.http.xapi import create_xapi_blueprint
from lrs.logging import configure_logging
from lrs.runtime import Runtime
from lrs.settings import Settings


def create_app(settings: Settings | None = None) -> Flask:
    """Build a Weft application.

    :param settings: configuration; read from ``LRS_*`` environment variables when
        omitted.
    """
    settings = settings or Settings.from_env()
    app = Flask("lrs")
    app.config["SECRET_KEY"] = settings.secret_key
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.json.compact = True  # type: ignore[attr-defined]

    engine = create_db_engine(settings)
    dispose_after_fork(engine)
    if settings.auto_migrate:
        migrations.upgrade(engine)
    app.extensions["lrs"] = Runtime(settings=settings, db=Database(engine))

    configure_logging(app, settings)
    register_error_handlers(app)
    app.register_blueprint(create_xapi_blueprint())
    app.wsgi_app = AlternateRequestSyntax(  # type: ignore[method-assign]
        app.wsgi_app, max_body_bytes=settings.max_body_bytes
    )
    return app
