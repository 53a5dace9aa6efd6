"""A deadline on receiving each request, for gunicorn's gthread workers.

A gthread worker hands a connection to one of its threads once the client sends a
first byte, and that thread then blocks until the request line, the headers and
whatever body the application reads have arrived. A client that sends a byte a
second holds the thread for good: twenty such clients, costing their sender nothing,
stopped ``lrs serve`` (8 threads) from answering anyone (measured 2026-12-06; the
same holds for the 2 x 16 threads of a PostgreSQL deployment with 32). gunicorn
bounds only a connection that sends nothing, and the draining of a body the
application left unread.

So each request must be received in time: its line and headers within
``LRS_RECEIVE_TIMEOUT_SECONDS`` of its first byte, its body within that much again
plus a second for every ``LRS_RECEIVE_MIN_BYTES_PER_SECOND`` bytes received (Apache's
``mod_reqtimeout`` model: a slow link keeps going as long as it keeps sending). A
watchdog thread shuts the reading side of a connection that misses its deadline,
which wakes the blocked thread: a late header block closes the connection, a late
body gets ``408 Request Timeout`` (JSON) and the connection closes. Answering, and
work after the body is in, are never timed here.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from gunicorn.workers.gthread import ThreadWorker
from werkzeug.exceptions import RequestTimeout

log = logging.getLogger("lrs.http")

#: Bounds of the most of a body read at once: progress is seen (and the deadline
#: moves) only between reads, so a read must take a client keeping the minimum rate
#: well under its grace (:meth:`Receptions.read_step`).
SMALLEST_READ_STEP, LARGEST_READ_STEP = 1024, 64 * 1024


@dataclass
class _Reception:
    """One request a thread is receiving."""

    sock: socket.socket
    client: str
    deadline: float
    phase: str = "headers"
    started: float = 0.0
    received: int = 0
    expired: bool = False


@dataclass
class Receptions:
    """The requests a worker's threads are receiving, by thread, and their deadlines."""

    timeout: float
    min_rate: int
    _by_thread: dict[int, _Reception] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def read_step(self) -> int:
        """A quarter of what the grace lets a client at the minimum rate send."""
        return max(SMALLEST_READ_STEP,
                   min(LARGEST_READ_STEP, int(self.timeout * self.min_rate / 4)))

    def begin(self, sock: socket.socket, client: Any) -> None:
        """The calling thread starts receiving a request on ``sock``."""
        where = f"{client[0]}:{client[1]}" if isinstance(client, tuple) else str(client)
        reception = _Reception(sock, where, time.monotonic() + self.timeout)
        with self._lock:
            self._by_thread[threading.get_ident()] = reception

    def end(self) -> None:
        """The calling thread has received what it will: no deadline any more."""
        with self._lock:
            self._by_thread.pop(threading.get_ident(), None)

    def body_begins(self) -> _Reception | None:
        """The headers are in; the body has a deadline of its own from now on."""
        now = time.monotonic()
        with self._lock:
            reception = self._by_thread.get(threading.get_ident())
            if reception is not None:
                reception.phase, reception.started = "body", now
                reception.deadline = now + self.timeout
        return reception

    def received(self, reception: _Reception, count: int) -> None:
        """``count`` more bytes of the body arrived: its deadline moves on."""
        with self._lock:
            reception.received += count
            reception.deadline = (reception.started + self.timeout
                                  + reception.received / self.min_rate)

    def expire(self, now: float) -> list[_Reception]:
        """Take out the receptions past their deadline, marked as expired."""
        with self._lock:
            late = [(thread, r) for thread, r in self._by_thread.items() if r.deadline < now]
            for thread, reception in late:
                reception.expired = True
                del self._by_thread[thread]
        return [reception for _, reception in late]

    def watch(self, is_alive: Callable[[], bool]) -> None:
        """Shut the reading side of late connections, until ``is_alive()`` is false."""
        pause = min(1.0, self.timeout / 4)
        while is_alive():
            time.sleep(pause)
            for reception in self.expire(time.monotonic()):
                log.warning(
                    "a client was too slow sending its request; connection closed",
                    extra={"client": reception.client, "phase": reception.phase,
                           "received_bytes": reception.received,
                           "timeout_seconds": self.timeout})
                with contextlib.suppress(OSError):  # closed meanwhile
                    reception.sock.shutdown(socket.SHUT_RD)


class _TimedInput:
    """``wsgi.input`` reporting each part of the body that arrives, and raising
    :class:`RequestTimeout` once the watchdog gave up on it."""

    def __init__(self, stream: Any, receptions: Receptions, reception: _Reception,
                 length: int | None) -> None:
        self._stream = stream
        self._receptions = receptions
        self._reception = reception
        self._left = length
        self._read_step = receptions.read_step

    def read(self, size: int | None = -1) -> bytes:
        wanted = None if size is None or size < 0 else size
        step = self._read_step
        parts: list[bytes] = []
        while wanted is None or wanted > 0:
            part = self._step(self._stream.read, step if wanted is None else min(wanted, step))
            if not part:
                break
            parts.append(part)
            if wanted is not None:
                wanted -= len(part)
        return b"".join(parts)

    def readline(self, size: int | None = -1) -> bytes:
        step = self._read_step
        limit = step if size is None or size < 0 else min(size, step)
        line = self._step(self._stream.readline, limit)
        while line and not line.endswith(b"\n") and (size is None or size < 0):
            more = self._step(self._stream.readline, step)
            if not more:
                break
            line += more
        return line

    def readlines(self, hint: int | None = -1) -> list[bytes]:
        return list(iter(self.readline, b""))

    def __iter__(self) -> Any:
        return iter(self.readline, b"")

    def _step(self, read: Callable[[int], bytes], size: int) -> bytes:
        try:
            data = read(size)
        except Exception:
            if self._reception.expired:
                raise self._late() from None
            raise
        if self._reception.expired:
            raise self._late()
        if not data:
            self._receptions.end()
            return data
        self._receptions.received(self._reception, len(data))
        if self._left is not None:
            self._left -= len(data)
            if self._left <= 0:
                self._receptions.end()
        return data

    def _late(self) -> RequestTimeout:
        return RequestTimeout(
            f"the request body did not arrive in time: {self._reception.received} bytes "
            f"came, and a body must arrive within {self._receptions.timeout:g} s plus a "
            f"second for every {self._receptions.min_rate} bytes")


def timing_bodies(app: Callable[..., Any], receptions: Receptions) -> Callable[..., Any]:
    """``app`` with its request bodies timed: WSGI middleware the worker puts outside it."""

    def timed(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        reception = receptions.body_begins()
        length = _declared_length(environ)
        if reception is None or length == 0:
            receptions.end()
            return app(environ, start_response)
        environ["wsgi.input"] = _TimedInput(environ["wsgi.input"], receptions, reception,
                                            length)
        try:
            return app(environ, start_response)
        except RequestTimeout as late:  # read outside Flask's error handling
            return _late_answer(late, start_response)

    # A body the application left unread stays timed: gunicorn then reads it to reuse
    # the connection, and its own bound on that does not stop a slow drip.
    return timed


def _declared_length(environ: dict[str, Any]) -> int | None:
    """The body's length: 0 when there is none, ``None`` when only its end will tell
    (chunked)."""
    text = environ.get("CONTENT_LENGTH")
    if not text:
        return None if "HTTP_TRANSFER_ENCODING" in environ else 0
    try:
        return int(text)
    except ValueError:
        return None


def _late_answer(late: RequestTimeout, start_response: Callable[..., Any]) -> list[bytes]:
    body = json.dumps({"error": "request_timeout", "message": late.description}).encode()
    start_response("408 Request Timeout", [
        ("Content-Type", "application/json"), ("Content-Length", str(len(body))),
        ("Connection", "close")])
    return [body]


class ReceiveDeadlineWorker(ThreadWorker):  # type: ignore[misc]
    """gunicorn's gthread worker, with a deadline on receiving each request.

    :func:`worker_class` sets :attr:`receive_timeout` and :attr:`receive_min_rate` from
    the settings.
    """

    # Not ``timeout``: gunicorn's workers have one (the heartbeat's).
    receive_timeout: float = 30.0
    receive_min_rate: int = 500

    def init_process(self) -> None:
        self.receptions = Receptions(self.receive_timeout, self.receive_min_rate)
        watchdog = threading.Thread(target=self.receptions.watch, args=(lambda: self.alive,),
                                    name="receive-deadline", daemon=True)
        watchdog.start()
        super().init_process()

    def load_wsgi(self) -> None:
        super().load_wsgi()
        self.wsgi = timing_bodies(self.wsgi, self.receptions)

    def handle(self, conn: Any) -> Any:
        self.receptions.begin(conn.sock, conn.client)
        try:
            return super().handle(conn)
        finally:
            self.receptions.end()


def worker_class(timeout: float, min_rate: int) -> type[ReceiveDeadlineWorker]:
    """The worker class for gunicorn's ``worker_class`` setting, with these limits."""
    return type("ReceiveDeadlineWorker", (ReceiveDeadlineWorker,),
                {"receive_timeout": timeout, "receive_min_rate": min_rate,
                 "__module__": ReceiveDeadlineWorker.__module__})
