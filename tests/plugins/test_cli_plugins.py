"""``lrs worker``, ``lrs outbox`` and ``lrs plugins`` against real installed plugins."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from lrs.app import create_app
from lrs.cli import cli
from lrs.settings import Settings
from tests.conftest import INSTALLED_PLUGINS, TEST_SECRET_KEY
from tests.plugins.conftest import AUTHORITY, runtime, statement

EXAMPLE = Path(__file__).parent / "example_plugin"

FLAKY_PLUGIN = """
from lrs.plugin.hookspecs import hookimpl

@hookimpl
def statements_stored(event):
    raise TimeoutError("HRIS did not answer")
"""


@pytest.fixture
def lrs(fresh_database_url: str) -> Callable[..., Result]:
    runner = CliRunner(env={"LRS_SECRET_KEY": TEST_SECRET_KEY, "LRS_AUTO_MIGRATE": "true",
                            "LRS_OUTBOX_MAX_ATTEMPTS": "1",
                            "LRS_DISABLED_PLUGINS": INSTALLED_PLUGINS})

    def run(*args: str) -> Result:
        return runner.invoke(cli, ["--database", fresh_database_url, *args])

    return run


@pytest.fixture
def plugins_installed(install_distribution: Callable[..., Path]) -> None:
    install_distribution("weft-example-plugin", {"example": "weft_example"}, path=EXAMPLE)
    install_distribution("weft-flaky", {"flaky": "weft_flaky"},
                         modules={"weft_flaky": FLAKY_PLUGIN}, version="2.1")


def ingest_one(settings: Settings) -> None:
    app = create_app(settings)
    runtime(app).host.ingest(1, [statement()], authority=AUTHORITY)
    runtime(app).db.engine.dispose()


def test_plugins_list_shows_installed_plugins_and_their_hooks(
    plugins_installed: None, lrs: Callable[..., Result],
) -> None:
    result = lrs("plugins", "list", "--json")
    assert result.exit_code == 0, result.output
    listed = {p["name"]: p for p in json.loads(result.output)}
    assert listed["flaky"] == {"name": "flaky", "distribution": "weft-flaky 2.1",
                               "hooks": ["statements_stored"]}
    assert listed["example"]["distribution"] == "weft-example-plugin 0.1.0"


def test_worker_delivers_then_dead_letters_and_replay_queues_again(
    plugins_installed: None, lrs: Callable[..., Result], fresh_settings: Callable[..., Settings],
) -> None:
    ingest_one(fresh_settings(auto_migrate=True, disabled_plugins=INSTALLED_PLUGINS))
    nice = os.getpriority(os.PRIO_PROCESS, 0)
    worked = lrs("worker", "--once")
    assert (worked.exit_code, worked.stdout) == (0, "Processed 1 event(s); ran 0 connector(s).\n")
    assert os.getpriority(os.PRIO_PROCESS, 0) == nice  # --once (cron) runs as started
    assert "plugin 'flaky' failed on statements_stored" in worked.stderr
    listed = lrs("outbox", "list", "--json")
    [dead] = [json.loads(line) for line in listed.stdout.splitlines()]
    assert dead == {"event": 1, "plugin": "flaky", "attempts": 1,
                    "error": "TimeoutError: HRIS did not answer"}
    replayed = lrs("outbox", "replay", "--plugin", "flaky")
    assert replayed.stdout == "Queued 1 dead letter(s) for delivery.\n"
    assert lrs("worker", "--once").stdout == "Processed 1 event(s); ran 0 connector(s).\n"


def test_outbox_list_says_when_there_is_nothing_dead(lrs: Callable[..., Result]) -> None:
    result = lrs("outbox", "list")
    assert (result.exit_code, result.output) == (0, "No dead letters.\n")
