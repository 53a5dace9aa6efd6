"""The example plugin package, discovered through its entry point as if pip-installed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import inspect

from lrs.app import create_app
from lrs.cli_plugins import add_plugin_commands
from lrs.settings import Settings
from lrs.store.credentials import create_credential
from lrs.xapi.errors import InvalidStatement
from tests.conftest import basic_auth
from tests.plugins.conftest import AUTHORITY, runtime, statement

EXAMPLE = Path(__file__).parent / "example_plugin"
FORBIDDEN = "https://example.com/verbs/forbidden"
COMPLETED = "http://adlnet.gov/expapi/verbs/completed"


@pytest.fixture
def example_installed(install_distribution: Callable[..., Path]) -> None:
    install_distribution("weft-example-plugin", {"example": "weft_example"}, path=EXAMPLE)


@pytest.fixture
def example_app(
    example_installed: None, fresh_settings: Callable[..., Settings],
) -> Iterator[Flask]:
    app = create_app(fresh_settings(auto_migrate=True))
    yield app
    runtime(app).db.engine.dispose()


def test_example_plugin_is_loaded_from_its_entry_point(example_app: Flask) -> None:
    [info] = [p for p in runtime(example_app).plugins.list_plugins() if p.name == "example"]
    assert info.distribution == "weft-example-plugin 0.1.0"
    assert info.hooks == ("check_statements", "register_blueprints", "register_commands",
                          "register_migrations", "statements_stored")


def test_example_plugin_migration_branch_creates_its_table_beside_core(example_app: Flask) -> None:
    tables = inspect(runtime(example_app).db.engine).get_table_names()
    assert {"example_seen_statements", "statements", "outbox_events"} <= set(tables)


def test_example_plugin_refuses_its_forbidden_verb(example_app: Flask) -> None:
    with pytest.raises(InvalidStatement, match=r"\$\[0\]\.verb\.id"):
        runtime(example_app).host.ingest(1, [statement(verb=FORBIDDEN)], authority=AUTHORITY)


def test_example_plugin_counts_stored_verbs_and_serves_them(example_app: Flask) -> None:
    host = runtime(example_app).host
    host.ingest(1, [statement(verb=COMPLETED), statement(verb=COMPLETED), statement()],
                authority=AUTHORITY)
    runtime(example_app).outbox.process_pending()
    with host.write() as session:
        reader = create_credential(session, host.settings.secret_key, name="r",
                                   scopes=["statements/read"])
    response = example_app.test_client().get("/plugins/example/verbs",
                                             headers={"Authorization": basic_auth(reader)})
    assert response.get_json() == {COMPLETED: 2, "http://adlnet.gov/expapi/verbs/experienced": 1}


def test_example_plugin_adds_its_command(example_installed: None) -> None:
    group = click.Group("lrs")
    add_plugin_commands(group, environ={})
    result = CliRunner().invoke(group, ["example-forbidden-verb"])
    assert (result.exit_code, result.output) == (0, FORBIDDEN + "\n")
    assert {"worker", "outbox", "plugins"} <= set(group.commands)


def test_disabled_example_plugin_adds_no_command(example_installed: None) -> None:
    group = click.Group("lrs")
    add_plugin_commands(group, environ={"LRS_DISABLED_PLUGINS": "example"})
    assert "example-forbidden-verb" not in group.commands
