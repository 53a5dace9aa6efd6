"""``python -m bench.audit``: POST batch-100 throughput with the audit plugin on and off.

The issue's requirement: ingestion with the audit trail on stays within 15 % of
ingestion without it. "With it on" counts only once the trail has caught up:
the on rate is the statements stored in the measured window divided by the
window plus the time the outbox then took to drain (shown as "drain s").

Three configurations, each on a fresh database per run, off and on alternating:

* ``in-process SQLite``: the Flask test client in one process, one client, the
  outbox delivered by the inline background thread (``LRS_OUTBOX_INLINE``, the
  development default). The audit work shares the process and its GIL with the
  requests: the worst case. Start-up objects are frozen out of the garbage
  collector's way, as gunicorn workers and ``lrs worker`` do.
* ``gunicorn + worker PostgreSQL`` / ``... SQLite``: the production shape of
  ``docs/deploy.md``: ``gunicorn -c gunicorn.conf.py wsgi:app`` with its default
  workers, ``LRS_OUTBOX_INLINE=false`` and one ``lrs worker`` process beside it,
  16 keep-alive clients (the load generator of ``python -m bench``) on the same
  2-core machine. The off run has the worker running too (idle: no plugin
  listens, so nothing is enqueued). Each served run first stores 5,000
  statements and, on PostgreSQL, runs ``ANALYZE`` (see :func:`_prime`), then
  measures; after an on run ``lrs audit verify`` checks the trail it produced.

Besides throughput, each run reports the CPU the LRS used (gunicorn, worker,
PostgreSQL; or this process in-process) per 1,000 statements stored. Its off/on
ratio ("CPU share") is what the throughput share would be on a machine the
LRS had to itself; on a shared machine it is the steadier of the two figures.
Then one run per served configuration measures ingest and delivery apart
(:func:`_apart_run`): the trail's own cost, free of the contention between the
two that makes the alternating runs wander.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import os
import signal
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, text

from bench.generate import StatementGenerator
from bench.ingest import BodyFactory, Throughput, load, measure_ingest
from bench.server import (
    Gunicorn,
    Target,
    analyze,
    count_rows,
    cpu_seconds,
    database,
    engine_of,
    environment,
    lrs_command,
    lrs_process,
    note,
    serve,
)

TARGET_SHARE = 0.85
#: Statements stored before a served run is measured (see :func:`_prime`).
PRIMING = 5000
#: Configurations: (name, backend, served by gunicorn + lrs worker).
CONFIGURATIONS = (
    ("in-process SQLite (inline thread)", "sqlite", False),
    ("gunicorn + worker PostgreSQL", "postgresql", True),
    ("gunicorn + worker SQLite", "sqlite", True),
)


@dataclass
class Run:
    mode: str
    statements: int
    seconds: float
    drain_seconds: float
    audit_entries: int | None = None
    verified: str = ""
    #: CPU of each process group while loading and draining, in % of one core.
    cpu: dict[str, float] = field(default_factory=dict)
    #: CPU ms of the LRS (gunicorn, worker, PostgreSQL) per 1,000 statements stored.
    cpu_ms: float = 0.0

    @property
    def per_second(self) -> float:
        """Statements per second, counted once the audit trail caught up."""
        return self.statements / (self.seconds + self.drain_seconds)


@dataclass
class Best:
    """The best of a mode's rounds: highest throughput, lowest CPU cost."""

    per_second: float
    drain_seconds: float
    cpu_ms: float
    #: The middle throughput of the rounds: one lucky run moves it least.
    median_per_second: float


def _best(runs: list[Run], mode: str) -> Best:
    mine = [run for run in runs if run.mode == mode]
    fastest = max(mine, key=lambda run: run.per_second)
    return Best(fastest.per_second, fastest.drain_seconds, min(run.cpu_ms for run in mine),
                statistics.median(run.per_second for run in mine))


def _pair_shares(runs: list[Run]) -> list[float]:
    """Each round's on rate over the off rate measured just before it.

    The runs alternate, so a pair shares the machine's speed of the moment; on a
    machine whose speed wanders between runs, their spread is the honest
    measure of how far a single comparison can be trusted.
    """
    offs = [run for run in runs if run.mode == "off"]
    ons = [run for run in runs if run.mode == "on"]
    return [on.per_second / off.per_second for off, on in zip(offs, ons, strict=True)]


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    chosen = [c for c in CONFIGURATIONS if not args.only or any(o in c[0] for o in args.only)]
    results: list[tuple[str, Best, Best]] = []
    pairs: dict[str, list[float]] = {}
    apart: dict[str, Apart] = {}
    with tempfile.TemporaryDirectory(prefix="weft-bench-audit-") as folder:
        key = _signing_key(Path(folder))
        for name, backend, served in chosen:
            runs: list[Run] = []
            for round_ in range(args.rounds):
                for mode in ("off", "on"):
                    note(f"{name}: audit {mode}, round {round_ + 1} of {args.rounds}")
                    run = (_served_run(backend, mode, args, key) if served
                           else _in_process_run(mode, args.batches, Path(folder)))
                    note(f"  {run.per_second:,.0f} statements/s ({run.statements:,} in "
                          f"{run.seconds:.1f} s + {run.drain_seconds:.2f} s drain)"
                          + (f", {run.audit_entries:,} entries"
                             if run.audit_entries is not None else "")
                          + (f", {run.verified}" if run.verified else "")
                          + f"; LRS CPU {run.cpu_ms:,.0f} ms per 1,000 statements"
                          + ("; CPU % of a core: " + ", ".join(
                              f"{name} {share:.0f}" for name, share in run.cpu.items())
                             if run.cpu else ""))
                    runs.append(run)
            results.append((name, *(_best(runs, mode) for mode in ("off", "on"))))
            pairs[name] = _pair_shares(runs)
            if served:
                note(f"{name}: ingest and delivery apart")
                apart[name] = _apart_run(backend, args, key)
                note(f"  ingest {apart[name].ingest_us:,.0f} µs, delivery "
                     f"{apart[name].delivery_us:,.0f} µs of CPU per statement")
    _print_table(results, args)
    _print_pairs(pairs)
    _print_apart(apart)
    return 0


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.audit",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="one round of short runs (about 2 min instead of 5)")
    parser.add_argument("--rounds", type=int, help="alternating off/on runs (default 2; 1 quick)")
    parser.add_argument("--seconds", type=float,
                        help="measured window of the served runs (default 15 s; 5 quick)")
    parser.add_argument("--batches", type=int,
                        help="POSTs of 100 per in-process run (default 150; 60 quick)")
    parser.add_argument("--clients", type=int, default=16, help="clients of the served runs")
    parser.add_argument("--only", action="append", default=[],
                        help="configurations whose name contains this (repeatable): "
                             "in-process, PostgreSQL, 'worker SQLite'")
    parser.add_argument("--log-dir", type=Path, default=Path(tempfile.gettempdir()),
                        help="where gunicorn and worker logs go")
    args = parser.parse_args(argv)
    args.rounds = args.rounds or (1 if args.quick else 2)
    args.seconds = args.seconds or (5.0 if args.quick else 15.0)
    args.batches = args.batches or (60 if args.quick else 150)
    return args


def _print_table(results: list[tuple[str, Best, Best]], args: argparse.Namespace) -> None:
    print(f"\nAudit plugin cost: POST batch-100, best of {args.rounds} round(s); 'on' counts "
          "until the trail caught up.\nCPU share: LRS CPU per statement off / on (what the "
          "share would be on a machine the LRS had to itself)\nmedian: the share of the rounds' "
          "median rates, which one lucky run moves less than the best-of share judged here")
    header = ("configuration", "off stmt/s", "on stmt/s", "drain s", "share", "CPU share",
              "median", "target", "result")
    print(f"  {header[0]:<36}" + "".join(f"  {h:>10}" for h in header[1:]))
    for name, off, on in results:
        share = on.per_second / off.per_second
        cells = (f"{off.per_second:,.0f}", f"{on.per_second:,.0f}", f"{on.drain_seconds:.2f}",
                 f"{share:.0%}", f"{off.cpu_ms / on.cpu_ms:.0%}",
                 f"{on.median_per_second / off.median_per_second:.0%}", f"{TARGET_SHARE:.0%}",
                 "pass" if share >= TARGET_SHARE else "FAIL")
        print(f"  {name:<36}" + "".join(f"  {c:>10}" for c in cells))


def _print_pairs(pairs: dict[str, list[float]]) -> None:
    print("adjacent off/on pairs (on / the off run just before it):")
    for name, shares in pairs.items():
        print(f"  {name:<36}  " + " / ".join(f"{share:.0%}" for share in shares))


def _print_apart(apart: dict[str, Apart]) -> None:
    if not apart:
        return
    print("ingest and delivery apart (trail on; the worker paused during the load, then "
          "draining alone), LRS CPU per statement:")
    header = ("configuration", "ingest µs", "delivery µs", "share")
    print(f"  {header[0]:<36}" + "".join(f"  {h:>11}" for h in header[1:]))
    for name, cost in apart.items():
        cells = (f"{cost.ingest_us:,.0f}", f"{cost.delivery_us:,.0f}", f"{cost.share:.0%}")
        print(f"  {name:<36}" + "".join(f"  {c:>11}" for c in cells))


@dataclass
class _Served:
    """A running served configuration: database, environment, gunicorn, worker."""

    target: Target
    env: dict[str, str]
    server: Gunicorn
    worker: int
    engine: Engine

    def processes(self) -> _Processes:
        """Start counting CPU now."""
        return _Processes(self.server, self.worker, self.target, self.engine)

    def load(self, args: argparse.Namespace) -> Throughput:
        """The measured load: ``args.clients`` clients POSTing batches of 100."""
        result = measure_ingest(self.server, self.target,
                                BodyFactory(StatementGenerator(seed=1)), batch=100,
                                concurrency=args.clients, seconds=args.seconds)
        if result.errors:
            raise RuntimeError(f"{result.errors} failed requests: {result.first_error}")
        return result


@contextlib.contextmanager
def _served(backend: str, mode: str, args: argparse.Namespace, key: Path,
            run: str) -> Iterator[_Served]:
    """gunicorn + ``lrs worker`` on a fresh, primed ``backend`` database.

    :param run: names the logs, ``$TMPDIR/bench-audit-{gunicorn,worker}-BACKEND-RUN.log``.
    """
    with database(backend) as target:
        env = environment(target, LRS_OUTBOX_INLINE="false",
                          LRS_PLUGIN_AUDIT_KEY_FILE=str(key))
        if mode == "on":
            env["LRS_DISABLED_PLUGINS"] = ""
            lrs_command("db", "upgrade", env=env)  # the audit branch, as an operator would
        log = args.log_dir / f"bench-audit-gunicorn-{backend}-{run}.log"
        worker_log = args.log_dir / f"bench-audit-worker-{backend}-{run}.log"
        with serve(target, log, env=env) as server, \
                lrs_process("worker", env=env, log=worker_log) as worker, \
                engine_of(target.url) as engine:
            _prime(server, target, engine)
            yield _Served(target, env, server, worker.pid, engine)


def _served_run(backend: str, mode: str, args: argparse.Namespace, key: Path) -> Run:
    """gunicorn + ``lrs worker`` on a fresh ``backend`` database, 16 clients."""
    with _served(backend, mode, args, key, mode) as served:
        processes = served.processes()
        result = served.load(args)
        drain = _drain(served.engine)
        cpu, cpu_ms = processes.shares(), processes.lrs_ms_per_1000()
        entries = count_rows(served.engine, "audit_entries") if mode == "on" else None
        verified = _verify(served.env) if mode == "on" else ""
    return Run(mode, result.statements, result.seconds, drain, entries, verified, cpu,
               cpu_ms)


@dataclass
class Apart:
    """CPU per statement of ingest (the worker paused) and of delivery (no load), trail on."""

    ingest_us: float
    delivery_us: float

    @property
    def share(self) -> float:
        """The throughput share if CPU were all the two shared (no contention between them)."""
        return self.ingest_us / (self.ingest_us + self.delivery_us)


def _apart_run(backend: str, args: argparse.Namespace, key: Path) -> Apart:
    """The trail's own cost, without the contention that makes the on/off runs wander.

    The worker is paused (``SIGSTOP``) while the clients load, so the load runs
    as it would with the trail off but for the outbox INSERT of each POST; then
    it is resumed and drains the outbox alone. Its start-up CPU is spent before
    the pause, so what it uses after is delivery only.
    """
    with _served(backend, "on", args, key, "apart") as served:
        engine = served.engine
        os.kill(served.worker, signal.SIGSTOP)
        try:
            loading = served.processes()
            served.load(args)
            ingest, stored = loading.used(), loading.stored()
            delivering, entries = served.processes(), count_rows(engine, "audit_entries")
        finally:
            os.kill(served.worker, signal.SIGCONT)
        _drain(engine)
        delivery = delivering.used()
        entries = count_rows(engine, "audit_entries") - entries
    return Apart((ingest["gunicorn"] + ingest["postgres"]) * 1e6 / stored,
                 (delivery["worker"] + delivery["postgres"]) * 1e6 / entries)


def _in_process_run(mode: str, count: int, folder: Path) -> Run:
    """The Flask test client and the inline outbox thread in this process, one client."""
    from lrs.app import create_app
    from lrs.heap import freeze_startup_objects
    from lrs.settings import Settings
    from lrs.store.credentials import create_credential

    generator = StatementGenerator()
    batches = [[{**s, "id": str(uuid.uuid4())} for s in generator.statements(100)]
               for _ in range(count + 1)]
    database_file = folder / f"in-process-{mode}-{uuid.uuid4().hex[:8]}.sqlite3"
    settings = Settings.from_env({}, database_url=f"sqlite:///{database_file}",
                                 secret_key="bench-" + "x" * 40, auto_migrate=True,
                                 disabled_plugins="audit" if mode == "off" else "",
                                 log_level="WARNING")
    app = create_app(settings)
    freeze_startup_objects()  # as every served process does once its app is built
    runtime = app.extensions["lrs"]
    with runtime.db.write() as session:
        issued = create_credential(session, settings.secret_key, name="bench", scopes=["all"])
    token = base64.b64encode(f"{issued.key}:{issued.secret}".encode()).decode()
    headers = {"Authorization": f"Basic {token}", "X-Experience-API-Version": "2.0.0"}
    client = app.test_client()
    client.post("/xapi/statements", json=batches[0], headers=headers)  # warm-up
    started, cpu_started = time.perf_counter(), time.process_time()
    for batch in batches[1:]:
        response = client.post("/xapi/statements", json=batch, headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
    seconds = time.perf_counter() - started
    drain = _drain(runtime.db.engine)
    statements = sum(map(len, batches[1:]))
    cpu_ms = (time.process_time() - cpu_started) * 1000 / (statements / 1000)
    entries = count_rows(runtime.db.engine, "audit_entries") if mode == "on" else None
    runtime.outbox.stop()
    runtime.db.engine.dispose()
    return Run(mode, statements, seconds, drain, entries, cpu_ms=cpu_ms)


class _Processes:
    """CPU used by gunicorn, the worker, PostgreSQL and this load generator since creation."""

    def __init__(self, server: Gunicorn, worker: int, target: Target, engine: Engine) -> None:
        self._server, self._worker, self._target, self._engine = server, worker, target, engine
        self._started = time.perf_counter()
        self._statements = count_rows(engine, "statements")
        self._before = self._now()

    def _now(self) -> dict[str, float]:
        own = os.times()
        return {"gunicorn": self._server.cpu_seconds(), "worker": cpu_seconds(self._worker),
                "postgres": self._target.database_cpu_seconds(),
                "client": own.user + own.system}

    def used(self) -> dict[str, float]:
        """CPU seconds of each process group since creation."""
        return {name: seconds - self._before[name] for name, seconds in self._now().items()}

    def shares(self) -> dict[str, float]:
        wall = time.perf_counter() - self._started
        return {name: seconds / wall * 100 for name, seconds in self.used().items()}

    def stored(self) -> int:
        """Statements stored since creation."""
        return count_rows(self._engine, "statements") - self._statements

    def lrs_ms_per_1000(self) -> float:
        """What storing and auditing cost the server side, whatever else runs on the machine."""
        used = self.used()
        lrs = sum(used[name] for name in ("gunicorn", "worker", "postgres"))
        return lrs * 1000 / (self.stored() / 1000)


def _prime(server: Gunicorn, target: Target, engine: Engine) -> None:
    """Store :data:`PRIMING` statements, let the worker catch up, then ANALYZE (PostgreSQL).

    A production database has statistics (autovacuum's ANALYZE); a fresh one has
    none until autovacuum's first pass, and without them PostgreSQL looks up a
    batch's ids by scanning the whole tenant, which gets slower with every batch.
    SQLite is left without statistics, as the LRS leaves it.
    """
    load(server, target, StatementGenerator(seed=7), PRIMING, batch=100, concurrency=4)
    _drain(engine)
    if target.backend == "postgresql":
        analyze(engine)


def _drain(engine: Engine) -> float:
    """Seconds until the outbox holds nothing (the worker or the thread caught up)."""
    started = time.perf_counter()
    while True:
        with engine.connect() as connection:
            if not connection.execute(text("SELECT count(*) FROM outbox_events")).scalar():
                return time.perf_counter() - started
        time.sleep(0.02)


def _verify(env: dict[str, str]) -> str:
    """``lrs audit verify`` on what the run recorded (a fast trail must stay a sound one)."""
    try:
        lrs_command("audit", "verify", env=env)
    except subprocess.CalledProcessError as exc:  # a result to print, not a crash
        return f"verify FAILED: {exc.stdout.decode(errors='replace').strip()}"
    return "verified"


def _signing_key(folder: Path) -> Path:
    """A throw-away Ed25519 key: production refuses to run the audit plugin without one."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    path = folder / "audit_ed25519.pem"
    path.write_bytes(Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    return path


if __name__ == "__main__":
    raise SystemExit(main())
