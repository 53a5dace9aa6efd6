"""Slow clients through a real gunicorn: each request must arrive in time.

A gthread worker's thread blocks while a request arrives; without a deadline, a few
clients sending a byte now and then held every thread and nobody else was answered
(:mod:`lrs.process.receive_deadline`). Only a real server shows this: raw sockets on
127.0.0.1 play the slow clients.
"""

from __future__ import annotations

import base64
import http.client
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from lrs.store.credentials import IssuedCredential
from tests.conftest import TEST_SECRET_KEY
from tests.server.test_gunicorn import STATEMENT
from tests.serving import Server, gunicorn

pytestmark = pytest.mark.server

THREADS = 2
TIMEOUT = 1
MIN_RATE = 2000


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[Server]:
    with gunicorn(tmp_path, LRS_DATABASE_URL=database_url, LRS_SECRET_KEY=TEST_SECRET_KEY,
                  LRS_THREADS=str(THREADS), LRS_RECEIVE_TIMEOUT_SECONDS=str(TIMEOUT),
                  LRS_RECEIVE_MIN_BYTES_PER_SECOND=str(MIN_RATE)) as started:
        yield started


class Dripper:
    """Connections that send ``head`` and then one byte of ``drip`` every tenth of a
    second, for as long as the server keeps them open."""

    def __init__(self, server: Server, head: bytes, drip: bytes, count: int) -> None:
        url = urlsplit(server.url)
        self.sockets = [socket.create_connection((url.hostname, url.port)) for _ in range(count)]
        for sock in self.sockets:
            sock.sendall(head)
        self.drip = drip
        self.answers: dict[int, bytes] = {}
        self.closed_after: dict[int, float] = {}
        self._started = time.monotonic()
        self._threads = [threading.Thread(target=self._run, args=(n,), daemon=True)
                         for n in range(count)]
        for thread in self._threads:
            thread.start()

    def _run(self, n: int) -> None:
        sock = self.sockets[n]
        sock.settimeout(0.1)
        received = b""
        for byte in self.drip * 1000:
            try:
                sock.send(bytes([byte]))
                chunk = sock.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                break
            if not chunk:
                break
            received += chunk
        self.answers[n] = received
        self.closed_after[n] = time.monotonic() - self._started

    def wait(self, seconds: float) -> None:
        for thread in self._threads:
            thread.join(seconds)
        for sock in self.sockets:
            sock.close()


def authorization(credential: IssuedCredential) -> str:
    token = base64.b64encode(f"{credential.key}:{credential.secret}".encode()).decode()
    return f"Basic {token}"


def get_about(server: Server) -> tuple[int, float]:
    """GET /xapi/about: its status and how long the answer took."""
    url = urlsplit(server.url)
    started = time.monotonic()
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=15)
    try:
        connection.request("GET", f"{url.path}/about")
        return connection.getresponse().status, time.monotonic() - started
    finally:
        connection.close()


def post_statement(server: Server, credential: IssuedCredential, body: bytes,
                   bytes_per_second: float) -> tuple[int, bytes]:
    """POST ``body`` to /statements, sent in pieces at ``bytes_per_second``."""
    url = urlsplit(server.url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=15)
    piece = 256

    def pieces() -> Iterator[bytes]:
        for start_at in range(0, len(body), piece):
            time.sleep(piece / bytes_per_second)
            yield body[start_at:start_at + piece]

    try:
        connection.request("POST", f"{url.path}/statements", body=pieces(), headers={
            "Authorization": authorization(credential), "X-Experience-API-Version": "1.0.3",
            "Content-Type": "application/json", "Content-Length": str(len(body))})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def stored_count(server: Server, credential: IssuedCredential) -> int:
    url = urlsplit(server.url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=15)
    try:
        connection.request("GET", f"{url.path}/statements", headers={
            "Authorization": authorization(credential), "X-Experience-API-Version": "1.0.3"})
        response = connection.getresponse()
        assert response.status == 200
        return len(json.loads(response.read())["statements"])
    finally:
        connection.close()


def late_clients(server: Server) -> list[dict[str, object]]:
    return [r for r in server.logs() if r["msg"].startswith("a client was too slow")]


def test_clients_dripping_their_headers_are_cut_off_and_the_others_served(
    server: Server,
) -> None:
    drippers = Dripper(server, b"GET /xapi/about HTTP/1.1\r\nHost: x\r\n", b"X: y\r\n",
                       count=THREADS * 2)

    status, took = get_about(server)
    drippers.wait(10)

    assert status == 200
    assert took < 10 * TIMEOUT
    assert all(after < 10 * TIMEOUT for after in drippers.closed_after.values())
    assert len(drippers.closed_after) == THREADS * 2
    late = late_clients(server)
    assert {record["phase"] for record in late} == {"headers"}
    assert len(late) == THREADS * 2


def test_a_statement_body_dripping_in_gets_408_and_nothing_is_stored(
    server: Server, credential: IssuedCredential,
) -> None:
    body = json.dumps(STATEMENT).encode()
    head = (b"POST /xapi/statements HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"X-Experience-API-Version: 1.0.3\r\n"
            + f"Authorization: {authorization(credential)}\r\n".encode()
            + f"Content-Length: {len(body) + 100}\r\n\r\n".encode())
    drippers = Dripper(server, head + body[:20], body[20:], count=THREADS * 2)

    status, took = get_about(server)
    drippers.wait(10)

    assert status == 200
    assert took < 10 * TIMEOUT
    for answer in drippers.answers.values():
        head_text, _, payload = answer.partition(b"\r\n\r\n")
        assert head_text.startswith(b"HTTP/1.1 408 "), answer
        assert "did not arrive in time" in json.loads(payload)["message"]
    assert {record["phase"] for record in late_clients(server)} == {"body"}
    assert stored_count(server, credential) == 0


def test_a_slow_upload_keeping_the_minimum_rate_is_received_past_the_timeout(
    server: Server, credential: IssuedCredential,
) -> None:
    text = json.dumps([STATEMENT]).encode()
    body = text + b" " * (16 * MIN_RATE - len(text))  # 4 s at four times the minimum rate

    started = time.monotonic()
    status, answer = post_statement(server, credential, body, bytes_per_second=4 * MIN_RATE)

    assert time.monotonic() - started > 2 * TIMEOUT
    assert status == 200, answer
    assert stored_count(server, credential) == 1
    assert late_clients(server) == []
