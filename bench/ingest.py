"""Load generation: POST statement batches from a pool of keep-alive connections.

The generator shares the server's two cores, so it does as little as possible per
request: statement JSON is serialized once, before the clock starts, and each
request only glues a fresh id onto each pre-serialized statement (a counter, not
``uuid4()``). Throughput is counted over a window that starts after a warm-up, so
connection set-up and first-request costs (imports, prepared statements) are out.
"""

from __future__ import annotations

import http.client
import itertools
import json
import queue
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from bench.generate import StatementGenerator
from bench.server import Client, Gunicorn, Target

PATH = "/xapi/statements"


@dataclass
class Throughput:
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
        pool = []
        for statement in generator.statements(pool_size):
            del statement["id"]
            pool.append(json.dumps(statement, separators=(",", ":"))[1:])
        self._pool = pool
        self._prefix = '{"id":"' + str(uuid.uuid4())[:24]
        self._counter = itertools.count()  # next() is atomic under the GIL

    def body(self, size: int) -> bytes:
        parts = []
        for _ in range(size):
            n = next(self._counter)
            parts.append(f'{self._prefix}{n:012x}",{self._pool[n % len(self._pool)]}')
        return ("[" + ",".join(parts) + "]").encode()


def measure_ingest(
    server: Gunicorn, target: Target, factory: BodyFactory, *, batch: int, concurrency: int,
    seconds: float, warmup: float = 2.0,
) -> Throughput:
    """Statements/s stored by ``concurrency`` clients each POSTing ``batch`` at a time."""
    return _run(server, target, lambda: (factory.body(batch), batch), concurrency=concurrency,
                stop_after=warmup + seconds, window_start=warmup)


def load(
    server: Gunicorn, target: Target, generator: StatementGenerator, count: int, *,
    batch: int = 500, concurrency: int = 4, progress: Callable[[int], None] | None = None,
) -> Throughput:
    """Store ``count`` generated statements as fast as the server takes them.

    One producer thread serializes batches (deterministic order of generation);
    ``concurrency`` clients post them.
    """
    bodies: queue.Queue[tuple[bytes, int] | None] = queue.Queue(maxsize=concurrency * 2)

    def produce() -> None:
        for item in generator.batches(count, batch):
            bodies.put(item)
        for _ in range(concurrency):
            bodies.put(None)

    producer = threading.Thread(target=produce, daemon=True)
    producer.start()
    result = _run(server, target, bodies.get, concurrency=concurrency, progress=progress)
    producer.join()
    return result


def _run(
    server: Gunicorn, target: Target, next_body: Callable[[], tuple[bytes, int] | None], *,
    concurrency: int, stop_after: float | None = None, window_start: float = 0.0,
    progress: Callable[[int], None] | None = None,
) -> Throughput:
    """Clients send ``next_body()`` until it returns None or ``stop_after`` seconds pass.

    A failed request (non-200 answer or broken connection) is counted, not fatal:
    a long run should report how often the server failed, and the producer of
    :func:`load` must be drained whatever happens.
    """
    done: list[tuple[float, float, int]] = []  # (finished, latency, statements)
    failures: list[tuple[float, str]] = []
    lock = threading.Lock()
    start = time.perf_counter()
    deadline = start + stop_after if stop_after is not None else float("inf")

    def client_loop() -> None:
        client = Client(server.port, target.authorization)
        try:
            while time.perf_counter() < deadline:
                item = next_body()
                if item is None:
                    return
                body, statements = item
                sent = time.perf_counter()
                try:
                    status, answer = client.request("POST", PATH, body)
                except (OSError, http.client.HTTPException) as error:
                    status, answer = 0, repr(error).encode()
                    client.close()
                finished = time.perf_counter()
                with lock:
                    if status != 200:
                        failures.append((finished, f"{status}: {answer[:300]!r}"))
                        continue
                    done.append((finished, finished - sent, statements))
                    if progress is not None:
                        progress(statements)
        finally:
            client.close()

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
