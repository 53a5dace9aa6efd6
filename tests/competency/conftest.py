"""An application with the competency plugin loaded through its real entry point, on a
fresh database (both backends), a credential with its scopes, ``lrs`` on that database,
and the CASE packages of tests/competency/data (CASE 1.0 and 1.1, published shape)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from flask import Flask
from flask.testing import FlaskClient

from lrs.plugin.testing import ApiCredential
from tests.conftest import TEST_SECRET_KEY
from tests.plugins.conftest import RecordingPlugin

DATA = Path(__file__).parent / "data"
CASE_10 = DATA / "safety_case_1_0.json"
CASE_11 = DATA / "safety_case_1_1.json"
SKILLS_CSV = DATA / "skills.csv"


def package(path: Path = CASE_10) -> dict[str, Any]:
    """A fresh copy of a fixture package, to change in a test."""
    return copy.deepcopy(json.loads(path.read_text()))


@pytest.fixture
def recorder() -> RecordingPlugin:
    return RecordingPlugin()


@pytest.fixture
def comp_app(
    lrs_make_app: Callable[..., Flask], fresh_database_url: str, recorder: RecordingPlugin
) -> Flask:
    return lrs_make_app(recorder, installed=["competency"], database_url=fresh_database_url)


@pytest.fixture
def client(comp_app: Flask) -> FlaskClient:
    return comp_app.test_client()


@pytest.fixture
def auth(comp_app: Flask, lrs_make_credential: Callable[..., ApiCredential]) -> dict[str, str]:
    return lrs_make_credential(
        "competency/read", "competency/write", app=comp_app, name="framework desk"
    ).headers


@pytest.fixture
def competency_cli(comp_app: Flask) -> Callable[..., Result]:
    """``lrs ARGS...`` on the test's database, with only the competency plugin."""
    others = ",".join(
        sorted(ep.name for ep in entry_points(group="lrs.plugins") if ep.name != "competency")
    )
    url = comp_app.extensions["lrs"].settings.database_url
    runner = CliRunner(
        env={
            "LRS_SECRET_KEY": TEST_SECRET_KEY,
            "LRS_AUTO_MIGRATE": "false",
            "LRS_DISABLED_PLUGINS": others,
        }
    )

    def run(*args: str) -> Result:
        from lrs.cli import cli

        return runner.invoke(cli, ["--database", url, *args])

    return run
