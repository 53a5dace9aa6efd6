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


#: Competency URIs of the fixture frameworks: the CSV's tree (no prerequisites) and
#: CASE's first aid, where FA.1 precedes FA.2 precedes FA.3.
SKILLS = "urn:weft:competency:skills/"
COMM, LISTEN, BRIEF = SKILLS + "comm", SKILLS + "comm-listen", SKILLS + "comm-brief"
CASE_ITEMS = "https://case.example.org/ims/case/v1p0/CFItems/"
FIRST_AID = CASE_ITEMS + "114c1c20-44a1-5d9d-8ea8-2b2d2689fdbf"
FA1 = CASE_ITEMS + "850e70cd-bcf7-52d2-9b37-1fe72e4fef9d"
FA2 = CASE_ITEMS + "ba5c10d7-04fb-58fb-a345-747e3b5852dd"
FA3 = CASE_ITEMS + "1f14e487-c22e-57f7-ab45-7060b4d2816b"
VERBS = "http://adlnet.gov/expapi/verbs/"
PASSED, FAILED, COMPLETED = VERBS + "passed", VERBS + "failed", VERBS + "completed"
PEOPLE = [
    {"employee_id": "E1", "display_name": "Ada Lovelace", "email": "ada@example.com"},
    {"employee_id": "E2", "display_name": "Grace Hopper", "email": "grace@example.com"},
]
ADA, GRACE = "mailto:ada@example.com", "mailto:grace@example.com"


def seed(app: Flask) -> Flask:
    """``app`` with the CSV and CASE 1.0 frameworks and :data:`PEOPLE`."""
    from plugins.competency.frameworks import import_package
    from plugins.competency.reading import read_framework

    host = app.extensions["lrs"].host
    for path in (SKILLS_CSV, CASE_10):
        import_package(host, 1, read_framework(path.read_bytes(), path.name), actor="test")
    assert not host.import_people(1, PEOPLE, actor="test").errors
    return app


@pytest.fixture
def seeded_app(comp_app: Flask) -> Flask:
    return seed(comp_app)


@pytest.fixture
def xapi(seeded_app: Flask, lrs_make_credential: Callable[..., ApiCredential]) -> dict[str, str]:
    """Headers of a credential that may send and read statements and manage rules."""
    return lrs_make_credential(
        "all", "competency/read", "competency/write", app=seeded_app, name="lms"
    ).headers
