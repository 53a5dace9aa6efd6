"""``python -m bench.requests``: per-request cost as a production deployment runs (issue 17).

One durable PostgreSQL cluster; Weft served by ``gunicorn -c gunicorn.conf.py
wsgi:app`` (gthread, production defaults) with the audit plugin on, as the issue
measures (``--plugins all``: every installed plugin, the audit trail, KPI,
competency, attendance and the connectors, as the runs of 2026-12-04 did) and a separate
``lrs worker`` (``LRS_OUTBOX_INLINE=false``) delivering its outbox; ``--statements``
statements preloaded. Beside it, in the same run and on the same machine, the
ceilings: raw PostgreSQL commits from psycopg (:mod:`bench.raw`) and a no-op Flask
app served by the same gunicorn configuration (:mod:`bench.noop`).

The machine's speed drifts by a fifth within seconds, so nothing is measured in
one block: every workload runs in short slices, ``--rounds`` times, each round
running every workload in turn (a Weft workload next to its ceiling), and rates
and ratios are the sums over the rounds. A Weft slice counts until the ``lrs
worker`` has emptied the outbox it filled (the drain is added to its time), so
a rate is one the worker keeps up with. CPU per request is read from ``/proc``:
the gunicorn workers' (the request path), PostgreSQL's and the worker's, each
divided by the requests of the slices.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import random
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import Engine, text

from bench import pyspy, raw
from bench.client import Client
from bench.generate import Population, StatementGenerator, state_paths
from bench.ingest import (
    PATH,
    BodyFactory,
    Call,
    Session,
    Throughput,
    drive,
    http_sessions,
    load,
    measure_ingest,
    post,
)
from bench.query import Latency, query_kinds, stored_range, timed
from bench.server import (
    Gunicorn,
    Target,
    analyze,
    audit_signing_key,
    cpu_seconds,
    database,
    drain_outbox,
    engine_of,
    environment,
    installed_plugins,
    lrs_command,
    lrs_process,
    note,
    run_note,
    serve,
)

CLIENTS = 16
BATCH = 100
#: Distinct state documents (learner, course, "bookmark") written and read.
STATE_KEYS = 2000
#: An xAPI 2.0 client replacing a state document it knows exists.
REPLACE = {"If-Match": "*"}
#: Statements whose ids the GET-by-id workload asks for.
ID_SAMPLE = 5000
#: The targets of issue 17.
POST_TARGET = 1000.0
CPU_TARGET_MS = 1.5
BATCH_SHARE_TARGET = 0.5
QUERY_P95_TARGET_MS = 20.0
#: Weft workload -> ceilings it is compared with.
CEILINGS = {
    "POST 1 statement": ("raw PG INSERT+COMMIT 1 row", "no-op Flask POST"),
    "POST 100 statements": ("raw PG INSERT 100 rows+COMMIT",),
    "GET statementId": ("no-op Flask POST",),
    "PUT state": ("no-op Flask POST",),
    "GET state": ("no-op Flask POST",),
}
#: ``--profile-workload`` choices: the Weft workload each names.
PROFILED = {
    "post1": "POST 1 statement",
    "post100": "POST 100 statements",
    "get": "GET statementId",
    "put-state": "PUT state",
    "get-state": "GET state",
}
#: Workloads whose gunicorn CPU per request has the issue's 1.5 ms target.
SMALL_REQUESTS = ("POST 1 statement", "GET statementId", "PUT state", "GET state")


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    args.note = run_note("Weft per-request benchmark (issue 17)")  # the commit as it started
    for line in args.note:
        print(line)
    print(
        f"{args.statements:,} statements preloaded; {args.rounds} rounds of {args.seconds:g} s "
        f"slices, {CLIENTS} clients in flight; load generator on the same machine\n",
        flush=True,
    )
    with (
        tempfile.TemporaryDirectory(prefix="weft-bench-requests-") as folder,
        _deployment(args, Path(folder)) as deployment,
    ):
        workloads = _workloads(deployment)
        kinds = _query_kinds(deployment)
        note(f"warm-up: every workload for {args.warmup:g} s")
        for workload in workloads:
            _slice(workload, deployment, args.warmup, counted=False)
        queries = {name: Latency(name, [], 0) for name in kinds}
        for round_ in range(args.rounds):
            for workload in workloads:
                _slice(workload, deployment, args.seconds)
            _query_round(deployment, kinds, queries, args.queries, seed=round_)
            note(
                f"round {round_ + 1}/{args.rounds}: "
                + ", ".join(f"{w.name} {w.tally.rates[-1]:,.0f}" for w in workloads[:4])
            )
        _print(deployment, workloads, queries, args)
        if args.profile:
            profiled = next(w for w in workloads if w.name == PROFILED[args.profile_workload])
            _profile(deployment, profiled, args)
    return 0


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.requests", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="10,000 statements, 3 rounds of 2 s slices (about 2 min)",
    )
    parser.add_argument(
        "--statements", type=int, help="statements preloaded (default 100,000; 10,000 quick)"
    )
    parser.add_argument("--rounds", type=int, help="rounds of slices (default 6; 3 quick)")
    parser.add_argument("--seconds", type=float, help="seconds of each slice (default 5; 2 quick)")
    parser.add_argument(
        "--queries", type=int, help="requests per query kind and round (default 30; 10 quick)"
    )
    parser.add_argument(
        "--profile",
        nargs="?",
        const="bench-requests-profile",
        metavar="PREFIX",
        help="after the rounds, record one gunicorn worker with py-spy during "
        "--profile-workload: PREFIX.svg (flame graph), PREFIX.txt (top functions) "
        "and PREFIX.collapsed (stacks); PREFIX defaults to bench-requests-profile",
    )
    parser.add_argument(
        "--profile-workload",
        choices=sorted(PROFILED),
        default="post1",
        help="the workload the profile records (default post1: single-statement POSTs)",
    )
    parser.add_argument(
        "--profile-seconds",
        type=float,
        default=20.0,
        help="length of each of the two recordings (default 20 s)",
    )
    parser.add_argument(
        "--plugins",
        choices=("audit", "all"),
        default="audit",
        help="the audit plugin alone (default: the issue's configuration), or every "
        "installed plugin (the attendance, competency and KPI plugins and the connectors too)",
    )
    parser.add_argument(
        "--workers", type=int, default=0, help="gunicorn workers (default: production's)"
    )
    parser.add_argument(
        "--threads", type=int, default=0, help="threads per worker (default: production's)"
    )
    parser.add_argument(
        "--log-dir",
        type=Path,
        default=Path(tempfile.gettempdir()),
        help="where the logs go: bench-requests-{gunicorn,worker,noop}.log",
    )
    args = parser.parse_args(argv)
    args.statements = args.statements or (10_000 if args.quick else 100_000)
    args.rounds = args.rounds or (3 if args.quick else 6)
    args.seconds = args.seconds or (2.0 if args.quick else 5.0)
    args.queries = args.queries or (10 if args.quick else 30)
    args.warmup = 1.0 if args.quick else 2.0
    return args


@dataclass
class _Deployment:
    """Everything the run measures: Weft, its worker, the ceilings' server and database."""

    target: Target
    weft: Gunicorn
    worker: int
    noop: Gunicorn
    engine: Engine
    people: Population
    factory: BodyFactory = field(default_factory=lambda: BodyFactory(StatementGenerator(seed=1)))


@contextlib.contextmanager
def _deployment(args: argparse.Namespace, folder: Path) -> Iterator[_Deployment]:
    """Production as ``docs/deploy.md`` runs it, preloaded; and the no-op app beside it."""
    with database("postgresql") as target:
        env = environment(
            target,
            workers=args.workers,
            threads=args.threads,
            LRS_OUTBOX_INLINE="false",
            LRS_DISABLED_PLUGINS=",".join(
                [] if args.plugins == "all" else [p for p in installed_plugins() if p != "audit"]
            ),
            LRS_PLUGIN_AUDIT_KEY_FILE=str(audit_signing_key(folder)),
        )
        lrs_command("db", "upgrade", env=env)  # the audit plugin's tables, as an operator would
        raw.create_table(target.url)
        logs = {
            name: args.log_dir / f"bench-requests-{name}.log"
            for name in ("gunicorn", "worker", "noop")
        }
        with (
            serve(
                target, logs["gunicorn"], workers=args.workers, threads=args.threads, env=env
            ) as weft,
            lrs_process("worker", env=env, log=logs["worker"]) as worker,
            serve(
                target,
                logs["noop"],
                workers=args.workers,
                threads=args.threads,
                env=env,
                app="bench.noop:app",
            ) as noop,
            engine_of(target.url) as engine,
        ):
            print(
                f"{target.version}\ngunicorn gthread: {weft.workers} workers x {weft.threads} "
                f"threads (Weft and the no-op app); "
                + ("every installed plugin on" if args.plugins == "all" else "the audit plugin on")
                + f"; lrs worker pid "
                f"{worker.pid}; logs {args.log_dir}/bench-requests-*.log\n",
                flush=True,
            )
            people = _preload(weft, target, engine, args.statements)
            deployment = _Deployment(target, weft, worker.pid, noop, engine, people)
            try:
                yield deployment
            except Exception:
                note(f"gunicorn log tail:\n{weft.log_tail()}")
                raise


def _preload(server: Gunicorn, target: Target, engine: Engine, count: int) -> Population:
    """``count`` statements (batches of 500), delivered by the worker, then ANALYZE
    (as autovacuum would have run it on a database in use)."""
    note(f"preloading {count:,} statements")
    generator = StatementGenerator(seed=42)
    result = load(server, target, generator, count)
    if result.errors:
        raise RuntimeError(f"preload: {result.errors} failed requests: {result.first_error}")
    note(
        f"  {result.per_second:,.0f} statements/s; worker drained the outbox in "
        f"{drain_outbox(engine):.1f} s"
    )
    analyze(engine)
    return generator.population


@dataclass
class Tally:
    """What one workload's counted slices added up to."""

    items: int = 0
    requests: int = 0
    #: Seconds of load, plus the worker's drain after each slice.
    seconds: float = 0.0
    drain: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    #: CPU seconds: gunicorn workers and PostgreSQL during the slices, the worker till drained.
    gunicorn: float = 0.0
    postgres: float = 0.0
    worker: float = 0.0
    #: CPU seconds of this process (the load generator's clients) during the slices.
    client: float = 0.0
    errors: int = 0
    first_error: str = ""
    #: Each slice's rate (items/s), in round order.
    rates: list[float] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        return self.items / self.seconds if self.seconds else 0.0

    def ms_per_request(self, cpu_seconds: float) -> float:
        return cpu_seconds * 1000 / self.requests if self.requests else 0.0

    def percentile(self, p: float) -> float:
        return Latency("", self.latencies_ms or [0.0], 0).percentile(p)


@dataclass
class Workload:
    """One kind of load, run in slices: a slice of so many seconds, and whose CPU it costs."""

    name: str
    unit: str
    run: Callable[[float], Throughput]
    #: The gunicorn whose workers serve it (None: raw PostgreSQL).
    server: Gunicorn | None
    #: Weft workloads wait for the worker to drain the outbox after each slice.
    weft: bool
    tally: Tally = field(default_factory=Tally)


def _workloads(d: _Deployment) -> list[Workload]:
    """Every workload in slice order: each ceiling right after the Weft workload it bounds."""
    weft, factory = http_sessions(d.weft, d.target), d.factory
    ids = _cycle(_statement_ids(d.engine))
    states = _cycle(_state_paths(d.people))
    counter = itertools.count()
    _prime_states(d, states)

    def requests(
        sessions: Callable[[], Session], work: Callable[[], Call]
    ) -> Callable[[float], Throughput]:
        return lambda seconds: drive(
            sessions, lambda: (work(), 1), concurrency=CLIENTS, stop_after=seconds
        )

    def posts(batch: int) -> Callable[[float], Throughput]:
        return lambda seconds: measure_ingest(
            d.weft, d.target, factory, batch=batch, concurrency=CLIENTS, seconds=seconds, warmup=0.0
        )

    def rows(batch: int) -> Callable[[float], Throughput]:
        return lambda seconds: raw.measure_rows(
            d.target.url, factory, batch=batch, concurrency=CLIENTS, seconds=seconds
        )

    def state_body() -> bytes:
        return json.dumps({"location": f"page-{next(counter)}", "progress": 0.5}).encode()

    return [
        Workload("POST 1 statement", "stmt/s", posts(1), d.weft, True),
        Workload("raw PG INSERT+COMMIT 1 row", "rows/s", rows(1), None, False),
        Workload(
            "no-op Flask POST",
            "req/s",
            requests(http_sessions(d.noop, d.target), lambda: post(factory.body(1))),
            d.noop,
            False,
        ),
        Workload("POST 100 statements", "stmt/s", posts(BATCH), d.weft, True),
        Workload("raw PG INSERT 100 rows+COMMIT", "rows/s", rows(BATCH), None, False),
        Workload(
            "GET statementId",
            "req/s",
            requests(weft, lambda: Call("GET", f"{PATH}?statementId={ids()}")),
            d.weft,
            True,
        ),
        Workload(
            "PUT state",
            "req/s",
            requests(weft, lambda: Call("PUT", states(), state_body(), REPLACE)),
            d.weft,
            True,
        ),
        Workload("GET state", "req/s", requests(weft, lambda: Call("GET", states())), d.weft, True),
    ]


def _cycle(items: list[str]) -> Callable[[], str]:
    """The items in turn, endlessly, from any thread (``next`` of a count is atomic)."""
    counter = itertools.count()
    return lambda: items[next(counter) % len(items)]


def _statement_ids(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(
            connection.execute(
                text("SELECT statement_id FROM statements ORDER BY random() LIMIT :n"),
                {"n": ID_SAMPLE},
            ).scalars()
        )


def _state_paths(people: Population) -> list[str]:
    """The state documents of :func:`bench.generate.state_paths`, in a fixed shuffle."""
    paths = state_paths(people, STATE_KEYS)
    random.Random(3).shuffle(paths)
    return paths


def _prime_states(d: _Deployment, states: Callable[[], str]) -> None:
    """Every state document once, so that GET state finds one and PUT replaces one."""
    work = iter(range(STATE_KEYS))
    result = drive(
        http_sessions(d.weft, d.target),
        lambda: (
            (Call("PUT", states(), b'{"location":"page-0"}'), 1)
            if next(work, None) is not None
            else None
        ),
        concurrency=CLIENTS,
    )
    if result.errors:
        raise RuntimeError(f"state PUT: {result.errors} failed: {result.first_error}")
    drain_outbox(d.engine)


def _slice(workload: Workload, d: _Deployment, seconds: float, *, counted: bool = True) -> None:
    """One slice of ``workload``, tallied: its items, requests, latencies and CPU."""
    before = _cpu(workload.server, d)
    client = time.process_time()
    result = workload.run(seconds)
    client = time.process_time() - client
    after = _cpu(workload.server, d)
    drain = drain_outbox(d.engine) if workload.weft else 0.0
    worker = cpu_seconds(d.worker) - before[2]
    if not counted:
        return
    tally = workload.tally
    tally.items += result.statements
    tally.requests += result.requests
    tally.seconds += result.seconds + drain
    tally.drain += drain
    tally.latencies_ms += result.latencies_ms
    tally.gunicorn += after[0] - before[0]
    tally.postgres += after[1] - before[1]
    tally.worker += worker
    tally.client += client
    tally.rates.append(result.statements / (result.seconds + drain))
    if result.errors and not tally.errors:
        tally.first_error = result.first_error
    tally.errors += result.errors


def _cpu(server: Gunicorn | None, d: _Deployment) -> tuple[float, float, float]:
    """CPU seconds so far of ``server``'s workers, of PostgreSQL and of the lrs worker."""
    workers = sum(cpu_seconds(pid) for pid in server.worker_pids()) if server else 0.0
    return workers, d.target.database_cpu_seconds(), cpu_seconds(d.worker)


def _query_kinds(d: _Deployment) -> dict[str, Callable[[random.Random], dict[str, str]]]:
    """Every filtered query of ``python -m bench`` (the unfiltered first page left out)."""
    client = Client(d.weft.port, d.target.authorization)
    try:
        window = stored_range(client)
    finally:
        client.close()
    kinds = query_kinds(d.people, window)
    del kinds["first page (no filter)"]
    return kinds


def _query_round(
    d: _Deployment,
    kinds: dict[str, Callable[[random.Random], dict[str, str]]],
    queries: dict[str, Latency],
    requests: int,
    *,
    seed: int,
) -> None:
    """``requests`` of each kind, one at a time (the latency a report waits for)."""
    client = Client(d.weft.port, d.target.authorization)
    try:
        for name, params in kinds.items():
            rng = random.Random(seed)
            paths = [f"{PATH}?{urlencode(params(rng))}" for _ in range(requests)]
            measured = timed(client, name, paths)
            queries[name].latencies_ms.extend(measured.latencies_ms)
            queries[name].rows += measured.rows
    finally:
        client.close()


def _print(
    d: _Deployment, workloads: list[Workload], queries: dict[str, Latency], args: argparse.Namespace
) -> None:
    by_name = {w.name: w for w in workloads}
    print(
        f"Throughput and cost ({CLIENTS} in flight). CPU in ms per request: gunicorn workers, "
        "PostgreSQL, lrs worker, and the load\ngenerator (client: this process, on the same "
        "cores).\ndrain s: seconds the worker took to empty the outbox after "
        "the slices, counted in the rate."
    )
    _row(
        "workload",
        "rate",
        "unit",
        "gunicorn",
        "postgres",
        "worker",
        "client",
        "p50 ms",
        "p95 ms",
        "drain s",
        "failed",
        first=42,
    )
    for w in workloads:
        t = w.tally
        _row(
            w.name if w.weft else f"  ceiling: {w.name}",
            f"{t.per_second:,.0f}",
            w.unit,
            f"{t.ms_per_request(t.gunicorn):.2f}" if w.server else "-",
            f"{t.ms_per_request(t.postgres):.2f}",
            f"{t.ms_per_request(t.worker):.2f}" if w.weft else "-",
            f"{t.ms_per_request(t.client):.2f}",
            f"{t.percentile(50):.1f}",
            f"{t.percentile(95):.1f}",
            f"{t.drain:.2f}" if w.weft else "-",
            t.errors,
            first=42,
        )
    for w in workloads:
        if w.tally.errors:
            print(f"    {w.name}: {w.tally.errors} failed; the first: {w.tally.first_error}")
    print("\nWeft / ceiling (the sums over the rounds; in brackets the lowest and highest round)")
    for name, ceilings in CEILINGS.items():
        for ceiling in ceilings:
            weft, roof = by_name[name].tally, by_name[ceiling].tally
            rounds = [a / b for a, b in zip(weft.rates, roof.rates, strict=True) if b] or [0.0]
            _row(
                f"{name} / {ceiling}",
                f"{_ratio(weft, roof):.0%}",
                f"({min(rounds):.0%}-{max(rounds):.0%})",
                first=52,
            )
    print(
        f"\nQuery latency (GET {PATH}, one client, {args.queries} requests per kind and "
        f"round, {args.statements:,} statements stored, worker running; ms)"
    )
    _row("query", "p50", "p95", "p99", "max", "rows/page", first=40)
    for latency in queries.values():
        _row(
            latency.name,
            *(f"{latency.percentile(p):.1f}" for p in (50, 95, 99, 100)),
            f"{latency.mean_rows:.0f}",
            first=40,
        )
    print("\nTargets (issue 17)")
    _row("target", "measured", "result", first=58)
    for label, measured, passed in _targets(by_name, queries):
        _row(label, measured, "PASS" if passed else "FAIL", first=58)
    print(flush=True)


def _ratio(weft: Tally, ceiling: Tally) -> float:
    return weft.per_second / ceiling.per_second if ceiling.per_second else 0.0


def _targets(
    by_name: dict[str, Workload], queries: dict[str, Latency]
) -> Iterator[tuple[str, str, bool]]:
    post = by_name["POST 1 statement"].tally.per_second
    yield (
        f"POST 1 statement >= {POST_TARGET:,.0f} statements/s",
        f"{post:,.0f}",
        post >= POST_TARGET,
    )
    for name in SMALL_REQUESTS:
        tally = by_name[name].tally
        cpu = tally.ms_per_request(tally.gunicorn)
        yield (
            f"{name}: gunicorn CPU <= {CPU_TARGET_MS} ms/request",
            f"{cpu:.2f}",
            cpu <= CPU_TARGET_MS,
        )
    share = _ratio(
        by_name["POST 100 statements"].tally, by_name["raw PG INSERT 100 rows+COMMIT"].tally
    )
    yield (
        f"POST 100 statements >= {BATCH_SHARE_TARGET:.0%} of raw rows/s",
        f"{share:.0%}",
        share >= BATCH_SHARE_TARGET,
    )
    for name, latency in queries.items():
        p95 = latency.percentile(95)
        yield (
            f"query {name}: p95 <= {QUERY_P95_TARGET_MS:.0f} ms",
            f"{p95:.1f}",
            p95 <= QUERY_P95_TARGET_MS,
        )


def _profile(d: _Deployment, workload: Workload, args: argparse.Namespace) -> None:
    """py-spy on one gunicorn worker during ``workload`` (not counted above): a flame
    graph, then the stacks of the top table, each ``--profile-seconds`` long."""
    seconds = args.profile_seconds
    svg, collapsed = Path(f"{args.profile}.svg"), Path(f"{args.profile}.collapsed")
    loads: list[Throughput] = []
    loader = threading.Thread(target=lambda: loads.append(workload.run(2 * seconds + 3)))
    loader.start()
    try:
        pid = _busiest(d.weft.worker_pids())
        note(f"profiling worker {pid}: 2 x {seconds:g} s of {workload.name}")
        pyspy.record(pid, seconds, svg, "flamegraph")
        pyspy.record(pid, seconds, collapsed, "raw")
    finally:
        loader.join()
    drain_outbox(d.engine)
    table = Path(f"{args.profile}.txt")
    table.write_text(
        f"py-spy profile of gunicorn worker {pid} (of {d.weft.workers}), {seconds:g} s of "
        f"{workload.name}, {CLIENTS} in flight, {loads[0].per_second:,.0f} {workload.unit} "
        f"while profiled\n{args.note[0]}\n\n" + pyspy.top_table(collapsed)
    )
    print(f"Profile: {svg} (flame graph), {table} (top functions), {collapsed} (collapsed stacks)")


def _busiest(pids: list[int], seconds: float = 1.0) -> int:
    """The worker that used the most CPU over ``seconds``: the kernel may hand most of
    the load's keep-alive connections to one worker, and py-spy finds nothing to record
    in one that holds none."""
    before = {pid: cpu_seconds(pid) for pid in pids}
    time.sleep(seconds)
    return max(pids, key=lambda pid: cpu_seconds(pid) - before[pid])


def _row(*cells: object, first: int = 36) -> None:
    head, *rest = (str(c) for c in cells)
    print(f"  {head:<{first}}" + "".join(f" {c:>9}" for c in rest))


if __name__ == "__main__":
    raise SystemExit(main())
