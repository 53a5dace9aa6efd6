"""Load generation: POST statement batches from a pool of keep-alive connections.

:func:`drive` is the loop every load of ``bench`` runs: N clients (HTTP
connections, or database connections for the raw ceilings of
``python -m bench.requests``) doing one unit of work after another.

The generator shares the server's two cores, so it does as little as possible per
request: statement JSON is serialized once, before the clock starts, and each
request only glues a fresh id onto each pre-serialized statement (a counter, not
``uuid4()``). Throughput is counted over a window that starts after a warm-up, so
connection set-up and first-request costs (imports, prepared statements) are out.
"""

from __future__ import annotations

import itertools
import json
import queue
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from bench.client import Client
from bench.generate import StatementGenerator
from bench.server import Gunicorn, Target

PATH = "/xapi/statements"


@dataclass
class Throughput:
    #: Items done in the window: statements (or rows, or requests).
    statements: int
    seconds: float
    requests: int
    #: Request latencies in the window, in ms (sorted).
    latencies_ms: list[float]
    #: Failed requests over the whole run (warm-up included), and what the first said.
    errors: int = 0
    first_error: str = ""

    @property
    def per_second(self) -> float:
        return self.statements / self.seconds if self.seconds else 0.0


class BodyFactory:
    """Batches of unique statements from a pool of pre-serialized ones.

    Each statement of the pool is stored without its ``id``; a body is built by
    prefixing ``{"id":"<fresh>",`` to each, so ids never repeat within a run
    (a repeated id would be a cheap "already stored" skip, not an insert).
    """

    def __init__(self, generator: StatementGenerator, pool_size: int = 5000) -> None:
        pool, verbs = [], []
        for statement in generator.statements(pool_size):
            del statement["id"]
            pool.append(json.dumps(statement, separators=(",", ":"))[1:])
            verbs.append(statement["verb"]["id"])
        self._pool, self._verbs = pool, verbs
        self._prefix = str(uuid.uuid4())[:24]
        self._counter = itertools.count()  # next() is atomic under the GIL

    def body(self, size: int) -> bytes:
        return ("[" + ",".join(json for _, json, _ in self.statements(size)) + "]").encode()

    def statements(self, size: int) -> list[tuple[str, str, str]]:
        """``size`` fresh statements: (id, JSON text, verb id) of each."""
        rows = []
        for _ in range(size):
            n = next(self._counter)
            statement_id = f"{self._prefix}{n:012x}"
            rest = n % len(self._pool)
            rows.append((statement_id, f'{{"id":"{statement_id}",{self._pool[rest]}',
                         self._verbs[rest]))
        return rows


def measure_ingest(
    server: Gunicorn, target: Target, factory: BodyFactory, *, batch: int, concurrency: int,
    seconds: float, warmup: float = 2.0,
) -> Throughput:
    """Statements/s stored by ``concurrency`` clients each POSTing ``batch`` at a time."""
    return drive(http_sessions(server, target), lambda: (post(factory.body(batch)), batch),
                 concurrency=concurrency, stop_after=warmup + seconds, window_start=warmup)


def load(
    server: Gunicorn, target: Target, generator: StatementGenerator, count: int, *,
    batch: int = 500, concurrency: int = 4, progress: Callable[[int], None] | None = None,
) -> Throughput:
    """Store ``count`` generated statements as fast as the server takes them.

    One producer thread serializes batches (deterministic order of generation);
    ``concurrency`` clients post them.
    """
    bodies: queue.Queue[tuple[Call, int] | None] = queue.Queue(maxsize=concurrency * 2)

    def produce() -> None:
        for body, statements in generator.batches(count, batch):
            bodies.put((post(body), statements))
        for _ in range(concurrency):
            bodies.put(None)

    producer = threading.Thread(target=produce, daemon=True)
    producer.start()
    result = drive(http_sessions(server, target), bodies.get, concurrency=concurrency,
                   progress=progress)
    producer.join()
    return result


@dataclass(frozen=True)
class Call:
    """One HTTP request of a load; any 2xx answer is a success."""

    method: str
    path: str
    body: bytes | None = None
    headers: dict[str, str] | None = None


def post(body: bytes) -> Call:
    """POST statements."""
    return Call("POST", PATH, body)


class Session(Protocol):
    """One client of a load (an HTTP connection, a database connection): does one unit
    of work at a time and says what went wrong, if anything."""

    def send(self, work: Any) -> str | None: ...

    def close(self) -> None: ...


class HttpSession:
    """:class:`Session` over one keep-alive :class:`Client`."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def send(self, work: Call) -> str | None:
        try:
            status, answer = self.client.request(work.method, work.path, work.body,
                                                 work.headers)
        except OSError as error:
            self.client.close()
            return repr(error)
        return None if 200 <= status < 300 else f"{status}: {answer[:300]!r}"

    def close(self) -> None:
        self.client.close()


def http_sessions(server: Gunicorn, target: Target) -> Callable[[], HttpSession]:
    """A new keep-alive client of ``server`` per call, with ``target``'s credential."""
    return lambda: HttpSession(Client(server.port, target.authorization))


def drive(
    open_session: Callable[[], Session], next_work: Callable[[], tuple[Any, int] | None],
    *, concurrency: int, stop_after: float | None = None, window_start: float = 0.0,
    progress: Callable[[int], None] | None = None,
) -> Throughput:
    """``concurrency`` sessions do ``next_work()`` (work, items it carries) until it
    returns None or ``stop_after`` seconds pass.

    A failed request (non-2xx answer or broken connection) is counted, not fatal:
    a long run should report how often the server failed, and the producer of
    :func:`load` must be drained whatever happens.
    """
    done: list[tuple[float, float, int]] = []  # (finished, latency, items)
    failures: list[tuple[float, str]] = []
    lock = threading.Lock()
    start = time.perf_counter()
    deadline = start + stop_after if stop_after is not None else float("inf")

    def client_loop() -> None:
        session = open_session()
        try:
            while time.perf_counter() < deadline:
                item = next_work()
                if item is None:
                    return
                work, items = item
                sent = time.perf_counter()
                error = session.send(work)
                finished = time.perf_counter()
                with lock:
                    if error is not None:
                        failures.append((finished, error))
                        continue
                    done.append((finished, finished - sent, items))
                    if progress is not None:
                        progress(items)
        finally:
            session.close()

    threads = [threading.Thread(target=client_loop) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    end = time.perf_counter()
    window = [d for d in done if d[0] - start >= window_start]
    return Throughput(
        statements=sum(d[2] for d in window),
        seconds=end - start - window_start,
        requests=len(window),
        latencies_ms=sorted(d[1] * 1000 for d in window),
        errors=len(failures),
        first_error=failures[0][1] if failures else "",
    )
