"""Each application compares its configuration with the store's record at start-up
(lrs.services.configuration): recorded once per real change, before/after of the changed keys
only, secrets as fingerprints, concurrent starts serialised, unmigrated stores tolerated."""

from __future__ import annotations

import json
import logging
import multiprocessing
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import create_engine, select, text

from lrs.app import create_app
from lrs.cli import cli
from lrs.masking import SECRET_SETTINGS, is_secret, mask
from lrs.models import ConfigurationChange, ConfigurationState, OutboxEvent
from lrs.plugin.events import AdminActionTaken
from lrs.services.configuration import PER_PROCESS_SETTINGS, describe
from lrs.settings import Settings
from tests.conftest import BACKENDS, INSTALLED_PLUGINS
from tests.plugins.conftest import RecordingPlugin

OIDC_SECRET = "oidc-client-secret-value-0123456789"
PLUGIN_TOKEN = "plugin-api-token-value-0123456789"


@pytest.fixture
def make(make_settings: Callable[..., Settings]) -> Iterator[Callable[..., Flask]]:
    """``make(plugin, **settings)``: an app on the test's database, announcing to ``plugin``."""
    apps: list[Flask] = []

    def build(*plugins: object, **overrides: Any) -> Flask:
        app = create_app(make_settings(outbox_inline=False, **overrides), plugins=plugins)
        apps.append(app)
        return app

    yield build
    for app in apps:
        app.extensions["lrs"].db.engine.dispose()


def changes(app: Flask) -> list[ConfigurationChange]:
    with app.extensions["lrs"].db.read() as session:
        return list(session.scalars(select(ConfigurationChange).order_by(ConfigurationChange.id)))


def announced(app: Flask) -> list[AdminActionTaken]:
    """The configuration actions waiting in the outbox, oldest first."""
    with app.extensions["lrs"].db.read() as session:
        payloads = session.scalars(select(OutboxEvent.payload)
                                   .where(OutboxEvent.hook == "admin_action_taken")
                                   .order_by(OutboxEvent.id))
        events = [AdminActionTaken.from_json(payload) for payload in payloads]
    return [e for e in events if e.target == "configuration"]  # type: ignore[misc]


def test_first_start_records_the_configuration_and_announces_it(
    make: Callable[..., Flask],
) -> None:
    app = make(RecordingPlugin(), page_size=42)
    [change] = changes(app)
    assert (change.action, change.actor, json.loads(change.before)) == (
        "configuration.recorded", "system", {})
    after = json.loads(change.after)
    assert after["LRS_PAGE_SIZE"] == 42 and after["plugin:recording"] == "registered in code"
    assert not PER_PROCESS_SETTINGS & {k.removeprefix("LRS_").lower() for k in after}
    [event] = announced(app)
    assert (event.action, event.actor, event.tenant_id) == ("configuration.recorded", "system", 1)
    assert event.details == {"after": after}
    assert event.source is not None and set(event.source) == {"host", "pid", "user", "process"}
    assert json.loads(change.source) == event.source


def test_same_configuration_again_records_nothing(make: Callable[..., Flask]) -> None:
    make(RecordingPlugin())
    app = make(RecordingPlugin(), log_level="DEBUG", log_format="json")  # per-process only
    assert [c.action for c in changes(app)] == ["configuration.recorded"]
    assert len(announced(app)) == 1


def test_a_changed_setting_records_before_and_after_of_the_changed_keys_only(
    make: Callable[..., Flask],
) -> None:
    make(RecordingPlugin(), page_size=10)
    app = make(RecordingPlugin(), page_size=20, cors_origins="https://lms.example.com")
    change = changes(app)[-1]
    assert change.action == "configuration.changed"
    before = {"LRS_CORS_ORIGINS": "*", "LRS_PAGE_SIZE": 10}
    after = {"LRS_CORS_ORIGINS": "https://lms.example.com", "LRS_PAGE_SIZE": 20}
    assert (json.loads(change.before), json.loads(change.after)) == (before, after)
    assert announced(app)[-1].details == {"before": before, "after": after}


def test_a_change_back_is_recorded_again_and_plugins_come_and_go(
    make: Callable[..., Flask],
) -> None:
    make(page_size=10)
    make(page_size=20)
    make(page_size=10)
    app = make(RecordingPlugin(), page_size=10)
    assert [c.action for c in changes(app)] == ["configuration.recorded"] + [
        "configuration.changed"] * 3
    last = changes(app)[-1]
    assert json.loads(last.before) == {"plugin:recording": None}
    assert json.loads(last.after) == {"plugin:recording": "registered in code"}


def test_secrets_appear_only_as_fingerprints(
    make: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LRS_PLUGIN_LMS_API_TOKEN", PLUGIN_TOKEN)
    monkeypatch.setenv("LRS_PLUGIN_LMS_URL", "https://sync:hunter2@lms.example.com/api")
    metadata = "https://idp.example.com/.well-known/openid-configuration"
    first = make(RecordingPlugin(), oidc_metadata_url=metadata, oidc_client_id="weft",
                 oidc_client_secret=OIDC_SECRET)
    monkeypatch.setenv("LRS_PLUGIN_LMS_API_TOKEN", PLUGIN_TOKEN + "-rotated")
    app = make(RecordingPlugin(), oidc_metadata_url=metadata, oidc_client_id="weft",
               oidc_client_secret=OIDC_SECRET + "-rotated")
    with app.extensions["lrs"].db.read() as session:
        state = session.scalars(select(ConfigurationState)).one()
    stored = " ".join([state.configuration or "", *(c.before + c.after for c in changes(app)),
                       *(e.to_json() for e in announced(app))])
    secret_key = app.extensions["lrs"].settings.secret_key
    for secret in (OIDC_SECRET, PLUGIN_TOKEN, "hunter2", secret_key, state.salt):
        assert secret not in stored
    change = changes(app)[-1]
    assert sorted(json.loads(change.after)) == ["LRS_OIDC_CLIENT_SECRET",
                                                "LRS_PLUGIN_LMS_API_TOKEN"]
    assert json.loads(change.after)["LRS_OIDC_CLIENT_SECRET"].startswith("*** (set, fingerprint")
    recorded = json.loads(state.configuration or "{}")
    assert recorded["LRS_PLUGIN_LMS_URL"].startswith("https://sync:***@lms.example.com/api (")
    assert first.extensions["lrs"].settings.oidc_client_secret == OIDC_SECRET


def start_at_once(settings: Settings, count: int) -> None:
    """``count`` processes build an application on ``settings`` at the same moment,
    as gunicorn's workers do.

    Processes rather than threads: building applications in threads of one
    process made CPython 3.11.7 fail now and then in werkzeug's route compiler
    ("AST constructor recursion depth mismatch"), which is not what is tested.
    """
    spawn = multiprocessing.get_context("spawn")  # fork warns in a threaded process
    barrier = spawn.Barrier(count)
    processes = [spawn.Process(target=_start, args=(settings, barrier)) for _ in range(count)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(120)
    assert [process.exitcode for process in processes] == [0] * count


def _start(settings: Settings, barrier: Any) -> None:
    barrier.wait(timeout=60)
    create_app(settings).extensions["lrs"].db.engine.dispose()


def test_concurrent_starts_record_a_change_once(
    make: Callable[..., Flask], make_settings: Callable[..., Settings],
) -> None:
    first = make(page_size=10)
    start_at_once(make_settings(outbox_inline=False, page_size=20), 6)
    assert [c.action for c in changes(first)] == ["configuration.recorded",
                                                  "configuration.changed"]


def test_concurrent_first_starts_record_once(
    make: Callable[..., Flask], make_settings: Callable[..., Settings],
) -> None:
    start_at_once(make_settings(outbox_inline=False), 4)
    assert [c.action for c in changes(make())] == ["configuration.recorded"]


def test_an_unmigrated_database_logs_a_warning_and_starts(
    fresh_database_url: str, caplog: pytest.LogCaptureFixture,
) -> None:
    settings = Settings.from_env({}, database_url=fresh_database_url, auto_migrate=False,
                                 secret_key="k" * 40, log_format="text",
                                 disabled_plugins=INSTALLED_PLUGINS)
    with caplog.at_level(logging.WARNING, logger="lrs.configuration"):
        app = create_app(settings)
    app.extensions["lrs"].db.engine.dispose()
    assert "configuration not recorded" in caplog.text and "lrs db upgrade" in caplog.text


@pytest.mark.parametrize("database_url", [b for b in BACKENDS if b == "postgresql"],
                         indirect=True)
def test_a_record_held_too_long_by_another_process_does_not_block_start_up(
    make: Callable[..., Flask], database_url: str, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    make(page_size=10)
    monkeypatch.setattr("lrs.services.configuration.LOCK_TIMEOUT", "200ms")
    engine = create_engine(database_url)
    with engine.begin() as holder:  # another process, stuck mid-record
        holder.execute(text("SELECT id FROM configuration_state FOR UPDATE"))
        with caplog.at_level(logging.WARNING, logger="lrs.configuration"):
            app = make(page_size=20)
    engine.dispose()
    assert "configuration not recorded" in caplog.text and "lock timeout" in caplog.text
    assert [c.action for c in changes(app)] == ["configuration.recorded"]
    assert [c.action for c in changes(make(page_size=20))][-1] == "configuration.changed"


def test_masking_is_one_rule_for_settings_and_plugin_variables() -> None:
    assert {"LRS_SECRET_KEY", "LRS_OIDC_CLIENT_SECRET", "LRS_SMTP_PASSWORD"} == SECRET_SETTINGS
    assert is_secret("LRS_PLUGIN_AUDIT_PRIVATE_KEY") and is_secret("LRS_PLUGIN_X_PASSWORD")
    assert not is_secret("LRS_PLUGIN_AUDIT_KEY_FILE")
    assert not is_secret("LRS_RATE_LIMIT_TOKEN") and not is_secret("LRS_OAUTH_TOKEN_TTL_SECONDS")
    assert mask("LRS_SECRET_KEY", "s" * 40) == "*** (set)"
    assert mask("LRS_SECRET_KEY", "") == ""
    assert mask("LRS_SECRET_KEY", "a", "salt") != mask("LRS_SECRET_KEY", "b", "salt")
    assert mask("LRS_PAGE_SIZE", 5, "salt") == 5


def test_describe_marks_per_process_settings(make_settings: Callable[..., Settings]) -> None:
    from lrs.machinery.manager import build_plugin_manager

    items = describe(make_settings(), build_plugin_manager(INSTALLED_PLUGINS), salt=None,
                     environ={})
    not_recorded = {i.name for i in items if not i.recorded}
    assert not_recorded == {f"LRS_{name.upper()}" for name in PER_PROCESS_SETTINGS}


@pytest.fixture
def lrs(database_url: str) -> Callable[..., Any]:
    runner = CliRunner(env={"LRS_SECRET_KEY": "c" * 40, "LRS_AUTO_MIGRATE": "false",
                            "LRS_DISABLED_PLUGINS": INSTALLED_PLUGINS,
                            "LRS_OIDC_CLIENT_SECRET": OIDC_SECRET})

    def run(*args: str, **env: str) -> Any:
        result = runner.invoke(cli, ["--database", database_url, *args], env=env)
        assert result.exit_code == 0, result.output
        return result

    return run


def test_lrs_config_show_masks_secrets_as_table_and_json(
    lrs: Callable[..., Any], make: Callable[..., Flask],
) -> None:
    assert "*** (set)" in lrs("config", "show").stdout  # no fingerprint key before a server ran
    make()
    table = lrs("config", "show").stdout
    assert "LRS_PAGE_SIZE" in table and "LRS_OIDC_CLIENT_SECRET" in table
    assert OIDC_SECRET not in table and "c" * 40 not in table
    shown = json.loads(lrs("config", "show", "--json").stdout)
    assert shown["configuration"]["LRS_SECRET_KEY"].startswith("*** (set, fingerprint ")
    assert shown["per_process"]["LRS_LOG_FORMAT"] == "json"


def test_lrs_config_history_lists_when_where_and_changed_keys(
    lrs: Callable[..., Any], make: Callable[..., Flask],
) -> None:
    make()
    make(page_size=7)
    table = lrs("config", "history").stdout.splitlines()
    assert table[0].split() == ["RECORDED", "ACTION", "SOURCE", "CHANGED"]
    assert "configuration.recorded" in table[1]
    assert "configuration.changed" in table[2] and table[2].endswith("LRS_PAGE_SIZE")
    records = json.loads(lrs("config", "history", "--json").stdout)
    assert records[1]["before"] == {"LRS_PAGE_SIZE": 100}
    assert records[1]["after"] == {"LRS_PAGE_SIZE": 7}
    assert records[1]["changed"] == ["LRS_PAGE_SIZE"] and records[1]["actor"] == "system"
    assert OIDC_SECRET not in json.dumps(records)


def test_a_command_run_with_another_environment_records_nothing(
    lrs: Callable[..., Any], make: Callable[..., Flask],
) -> None:
    """Only servers record: an operator's shell with other variables changes no deployment."""
    server = make()
    assert len(changes(server)) == 1
    lrs("credentials", "list", LRS_PAGE_SIZE="7", LRS_PLUGIN_EXTRA_URL="https://x")
    shown = lrs("config", "show", "--json", LRS_PAGE_SIZE="7")
    assert len(changes(server)) == 1
    assert json.loads(shown.stdout)["configuration"]["LRS_PAGE_SIZE"] == 7
    assert "Note: the server recorded other values for " in shown.stderr
    assert "LRS_PAGE_SIZE" in shown.stderr


def test_lrs_config_show_and_the_configuration_page_agree_on_outbox_inline(
    lrs: Callable[..., Any], make_settings: Callable[..., Settings],
) -> None:
    from lrs.services.configuration import shown_configuration

    for value in (True, False):
        server = create_app(make_settings(outbox_inline=value)).extensions["lrs"]
        page = {item.name: item.value for item in shown_configuration(server)}
        server.db.engine.dispose()
        shown = json.loads(lrs("config", "show", "--json",
                               LRS_OUTBOX_INLINE=str(value).lower()).stdout)
        assert shown["per_process"]["LRS_OUTBOX_INLINE"] is value
        assert page["LRS_OUTBOX_INLINE"] is value
