"""``python -m bench``: ingest throughput, query latency at scale and memory, per backend.

For each backend: a fresh database and a real gunicorn server; then (1) statements/s
for POST batches of 1 and 100 at concurrency 1 and 16, (2) loading ``--statements``
realistic statements and timing each kind of query, (3) paging through everything
by ``more`` links while sampling the worker's memory. Tables go to stdout as each
phase ends (so a long run's log shows progress); progress notes go to stderr.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from bench.generate import Population, StatementGenerator
from bench.ingest import BodyFactory, Throughput, load, measure_ingest
from bench.query import Latency, Memory, measure_memory, measure_queries
from bench.server import (
    Gunicorn,
    Target,
    analyze,
    count_rows,
    database,
    engine_of,
    note,
    run_note,
    serve,
)

#: Targets printed beside the results.
POSTGRES_BATCH_TARGET = 5000
SQLITE_SHARE = 0.6
P95_TARGET_MS = 50.0
FLAT_MB = 50.0
#: Every other benchmark of this package, for ``--list``.
MICRO_BENCHMARKS = {"bench_validate": "statement validation cost (python -m bench.bench_validate)"}


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    if args.list:
        for name, what in MICRO_BENCHMARKS.items():
            print(f"{name}: {what}")
        return 0
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    count = args.statements or (20_000 if args.quick else 1_000_000)
    seconds = 5.0 if args.quick else 20.0
    requests = 50 if args.quick else 200
    _header(args, count)
    ingest: dict[str, dict[tuple[int, int], Throughput]] = {}
    for backend in backends:
        ingest[backend] = _bench_backend(backend, args, count, seconds, requests)
    if len(ingest) == 2:
        _compare(ingest)
    return 0


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--statements", type=int, default=0,
                        help="statements loaded for the query phase (default 1,000,000; "
                             "20,000 with --quick)")
    parser.add_argument("--quick", action="store_true",
                        help="short ingest runs, 20k statements, 50 requests per query kind")
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (0: default)")
    parser.add_argument("--threads", type=int, default=0, help="threads per worker (0: default)")
    parser.add_argument("--no-durable", dest="durable", action="store_false",
                        help="keep the test cluster's fsync=off / synchronous_commit=off")
    parser.add_argument("--skip", action="append", default=[],
                        choices=("ingest", "queries", "memory"), help="skip a phase")
    parser.add_argument("--log-dir", type=Path, default=Path(tempfile.gettempdir()),
                        help="where gunicorn logs go (bench-gunicorn-BACKEND.log)")
    parser.add_argument("--list", action="store_true", help="list the micro-benchmarks too")
    return parser.parse_args(argv)


def _header(args: argparse.Namespace, count: int) -> None:
    for line in run_note("Weft benchmark"):
        _out(line)
    _out(f"query phase: {count:,} statements; load generator on the same machine\n")


def _bench_backend(
    backend: str, args: argparse.Namespace, count: int, seconds: float, requests: int
) -> dict[tuple[int, int], Throughput]:
    log = args.log_dir / f"bench-gunicorn-{backend}.log"
    results: dict[tuple[int, int], Throughput] = {}
    with database(backend, durable=args.durable) as target, \
            serve(target, log, workers=args.workers, threads=args.threads) as server:
        _out(f"== {backend}: {target.version}")
        _out(f"   gunicorn gthread: {server.workers} workers x {server.threads} threads "
             f"(log {log})\n")
        try:
            if "ingest" not in args.skip:
                results = _ingest(server, target, seconds)
            loaded, people = _load(server, target, count)
            if "queries" not in args.skip:
                _queries(server, target, people, requests)
            if "memory" not in args.skip:
                _memory(server, target, loaded)
        except Exception:
            note(f"gunicorn log tail:\n{server.log_tail()}")
            raise
    return results


def _ingest(server: Gunicorn, target: Target, seconds: float) -> dict[tuple[int, int], Throughput]:
    factory = BodyFactory(StatementGenerator(seed=1))
    target_rate = POSTGRES_BATCH_TARGET * (SQLITE_SHARE if target.backend == "sqlite" else 1)
    _out(f"Ingest (POST /xapi/statements, {seconds:.0f} s each after 2 s warm-up; "
         f"CPU % of one core)")
    _row("batch", "clients", "statements/s", "req p50 ms", "req p95 ms", "failed req",
         "gunicorn %", "postgres %", "client %", "target")
    results = {}
    for batch in (1, 100):
        for clients in (1, 16):
            note(f"ingest {target.backend}: batch {batch}, {clients} clients")
            before = _cpu(server, target)
            started = time.perf_counter()
            result = measure_ingest(server, target, factory, batch=batch, concurrency=clients,
                                    seconds=seconds)
            cpu = _cpu_share(before, _cpu(server, target), time.perf_counter() - started)
            results[(batch, clients)] = result
            goal = ""
            if batch == 100:
                met = "ok" if result.per_second >= target_rate else "MISSED"
                goal = f"{met} (>= {target_rate:,.0f})"
            _row(batch, clients, f"{result.per_second:,.0f}",
                 f"{_pct(result.latencies_ms, 50):.1f}", f"{_pct(result.latencies_ms, 95):.1f}",
                 result.errors, *(f"{c:.0f}" for c in cpu), goal)
            _report_errors(result)
    _out("")
    return results


def _load(server: Gunicorn, target: Target, count: int) -> tuple[int, Population]:
    """Load the query data set: how many statements the database holds, and who is in it."""
    note(f"loading {count:,} statements into {target.backend} (batches of 500, 4 clients)")
    generator = StatementGenerator(seed=42)
    progress = _Progress(count)
    result = load(server, target, generator, count, progress=progress)
    total = _statement_count(target)
    if target.backend == "postgresql":
        # What autovacuum would do shortly after a bulk load; SQLite has no such daemon
        # and the LRS never runs ANALYZE there, so it is left as production leaves it.
        _analyze(target)
    _out(f"Loaded {result.statements:,} statements in {result.seconds:.0f} s "
         f"({result.per_second:,.0f}/s, batches of 500, 4 clients); "
         f"database holds {total:,}")
    _report_errors(result)
    _out("")
    return total, generator.population


def _report_errors(result: Throughput) -> None:
    if result.errors:
        _out(f"    {result.errors} failed requests; the first: {result.first_error}")


def _queries(server: Gunicorn, target: Target, people: Population, requests: int) -> None:
    note(f"queries on {target.backend}: {requests} requests per kind")
    latencies = measure_queries(server, target, people, requests=requests)
    _out(f"Query latency (GET /xapi/statements, one client, {requests} requests per kind, "
         f"ms; target p95 <= {P95_TARGET_MS:.0f})")
    _row("query", "p50", "p95", "p99", "max", "rows/page", "p95 target", first=40)
    for latency in latencies:
        _latency_row(latency)
    _out("")


def _latency_row(latency: Latency) -> None:
    p95 = latency.percentile(95)
    _row(latency.name, f"{latency.percentile(50):.1f}", f"{p95:.1f}",
         f"{latency.percentile(99):.1f}", f"{max(latency.latencies_ms):.1f}",
         f"{latency.mean_rows:.0f}", "ok" if p95 <= P95_TARGET_MS else "MISSED", first=40)


def _memory(server: Gunicorn, target: Target, total: int) -> None:
    note(f"memory on {target.backend}: paging through {total:,} statements")
    memory = measure_memory(server, target, total)
    _print_memory(memory)


def _print_memory(memory: Memory) -> None:
    _out(f"Memory (every statement by `more` links: {memory.statements:,} statements, "
         f"{memory.pages:,} pages in {memory.seconds:.0f} s, "
         f"{memory.pages / memory.seconds:.0f} pages/s; worker RSS MiB)")
    pids = sorted(memory.samples[0][1])
    _row("statements read", *(f"worker {pid}" for pid in pids))
    middle = memory.samples[len(memory.samples) // 2]
    for label, (read, sizes) in zip(("start", "middle", "end"),
                                    (memory.samples[0], middle, memory.samples[-1]), strict=True):
        _row(f"{label} ({read:,})", *(f"{sizes.get(pid, 0):.0f}" for pid in pids))
    growth = memory.growth_mb()
    verdict = "flat" if growth < FLAT_MB else "GROWING"
    _out(f"largest growth {growth:.1f} MiB: {verdict} (flat means < {FLAT_MB:.0f} MiB)\n")


def _compare(ingest: dict[str, dict[tuple[int, int], Throughput]]) -> None:
    if not all(ingest.values()):
        return
    _out("Summary: batch-100 ingest (16 clients)")
    postgres = ingest["postgresql"][(100, 16)].per_second
    sqlite = ingest["sqlite"][(100, 16)].per_second
    _out(f"  PostgreSQL {postgres:,.0f}/s (target {POSTGRES_BATCH_TARGET:,}): "
         f"{'ok' if postgres >= POSTGRES_BATCH_TARGET else 'MISSED'}")
    share = sqlite / postgres if postgres else 0.0
    _out(f"  SQLite {sqlite:,.0f}/s = {share:.0%} of PostgreSQL (target >= {SQLITE_SHARE:.0%}): "
         f"{'ok' if share >= SQLITE_SHARE else 'MISSED'}")


class _Progress:
    """Notes on stderr every 10% of a load."""

    def __init__(self, total: int) -> None:
        self.total, self.done, self.next = total, 0, total / 10
        self.started = time.perf_counter()

    def __call__(self, statements: int) -> None:
        self.done += statements
        if self.done >= self.next:
            self.next += self.total / 10
            rate = self.done / (time.perf_counter() - self.started)
            note(f"  loaded {self.done:,}/{self.total:,} ({rate:,.0f}/s)")


def _cpu(server: Gunicorn, target: Target) -> tuple[float, float, float]:
    own = os.times()
    return server.cpu_seconds(), target.database_cpu_seconds(), own.user + own.system


def _cpu_share(before: tuple[float, ...], after: tuple[float, ...], wall: float) -> list[float]:
    return [(a - b) / wall * 100 for a, b in zip(after, before, strict=True)]


def _statement_count(target: Target) -> int:
    with engine_of(target.url) as engine:
        return count_rows(engine, "statements")


def _analyze(target: Target) -> None:
    with engine_of(target.url) as engine:
        analyze(engine)


def _pct(values: list[float], p: float) -> float:
    return Latency("", values or [0.0], 0).percentile(p)


def _row(*cells: object, first: int = 16) -> None:
    head, *rest = (str(c) for c in cells)
    _out(f"  {head:<{first}}" + "".join(f"  {c:>11}" for c in rest))


def _out(line: str) -> None:
    print(line, flush=True)




if __name__ == "__main__":
    sys.exit(main())
