"""The benchmarks' HTTP client: one keep-alive HTTP/1.1 connection, as an xAPI client holds it.

The load generator runs on the machine it measures, so the CPU it spends on a
request is taken from the server it drives (two cores here). :mod:`http.client`
(the answer's headers parsed by the :mod:`email` package, the request assembled
in pieces) cost the benchmark 0.19 to 0.24 ms of CPU a request; this client, which
writes each request in one ``sendall`` and reads the answer through a buffered
reader, 0.08 to 0.11 ms (bench/README.md, "A lighter load generator").

It speaks what the benchmarks ask of HTTP/1.1: ``Content-Length`` and chunked
answers, ``Connection: close``, and a second try on a fresh connection when the
server had closed the kept one (gunicorn's keep-alive timeout); a retried POST is
harmless because every statement carries its id.
"""

from __future__ import annotations

import socket
from io import BufferedReader

#: Seconds a request may take before the client gives up.
TIMEOUT = 120.0
#: Longest status or header line read (longer answers are refused).
_LINE = 65536


class ProtocolError(ConnectionError):
    """An answer this client cannot read; the connection is closed after it."""


class Client:
    """One keep-alive connection to a server on 127.0.0.1, with an xAPI credential."""

    def __init__(self, port: int, authorization: str, version: str = "2.0.0") -> None:
        self.port = port
        self._headers = {"Host": f"127.0.0.1:{port}", "Authorization": authorization,
                         "X-Experience-API-Version": version}
        self._header_lines = _lines(self._headers)
        self._socket: socket.socket | None = None
        self._reader: BufferedReader | None = None

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        """Status and body of one request (the body is read whole, as a client would);
        ``headers`` are added to the connection's, replacing those of the same name; a
        ``body`` is sent as JSON."""
        kept = self._socket is not None
        try:
            return self._exchange(method, path, body, headers)
        except ConnectionError:
            self.close()
            if not kept:
                raise
            return self._exchange(method, path, body, headers)

    def close(self) -> None:
        if self._socket is not None:
            assert self._reader is not None
            self._reader.close()
            self._socket.close()
            self._socket = self._reader = None

    def _exchange(self, method: str, path: str, body: bytes | None,
                  extra: dict[str, str] | None) -> tuple[int, bytes]:
        if self._socket is None:
            self._socket = socket.create_connection(("127.0.0.1", self.port), timeout=TIMEOUT)
            self._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._reader = self._socket.makefile("rb")
        head = [f"{method} {path} HTTP/1.1\r\n",
                _lines({**self._headers, **extra}) if extra else self._header_lines]
        if body is not None:
            head.append(f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n")
        head.append("\r\n")
        self._socket.sendall("".join(head).encode("latin-1") + (body or b""))
        return self._answer(method)

    def _answer(self, method: str) -> tuple[int, bytes]:
        assert self._reader is not None
        status_line = self._reader.readline(_LINE)
        if not status_line:
            raise ProtocolError("the server closed the connection before answering")
        version, _, rest = status_line.partition(b" ")
        code = rest[:3]
        if not version.startswith(b"HTTP/") or not code.isdigit():
            raise ProtocolError(f"not an HTTP status line: {status_line[:80]!r}")
        status = int(code)
        length, chunked, close = None, False, version == b"HTTP/1.0"
        while (line := self._reader.readline(_LINE)) not in (b"\r\n", b"\n"):
            if not line.endswith(b"\n"):
                raise ProtocolError("the answer's headers end early or run too long")
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = _number(value, 10)
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
            elif name == b"connection":
                close = b"close" in value.lower()
        if method == "HEAD" or status in (204, 304):
            answer = b""
        elif chunked:
            answer = self._chunked()
        elif length is not None:
            answer = self._exactly(length)
        else:
            answer, close = self._reader.read(), True
        if close:
            self.close()
        return status, answer

    def _chunked(self) -> bytes:
        assert self._reader is not None
        chunks = []
        while size := _number(self._reader.readline(_LINE).split(b";", 1)[0], 16):
            chunks.append(self._exactly(size))
            self._exactly(2)  # the chunk's CRLF
        while self._reader.readline(_LINE) not in (b"\r\n", b"\n", b""):
            pass  # trailers
        return b"".join(chunks)

    def _exactly(self, size: int) -> bytes:
        assert self._reader is not None
        data = self._reader.read(size)
        if len(data) < size:
            raise ProtocolError("the server closed the connection in the middle of an answer")
        return data


def _lines(headers: dict[str, str]) -> str:
    return "".join(f"{name}: {value}\r\n" for name, value in headers.items())


def _number(text: bytes, base: int) -> int:
    """A length from an answer's header or chunk line."""
    try:
        number = int(text, base)
    except ValueError:
        number = -1
    if number < 0:
        raise ProtocolError(f"not a length: {text[:40]!r}")
    return number
