"""Weft as a real process on 127.0.0.1 for the tests that need one: gunicorn, ``lrs
serve``, ``lrs worker``. What only a server shows (start-up, signals, logs, a browser's
round trips) is tested against these, never against the Flask test client.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
READY = re.compile(r"Weft LRS listening on (http://127\.0\.0\.1:\d+/xapi)")
START_TIMEOUT = 60
#: ``gunicorn.conf.py`` serving ``wsgi:app``, as an operator runs Weft.
GUNICORN = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"]


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str
    stdout: Path
    stderr: Path

    def stop(self) -> int:
        """SIGTERM, as a process manager does; the exit code of a graceful stop."""
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=45)

    def logs(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stderr.read_text().splitlines()]


def clean_env(**variables: str) -> dict[str, str]:
    """This environment without LRS_* variables, plus ``variables``; lrs importable."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LRS_")}
    return {**env, "PYTHONPATH": str(ROOT), **variables}


def start(args: list[str], cwd: Path, env: dict[str, str], logs: Path) -> Server:
    """Run ``args`` and wait until it says it is listening (its URL), at most a minute."""
    stdout, stderr = logs / "stdout.log", logs / "stderr.log"
    with stdout.open("wb") as out, stderr.open("wb") as err:
        process = subprocess.Popen(args, cwd=cwd, env=env, stdout=out, stderr=err)
    server = Server(process, "", stdout, stderr)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        match = READY.search(stderr.read_text())
        if match:
            server.url = match.group(1)
            return server
        if process.poll() is not None:
            break
        time.sleep(0.1)
    process.kill()
    process.wait()
    raise AssertionError(f"server did not start:\n{stderr.read_text()}\n{stdout.read_text()}")


@contextmanager
def gunicorn(logs: Path, **variables: str) -> Iterator[Server]:
    """:data:`GUNICORN` on a free port of 127.0.0.1, one worker, JSON logs in ``logs``,
    no migration, plus ``variables``; killed after the block."""
    env = clean_env(LRS_AUTO_MIGRATE="false", LRS_BIND="127.0.0.1:0", LRS_WORKERS="1",
                    LRS_LOG_FORMAT="json", **variables)
    server = start(GUNICORN, ROOT, env, logs)
    try:
        yield server
    finally:
        if server.process.poll() is None:
            server.process.kill()
        server.process.wait()
