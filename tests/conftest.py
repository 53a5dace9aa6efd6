"""Fixtures shared by the whole suite.

Every test that takes ``app`` (or ``client``) runs twice: on SQLite and on a real
PostgreSQL 15 server started for the session by :mod:`tests.postgres`. Set
``LRS_TEST_BACKENDS=sqlite`` to iterate quickly on one backend; CI runs both.
"""

from __future__ import annotations

import base64
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, text

from lrs import migrations
from lrs.app import create_app
from lrs.models import Base
from lrs.settings import Settings
from lrs.store.credentials import IssuedCredential, create_credential

pytest_plugins = ["tests.postgres", "tests.oidc", "tests.browser"]

BACKENDS = os.environ.get("LRS_TEST_BACKENDS", "sqlite,postgresql").split(",")

#: Core tests run on bare core, whatever plugins are installed: a plugin's tables and
#: post-commit work are its own tests' business (they re-enable it explicitly).
INSTALLED_PLUGINS = ",".join(sorted(ep.name for ep in entry_points(group="lrs.plugins")))
TEST_SECRET_KEY = "test-secret-key-" + "x" * 32

#: Tables whose rows a migration creates; they survive the per-test cleanup.
_SEEDED_TABLES = {"tenants"}


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (faster than migrating each time)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "lrs.sqlite3"
    engine = create_engine(f"sqlite:///{path}")
    migrations.upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_migrated(postgres_url: str) -> str:
    engine = create_engine(postgres_url)
    migrations.upgrade(engine)
    engine.dispose()
    return postgres_url


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database of each backend."""
    if request.param == "sqlite":
        path = tmp_path / "lrs.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_migrated")
    _truncate(url)
    return url


def _truncate(url: str) -> None:
    tables = [t.name for t in Base.metadata.sorted_tables if t.name not in _SEEDED_TABLES]
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        # Only the default tenant is seeded; tests create the others they need.
        connection.execute(text("DELETE FROM tenants WHERE id <> 1"))
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def fresh_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database (no schema at all) of each backend, for migration tests and
    apps with plugin tables (created by ``auto_migrate``)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    server = request.getfixturevalue("postgres_server")
    return server.create_database(f"weft_fresh_{uuid.uuid4().hex[:12]}")


@pytest.fixture
def make_settings(database_url: str) -> Callable[..., Settings]:
    def make(**overrides: object) -> Settings:
        values = {"database_url": database_url, "secret_key": TEST_SECRET_KEY,
                  "auto_migrate": False, "log_format": "text",
                  "disabled_plugins": INSTALLED_PLUGINS, **overrides}
        return Settings.from_env({}, **values)

    return make


@pytest.fixture
def app(make_settings: Callable[..., Settings], request: pytest.FixtureRequest) -> Iterator[Flask]:
    """The application under test; ``@pytest.mark.app_settings(name=value)`` overrides
    its settings."""
    marker = request.node.get_closest_marker("app_settings")
    app = create_app(make_settings(**(marker.kwargs if marker else {})))
    yield app
    runtime = app.extensions["lrs"]
    runtime.outbox.stop()
    runtime.db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def make_credential(app: Flask) -> Callable[..., IssuedCredential]:
    """Create a credential with the given scopes (``all`` by default)."""

    def make(*scopes: str, name: str = "test client") -> IssuedCredential:
        runtime = app.extensions["lrs"]
        with runtime.db.write() as session:
            return create_credential(
                session, runtime.settings.secret_key, name=name, scopes=list(scopes or ["all"])
            )

    return make


@pytest.fixture
def credential(make_credential: Callable[..., IssuedCredential]) -> IssuedCredential:
    return make_credential("all")


def basic_auth(credential: IssuedCredential) -> str:
    token = base64.b64encode(f"{credential.key}:{credential.secret}".encode()).decode()
    return f"Basic {token}"


@pytest.fixture(params=["1.0.3", "2.0.0"])
def xapi_version(request: pytest.FixtureRequest) -> str:
    """Runs a test once per xAPI version."""
    return request.param


@pytest.fixture
def headers(credential: IssuedCredential, xapi_version: str) -> dict[str, str]:
    """Authenticated headers for the version under test (``all`` scope)."""
    return {"Authorization": basic_auth(credential), "X-Experience-API-Version": xapi_version}


@contextmanager
def listening(app: Flask, name: str, listener: Callable[..., None]) -> Iterator[None]:
    """Have ``listener`` hear the SQLAlchemy engine event ``name`` of ``app`` while the
    block runs."""
    engine = app.extensions["lrs"].db.engine
    event.listen(engine, name, listener)
    try:
        yield
    finally:
        event.remove(engine, name, listener)


@contextmanager
def sql_statements(app: Flask) -> Iterator[list[str]]:
    """Collect the SQL ``app`` sends while the block runs (one item per execute or
    executemany), to check that a path costs a constant number of round trips."""
    executed: list[str] = []

    def record(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        executed.append(statement)

    with listening(app, "after_cursor_execute", record):
        yield executed
