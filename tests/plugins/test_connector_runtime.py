"""The connectors runtime through ``lrs connectors`` and ``lrs worker``, with a real
installed plugin offering a ``probe`` connector type.

The probe pages through ``pages`` pages from its cursor, checkpointing each, and
can fail at a page (naming its secret token, which must never be shown) or sleep.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import create_engine, select, text

from lrs.app import create_app
from lrs.cli import cli
from lrs.models import ConnectorInstance, ConnectorRun
from lrs.plugin.connectors import RunLost
from lrs.settings import Settings
from lrs.store import connectors as store
from lrs.xapi.errors import Conflict
from tests.conftest import INSTALLED_PLUGINS, TEST_SECRET_KEY
from tests.plugins.conftest import RecordingPlugin, runtime

TOKEN = "s3cret-token-value"

PROBE_PLUGIN = '''
import json, time
from marshmallow import Schema, fields
from lrs.plugin.connectors import ConnectorType, SyncSummary
from lrs.plugin.hookspecs import hookimpl


class ProbeConfig(Schema):
    pages = fields.Integer(load_default=1)
    token = fields.String(required=True, metadata={"secret": True})
    fail_at = fields.Integer(load_default=None, allow_none=True)
    sleep = fields.Float(load_default=0)
    log = fields.String(load_default=None, allow_none=True)
    pages_log = fields.String(load_default=None, allow_none=True)
    page_sleep = fields.Float(load_default=0)


class Probe:
    def __init__(self, host, config):
        self.config = config

    def sync(self, run):
        config = self.config
        if config["log"]:
            with open(config["log"], "a") as log:
                log.write(json.dumps({"cursor": run.cursor, "token": config["token"],
                                      "tenant": run.tenant_id}) + "\\n")
        time.sleep(config["sleep"])
        start = int(run.cursor or 0)
        for page in range(start + 1, config["pages"] + 1):
            if page == config["fail_at"]:
                raise RuntimeError(f"remote refused token {config['token']} at page {page}")
            if config["pages_log"]:
                with open(config["pages_log"], "a") as pages_log:
                    pages_log.write(f"{page}\\n")
            run.checkpoint(str(page))
            time.sleep(config["page_sleep"])
        return SyncSummary(fetched=config["pages"] - start, stored=config["pages"] - start,
                           messages=(f"pages {start + 1}-{config['pages']}",))


@hookimpl
def register_connector_types(host):
    return [ConnectorType(name="probe", description="Pages through nothing.",
                          config_schema=ProbeConfig, create=Probe)]
'''


@pytest.fixture
def probe_installed(install_distribution: Callable[..., Path]) -> None:
    install_distribution("weft-probe", {"probe": "weft_probe"},
                         modules={"weft_probe": PROBE_PLUGIN})


@pytest.fixture
def lrs(fresh_database_url: str, probe_installed: None) -> Callable[..., Result]:
    runner = CliRunner(env={"LRS_SECRET_KEY": TEST_SECRET_KEY, "LRS_AUTO_MIGRATE": "true",
                            "LRS_DISABLED_PLUGINS": INSTALLED_PLUGINS,
                            "LRS_CONNECTOR_MAX_FAILURES": "2",
                            "LRS_CONNECTOR_BACKOFF_SECONDS": "40"})

    def run(*args: str, input: str | None = None) -> Result:
        return runner.invoke(cli, ["--database", fresh_database_url, *args], input=input)

    return run


@pytest.fixture
def rows(fresh_database_url: str) -> Callable[[str], list[dict[str, Any]]]:
    def read(query: str) -> list[dict[str, Any]]:
        engine = create_engine(fresh_database_url)
        try:
            with engine.connect() as connection:
                return [dict(r._mapping) for r in connection.execute(text(query))]
        finally:
            engine.dispose()

    return read


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.stdout


def test_create_keeps_secrets_encrypted_and_never_shows_them(
    lrs: Callable[..., Result], rows: Callable[[str], list[dict[str, Any]]],
) -> None:
    created = lrs("connectors", "create", "lms", "--type", "probe", "--set", "pages=3",
                  "--secret", "token", "--schedule", "every 15m", input=f"{TOKEN}\n")
    assert ok(created) == "Created connector 'lms' (probe, every 15m, enabled).\n"
    assert TOKEN not in created.output
    shown = json.loads(ok(lrs("connectors", "show", "lms")))
    assert shown["config"] == {"pages": 3} and shown["secrets_set"] == ["token"]
    assert shown["state"] == "enabled" and shown["cursor"] is None
    [row] = rows("SELECT config, sealed_secrets FROM connector_instances")
    assert TOKEN not in row["config"] + row["sealed_secrets"]
    assert json.loads(ok(lrs("connectors", "list", "--json")))[0]["schedule"] == "every 15m"


@pytest.mark.parametrize(("args", "message"), [
    (["--type", "probe", "--set", "pages=many", "--set", "token=t"],
     "$.pages: Not a valid integer."),
    (["--type", "probe"], "$.token: Missing data for required field."),
    (["--type", "probe", "--set", "token=t", "--set", "colour=red"], "$.colour: Unknown field."),
    (["--type", "nope", "--set", "token=t"], "no connector type 'nope' (installed: probe)"),
    (["--type", "probe", "--set", "token=t", "--schedule", "every 0s"],
     "the interval must be at least 1 second"),
    (["--type", "probe", "--set", "token=t", "--schedule", "61 * * * *"],
     "give 'every <number><s|m|h|d>'"),
])
def test_create_refuses_bad_configurations_naming_the_field(
    lrs: Callable[..., Result], args: list[str], message: str,
) -> None:
    result = lrs("connectors", "create", "lms", *args)
    assert result.exit_code == 1 and message in result.output, result.output
    assert ok(lrs("connectors", "list")).startswith("No connectors")


def test_a_name_is_unique_in_its_store_and_well_formed(lrs: Callable[..., Result]) -> None:
    ok(lrs("connectors", "create", "lms", "--type", "probe", "--set", "token=t"))
    again = lrs("connectors", "create", "lms", "--type", "probe", "--set", "token=t")
    assert again.exit_code == 1 and "store already has a connector named 'lms'" in again.output
    bad = lrs("connectors", "create", "My LMS", "--type", "probe", "--set", "token=t")
    assert bad.exit_code == 1 and "connector name 'My LMS'" in bad.output


def test_runs_continue_from_the_cursor_and_are_listed(
    lrs: Callable[..., Result], tmp_path: Path,
) -> None:
    log = tmp_path / "calls.jsonl"
    ok(lrs("connectors", "create", "lms", "--type", "probe", "--set", "pages=3",
           "--set", f"log={log}", "--set", f"token={TOKEN}"))
    assert ok(lrs("connectors", "run", "lms")).startswith(
        "succeeded: fetched 3, stored 3, skipped 0, sent 0 in ")
    ok(lrs("connectors", "update", "lms", "--set", "pages=5"))  # the token is kept
    second = ok(lrs("connectors", "run", "lms"))
    assert second.startswith("succeeded: fetched 2, stored 2") and "pages 4-5" in second
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    assert calls == [{"cursor": None, "token": TOKEN, "tenant": 1},
                     {"cursor": "3", "token": TOKEN, "tenant": 1}]
    history = json.loads(ok(lrs("connectors", "runs", "lms", "--json")))
    assert [(r["trigger"], r["status"], r["fetched"]) for r in history] == [
        ("manual", "succeeded", 2), ("manual", "succeeded", 3)]
    assert json.loads(ok(lrs("connectors", "show", "lms")))["cursor"] == "5"


def test_a_failed_run_keeps_its_checkpoints_masks_secrets_backs_off_then_pauses(
    lrs: Callable[..., Result], rows: Callable[[str], list[dict[str, Any]]],
) -> None:
    ok(lrs("connectors", "create", "lms", "--type", "probe", "--set", "pages=4",
           "--set", "fail_at=3", "--set", f"token={TOKEN}"))
    before = time.time()
    failed = lrs("connectors", "run", "lms")
    assert failed.exit_code == 1
    assert "RuntimeError: remote refused token *** at page 3" in failed.output
    assert TOKEN not in failed.output
    [instance] = rows("SELECT cursor, failures, paused, next_run_us FROM connector_instances")
    assert (instance["cursor"], instance["failures"], instance["paused"]) == ("2", 1, False)
    # Backoff: LRS_CONNECTOR_BACKOFF_SECONDS=40 with jitter between half and all of it.
    assert before + 19 <= instance["next_run_us"] / 1e6 <= time.time() + 41
    assert lrs("connectors", "run", "lms").exit_code == 1  # LRS_CONNECTOR_MAX_FAILURES=2
    listed = json.loads(ok(lrs("connectors", "list", "--json")))
    assert (listed[0]["state"], listed[0]["failures"]) == ("paused", 2)
    assert all(TOKEN not in r["error"] for r in rows("SELECT error FROM connector_runs"))
    soon = lrs("connectors", "disable", "lms")
    assert ok(soon) == "Connector 'lms' is disabled.\n"
    assert ok(lrs("connectors", "enable", "lms")) == "Connector 'lms' is paused.\n"
    assert ok(lrs("connectors", "resume", "lms")) == "Connector 'lms' is enabled.\n"
    ok(lrs("connectors", "update", "lms", "--unset", "fail_at"))
    assert ok(lrs("connectors", "run", "lms")).startswith("succeeded: fetched 2")


def test_a_numeric_looking_secret_stays_a_string(
    lrs: Callable[..., Result], tmp_path: Path,
) -> None:
    log = tmp_path / "calls.jsonl"
    ok(lrs("connectors", "create", "lms", "--type", "probe", "--set", "token=12345",
           "--set", f"log={log}", "--set", "pages=2"))
    ok(lrs("connectors", "run", "lms"))
    assert json.loads(log.read_text())["token"] == "12345"


def test_a_worker_killed_mid_run_is_resumed_from_its_checkpoint_by_another(
    lrs: Callable[..., Result], fresh_database_url: str, tmp_path: Path,
    rows: Callable[[str], list[dict[str, Any]]],
) -> None:
    import os
    import signal
    import subprocess
    import sys

    pages_log = tmp_path / "pages.log"
    ok(lrs("connectors", "create", "slow", "--type", "probe", "--set", "token=t",
           "--set", "pages=8", "--set", f"pages_log={pages_log}", "--set", "page_sleep=0.3"))
    site = next(p for p in sys.path if Path(p).name == "site-weft-probe")
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("LRS_")},
           "PYTHONPATH": os.pathsep.join([site, str(Path(__file__).parents[2])]),
           "LRS_DATABASE_URL": fresh_database_url, "LRS_SECRET_KEY": TEST_SECRET_KEY,
           "LRS_DISABLED_PLUGINS": INSTALLED_PLUGINS, "LRS_CONNECTOR_LEASE_SECONDS": "1",
           "LRS_WORKER_NICE": "0"}
    worker = subprocess.Popen([sys.executable, "-m", "lrs.cli", "worker"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while len(pages_log.read_text().split() if pages_log.exists() else []) < 3:
        assert time.monotonic() < deadline and worker.poll() is None
        time.sleep(0.05)
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    [killed] = rows("SELECT cursor FROM connector_instances")
    checkpoint = int(killed["cursor"])
    time.sleep(1.1)  # the dead worker's lease runs out
    second = subprocess.run([sys.executable, "-m", "lrs.cli", "worker", "--once"], env=env,
                            capture_output=True, text=True, timeout=120)
    assert second.stdout.endswith("ran 1 connector(s).\n"), second.stderr
    pages = [int(p) for p in pages_log.read_text().split()]
    assert sorted(set(pages)) == list(range(1, 9))  # nothing lost
    assert all(pages.count(p) == 1 for p in range(1, 9) if p != checkpoint + 1)
    assert pages.count(checkpoint + 1) <= 2  # at most the page after the checkpoint again
    statuses = [r["status"] for r in rows("SELECT status FROM connector_runs ORDER BY id")]
    assert statuses == ["interrupted", "succeeded"]
    assert rows("SELECT cursor FROM connector_instances") == [{"cursor": "8"}]


def test_the_worker_runs_due_connectors_only(lrs: Callable[..., Result]) -> None:
    ok(lrs("connectors", "create", "due", "--type", "probe", "--set", "token=t",
           "--schedule", "every 1d"))
    ok(lrs("connectors", "create", "off", "--type", "probe", "--set", "token=t", "--disabled"))
    assert ok(lrs("worker", "--once")) == "Processed 0 event(s); ran 1 connector(s).\n"
    # Ran: next due in a day.
    assert ok(lrs("worker", "--once")) == "Processed 0 event(s); ran 0 connector(s).\n"
    history = json.loads(ok(lrs("connectors", "runs", "due", "--json")))
    assert [(r["trigger"], r["status"]) for r in history] == [("schedule", "succeeded")]
    assert ok(lrs("connectors", "runs", "off")) == "'off' has not run yet.\n"


def test_delete_removes_the_instance_and_its_history(
    lrs: Callable[..., Result], rows: Callable[[str], list[dict[str, Any]]],
) -> None:
    ok(lrs("connectors", "create", "lms", "--type", "probe", "--set", "token=t"))
    ok(lrs("connectors", "run", "lms"))
    assert lrs("connectors", "delete", "lms", input="n\n").exit_code == 1  # asked, refused
    assert ok(lrs("connectors", "delete", "lms", "--yes")) == "Deleted connector 'lms'.\n"
    assert rows("SELECT id FROM connector_runs") == []
    missing = lrs("connectors", "run", "lms")
    assert missing.exit_code == 1 and "no connector named 'lms'" in missing.output


def test_connectors_belong_to_their_store(lrs: Callable[..., Result]) -> None:
    ok(lrs("tenants", "create", "acme"))
    ok(lrs("connectors", "create", "lms", "--type", "probe", "--set", "token=t",
           "--tenant", "acme"))
    assert ok(lrs("connectors", "list")).startswith("No connectors")
    assert lrs("connectors", "run", "lms").exit_code == 1
    assert "succeeded" in ok(lrs("connectors", "run", "lms", "--tenant", "acme"))
    ok(lrs("connectors", "create", "lms", "--type", "probe", "--set", "token=t"))  # same name


@pytest.fixture
def app_settings(fresh_database_url: str, probe_installed: None) -> Settings:
    return Settings.from_env({}, database_url=fresh_database_url, secret_key=TEST_SECRET_KEY,
                             log_format="text", outbox_inline=False, auto_migrate=True,
                             disabled_plugins=INSTALLED_PLUGINS, connector_lease_seconds=30)


def _create(settings: Settings, *plugins: object, **config: Any) -> Any:
    from lrs.services.connectors import create_connector

    rt = runtime(create_app(settings, plugins=plugins, role="command"))
    create_connector(rt, rt.connector_types, tenant_id=1, name="lms", type_name="probe",
                     config={"token": "t", **config}, schedule="every 1h", actor="test")
    return rt


def test_an_instance_runs_once_at_a_time_across_workers(app_settings: Settings) -> None:
    rt = _create(app_settings, sleep=1.0)
    other = runtime(create_app(app_settings, role="worker"))
    reports: list[Any] = []
    threads = [threading.Thread(target=lambda r=r: reports.append(r.connectors.run_due()))
               for r in (rt, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r is None for r in reports) == [False, True]
    with pytest.raises(Conflict, match="is running in a worker now"):
        with rt.db.write() as session:  # a claim held by a live worker blocks "run now"
            store.claim(session, now_us=time.time_ns() // 1000, lease_us=10**9,
                        trigger="manual", instance_id=_instance(rt).id)
        rt.connectors.run_instance(1, "lms")
    with rt.db.read() as session:
        assert session.scalar(select(ConnectorRun.status).order_by(ConnectorRun.id)) == \
            "succeeded"


def test_work_arriving_during_a_run_makes_the_instance_due_again(
    app_settings: Settings,
) -> None:
    """New work (host.run_connector_soon) while a run is under way, after it may have
    read its queue: the instance is due at once when the run ends, not at the next
    scheduled time (an hour here)."""
    rt = _create(app_settings, sleep=0.5)
    running = threading.Thread(target=rt.connectors.run_due)
    running.start()
    deadline = time.monotonic() + 10
    while _instance(rt).claimed_until_us == 0:
        assert time.monotonic() < deadline, "the run never started"
        time.sleep(0.01)
    rt.host.run_connector_soon(_instance(rt).id)
    running.join()
    assert _instance(rt).next_run_us <= time.time_ns() // 1000
    report = rt.connectors.run_due()
    assert report is not None and report.run.status == "succeeded"
    # Nothing arrived during that second run: the schedule decides again.
    assert _instance(rt).next_run_us > time.time_ns() // 1000 + 3500 * 10**6
    assert rt.connectors.run_due() is None


def test_a_run_by_hand_with_nothing_arriving_reschedules_from_its_end(
    app_settings: Settings,
) -> None:
    """Only a next run changed during a run stands: the one planned before a run started
    by hand gives way to the schedule, counted from the run's end."""
    rt = _create(app_settings)
    assert rt.connectors.run_due() is not None
    planned = _instance(rt).next_run_us
    time.sleep(0.01)
    assert rt.connectors.run_instance(1, "lms").run.status == "succeeded"
    assert _instance(rt).next_run_us > planned


def test_a_dead_workers_run_is_marked_interrupted_and_the_next_resumes(
    app_settings: Settings,
) -> None:
    rt = _create(app_settings, pages=3)
    now = time.time_ns() // 1000
    with rt.db.write() as session:  # a worker claims, checkpoints page 1, then dies
        instance, _run = store.claim(session, now_us=now, lease_us=1, trigger="schedule")
        instance.cursor = "1"
    time.sleep(0.01)  # its lease (1 µs) is over
    report = rt.connectors.run_instance(1, "lms")
    assert (report.run.status, report.run.fetched) == ("succeeded", 2)
    with rt.db.read() as session:
        statuses = session.scalars(select(ConnectorRun.status).order_by(ConnectorRun.id)).all()
    assert statuses == ["interrupted", "succeeded"]


def test_a_run_whose_claim_was_taken_over_stops_at_its_next_checkpoint(
    app_settings: Settings,
) -> None:
    rt = _create(app_settings)
    instance = _instance(rt)
    with rt.db.write() as session:
        store.claim(session, now_us=1, lease_us=1, trigger="schedule", instance_id=instance.id)
    with pytest.raises(RunLost, match="claim expired"):
        rt.connectors.renew(instance.id, 2, "5")
    assert _instance(rt).cursor is None


def _instance(rt: Any) -> ConnectorInstance:
    with rt.db.read() as session:
        instance = session.scalar(select(ConnectorInstance))
        session.expunge(instance)
        return instance


def test_every_change_is_an_audited_admin_action_without_secret_values(
    app_settings: Settings,
) -> None:
    from lrs.services import connectors as admin

    recorder = RecordingPlugin()
    rt = _create(app_settings, recorder, token=TOKEN)
    admin.update_connector(rt, rt.connector_types, tenant_id=1, name="lms",
                           changes={"token": TOKEN + "2", "pages": 2}, actor="cli:ada")
    for action in ("disable", "enable", "run-soon"):
        admin.set_state(rt, tenant_id=1, name="lms", action=action, actor="cli:ada")
    admin.delete_connector(rt, tenant_id=1, name="lms", actor="cli:ada")
    while rt.outbox.process_pending():
        pass
    events = [call["event"] for call in recorder.called("admin_action_taken")
              if call["event"].target == "connector:lms"]
    assert [e.action for e in events] == [
        "connector.created", "connector.updated", "connector.disabled", "connector.enabled",
        "connector.run_requested", "connector.deleted"]
    assert events[1].details["changed"] == ["pages", "token"]
    assert events[1].details["secrets_set"] == ["token"]
    assert all(TOKEN not in json.dumps(e.details) for e in events)
