"""Every ``lrs`` command fails with one actionable ``Error:`` line, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

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
