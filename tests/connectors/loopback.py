"""A real HTTP server on 127.0.0.1 for connector tests, answering as the test says.

Connectors talk to it over real sockets, so timeouts, connections closed mid-body
and error statuses are the real thing, not mocks. A test gives a function from
:class:`Request` to :class:`Reply`; every request is kept in :attr:`Remote.requests`.
:func:`raw_server` is a socket loop instead, for what no HTTP server would send
(a byte at a time, a body without end, something that is not HTTP).
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    #: Query and form fields together (Moodle reads both alike).
    params: dict[str, str]
    headers: dict[str, str]
    #: The request's body as sent (a signed webhook call, a batch of statements).
    body: bytes = b""
    #: The query string (``statementId=...``), also parsed into ``params``.
    query: str = ""

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    #: Wait this long before answering (a timeout).
    delay: float = 0.0
    #: Announce the whole body but send only this many bytes, then close (a cut answer).
    cut_at: int | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Remote:
    answer: Callable[[Request], Reply]
    requests: list[Request] = field(default_factory=list)
    url: str = ""


@contextmanager
def serve(answer: Callable[[Request], Reply]) -> Iterator[Remote]:
    """Run a server answering with ``answer`` for the block; ``Remote.url`` is its root."""
    remote = Remote(answer)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self._handle()

        def do_POST(self) -> None:
            self._handle()

        def do_PUT(self) -> None:
            self._handle()

        def _handle(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            form = body.decode(errors="replace")
            request = Request(
                self.command,
                parts.path,
                dict(parse_qsl(parts.query) + parse_qsl(form)),
                {k.lower(): v for k, v in self.headers.items()},
                body,
                parts.query,
            )
            remote.requests.append(request)
            reply = remote.answer(request)
            time.sleep(reply.delay)
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            body = reply.body if reply.cut_at is None else reply.body[: reply.cut_at]
            try:
                self.wfile.write(body)
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test)
            if reply.cut_at is not None:
                self.close_connection = True

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    remote.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield remote
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


#: What a raw server does with a connection, given the request's head.
Answer = Callable[[socket.socket, bytes], None]


@contextmanager
def raw_server(answer: Answer) -> Iterator[str]:
    """A server on 127.0.0.1 that reads a request's head, then runs ``answer`` on the
    connection; its root URL."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve_one(connection: socket.socket) -> None:
        with connection:
            head = b""
            while b"\r\n\r\n" not in head:
                data = connection.recv(65536)
                if not data:
                    return
                head += data
            with contextlib.suppress(OSError):  # the client gave up
                answer(connection, head)

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=serve_one, args=(connection,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join()
        listener.close()


def http(status: str, body: bytes, *headers: str) -> bytes:
    """A whole HTTP/1.1 answer; the server closes the connection after it."""
    head = [f"HTTP/1.1 {status}", "Content-Type: application/json",
            f"Content-Length: {len(body)}", "Connection: close", *headers]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def sends(*parts: bytes, pause: float = 0.0) -> Answer:
    """Send each of ``parts``, waiting ``pause`` after each."""
    def answer(connection: socket.socket, _: bytes) -> None:
        for part in parts:
            connection.sendall(part)
            time.sleep(pause)
    return answer
