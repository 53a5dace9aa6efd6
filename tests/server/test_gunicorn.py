"""A real gunicorn process on 127.0.0.1: start-up, requests, logs, graceful shutdown.

The Flask test client cannot show what only a server shows: that ``lrs serve``
works with nothing configured, that workers agree on the secret key, that logs
are JSON lines without secrets, and that SIGTERM ends the process cleanly.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from lrs.process.gunicorn import gunicorn_options
from lrs.settings import Settings
from lrs.store.credentials import IssuedCredential
from tests.conftest import TEST_SECRET_KEY
from tests.serving import ROOT, Server, clean_env, start

pytestmark = pytest.mark.server


@pytest.fixture
def servers() -> Iterator[list[Server]]:
    """Servers a test starts; each is killed at the end whatever happened."""
    started: list[Server] = []
    yield started
    for server in started:
        if server.process.poll() is None:
            server.process.kill()
        server.process.wait()


def call(
    url: str, credential: IssuedCredential | None = None, *, body: Any = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], Any]:
    request = urllib.request.Request(url, method="POST" if body is not None else "GET")
    request.add_header("X-Experience-API-Version", "2.0.0")
    if credential is not None:
        token = base64.b64encode(f"{credential.key}:{credential.secret}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    if body is not None:
        request.add_header("Content-Type", "application/json")
        request.data = json.dumps(body).encode()
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


STATEMENT = {
    "actor": {"mbox": "mailto:ada@example.com"},
    "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
    "object": {"id": "https://example.com/courses/safety-101"},
}


def test_lrs_serve_runs_with_nothing_configured(tmp_path: Path, servers: list[Server]) -> None:
    env = clean_env(LRS_LOG_FORMAT="json")
    lrs = [sys.executable, "-m", "lrs.cli"]
    server = start([*lrs, "serve", "--port", "0"], tmp_path, env, tmp_path)
    servers.append(server)
    assert (tmp_path / "instance" / "weft.sqlite3").exists()
    assert "lrs credentials create --name my-lms --scope all" in server.stdout.read_text()
    assert f"Weft LRS running at {server.url}" in server.stdout.read_text()
    assert f"Web UI at {server.url.removesuffix('/xapi')}/ui/" in server.stdout.read_text()

    # A credential made by another `lrs` process works: the key file is shared.
    made = subprocess.run(
        [*lrs, "credentials", "create", "--name", "lms", "--scope", "all", "--json"],
        cwd=tmp_path, env=env, capture_output=True, check=True,
    )
    data = json.loads(made.stdout)
    credential = IssuedCredential(data["key"], data["secret"], "lms", ["all"], {})

    status, _, about = call(f"{server.url}/about")
    assert status == 200 and "2.0.0" in about["version"]
    status, _, ids = call(f"{server.url}/statements", credential, body=STATEMENT)
    assert status == 200 and len(ids) == 1
    status, headers, result = call(f"{server.url}/statements", credential,
                                   headers={"X-Request-Id": "trace-7"})
    assert status == 200 and [s["id"] for s in result["statements"]] == ids
    assert headers["X-Request-Id"] == "trace-7"
    status, _, _ = call(f"{server.url}/statements", IssuedCredential(
        credential.key, "wrong", "lms", ["all"], {}))
    assert status == 401

    assert server.stop() == 0
    access = [e for e in server.logs() if e["logger"] == "lrs.access"]
    assert [e["status"] for e in access] == [200, 200, 200, 401]
    traced = [e for e in access if e["request_id"] == "trace-7"]
    assert traced and traced[0]["credential"] == credential.key
    for output in (server.stderr, server.stdout):
        assert credential.secret not in output.read_text()
        assert "Basic " not in output.read_text()


def test_gunicorn_conf_serves_every_worker_with_one_key(
    database_url: str, credential: IssuedCredential, tmp_path: Path, servers: list[Server],
) -> None:
    env = clean_env(
        LRS_DATABASE_URL=database_url, LRS_SECRET_KEY=TEST_SECRET_KEY, LRS_AUTO_MIGRATE="false",
        LRS_BIND="127.0.0.1:0", LRS_WORKERS="2", LRS_THREADS="2", LRS_LOG_FORMAT="json",
    )
    command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"]
    server = start(command, ROOT, env, tmp_path)
    servers.append(server)

    for _ in range(8):
        status, headers, _ = call(f"{server.url}/statements", credential)
        assert status == 200
        assert re.fullmatch(r"[0-9a-f]{32}", headers["X-Request-Id"])

    assert server.stop() == 0
    logs = server.logs()
    booted = {e["msg"] for e in logs if e["logger"] == "gunicorn.error"}
    assert sum("Booting worker" in msg for msg in booted) == 2
    assert len([e for e in logs if e["logger"] == "lrs.access"]) == 8
    assert credential.secret not in server.stderr.read_text()


def test_workers_starting_together_record_the_configuration_once(
    database_url: str, tmp_path: Path, servers: list[Server],
) -> None:
    """Without preloading, each worker builds the app and compares the configuration."""
    from sqlalchemy import create_engine, text

    conf = tmp_path / "gunicorn.conf.py"
    conf.write_text((ROOT / "gunicorn.conf.py").read_text() + "\npreload_app = False\n")
    env = clean_env(
        LRS_DATABASE_URL=database_url, LRS_SECRET_KEY=TEST_SECRET_KEY, LRS_AUTO_MIGRATE="false",
        LRS_BIND="127.0.0.1:0", LRS_WORKERS="3", LRS_THREADS="1", LRS_LOG_FORMAT="json",
    )
    command = [sys.executable, "-m", "gunicorn", "-c", str(conf), "wsgi:app"]
    server = start(command, ROOT, env, tmp_path)
    servers.append(server)
    for _ in range(6):
        assert call(f"{server.url}/about")[0] == 200
    assert server.stop() == 0
    booted = [e for e in server.logs() if "Booting worker" in e["msg"]]
    assert len(booted) == 3
    engine = create_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT action, source FROM configuration_changes")).all()
    engine.dispose()
    [(action, source)] = rows
    assert action == "configuration.recorded" and json.loads(source)["process"] == "gunicorn"
    assert TEST_SECRET_KEY not in server.stderr.read_text()


def test_gunicorn_builds_its_access_record_only_when_an_operator_asks() -> None:
    """Weft logs each request itself: gunicorn's own record (built from a dozen atoms
    per request) is skipped unless gunicorn.conf.py sets ``accesslog`` or ``syslog``."""
    settings = Settings.from_env({}, secret_key=TEST_SECRET_KEY)
    logger_class = gunicorn_options(settings)["logger_class"]
    built: list[int] = []
    for accesslog, expected in ((None, []), ("-", [1])):
        logger = logger_class.__new__(logger_class)  # no setup(): no global logging changes
        logger.cfg = SimpleNamespace(
            accesslog=accesslog, syslog=False, logconfig=None, logconfig_dict={"version": 1},
            logconfig_json=None, disable_redirect_access_to_syslog=False,
            access_log_format="%(s)s",
        )
        logger.access_log = logging.getLogger("tests.gunicorn.access")
        logger.atoms = lambda *_: built.append(1) or {"s": "200"}
        built.clear()
        logger.access(None, None, {}, timedelta(0))
        assert built == expected


@pytest.mark.parametrize(
    ("database_url", "workers", "threads"),
    [("sqlite:///lrs.sqlite3", lambda cpus: 1, 8),
     ("postgresql+psycopg://weft@127.0.0.1/weft", lambda cpus: cpus, 16)],
)
def test_default_workers_and_threads(database_url: str, workers: Any, threads: int) -> None:
    """One process on SQLite (one writer) of 8 threads; one per CPU on PostgreSQL of 16
    (a process's concurrent writes share a commit, and a worker keeps the connections
    it accepted: bench/README.md); both overridable."""
    from lrs.process.gunicorn import cpu_count

    chosen = gunicorn_options(Settings.from_env({}, database_url=database_url,
                                                secret_key=TEST_SECRET_KEY))
    given = gunicorn_options(Settings.from_env({}, database_url=database_url,
                                               secret_key=TEST_SECRET_KEY, workers=3, threads=2))

    assert (chosen["workers"], chosen["threads"]) == (workers(cpu_count()), threads)
    assert (given["workers"], given["threads"]) == (3, 2)
