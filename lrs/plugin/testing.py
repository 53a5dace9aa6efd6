"""pytest fixtures for plugin authors: a Weft application around your plugin, in one line.

Installed with Weft as the ``lrs`` pytest plugin (``[project.entry-points.pytest11]``),
so the fixtures below are available in any test suite of an environment where
``weft-lrs`` is installed; nothing to import. Every name starts with ``lrs_``::

    import pytest
    import weft_hris

    @pytest.fixture
    def lrs_plugins():
        return [weft_hris]                    # the plugins lrs_app loads

    def test_sync_stores_attendance(lrs_app, lrs_client, lrs_credential, lrs_deliver):
        response = lrs_client.get("/plugins/hris/people", headers=lrs_credential.headers)
        ...

Applications get a fresh SQLite database under the test's ``tmp_path``,
migrated with core's and the given plugins' Alembic branches. Installed
plugins (Weft's own included) are not loaded unless named in ``installed=``.
No background thread delivers post-commit events: call ``lrs_deliver()``,
and the test decides when hooks such as ``statements_stored`` run. A fresh
application announces the configuration it started with
(``admin_action_taken``, action ``configuration.recorded``), so the first
delivery includes that event too.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from lrs.machinery.manager import ENTRY_POINT_GROUP
from lrs.settings import Settings

#: The secret key of test applications (never use it elsewhere).
TEST_SECRET_KEY = "lrs-testing-secret-key-" + "x" * 32
#: An authority Agent for statements a test ingests with ``host.ingest``.
AUTHORITY = {"objectType": "Agent", "name": "test plugin",
             "account": {"homePage": "https://example.com", "name": "test-plugin"}}
EXPERIENCED = "http://adlnet.gov/expapi/verbs/experienced"


def statement(verb: str = EXPERIENCED, mbox: str = "mailto:learner@example.com", *,
              activity: str = "http://example.com/activities/one",
              **extra: Any) -> dict[str, Any]:
    """A valid xAPI statement with a fresh id; ``extra`` adds or replaces top-level
    properties (``result=...``, ``context=...``, ``timestamp=...``)."""
    return {"id": str(uuid.uuid4()), "actor": {"mbox": mbox}, "verb": {"id": verb},
            "object": {"id": activity}, **extra}


@dataclass(frozen=True)
class ApiCredential:
    """A Basic credential created for a test, with headers ready to send."""

    key: str
    secret: str
    scopes: tuple[str, ...]
    xapi_version: str = "2.0.0"

    @property
    def authorization(self) -> str:
        return "Basic " + base64.b64encode(f"{self.key}:{self.secret}".encode()).decode()

    @property
    def headers(self) -> dict[str, str]:
        """``Authorization`` and ``X-Experience-API-Version`` for the test client."""
        return {"Authorization": self.authorization,
                "X-Experience-API-Version": self.xapi_version}


def create_api_credential(app: Flask, *scopes: str, name: str = "test client") -> ApiCredential:
    """Create a credential in ``app`` with ``scopes`` (``all`` when none; plugin scopes too)."""
    from lrs.store.credentials import create_credential

    runtime = app.extensions["lrs"]
    with runtime.db.write() as session:
        issued = create_credential(session, runtime.settings.secret_key, name=name,
                                   scopes=list(scopes or ["all"]), known_scopes=runtime.scopes)
    return ApiCredential(issued.key, issued.secret, tuple(issued.scopes))


def deliver(app: Flask) -> int:
    """Deliver every due post-commit event to the plugins now; return how many were claimed.

    What a server's outbox thread or ``lrs worker`` does, synchronously.
    """
    outbox = app.extensions["lrs"].outbox
    claimed = total = outbox.process_pending()
    while claimed:
        claimed = outbox.process_pending()
        total += claimed
    return total


@pytest.fixture
def lrs_plugins() -> list[object]:
    """The plugin modules or objects ``lrs_app`` loads: override it in your conftest."""
    return []


@pytest.fixture
def lrs_database_url(tmp_path: Path) -> str:
    """The database of test applications: a fresh SQLite file (override for PostgreSQL)."""
    return f"sqlite:///{tmp_path / 'lrs.sqlite3'}"


@pytest.fixture
def lrs_make_app(lrs_database_url: str) -> Iterator[Callable[..., Flask]]:
    """``lrs_make_app(*plugins, installed=(), **settings)``: build an application.

    :param plugins: modules or objects registered as plugins (named by their
        ``plugin_name`` attribute, else module or class name).
    :param installed: names of installed ``lrs.plugins`` entry points to load
        too (your own distribution's, to test its entry point); the others are
        disabled.
    :param settings: :class:`~lrs.settings.Settings` fields to override
        (``database_url``, ``outbox_inline``...). The database is migrated
        (``auto_migrate``) unless told otherwise.
    """
    from lrs.app import create_app

    apps: list[Flask] = []

    def make(*plugins: object, installed: Iterable[str] = (), **overrides: Any) -> Flask:
        kept = set(installed)
        disabled = sorted(ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)
                          if ep.name not in kept)
        settings = Settings.from_env({}, **{
            "database_url": lrs_database_url, "secret_key": TEST_SECRET_KEY,
            "auto_migrate": True, "outbox_inline": False, "log_format": "text",
            "disabled_plugins": ",".join(disabled), **overrides,
        })
        app = create_app(settings, plugins=plugins)
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.extensions["lrs"].outbox.stop()
        app.extensions["lrs"].db.engine.dispose()


@pytest.fixture
def lrs_app(lrs_make_app: Callable[..., Flask], lrs_plugins: list[object]) -> Flask:
    """An application with ``lrs_plugins`` loaded, on a fresh database."""
    return lrs_make_app(*lrs_plugins)


@pytest.fixture
def lrs_client(lrs_app: Flask) -> FlaskClient:
    """Flask's test client for ``lrs_app``."""
    return lrs_app.test_client()


@pytest.fixture
def lrs_make_credential(request: pytest.FixtureRequest) -> Callable[..., ApiCredential]:
    """``lrs_make_credential(*scopes, app=None, name=...)``: a credential in ``app``
    (``lrs_app`` by default) with those scopes (``all`` when none)."""

    def make(*scopes: str, app: Flask | None = None, name: str = "test client") -> ApiCredential:
        return create_api_credential(app or request.getfixturevalue("lrs_app"), *scopes,
                                     name=name)

    return make


@pytest.fixture
def lrs_credential(lrs_make_credential: Callable[..., ApiCredential]) -> ApiCredential:
    """A credential of ``lrs_app`` with the ``all`` scope; send ``lrs_credential.headers``."""
    return lrs_make_credential("all")


@pytest.fixture
def lrs_deliver(request: pytest.FixtureRequest) -> Callable[..., int]:
    """``lrs_deliver(app=None)``: deliver due post-commit events of ``app`` (``lrs_app``)."""

    def run(app: Flask | None = None) -> int:
        return deliver(app or request.getfixturevalue("lrs_app"))

    return run


@pytest.fixture
def lrs_statement() -> Callable[..., dict[str, Any]]:
    """The :func:`statement` builder: ``lrs_statement(verb, mbox, activity=..., **extra)``."""
    return statement
