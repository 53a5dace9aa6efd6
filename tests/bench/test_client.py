"""The benchmarks' HTTP client (``bench.client``) against a real HTTP server on 127.0.0.1.

The benchmarks' figures are only as good as the load generator's reading of the
answers: a body cut short, a chunked answer or a connection the server closed
must not pass for a success.
"""

from __future__ import annotations

import itertools
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench.client import Client, ProtocolError

AUTHORIZATION = "Basic a2V5OnNlY3JldA=="


class _Handler(BaseHTTPRequestHandler):
    """One per connection: ``GET /`` answers the connection's number."""

    protocol_version = "HTTP/1.1"
    _connections = itertools.count(1)

    def setup(self) -> None:
        super().setup()
        self.number = next(self._connections)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the test's output is pytest's."""

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        seen = "|".join(
            f"{name}={','.join(self.headers.get_all(name) or ['None'])}"
            for name in ("Authorization", "X-Experience-API-Version", "Content-Type", "X-Extra")
        )
        self._answer(200, seen.encode() + b"|" + body)

    def do_PUT(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(204)
        self.end_headers()

    def do_GET(self) -> None:
        if self.path == "/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for part in (b"[1,", b"2,3", b"]"):
                self.wfile.write(b"%x;note=x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\nX-Trailer: 1\r\n\r\n")
        elif self.path == "/close":
            self._answer(200, b"last", close=True)
        elif self.path == "/forget":
            # Answers, then closes the kept connection without saying so, as a
            # server's keep-alive timeout does.
            self._answer(200, b"once")
            self.close_connection = True
        elif self.path == "/cut":
            self._wrong_length("100", b"only a part")
        elif self.path == "/negative":
            self._wrong_length("-1", b"whatever follows")
        elif self.path == "/missing":
            self._answer(404, b'{"error":"no such thing"}')
        else:
            self._answer(200, b"connection %d" % self.number)

    def _wrong_length(self, length: str, body: bytes) -> None:
        """An answer whose ``Content-Length`` does not match its body; then the end."""
        self.send_response(200)
        self.send_header("Content-Length", length)
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    def _answer(self, status: int, body: bytes, *, close: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        if close:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        if close:
            self.close_connection = True


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.fixture
def client(port: int) -> Iterator[Client]:
    client = Client(port, AUTHORIZATION)
    yield client
    client.close()


@pytest.mark.parametrize(("extra", "version", "extra_seen"), [
    ({"X-Extra": "yes"}, "2.0.0", "yes"),
    # A header given replaces the connection's own of that name, never doubles it.
    ({"X-Experience-API-Version": "1.0.3"}, "1.0.3", "None"),
])
def test_a_post_carries_its_body_the_credential_and_the_headers_given(
    client: Client, extra: dict[str, str], version: str, extra_seen: str,
) -> None:
    status, body = client.request("POST", "/statements", b'{"a":1}', extra)
    assert status == 200
    assert body == (
        f"Authorization={AUTHORIZATION}|X-Experience-API-Version={version}|"
        f'Content-Type=application/json|X-Extra={extra_seen}|{{"a":1}}'
    ).encode()


def test_requests_share_one_kept_connection(client: Client) -> None:
    first = client.request("GET", "/")
    assert client.request("PUT", "/state", b"{}") == (204, b"")
    assert client.request("GET", "/") == first
    assert client.request("GET", "/missing") == (404, b'{"error":"no such thing"}')


def test_a_chunked_answer_is_read_whole_and_the_connection_kept(client: Client) -> None:
    first = client.request("GET", "/")
    assert client.request("GET", "/chunked") == (200, b"[1,2,3]")
    assert client.request("GET", "/") == first


def test_connection_close_opens_a_new_connection_next_time(client: Client) -> None:
    first = client.request("GET", "/")
    assert client.request("GET", "/close") == (200, b"last")
    status, again = client.request("GET", "/")
    assert status == 200 and again != first[1]


def test_a_connection_the_server_dropped_is_retried_once_on_a_new_one(client: Client) -> None:
    assert client.request("GET", "/forget") == (200, b"once")
    status, body = client.request("GET", "/")
    assert status == 200 and body.startswith(b"connection ")


def test_an_answer_cut_short_is_an_error_not_a_body(client: Client) -> None:
    with pytest.raises(ProtocolError, match="in the middle of an answer"):
        client.request("GET", "/cut")
    assert client.request("GET", "/")[0] == 200


def test_a_negative_length_is_refused(client: Client) -> None:
    with pytest.raises(ProtocolError, match="not a length"):
        client.request("GET", "/negative")


def test_a_server_that_does_not_speak_http_is_refused() -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:

        def answer_nonsense() -> None:
            connection, _ = listener.accept()
            with connection:
                connection.recv(65536)
                connection.sendall(b"SSH-2.0-OpenSSH\r\n\r\n")

        thread = threading.Thread(target=answer_nonsense, daemon=True)
        thread.start()
        client = Client(listener.getsockname()[1], AUTHORIZATION)
        with pytest.raises(ProtocolError, match="not an HTTP status line"):
            client.request("GET", "/")
        thread.join()
