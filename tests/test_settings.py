"""Settings: parsing of LRS_* variables, refusals, and the docs table kept in sync."""

from __future__ import annotations

import re
import stat
from dataclasses import MISSING, fields
from pathlib import Path

import pytest

from lrs.settings import Settings, SettingsError

CONFIGURATION_MD = Path(__file__).resolve().parents[1] / "docs" / "configuration.md"
_ROW = re.compile(r"^\| `(LRS_[A-Z_]+)` \| (.*?) \| (.*) \|$")


def documented_variables() -> dict[str, str]:
    """``{variable: default as written}`` from the table in docs/configuration.md."""
    rows = {}
    for line in CONFIGURATION_MD.read_text().splitlines():
        match = _ROW.match(line)
        if match:
            name, default, meaning = match.groups()
            assert meaning.strip(), f"{name} has no meaning in docs/configuration.md"
            rows[name] = default
    return rows


def as_documented(value: object) -> str:
    """How the table writes a default: `code`, or *(empty)* for an empty string."""
    if value == "":
        return "*(empty)*"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    return f"`{value}`"


def test_configuration_md_lists_exactly_the_settings_with_their_defaults() -> None:
    expected = {
        f"LRS_{f.name.upper()}": as_documented(f.default)
        for f in fields(Settings)
        if f.default is not MISSING
    }
    assert len(expected) == len(fields(Settings)), "every setting needs a default"
    assert documented_variables() == expected


def test_settings_parse_int_and_bool_variables() -> None:
    settings = Settings.from_env(
        {"LRS_PAGE_SIZE": "25", "LRS_AUTO_MIGRATE": "off", "LRS_SECRET_KEY": "k" * 32}
    )
    assert settings.page_size == 25
    assert settings.auto_migrate is False


def test_settings_bad_integer_names_the_variable() -> None:
    with pytest.raises(SettingsError, match="LRS_PAGE_SIZE must be an integer, got 'ten'"):
        Settings.from_env({"LRS_PAGE_SIZE": "ten"})


def test_settings_bad_boolean_names_the_variable() -> None:
    with pytest.raises(SettingsError, match="LRS_AUTO_MIGRATE must be true or false"):
        Settings.from_env({"LRS_AUTO_MIGRATE": "maybe"})


@pytest.mark.parametrize("variable", ["LRS_PAGE_SIZE", "LRS_MAX_BODY_BYTES",
                                      "LRS_RECEIVE_TIMEOUT_SECONDS",
                                      "LRS_RECEIVE_MIN_BYTES_PER_SECOND"])
def test_settings_refuse_non_positive_limits(variable: str) -> None:
    with pytest.raises(SettingsError, match=variable):
        Settings.from_env({variable: "0", "LRS_SECRET_KEY": "k" * 32})


@pytest.mark.parametrize("variable", ["LRS_WORKERS", "LRS_OUTBOX_GATHER_MS",
                                      "LRS_CONSISTENT_THROUGH_LAG_MS"])
def test_settings_refuse_negative_counts(variable: str) -> None:
    with pytest.raises(SettingsError, match=variable):
        Settings.from_env({variable: "-1", "LRS_SECRET_KEY": "k" * 32})
    assert getattr(Settings.from_env({variable: "0"}), variable[4:].lower()) == 0


@pytest.mark.parametrize("value", ["-1", "20"])
def test_settings_refuse_a_worker_nice_outside_0_to_19(value: str) -> None:
    with pytest.raises(SettingsError, match="LRS_WORKER_NICE must be 0"):
        Settings.from_env({"LRS_WORKER_NICE": value})
    assert Settings.from_env({"LRS_WORKER_NICE": "19"}).worker_nice == 19


@pytest.mark.parametrize("secret", [None, "too-short"])
def test_settings_production_refuses_missing_or_short_secret(secret: str | None) -> None:
    environ = {"LRS_ENV": "production", **({"LRS_SECRET_KEY": secret} if secret else {})}
    with pytest.raises(SettingsError, match="LRS_SECRET_KEY must be set"):
        Settings.from_env(environ)


def test_settings_refuse_unknown_env_and_log_format() -> None:
    with pytest.raises(SettingsError, match="LRS_ENV"):
        Settings.from_env({"LRS_ENV": "staging"})
    with pytest.raises(SettingsError, match="LRS_LOG_FORMAT"):
        Settings.from_env({"LRS_LOG_FORMAT": "xml"})


def test_settings_overrides_win_over_environment(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {"LRS_PAGE_SIZE": "25", "LRS_DATABASE_URL": "sqlite:///elsewhere.db"},
        page_size=7, database_url=f"sqlite:///{tmp_path / 'x.db'}",
    )
    assert (settings.page_size, settings.database_url) == (7, f"sqlite:///{tmp_path / 'x.db'}")


def test_development_secret_key_is_kept_beside_the_sqlite_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db' / 'lrs.sqlite3'}"
    first = Settings.from_env({"LRS_DATABASE_URL": url})
    second = Settings.from_env({"LRS_DATABASE_URL": url})
    key_file = tmp_path / "db" / "secret_key"
    assert first.secret_key == second.secret_key == key_file.read_text().strip()
    assert len(first.secret_key) >= 32
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert list(key_file.parent.iterdir()) == [key_file], "no temporary file left behind"


def test_explicit_secret_key_writes_no_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'lrs.sqlite3'}"
    settings = Settings.from_env({"LRS_DATABASE_URL": url, "LRS_SECRET_KEY": "k" * 32})
    assert settings.secret_key == "k" * 32
    assert not (tmp_path / "secret_key").exists()


def test_in_memory_database_gets_a_fresh_key_per_process() -> None:
    settings = Settings.from_env({"LRS_DATABASE_URL": "sqlite://"})
    assert settings.secret_key_file is None
    assert len(settings.secret_key) >= 32


def test_unusable_secret_key_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "secret_key").write_text("\n")
    with pytest.raises(SettingsError, match="secret_key holds no usable secret key"):
        Settings.from_env({"LRS_DATABASE_URL": f"sqlite:///{tmp_path / 'lrs.sqlite3'}"})
