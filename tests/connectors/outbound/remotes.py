"""The remote systems outgoing connectors talk to, on 127.0.0.1.

* :class:`ReceivingWeft`: a second Weft served by gunicorn, exactly as an
  operator runs one (``bench.server``), on its own SQLite database, with a
  Basic credential and an OAuth2 client: the receiver of statement forwarding.
* :class:`ScriptedServer`: the connector tests' loopback server
  (:mod:`tests.connectors.loopback`) answering from a script of replies (a
  status, headers, a body, a delay before answering): the failing receiver
  (timeouts, 500, 429 with Retry-After, malformed answers) and the webhook
  endpoint.
"""

from __future__ import annotations

import base64
import contextlib
import json
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.server import ROOT, Gunicorn, Target, database, environment, serve
from tests.connectors.loopback import Remote, Reply, Request
from tests.connectors.loopback import serve as serve_loopback


@dataclass
class ReceivingWeft:
    """A running second Weft: its xAPI base URL and credentials."""

    server: Gunicorn
    target: Target
    oauth_client: tuple[str, str]

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server.port}/xapi/"

    @property
    def token_url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}/oauth/token"

    @property
    def basic(self) -> tuple[str, str]:
        key, secret = base64.b64decode(self.target.authorization.split()[1]).decode().split(":")
        return key, secret

    def statements(self) -> list[dict[str, Any]]:
        """Every statement it holds, voided ones included, following ``more`` links."""
        found: list[dict[str, Any]] = []
        path = "/xapi/statements?limit=500&ascending=true"
        while path:
            request = urllib.request.Request(
                f"http://127.0.0.1:{self.server.port}{path}",
                headers={
                    "Authorization": self.target.authorization,
                    "X-Experience-API-Version": "2.0.0",
                },
            )
            with urllib.request.urlopen(request, timeout=30) as response:
                page = json.load(response)
            found.extend(page["statements"])
            path = page.get("more") or ""
        return found

    def post(self, statements: list[dict[str, Any]]) -> int:
        """Store ``statements`` directly in the receiver; the answer's status."""
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.server.port}/xapi/statements",
            data=json.dumps(statements).encode(),
            method="POST",
            headers={
                "Authorization": self.target.authorization,
                "X-Experience-API-Version": "2.0.0",
                "Content-Type": "application/json",
            },
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status

    def statement(self, statement_id: str, *, voided: bool = False) -> int:
        """The status of ``GET statements?statementId=`` (or ``voidedStatementId=``)."""
        name = "voidedStatementId" if voided else "statementId"
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.server.port}/xapi/statements?{name}={statement_id}",
            headers={
                "Authorization": self.target.authorization,
                "X-Experience-API-Version": "2.0.0",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code


@contextlib.contextmanager
def receiving_weft(logs: Path) -> Iterator[ReceivingWeft]:
    """Start a second Weft (one worker) on a fresh SQLite database; stopped on exit."""
    with database("sqlite") as target:
        env = environment(target, workers=1, threads=4)
        created = subprocess.run(
            [
                sys.executable,
                "-m",
                "lrs.cli",
                "oauth",
                "clients",
                "create",
                "--name",
                "forwarder",
                "--scope",
                "statements/write",
                "--json",
            ],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        client = json.loads(created.stdout)
        with serve(target, logs / "receiver.log", env=env) as server:
            yield ReceivingWeft(server, target, (client["client_id"], client["client_secret"]))


def Answer(
    status: int = 200,
    body: bytes | str | list[Any] | dict[str, Any] = b"",
    headers: dict[str, str] | None = None,
    delay: float = 0.0,
) -> Reply:
    """A scripted :class:`~tests.connectors.loopback.Reply`; a list or dict body is JSON."""
    if isinstance(body, list | dict):
        body = json.dumps(body)
    data = body.encode() if isinstance(body, str) else body
    return Reply(status, data, delay=delay, headers=headers or {})


class ScriptedServer:
    """The loopback server answering with :attr:`script` in order, then :attr:`default`."""

    def __init__(self, remote: Remote) -> None:
        self.script: deque[Reply] = deque()
        self.default = Answer(200, [])
        #: When set, answers every request instead of the script (by its content).
        self.decide: Callable[[Request], Reply] | None = None
        self._remote = remote
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return self._remote.url + "/"

    @property
    def requests(self) -> list[Request]:
        return self._remote.requests

    def answer(self, *answers: Reply) -> None:
        self.script.extend(answers)

    def next(self, request: Request) -> Reply:
        if self.decide is not None:
            return self.decide(request)
        with self._lock:
            return self.script.popleft() if self.script else self.default


@contextlib.contextmanager
def scripted_server() -> Iterator[ScriptedServer]:
    holder: list[ScriptedServer] = []
    with serve_loopback(lambda request: holder[0].next(request)) as remote:
        holder.append(ScriptedServer(remote))
        yield holder[0]
