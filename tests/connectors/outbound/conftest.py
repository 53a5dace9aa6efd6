"""A sending Weft with the outgoing connector types installed, the receivers, and
``lrs`` commands on the sender's database."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from flask import Flask
from sqlalchemy import create_engine, text

from lrs.cli import cli
from lrs.plugin.testing import ApiCredential, deliver
from tests.conftest import TEST_SECRET_KEY
from tests.connectors.outbound.remotes import (
    ReceivingWeft,
    ScriptedServer,
    receiving_weft,
    scripted_server,
)

OUTGOING = ("forwarding", "webhook")
DISABLED = ",".join(
    sorted(ep.name for ep in entry_points(group="lrs.plugins") if ep.name not in OUTGOING)
)


@pytest.fixture(scope="module")
def receiver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReceivingWeft]:
    """One receiving Weft per test module (each test sends statements of its own ids)."""
    with receiving_weft(tmp_path_factory.mktemp("receiver")) as weft:
        yield weft


@pytest.fixture
def remote() -> Iterator[ScriptedServer]:
    with scripted_server() as server:
        yield server


@pytest.fixture
def lrs_database_url(fresh_database_url: str) -> str:
    """A fresh database of each backend: the sender migrates it with the plugins' branch."""
    return fresh_database_url


@pytest.fixture
def sender(lrs_make_app: Callable[..., Flask]) -> Flask:
    return lrs_make_app(installed=OUTGOING)


@pytest.fixture
def sender_credential(
    sender: Flask, lrs_make_credential: Callable[..., ApiCredential]
) -> ApiCredential:
    return lrs_make_credential("all", app=sender)


@pytest.fixture
def post(sender: Flask, sender_credential: ApiCredential) -> Callable[..., list[str]]:
    """``post(statements)``: store them in the sender and deliver the events (queueing)."""
    client = sender.test_client()

    def store(statements: list[dict[str, Any]], *, version: str = "2.0.0") -> list[str]:
        response = client.post(
            "/xapi/statements",
            json=statements,
            headers={**sender_credential.headers, "X-Experience-API-Version": version},
        )
        assert response.status_code == 200, response.get_json()
        deliver(sender)
        return response.get_json()

    return store


@pytest.fixture
def lrs(fresh_database_url: str, sender: Flask) -> Callable[..., Result]:
    """``lrs(*args)`` on the sender's database, with the outgoing types installed."""
    runner = CliRunner(
        env={
            "LRS_SECRET_KEY": TEST_SECRET_KEY,
            "LRS_DISABLED_PLUGINS": DISABLED,
            "LRS_CONNECTOR_MAX_FAILURES": "3",
            "LRS_CONNECTOR_BACKOFF_SECONDS": "1",
            "LRS_LOG_FORMAT": "text",
        }
    )

    def run(*args: str, input: str | None = None) -> Result:
        return runner.invoke(cli, ["--database", fresh_database_url, *args], input=input)

    return run


@pytest.fixture
def queued(fresh_database_url: str) -> Callable[[], list[str]]:
    """The statement ids in the outbound queue, in order."""

    def read() -> list[str]:
        engine = create_engine(fresh_database_url)
        try:
            with engine.connect() as connection:
                return [
                    r[0]
                    for r in connection.execute(
                        text("SELECT statement_id FROM outbound_queue ORDER BY seq")
                    )
                ]
        finally:
            engine.dispose()

    return read


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.stdout


def create(
    lrs: Callable[..., Result], name: str, type_name: str, config: dict[str, Any], tmp_path: Path
) -> None:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(config))
    ok(
        lrs(
            "connectors",
            "create",
            name,
            "--type",
            type_name,
            "--config",
            str(path),
            "--schedule",
            "every 1h",
        )
    )
