"""``lrs worker`` killed with SIGKILL mid-forwarding, then another worker: the receiving
Weft ends up with every statement exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import Result
from flask import Flask
from sqlalchemy import create_engine, text

from lrs.plugin.testing import ApiCredential
from tests.conftest import TEST_SECRET_KEY
from tests.connectors.outbound.conftest import DISABLED, create, ok
from tests.connectors.outbound.remotes import ReceivingWeft
from tests.connectors.outbound.test_forwarding_weft import basic, with_id

pytestmark = pytest.mark.server

ROOT = Path(__file__).resolve().parents[3]
BATCHES, PER_BATCH = 30, 100
TIMEOUT = 180


@contextmanager
def worker(database_url: str, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LRS_")}
    env.update(
        PYTHONPATH=str(ROOT),
        LRS_DATABASE_URL=database_url,
        LRS_SECRET_KEY=TEST_SECRET_KEY,
        LRS_DISABLED_PLUGINS=DISABLED,
        LRS_CONNECTOR_LEASE_SECONDS="3",
        LRS_CONNECTOR_POLL_SECONDS="1",
        LRS_OUTBOX_GATHER_MS="0",
        LRS_LOG_FORMAT="json",
    )
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "lrs.cli", "worker"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=out,
            start_new_session=True,
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()


def held(receiver: ReceivingWeft, ids: set[str]) -> int:
    """How many rows of the receiver's statements table hold one of ``ids``."""
    engine = create_engine(receiver.target.url)
    try:
        with engine.connect() as connection:
            found = [r[0] for r in connection.execute(text("SELECT statement_id FROM statements"))]
    finally:
        engine.dispose()
    return sum(1 for statement_id in found if statement_id in ids)


def wait_for(condition: Callable[[], bool], what: str, log: Path) -> None:
    """Poll ``condition``; on timeout, fail showing the end of the worker's ``log``."""
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        if time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-4000:]
            pytest.fail(f"timed out waiting for {what}; the worker's log ends:\n{tail}")
        time.sleep(0.05)


def test_a_worker_killed_mid_forwarding_loses_and_doubles_nothing(
    receiver: ReceivingWeft,
    sender: Flask,
    sender_credential: ApiCredential,
    lrs: Callable[..., Result],
    fresh_database_url: str,
    tmp_path: Path,
) -> None:
    create(lrs, "copy", "forwarding", basic(receiver, batch_size=20, concurrency=1), tmp_path)
    client = sender.test_client()
    ids: set[str] = set()
    for _ in range(BATCHES):  # committed, their events not yet delivered to the plugin
        response = client.post(
            "/xapi/statements",
            headers=sender_credential.headers,
            json=[with_id() for _ in range(PER_BATCH)],
        )
        assert response.status_code == 200
        ids.update(response.get_json())

    first_log, second_log = tmp_path / "worker-1.log", tmp_path / "worker-2.log"
    with worker(fresh_database_url, first_log) as first:
        wait_for(lambda: held(receiver, ids) >= PER_BATCH, "the first statements to arrive",
                 first_log)
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
    arrived = held(receiver, ids)
    assert arrived < len(ids), "killed too late to show anything: send more statements"

    with worker(fresh_database_url, second_log) as second:
        wait_for(lambda: held(receiver, ids) >= len(ids), "every statement to arrive", second_log)
        wait_for(lambda: "queue" in ok(lrs("connectors", "show", "copy")), "the cursor",
                 second_log)
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=60) == 0

    assert held(receiver, ids) == len(ids) == BATCHES * PER_BATCH
    engine = create_engine(fresh_database_url)
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM outbound_queue")) == 0
    engine.dispose()
    statuses = [line.split()[2] for line in ok(lrs("connectors", "runs", "copy")).splitlines()[2:]]
    assert "interrupted" in statuses
