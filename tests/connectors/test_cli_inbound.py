"""The ``hris`` and ``moodle`` connector types as an administrator drives them: ``lrs
connectors create|run|show`` and ``lrs people list``, against real HTTP servers on
127.0.0.1, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from lrs.cli import cli
from tests.conftest import INSTALLED_PLUGINS, TEST_SECRET_KEY
from tests.connectors.fake_moodle import TOKEN, FakeMoodle
from tests.connectors.loopback import serve
from tests.connectors.test_hris import (
    PASSWORD,
    REPORT_PATH,
    USER,
    WORKDAY,
    WORKDAY_MAPPING,
    report_server,
)


@pytest.fixture
def lrs(database_url: str) -> Callable[..., Result]:
    """``lrs ARGS...`` on the test database with the built-in connector types loaded."""
    disabled = ",".join(
        name for name in INSTALLED_PLUGINS.split(",") if name not in ("hris", "moodle")
    )
    runner = CliRunner(
        env={
            "LRS_SECRET_KEY": TEST_SECRET_KEY,
            "LRS_AUTO_MIGRATE": "false",
            "LRS_DISABLED_PLUGINS": disabled,
        }
    )

    def run(*args: str, input: str | None = None) -> Result:
        return runner.invoke(cli, ["--database", database_url, *args], input=input)

    return run


def totals(result: Result) -> tuple[int, int]:
    """Statements stored and skipped by the runs ``lrs connectors run`` printed."""
    counts = [
        json.loads(
            "[" + line.split("stored ")[1].split(", sent")[0].replace(", skipped", ",") + "]"
        )
        for line in result.stdout.splitlines()
        if line.startswith("succeeded")
    ]
    return sum(c[0] for c in counts), sum(c[1] for c in counts)


def test_an_hris_report_fills_the_directory_from_the_command_line(
    lrs: Callable[..., Result],
    tmp_path: Path,
) -> None:
    with report_server(json.dumps(WORKDAY).encode()) as remote:
        config = tmp_path / "hris.json"
        config.write_text(
            json.dumps(
                {
                    "url": remote.url + REPORT_PATH,
                    "auth": "basic",
                    "username": USER,
                    "mapping": WORKDAY_MAPPING,
                }
            )
        )
        created = lrs(
            "connectors",
            "create",
            "workday",
            "--type",
            "hris",
            "--config",
            str(config),
            "--secret",
            "password",
            "--schedule",
            "0 2 * * *",
            input=PASSWORD + "\n",
        )
        assert created.exit_code == 0, created.output
        first, again = lrs("connectors", "run", "workday"), lrs("connectors", "run", "workday")
    assert first.exit_code == 0, first.output
    assert first.stdout.startswith("succeeded: fetched 2, stored 2, skipped 0, sent 0 in ")
    assert "  2 new, 0 updated, 0 unchanged, 0 deactivated, 0 in error\n" in first.stdout
    assert "  0 new, 0 updated, 2 unchanged, 0 deactivated, 0 in error\n" in again.stdout
    listed = json.loads(lrs("people", "list", "--json").stdout)
    assert [(p["employee_id"], p["name"], p["department"]) for p in listed] == [
        ("21001", "Logan McNeil", "Global Support"),
        ("21002", "Ada Lovelace", "Global Support"),
    ]
    shown = lrs("connectors", "show", "workday")
    assert json.loads(shown.stdout)["secrets_set"] == ["password"]
    assert PASSWORD not in shown.stdout


def test_moodle_completions_are_stored_from_the_command_line_once(
    lrs: Callable[..., Result],
) -> None:
    fake = FakeMoodle()
    with serve(fake.answer) as remote:
        created = lrs(
            "connectors",
            "create",
            "lms",
            "--type",
            "moodle",
            "--set",
            f"base_url={remote.url}",
            "--set",
            "page_size=1",
            "--set",
            "pages_per_run=2",
            "--secret",
            "token",
            input=TOKEN + "\n",
        )
        assert created.exit_code == 0, created.output
        caught_up = lrs("connectors", "run", "lms", "--until-done")
        again = lrs("connectors", "run", "lms", "--until-done")
        fake.token = "revoked"
        refused = lrs("connectors", "run", "lms")
    assert caught_up.exit_code == 0, caught_up.output
    assert totals(caught_up) == (5, 0) and caught_up.stdout.count("succeeded") > 1
    assert "pass complete: every course read" in caught_up.stdout
    assert totals(again) == (0, 5)
    assert refused.exit_code == 1
    assert refused.stderr.strip().endswith(
        "Error: MoodleError: Moodle core_course_get_courses refused: Invalid token - token "
        "not found (moodle_exception, errorcode invalidtoken)"
    )
    runs = lrs("connectors", "runs", "lms")
    assert runs.exit_code == 0 and "failed" in runs.stdout
