"""A whole HTTP call of :mod:`lrs.plugin.remote` bounded in time, with one shared thread.

``requests`` bounds each wait for the network, not a call: a server sending a byte
now and then holds it for good. So a call runs inside a :class:`Deadline`, which
notes each socket the calling thread opens or takes from a keep-alive pool (the
urllib3 connections and pools of :class:`TrackedAdapter` report them) and, once
its time is up, shuts them down: the read blocked on one wakes with an error.

A client that opens its own sockets reports them with :func:`track_socket` (core's
email channel does, for whole SMTP sessions).

One daemon thread, the watchdog, keeps every pending deadline of the process in
a heap and expires each when due. It starts with the first call (not at import:
a process that makes no call has no thread) and again in a forked child. A
thread per call (``threading.Timer``) cost a thread start for each event a
webhook delivers.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import os
import socket
import threading
import time
from typing import Any

import requests.adapters
import urllib3
import urllib3.connection


class Deadline:
    """Shuts the sockets the calling thread opens or reuses once ``seconds`` have
    passed, unless the call ended first (``with Deadline(30) as deadline: ...``;
    :attr:`expired` then tells whether the time ran out)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self._ended = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def __enter__(self) -> Deadline:
        _calls.deadline = self
        _WATCHDOG.watch(self, time.monotonic() + self.seconds)
        return self

    def __exit__(self, *_: object) -> None:
        with self._lock:
            self._ended = True  # the watchdog may have popped it already: a no-op then
        _WATCHDOG.forget(self)
        _calls.deadline = None

    def track(self, sock: socket.socket | None) -> None:
        if sock is None:
            return
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                _shut(sock)

    def expire(self) -> None:
        """Time is up: shut the call's sockets (under the lock, so that a socket the
        thread's next call reuses from the pool is never shut for this one)."""
        with self._lock:
            if self._ended:
                return
            self.expired = True
            for sock in self._sockets:
                _shut(sock)


class _Watchdog:
    """The thread expiring every pending :class:`Deadline` when due, earliest first.

    The heap holds only calls under way (a call ending removes its entry), as many
    as threads making calls: removing one by a scan is cheap.
    """

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self._wake = threading.Condition()
        self._due: list[tuple[float, int, Deadline]] = []
        self._order = itertools.count()  # ties never compare two deadlines
        self._thread: threading.Thread | None = None

    def watch(self, deadline: Deadline, at: float) -> None:
        with self._wake:
            heapq.heappush(self._due, (at, next(self._order), deadline))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="remote-call-deadlines", daemon=True)
                self._thread.start()
            elif self._due[0][2] is deadline:
                self._wake.notify()  # earlier than what the thread sleeps towards

    def forget(self, deadline: Deadline) -> None:
        with self._wake:
            for index, entry in enumerate(self._due):
                if entry[2] is deadline:
                    self._due[index] = self._due[-1]
                    self._due.pop()
                    heapq.heapify(self._due)
                    return

    def _run(self) -> None:
        while True:
            with self._wake:
                while True:
                    now = time.monotonic()
                    if self._due and self._due[0][0] <= now:
                        break
                    self._wake.wait(self._due[0][0] - now if self._due else None)
                deadline = heapq.heappop(self._due)[2]
            deadline.expire()


_WATCHDOG = _Watchdog()
# A child forked while a call was under way inherits a lock maybe held, and no thread.
os.register_at_fork(after_in_child=_WATCHDOG._reset)

#: The :class:`Deadline` of the call the current thread is making.
_calls = threading.local()


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # closed meanwhile
        sock.shutdown(socket.SHUT_RDWR)


def track_socket(sock: socket.socket | None) -> None:
    """Have the :class:`Deadline` of the call this thread is making (if any) shut
    ``sock`` when its time is up: for a client that opens its own sockets (SMTP)."""
    deadline = getattr(_calls, "deadline", None)
    if deadline is not None:
        deadline.track(sock)


def _track(connection: Any) -> None:
    track_socket(getattr(connection, "sock", None))


class _Tracking:
    """Mixed into urllib3's connections and pools: each connection a call opens (on
    ``connect``) or takes from the pool kept alive (``_get_conn``) is tracked by the
    call's deadline."""

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]
        _track(self)

    def _get_conn(self, timeout: float | None = None) -> Any:
        connection = super()._get_conn(timeout)  # type: ignore[misc]
        _track(connection)
        return connection


class _TrackedHTTPConnection(_Tracking, urllib3.connection.HTTPConnection):
    pass


class _TrackedHTTPSConnection(_Tracking, urllib3.connection.HTTPSConnection):
    pass


class _TrackedHTTPPool(_Tracking, urllib3.HTTPConnectionPool):
    ConnectionCls = _TrackedHTTPConnection


class _TrackedHTTPSPool(_Tracking, urllib3.HTTPSConnectionPool):
    ConnectionCls = _TrackedHTTPSConnection


#: The pools of :class:`TrackedAdapter`'s pool managers, direct or through a proxy.
_TRACKED_POOLS = {"http": _TrackedHTTPPool, "https": _TrackedHTTPSPool}


class TrackedAdapter(requests.adapters.HTTPAdapter):
    """The transport of a session whose calls a :class:`Deadline` can bound."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _TRACKED_POOLS

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        manager.pool_classes_by_scheme = _TRACKED_POOLS
        return manager
