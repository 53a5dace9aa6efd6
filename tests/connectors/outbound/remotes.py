"""The remote systems outgoing connectors talk to, on 127.0.0.1.

* :class:`ReceivingWeft`: a second Weft served by gunicorn, exactly as an
  operator runs one (``bench.server``), on its own SQLite database, with a
  Basic credential and an OAuth2 client: the receiver of statement forwarding.
* :class:`ScriptedServer`: a tiny HTTP server that answers from a script of
  responses (a status, headers, a body, a delay before answering) and records
  every request: the failing receiver (timeouts, 500, 429 with Retry-After,
  malformed answers) and the webhook endpoint.
"""

from __future__ import annotations

import base64
import contextlib
import json
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from bench.server import ROOT, Gunicorn, Target, database, environment, serve


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


@dataclass
class Answer:
    """One scripted response."""

    status: int = 200
    body: bytes | str | list[Any] | dict[str, Any] = b""
    headers: dict[str, str] = field(default_factory=dict)
    #: Seconds to wait before answering (longer than the client's timeout: a timeout).
    delay: float = 0.0


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class ScriptedServer:
    """Answers requests with :attr:`script` in order, then with :attr:`default`."""

    def __init__(self) -> None:
        self.script: deque[Answer] = deque()
        self.default = Answer(200, [])
        self.requests: list[Received] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    def answer(self, *answers: Answer) -> None:
        self.script.extend(answers)

    def __enter__(self) -> ScriptedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _next(self, received: Received) -> Answer:
        with self._lock:
            self.requests.append(received)
            return self.script.popleft() if self.script else self.default

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        scripted = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                received = Received(
                    self.command, self.path, dict(self.headers.items()), self.rfile.read(length)
                )
                answer = scripted._next(received)
                time.sleep(answer.delay)
                body = answer.body
                if isinstance(body, list | dict):
                    body = json.dumps(body)
                data = body.encode() if isinstance(body, str) else body
                try:
                    self.send_response(answer.status)
                    for name, value in answer.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (a timeout test)

            do_POST = do_PUT = do_GET = _serve

            def log_message(self, *args: Any) -> None:
                pass

        return Handler
