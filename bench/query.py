"""Query latency and memory at scale, measured from a client over one keep-alive connection.

Latency is taken one request at a time (no concurrency): it is the time a report or
dashboard waits for a page, and the target (p95 ≤ 50 ms at 1M statements) is about
the query plans, not throughput. Each kind of query is sent with varied parameters
(different agents, verbs, activities, ...) drawn from the generator's population,
because one hot parameter would measure a cache.
"""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlencode

from bench.client import Client
from bench.generate import Population, agent_filter
from bench.server import Gunicorn, Target

PATH = "/xapi/statements"


@dataclass
class Latency:
    name: str
    latencies_ms: list[float]
    rows: int

    def percentile(self, p: float) -> float:
        """Nearest-rank percentile of the sorted latencies."""
        ordered = sorted(self.latencies_ms)
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]

    @property
    def mean_rows(self) -> float:
        return self.rows / len(self.latencies_ms)


@dataclass
class StoredRange:
    """``stored`` of the oldest and newest statement: since/until windows fall inside."""

    first: datetime
    last: datetime

    def at(self, fraction: float) -> datetime:
        return self.first + (self.last - self.first) * fraction


@dataclass
class Memory:
    pages: int
    statements: int
    seconds: float
    #: (statements read so far, {worker pid: RSS MiB}) samples, first to last.
    samples: list[tuple[int, dict[int, float]]] = field(default_factory=list)

    def growth_mb(self) -> float:
        """Largest RSS growth of any worker between the first and the last sample."""
        first, last = self.samples[0][1], self.samples[-1][1]
        return max((last[pid] - first[pid] for pid in first if pid in last), default=0.0)


def stored_range(client: Client) -> StoredRange:
    def one(ascending: bool) -> datetime:
        status, body = client.request("GET", f"{PATH}?limit=1&ascending={str(ascending).lower()}")
        if status != 200:
            raise RuntimeError(f"GET statements: {status} {body[:300]!r}")
        return _parse(json.loads(body)["statements"][0]["stored"])

    return StoredRange(one(True), one(False))


def query_kinds(
    people: Population, window: StoredRange
) -> dict[str, Callable[[random.Random], dict[str, str]]]:
    """Name → parameters of one request of that kind, from a seeded random source."""

    def learner(rng: random.Random) -> dict[str, str]:
        return {"agent": agent_filter(rng.choice(people.learners))}

    def verb(rng: random.Random) -> str:
        return rng.choice(people.verbs)["id"]

    def activity(rng: random.Random) -> str:
        return rng.choice(rng.choice(people.activities))["id"]

    def registration(rng: random.Random) -> str:
        index = rng.randrange(len(people.learners))
        return people.registration(index, rng.choice(people.enrolments[index]))

    def since_until(rng: random.Random) -> dict[str, str]:
        start = rng.random() * 0.9
        return {"since": _iso(window.at(start)), "until": _iso(window.at(start + 0.05))}

    return {
        "first page (no filter)": lambda rng: {},
        "agent": learner,
        "verb": lambda rng: {"verb": verb(rng)},
        "activity": lambda rng: {"activity": activity(rng)},
        "activity + related_activities (course)": lambda rng: {
            "activity": rng.choice(people.courses)["id"], "related_activities": "true"},
        "registration": lambda rng: {"registration": registration(rng)},
        "since + until (5% window)": since_until,
        "agent + verb + since": lambda rng: {
            **learner(rng), "verb": people.verbs[rng.randrange(5)]["id"],
            "since": _iso(window.at(rng.random() * 0.5))},
    }


def measure_queries(
    server: Gunicorn, target: Target, people: Population, *, requests: int, seed: int = 7
) -> list[Latency]:
    """p50/p95/p99 of each kind of query, then of following ``more`` links."""
    client = Client(server.port, target.authorization)
    try:
        window = stored_range(client)
        results = []
        for name, params in query_kinds(people, window).items():
            rng = random.Random(seed)
            paths = [f"{PATH}?{urlencode(params(rng))}" for _ in range(requests)]
            for path in paths[:5]:  # warm-up: connection, caches, prepared statements
                _get(client, path)
            results.append(timed(client, name, paths))
        results.append(_paging(client, "more (no filter)", PATH, requests))
        verb_path = f"{PATH}?{urlencode({'verb': people.verbs[0]['id']})}"
        results.append(_paging(client, "more (verb filter)", verb_path, requests))
        return results
    finally:
        client.close()


def timed(client: Client, name: str, paths: list[str]) -> Latency:
    """Latency of GETting each of ``paths`` in turn, and the statements they returned
    (a page's, or 1 for a single statement: ``statementId``)."""
    latencies, rows = [], 0
    for path in paths:
        started = time.perf_counter()
        body = _get(client, path)
        latencies.append((time.perf_counter() - started) * 1000)
        answer = json.loads(body)
        rows += len(answer["statements"]) if "statements" in answer else 1
    return Latency(name, latencies, rows)


def _paging(client: Client, name: str, path: str, pages: int) -> Latency:
    """Follow ``more`` from ``path`` for up to ``pages`` pages (the first is not timed)."""
    latencies, rows = [], 0
    more = json.loads(_get(client, path))["more"]
    while more and len(latencies) < pages:
        started = time.perf_counter()
        body = _get(client, more)
        latencies.append((time.perf_counter() - started) * 1000)
        page = json.loads(body)
        rows += len(page["statements"])
        more = page["more"]
    return Latency(name, latencies or [0.0], rows)


def measure_memory(server: Gunicorn, target: Target, total: int, samples: int = 10) -> Memory:
    """Page through every statement by ``more`` links, sampling worker RSS as it goes.

    One keep-alive connection keeps every page on the same worker, the one whose
    memory matters; the others are sampled too (they should not move at all).
    """
    client = Client(server.port, target.authorization)
    memory = Memory(0, 0, 0.0, [(0, server.worker_rss_mb())])
    every = max(1, total // 100 // samples)  # pages between samples (100 per page)
    started = time.perf_counter()
    try:
        more: str = PATH
        while more:
            page = json.loads(_get(client, more))
            memory.pages += 1
            memory.statements += len(page["statements"])
            more = page["more"]
            if memory.pages % every == 0:
                memory.samples.append((memory.statements, server.worker_rss_mb()))
    finally:
        client.close()
    memory.seconds = time.perf_counter() - started
    memory.samples.append((memory.statements, server.worker_rss_mb()))
    return memory


def _get(client: Client, path: str) -> bytes:
    status, body = client.request("GET", path)
    if status != 200:
        raise RuntimeError(f"GET {path}: {status} {body[:300]!r}")
    return body


def _parse(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")

