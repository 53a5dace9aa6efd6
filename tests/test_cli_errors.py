"""Every ``lrs`` command fails with one actionable ``Error:`` line, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from lrs.cli import cli
from tests.conftest import TEST_SECRET_KEY

LRS = [sys.executable, "-c", "from lrs.cli import main; main()"]


def _run(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {key: value for key, value in os.environ.items() if not key.startswith("LRS_")}
    environ.update(env)
    return subprocess.run([*LRS, *args], cwd=tmp_path, env=environ, capture_output=True,
                          text=True, timeout=120, check=False)


def test_production_db_upgrade_and_credentials_need_no_audit_key(tmp_path: Path) -> None:
    """A real process, every installed plugin loaded, production, no LRS_PLUGIN_AUDIT_KEY_FILE."""
    production = {"LRS_ENV": "production", "LRS_SECRET_KEY": TEST_SECRET_KEY,
                  "LRS_AUTO_MIGRATE": "false",
                  "LRS_DATABASE_URL": f"sqlite:///{tmp_path / 'weft.sqlite3'}"}

    upgraded = _run(tmp_path, "db", "upgrade", **production)
    assert upgraded.returncode == 0, upgraded.stderr
    assert "is up to date" in upgraded.stdout
    created = _run(tmp_path, "credentials", "create", "--name", "lms", "--scope", "all",
                   **production)
    assert created.returncode == 0, created.stderr

    for signing in (("audit", "public-key"), ("worker", "--once")):
        refused = _run(tmp_path, *signing, **production)
        assert refused.returncode == 1, signing
        assert refused.stderr.strip().splitlines() == [
            "Error: plugin 'audit': set LRS_PLUGIN_AUDIT_KEY_FILE (an Ed25519 private key in "
            "PEM): production never generates the audit signing key"], signing


def test_unreachable_database_is_one_line_naming_the_setting() -> None:
    result = CliRunner(env={"LRS_SECRET_KEY": TEST_SECRET_KEY}).invoke(
        cli, ["--database", "postgresql+psycopg://weft:hunter2@127.0.0.1:1/weft",
              "credentials", "list"])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Error: database postgresql+psycopg://weft:***@127.0.0.1:1/weft")
    assert "LRS_DATABASE_URL" in lines[0]
    assert "hunter2" not in result.output


@pytest.fixture
def failing_command(monkeypatch: pytest.MonkeyPatch) -> None:
    """``lrs boom``: a command with a bug (what a plugin's command may have)."""

    @click.command("boom")
    def boom() -> None:
        raise KeyError("widget")

    monkeypatch.setitem(cli.commands, "boom", boom)


@pytest.mark.usefixtures("failing_command")
def test_unexpected_error_is_one_line_with_how_to_see_the_traceback() -> None:
    result = CliRunner().invoke(cli, ["boom"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "Error: unexpected KeyError: 'widget' (this is a bug; rerun with "
        "`lrs --traceback ...` to see where, and report it)"]


@pytest.mark.usefixtures("failing_command")
def test_traceback_flag_shows_the_traceback() -> None:
    result = CliRunner().invoke(cli, ["--traceback", "boom"])
    assert isinstance(result.exception, KeyError)


def test_a_bad_plugin_setting_is_one_line_naming_it(tmp_path: Path) -> None:
    result = _run(tmp_path, "credentials", "list", LRS_PLUGIN_AUDIT_CHECKPOINT_EVERY="often",
                  LRS_DATABASE_URL=f"sqlite:///{tmp_path / 'weft.sqlite3'}")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "Error: plugin 'audit': LRS_PLUGIN_AUDIT_CHECKPOINT_EVERY must be a whole number, "
        "got 'often'"]


def test_a_plugin_that_cannot_load_is_one_line_and_help_still_works(tmp_path: Path) -> None:
    site = tmp_path / "site"
    info = site / "weft_broken-0.1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: weft-broken\nVersion: 0.1.0\n")
    (info / "entry_points.txt").write_text("[lrs.plugins]\nbroken = weft_broken\n")
    (site / "weft_broken.py").write_text("raise ImportError('needs ldap3')\n")
    env = {"PYTHONPATH": str(site), "LRS_DATABASE_URL": f"sqlite:///{tmp_path / 'w.sqlite3'}"}

    assert _run(tmp_path, "--help", **env).returncode == 0
    result = _run(tmp_path, "credentials", "list", **env)
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("Error: plugin 'broken'") and "needs ldap3" in line


def _lrs(tmp_path: Path, *args: str) -> Result:
    """``lrs ARGS`` on a migrated SQLite database in ``tmp_path``, new on first use."""
    env = {"LRS_SECRET_KEY": TEST_SECRET_KEY, "LRS_AUTO_MIGRATE": "true"}
    return CliRunner(env=env).invoke(
        cli, ["--database", f"sqlite:///{tmp_path / 'weft.sqlite3'}", *args])


def _invoke(tmp_path: Path, *args: str) -> str:
    """``lrs ARGS`` on a new migrated SQLite database; its error line (exit 1), the last."""
    result = _lrs(tmp_path, *args)
    assert result.exit_code == 1, result.output
    line = result.output.strip().splitlines()[-1]
    assert line.startswith("Error: ") and "this is a bug" not in line, result.output
    return line


def test_an_input_file_that_is_not_utf8_is_named_as_such(tmp_path: Path) -> None:
    people = tmp_path / "people.csv"
    people.write_bytes("employee_id,display_name\nE1,Ren\xe9\n".encode("latin-1"))
    assert _invoke(tmp_path, "people", "import", str(people)).startswith(
        "Error: the input is not UTF-8 text (invalid continuation byte at byte")


def test_a_csv_field_past_the_csv_limit_is_named_as_such(tmp_path: Path) -> None:
    people = tmp_path / "people.csv"
    people.write_text("employee_id,display_name\nE3," + "x" * 200_000 + "\n")
    assert _invoke(tmp_path, "people", "import", str(people)) == (
        "Error: the CSV input cannot be read: field larger than field limit (131072)")


def test_input_nested_past_what_can_be_read_is_named_as_such(tmp_path: Path) -> None:
    deep = tmp_path / "deep.ndjson"
    deep.write_text("[" * 100_000 + "]" * 100_000 + "\n")
    assert _invoke(tmp_path, "statements", "import", str(deep)) == (
        "Error: the input nests its lists or objects deeper than can be read")


def test_an_argument_that_is_not_text_is_named_as_such(tmp_path: Path) -> None:
    line = _invoke(tmp_path, "credentials", "list", "--tenant", "\udcff")
    assert line.startswith("Error: an argument holds bytes that are not text")


def test_a_path_that_cannot_be_read_names_it(tmp_path: Path) -> None:
    roster = tmp_path / "oneroster"
    (roster / "users.csv").mkdir(parents=True)
    assert _invoke(tmp_path, "people", "import-oneroster", str(roster)) == (
        f"Error: Is a directory: {str(roster / 'users.csv')!r}")


@pytest.mark.parametrize("driver", ["mysql", "mysql+pymysql", "postgresql+pg8000", "nosuchdb"])
def test_a_database_url_whose_driver_is_not_installed_says_what_runs(driver: str) -> None:
    result = CliRunner(env={"LRS_SECRET_KEY": TEST_SECRET_KEY}).invoke(
        cli, ["--database", f"{driver}://weft:hunter2@db/weft", "db", "upgrade"])
    assert result.exit_code == 1
    [line] = result.output.strip().splitlines()
    assert line.startswith(f"Error: LRS_DATABASE_URL: no database driver for {driver!r} is "
                           "installed (")
    assert line.endswith("); Weft runs on SQLite (sqlite:///PATH) and PostgreSQL through "
                         "psycopg (postgresql+psycopg://USER:PASSWORD@HOST/DB)")
    assert "hunter2" not in line


def test_a_database_url_that_cannot_be_parsed_names_the_setting(tmp_path: Path) -> None:
    result = CliRunner(env={"LRS_SECRET_KEY": TEST_SECRET_KEY}).invoke(
        cli, ["--database", "notaurl", "tenants", "list"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: LRS_DATABASE_URL or --database: Could not parse")


#: A number in JSON or YAML that Python's ``int`` refuses to read (over 4,300 digits).
TOO_LONG = "9" * 5000


def test_an_attendance_report_with_a_number_too_long_to_read_says_so(tmp_path: Path) -> None:
    planned = _lrs(tmp_path, "attendance", "sessions", "create", "--key", "drill",
                   "--activity", "https://learn.example.com/drill", "--title", "Fire drill",
                   "--start", "2026-12-04T09:00:00+00:00", "--end", "2026-12-04T10:00:00+00:00")
    assert planned.exit_code == 0, planned.output
    report = tmp_path / "zoom.json"
    report.write_text(f'{{"participants": [{{"duration": {TOO_LONG}}}]}}')
    assert _invoke(tmp_path, "attendance", "import", str(report), "--session", "drill") == (
        "Error: zoom.json: not valid JSON: a number has more than 4300 digits")


def test_a_framework_with_a_number_too_long_to_read_says_so(tmp_path: Path) -> None:
    framework = tmp_path / "framework.json"
    framework.write_text(f'{{"CFDocument": {{"version": {TOO_LONG}}}}}')
    assert _invoke(tmp_path, "competency", "frameworks", "import", str(framework)) == (
        "Error: the file is not valid JSON ($: a number has more than 4300 digits)")


@pytest.mark.parametrize(("name", "text", "error"), [
    ("kpis.json", f'{{"kpis": [{TOO_LONG}]}}',
     "Error: not JSON: a number has more than 4300 digits "
     "($: a number has more than 4300 digits)"),
    ("kpis.yaml", f"kpis: [{TOO_LONG}]\n",
     "Error: not YAML at line 1, column 8 ($: Exceeds the limit (4300 digits) for integer "
     "string conversion: value has 5000 digits; use sys.set_int_max_str_digits() to increase "
     "the limit)"),
], ids=["json", "yaml"])
def test_kpis_with_a_number_too_long_to_read_say_so(
    tmp_path: Path, name: str, text: str, error: str
) -> None:
    kpis = tmp_path / name
    kpis.write_text(text)
    assert _invoke(tmp_path, "kpi", "load", str(kpis)) == error


@pytest.mark.parametrize(("variable", "refusal"), [
    ("LRS_PLUGIN_ATTENDANCE_GRACE_MINUTES", "plugin 'attendance': "
     "LRS_PLUGIN_ATTENDANCE_GRACE_MINUTES must be a whole number of minutes from 0 to 10080, got"),
    ("LRS_PLUGIN_AUDIT_CHECKPOINT_EVERY", "plugin 'audit': LRS_PLUGIN_AUDIT_CHECKPOINT_EVERY "
     "must be a whole number, got"),
    ("LRS_PLUGIN_AUDIT_SOON_DAYS", "plugin 'audit': LRS_PLUGIN_AUDIT_SOON_DAYS must be a whole "
     "number of days from 0 to 366, got"),
    ("LRS_PLUGIN_KPI_EVALUATE_SECONDS", "plugin 'kpi': LRS_PLUGIN_KPI_EVALUATE_SECONDS must be "
     "a whole number of seconds, got"),
])
def test_a_plugin_setting_too_long_to_be_a_number_is_one_line_naming_it(
    tmp_path: Path, variable: str, refusal: str
) -> None:
    env = {"LRS_SECRET_KEY": TEST_SECRET_KEY, "LRS_AUTO_MIGRATE": "true", variable: TOO_LONG}
    result = CliRunner(env=env).invoke(
        cli, ["--database", f"sqlite:///{tmp_path / 'weft.sqlite3'}", "credentials", "list"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [f"Error: {refusal} '{TOO_LONG}'"]
