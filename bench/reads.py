"""``python -m bench.reads``: SQLite against PostgreSQL for reads at scale (issue 17).

Issue 17 asks every filtered query to answer within 20 ms at p95 with 1,000,000
statements stored and the worker running, and SQLite, the embedded default, to
stay within twice PostgreSQL's latency for reads. ``python -m bench`` times queries
one backend after the other, minutes apart; on a machine whose speed drifts by a
fifth within seconds that compares two moments as much as two databases. Here both
run at once, deployed alike (``gunicorn -c gunicorn.conf.py wsgi:app`` with
production defaults, every installed plugin on, ``LRS_OUTBOX_INLINE=false`` and an
``lrs worker`` each), hold the same ``--statements`` generated statements (seed 42,
loaded side by side), and are read in alternation: every round sends ``--requests``
requests of each kind to one backend, then the same requests to the other, the
first backend changing from round to round. One client, one request at a time:
the latency a report waits for, not throughput.

Kinds: the query kinds of ``python -m bench`` (the unfiltered first page
included) and ``GET statements?statementId=``.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import text

from bench.client import Client
from bench.generate import Population, StatementGenerator
from bench.ingest import PATH, load
from bench.query import Latency, query_kinds, stored_range, timed
from bench.server import (
    Gunicorn,
    Target,
    analyze,
    audit_signing_key,
    database,
    drain_outbox,
    engine_of,
    environment,
    lrs_command,
    lrs_process,
    note,
    run_note,
    serve,
)

BACKENDS = ("sqlite", "postgresql")
#: The targets of issue 17.
P95_TARGET_MS = 20.0
SQLITE_RATIO_TARGET = 2.0
#: Statement ids the GET-by-id kind draws from.
ID_SAMPLE = 5000


@dataclass
class _Backend:
    """One deployed, loaded backend: its server, and the requests to send it."""

    target: Target
    server: Gunicorn
    #: Kind -> the paths of one round (the same on both backends).
    paths: dict[str, list[str]]


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    for line in run_note("Weft read latency, SQLite against PostgreSQL (issue 17)"):
        print(line)
    print(
        f"{args.statements:,} statements on each backend; {args.rounds} rounds of "
        f"{args.requests} requests per kind and backend, one client; every installed "
        f"plugin on, lrs worker running\n",
        flush=True,
    )
    with (
        tempfile.TemporaryDirectory(prefix="weft-reads-") as folder,
        _deployed(args, Path(folder)) as backends,
    ):
        latencies = {
            backend: {kind: Latency(kind, [], 0) for kind in backends[backend].paths}
            for backend in BACKENDS
        }
        for number in range(args.rounds):
            order = BACKENDS if number % 2 == 0 else BACKENDS[::-1]
            note(f"round {number + 1}/{args.rounds}")
            for kind in backends[BACKENDS[0]].paths:
                for backend in order:
                    _read(backends[backend], kind, latencies[backend][kind])
        _print(latencies, args)
    return 0


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.reads", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--statements",
        type=int,
        default=1_000_000,
        help="statements loaded into each backend (default 1,000,000)",
    )
    parser.add_argument("--rounds", type=int, default=6, help="alternations (default 6)")
    parser.add_argument(
        "--requests", type=int, default=40, help="requests per kind, backend and round (default 40)"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="20,000 statements, 3 rounds of 20 requests (about 2 min)",
    )
    parser.add_argument(
        "--log-dir",
        type=Path,
        default=Path(tempfile.gettempdir()),
        help="where the logs go: bench-reads-{BACKEND}-{gunicorn,worker}.log",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.statements, args.rounds, args.requests = 20_000, 3, 20
    return args


@contextlib.contextmanager
def _deployed(args: argparse.Namespace, folder: Path) -> Iterator[dict[str, _Backend]]:
    """Both backends served, each with its worker, loaded side by side."""
    with contextlib.ExitStack() as stack:
        served: dict[str, tuple[Target, Gunicorn]] = {}
        key = audit_signing_key(folder)
        for backend in BACKENDS:
            target = stack.enter_context(database(backend))
            env = environment(
                target,
                LRS_OUTBOX_INLINE="false",
                LRS_DISABLED_PLUGINS="",
                LRS_PLUGIN_AUDIT_KEY_FILE=str(key),
            )
            lrs_command("db", "upgrade", env=env)  # the plugins' tables, as an operator would
            logs = args.log_dir / f"bench-reads-{backend}"
            server = stack.enter_context(serve(target, Path(f"{logs}-gunicorn.log"), env=env))
            stack.enter_context(lrs_process("worker", env=env, log=Path(f"{logs}-worker.log")))
            print(
                f"{backend}: {target.version}; gunicorn {server.workers} workers x "
                f"{server.threads} threads; logs {logs}-*.log",
                flush=True,
            )
            served[backend] = target, server
        people = _load_side_by_side(served, args.statements)
        print()
        yield {
            backend: _Backend(target, server, _paths(target, server, people, args.requests))
            for backend, (target, server) in served.items()
        }


def _load_side_by_side(served: dict[str, tuple[Target, Gunicorn]], count: int) -> Population:
    """The same ``count`` statements into each backend at once, drained, then ANALYZE on
    PostgreSQL (as autovacuum would run it; SQLite is left as the LRS leaves it)."""
    note(f"loading {count:,} statements into each backend")
    populations: dict[str, Population] = {}
    failures: list[str] = []

    def fill(backend: str) -> None:
        target, server = served[backend]
        generator = StatementGenerator(seed=42)
        result = load(server, target, generator, count)
        if result.errors:
            failures.append(f"{backend}: {result.errors} failed requests: {result.first_error}")
        with engine_of(target.url) as engine:
            drained = drain_outbox(engine)
            if backend == "postgresql":
                analyze(engine)
        note(
            f"  {backend}: {result.per_second:,.0f} statements/s; outbox drained "
            f"{drained:.1f} s after"
        )
        populations[backend] = generator.population

    threads = [threading.Thread(target=fill, args=(backend,)) for backend in BACKENDS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures or len(populations) != len(BACKENDS):
        raise RuntimeError("; ".join(failures) or "a load failed (see the log above)")
    return populations["postgresql"]


def _paths(
    target: Target, server: Gunicorn, people: Population, requests: int
) -> dict[str, list[str]]:
    """Each kind's requests of a round, drawn from a seeded source: the same on both
    backends, since both hold the same generated statements."""
    client = Client(server.port, target.authorization)
    try:
        window = stored_range(client)
    finally:
        client.close()
    kinds: dict[str, Callable[[random.Random], dict[str, str]]] = query_kinds(people, window)
    paths: dict[str, list[str]] = {}
    for name, params in kinds.items():
        rng = random.Random(7)
        paths[name] = [f"{PATH}?{urlencode(params(rng))}" for _ in range(requests)]
    ids = _statement_ids(target)
    rng = random.Random(7)
    paths["GET statementId"] = [
        f"{PATH}?{urlencode({'statementId': rng.choice(ids)})}" for _ in range(requests)
    ]
    return paths


def _statement_ids(target: Target) -> list[str]:
    """Stored ids in a fixed order (both backends hold the same ones)."""
    with engine_of(target.url) as engine, engine.connect() as connection:
        return list(
            connection.execute(
                text(f"SELECT statement_id FROM statements ORDER BY statement_id LIMIT {ID_SAMPLE}")
            ).scalars()
        )


def _read(backend: _Backend, kind: str, into: Latency) -> None:
    """One round's requests of ``kind``, after two unmeasured ones (the connection)."""
    client = Client(backend.server.port, backend.target.authorization)
    try:
        timed(client, kind, backend.paths[kind][:2])
        measured = timed(client, kind, backend.paths[kind])
    finally:
        client.close()
    into.latencies_ms.extend(measured.latencies_ms)
    into.rows += measured.rows


def _print(latencies: dict[str, dict[str, Latency]], args: argparse.Namespace) -> None:
    print(
        f"Read latency (one client; {args.rounds} x {args.requests} requests per kind and "
        f"backend, interleaved; ms). ratio: SQLite p95 / PostgreSQL p95"
    )
    _row("kind", "SQLite p50", "SQLite p95", "PG p50", "PG p95", "ratio", "rows/page", "result")
    failed = 0
    for kind, sqlite in latencies["sqlite"].items():
        postgres = latencies["postgresql"][kind]
        ratio = sqlite.percentile(95) / postgres.percentile(95)
        passed = (
            ratio <= SQLITE_RATIO_TARGET
            and max(sqlite.percentile(95), postgres.percentile(95)) <= P95_TARGET_MS
        )
        failed += not passed
        _row(
            kind,
            *(f"{latency.percentile(p):.1f}" for latency in (sqlite, postgres) for p in (50, 95)),
            f"{ratio:.2f}",
            f"{postgres.mean_rows:.0f}",
            "PASS" if passed else "FAIL",
        )
    print(
        f"\nTargets (issue 17): p95 <= {P95_TARGET_MS:.0f} ms on both backends and SQLite's "
        f"p95 <= {SQLITE_RATIO_TARGET:.0f}x PostgreSQL's, per kind: "
        f"{'PASS' if not failed else f'FAIL ({failed} kinds)'}",
        flush=True,
    )


def _row(*cells: object) -> None:
    head, *rest = (str(c) for c in cells)
    print(f"  {head:<40}" + "".join(f"  {c:>10}" for c in rest))


if __name__ == "__main__":
    sys.exit(main())
