"""No acknowledged statement is lost when the server is killed outright (SIGKILL).

Sixteen clients post single statements to a real gunicorn, whose workers group
concurrent writes into shared commits (lrs.services.group_commit); the whole
process group is killed mid-stream; every statement a client got 200 for must
be in the database. Both backends.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from lrs.cli import cli
from tests.conftest import INSTALLED_PLUGINS, TEST_SECRET_KEY
from tests.serving import READY, ROOT, clean_env

pytestmark = pytest.mark.server

CLIENTS = 16


def credential(database_url: str) -> str:
    runner = CliRunner(env={"LRS_SECRET_KEY": TEST_SECRET_KEY,
                            "LRS_DISABLED_PLUGINS": INSTALLED_PLUGINS})
    assert runner.invoke(cli, ["--database", database_url, "db", "upgrade"]).exit_code == 0
    made = runner.invoke(cli, ["--database", database_url, "credentials", "create",
                               "--name", "lms", "--scope", "all", "--json"])
    issued = json.loads(made.stdout)
    return "Basic " + base64.b64encode(f"{issued['key']}:{issued['secret']}".encode()).decode()


def test_statements_acknowledged_before_a_sigkill_are_all_stored(
    fresh_database_url: str, tmp_path: Path,
) -> None:
    authorization = credential(fresh_database_url)
    env = clean_env(LRS_DATABASE_URL=fresh_database_url, LRS_SECRET_KEY=TEST_SECRET_KEY,
                    LRS_BIND="127.0.0.1:0", LRS_DISABLED_PLUGINS=INSTALLED_PLUGINS,
                    LRS_WORKERS="2", LRS_THREADS="8", LRS_LOG_FORMAT="json",
                    LRS_RATE_LIMIT="off")
    stderr = tmp_path / "stderr.log"
    with stderr.open("wb") as err:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)
    deadline = time.monotonic() + 60
    while not (ready := READY.search(stderr.read_text())):
        assert time.monotonic() < deadline and server.poll() is None, stderr.read_text()
        time.sleep(0.1)
    address = urlsplit(ready.group(1))
    acknowledged: list[str] = []
    stop = threading.Event()

    def client() -> None:
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
        headers = {"Authorization": authorization, "X-Experience-API-Version": "2.0.0",
                   "Content-Type": "application/json"}
        try:
            while not stop.is_set():
                statement_id = str(uuid.uuid4())
                body = json.dumps({"id": statement_id, "actor": {"mbox": "mailto:a@e.com"},
                                   "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
                                   "object": {"id": "http://e.com/a"}})
                try:
                    connection.request("POST", "/xapi/statements", body, headers)
                    response = connection.getresponse()
                    response.read()
                except (OSError, http.client.HTTPException):
                    return  # the server is gone
                if response.status == 200:
                    acknowledged.append(statement_id)
        finally:
            connection.close()  # a socket left to the garbage collector is a ResourceWarning

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    time.sleep(3)
    os.killpg(server.pid, signal.SIGKILL)
    server.wait()
    stop.set()
    for thread in threads:
        thread.join()
    assert len(acknowledged) > 50, stderr.read_text()[-2000:]
    engine = create_engine(fresh_database_url)
    try:
        with engine.connect() as connection:
            stored = set(connection.execute(text("SELECT statement_id FROM statements")).scalars())
    finally:
        engine.dispose()
    assert set(acknowledged) <= stored
