"""Fixtures for hook contracts: a recording plugin and apps built around given plugins.

Applications come from :mod:`lrs.plugin.testing`, the fixtures plugin authors use, run
here on every backend: ``lrs_database_url`` is the parametrized ``database_url``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from lrs.plugin.hookspecs import hookimpl
from lrs.plugin.testing import AUTHORITY, statement
from lrs.runtime import Runtime
from lrs.settings import Settings
from tests.conftest import TEST_SECRET_KEY

__all__ = ["AUTHORITY", "CrashingPlugin", "RecordingPlugin", "deliver_start_up", "runtime",
           "statement"]


class RecordingPlugin:
    """Implements every hook run by an application and records its keyword arguments."""

    def __init__(self, name: str = "recording") -> None:
        self.plugin_name = name
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def called(self, hook: str) -> list[dict[str, Any]]:
        return [kwargs for name, kwargs in self.calls if name == hook]

    @hookimpl
    def check_statements(self, host: Any, tenant_id: int, statements: list[dict[str, Any]],
                         version: str, credential_id: int | None) -> list[Any]:
        self.calls.append(("check_statements", {
            "host": host, "tenant_id": tenant_id, "statements": statements, "version": version,
            "credential_id": credential_id}))
        return []

    @hookimpl
    def statements_stored(self, host: Any, event: Any, statements: list[dict[str, Any]]) -> None:
        self.calls.append(("statements_stored",
                           {"host": host, "event": event, "statements": statements}))

    @hookimpl
    def documents_changed(self, host: Any, event: Any) -> None:
        self.calls.append(("documents_changed", {"host": host, "event": event}))

    @hookimpl
    def admin_action_taken(self, host: Any, event: Any) -> None:
        self.calls.append(("admin_action_taken", {"host": host, "event": event}))

    @hookimpl
    def notification_raised(self, host: Any, event: Any) -> None:
        self.calls.append(("notification_raised", {"host": host, "event": event}))

    @hookimpl
    def resolve_person(self, host: Any, tenant_id: int, agent: dict[str, Any]) -> None:
        self.calls.append(("resolve_person",
                           {"host": host, "tenant_id": tenant_id, "agent": agent}))

    @hookimpl
    def erase_person(self, host: Any, session: Any, tenant_id: int,
                     person_keys: frozenset[str], deleted_statement_ids: tuple[str, ...],
                     redacted_statement_ids: tuple[str, ...], dry_run: bool) -> None:
        self.calls.append(("erase_person", {
            "host": host, "session": session, "tenant_id": tenant_id,
            "person_keys": person_keys, "deleted_statement_ids": deleted_statement_ids,
            "redacted_statement_ids": redacted_statement_ids, "dry_run": dry_run}))

    @hookimpl
    def register_blueprints(self, host: Any) -> list[Any]:
        self.calls.append(("register_blueprints", {"host": host}))
        return []

    @hookimpl
    def register_admin_pages(self, host: Any) -> list[Any]:
        self.calls.append(("register_admin_pages", {"host": host}))
        return []

    @hookimpl
    def register_scopes(self) -> list[Any]:
        self.calls.append(("register_scopes", {}))
        return []

    @hookimpl
    def register_metrics(self, host: Any) -> list[Any]:
        self.calls.append(("register_metrics", {"host": host}))
        return []

    @hookimpl
    def register_connector_types(self, host: Any) -> list[Any]:
        self.calls.append(("register_connector_types", {"host": host}))
        return []


class CrashingPlugin:
    """Fails on every post-commit event, like a plugin whose backend is down."""

    plugin_name = "crashing"

    def __init__(self) -> None:
        self.attempts = 0
        #: Set to false when the backend comes back.
        self.failing = True
        #: What the failure says.
        self.message = "LMS unreachable"

    @hookimpl
    def statements_stored(self) -> None:
        self.attempts += 1
        if self.failing:
            raise ConnectionError(self.message)


@pytest.fixture
def lrs_database_url(database_url: str) -> str:
    """:mod:`lrs.plugin.testing`'s applications on each backend's migrated, empty database."""
    return database_url


@pytest.fixture
def make_app(lrs_make_app: Callable[..., Flask]) -> Callable[..., Flask]:
    """``make_app(*plugins, **settings)``: an app with those plugins and no installed one;
    no inline outbox thread unless ``outbox_inline=True`` is asked for (tests drive the
    outbox themselves)."""

    def make(*plugins: object, **overrides: Any) -> Flask:
        # The suite's key: credentials made by tests.conftest's fixtures work here.
        return lrs_make_app(*plugins, **{"auto_migrate": False, "secret_key": TEST_SECRET_KEY,
                                         **overrides})

    return make


def runtime(app: Flask) -> Runtime:
    return app.extensions["lrs"]


def wait_for(condition: Callable[[], object]) -> None:
    """Until ``condition`` holds, for at most 10 s (what a background thread does)."""
    deadline = time.monotonic() + 10
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)


def deliver_start_up(app: Flask) -> None:
    """Deliver the ``configuration.recorded`` action the first app on a fresh store
    announces (:mod:`lrs.services.configuration`), so that the outbox holds only what the
    test does."""
    assert runtime(app).outbox.process_pending() == 1


@pytest.fixture
def fresh_settings(fresh_database_url: str) -> Callable[..., Settings]:
    def make(**overrides: Any) -> Settings:
        return Settings.from_env({}, **{"database_url": fresh_database_url,
                                        "secret_key": TEST_SECRET_KEY, "log_format": "text",
                                        "outbox_inline": False, **overrides})

    return make


@pytest.fixture
def install_distribution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Path]:
    """Make a real installed distribution with ``lrs.plugins`` entry points visible.

    Writes ``<name>-<version>.dist-info`` (METADATA, entry_points.txt) into a fresh
    folder put on ``sys.path``, which is all ``importlib.metadata`` looks at: the
    plugin is discovered exactly as after ``pip install``. ``modules`` are source
    files written beside it; ``path`` is another folder to import from.
    """

    def install(name: str, entry_points: dict[str, str], *, version: str = "0.1.0",
                modules: dict[str, str] | None = None, path: Path | None = None) -> Path:
        site = tmp_path / f"site-{name}"
        info = site / f"{name.replace('-', '_')}-{version}.dist-info"
        info.mkdir(parents=True)
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
        (info / "entry_points.txt").write_text(
            "[lrs.plugins]\n" + "".join(f"{key} = {value}\n" for key, value in entry_points.items())
        )
        for module, source in (modules or {}).items():
            (site / f"{module}.py").write_text(source)
        if path is not None:
            monkeypatch.syspath_prepend(str(path))
        monkeypatch.syspath_prepend(str(site))
        return site

    return install
