"""``python -m bench.audit``: POST batch-100 throughput with the audit plugin on and off.

The issue's requirement: ingestion with the audit trail on stays within 15 % of
ingestion without it. Off and on are measured **interleaved**: two LRS
instances run side by side, each on a fresh database of its own, one with the
trail off and one with it on, and the load switches between them every few
seconds, ``--pairs`` times each way. The development machine (a shared 2-core
VM) changes speed by a fifth within seconds, so runs a minute apart compared
the machine's moods as much as the trail; short alternating slices see the
same moods on both sides, and their sums compare like with like. Each
configuration's rates are its slices' statements over their seconds; "on"
counts only once the trail has caught up: the on instance's delivery runs only
during its own slices (its ``lrs worker`` is paused, ``SIGSTOP``, while the off
instance is loaded; the inline thread is stopped), and the drain after the
last slice is added to the on time.

Three configurations:

* ``in-process SQLite``: the Flask test client in one process, one client, the
  outbox delivered by the inline background thread (``LRS_OUTBOX_INLINE``, the
  development default). The audit work shares the process and its GIL with the
  requests: the worst case. Start-up objects are frozen out of the garbage
  collector's way, as gunicorn workers and ``lrs worker`` do.
* ``gunicorn + worker PostgreSQL`` / ``... SQLite``: the production shape of
  ``docs/deploy.md``: ``gunicorn -c gunicorn.conf.py wsgi:app`` with its default
  workers, ``LRS_OUTBOX_INLINE=false`` and one ``lrs worker`` process beside it,
  16 keep-alive clients (the load generator of ``python -m bench``) on the same
  2-core machine. The off instance has its worker running too (idle: no plugin
  listens, so nothing is enqueued). Each instance first stores 5,000 statements
  and, on PostgreSQL, runs ``ANALYZE`` (see :func:`_prime`); after the slices
  ``lrs audit verify`` checks the trail the on instance produced.

Besides throughput, each instance's CPU (gunicorn, worker, PostgreSQL; or this
process in-process) per 1,000 statements stored is reported. Its off/on ratio
("CPU share") is what the throughput share would be on a machine the LRS had
to itself. Then one run per served configuration measures ingest and delivery
apart (:func:`_apart_run`): the trail's own cost, free of the contention
between the two.
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
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from bench.generate import StatementGenerator
from bench.ingest import BodyFactory, Throughput, load, measure_ingest
from bench.server import (
    Gunicorn,
    Target,
    analyze,
    audit_signing_key,
    count_rows,
    cpu_seconds,
    database,
    drain_outbox,
    engine_of,
    environment,
    lrs_command,
    lrs_process,
    note,
    serve,
)

if TYPE_CHECKING:
    from flask import Flask
    from flask.testing import FlaskClient

    from lrs.runtime import Runtime

TARGET_SHARE = 0.85
#: Statements stored before a served instance is measured (see :func:`_prime`).
PRIMING = 5000
#: Configurations: (name, backend, served by gunicorn + lrs worker).
CONFIGURATIONS = (
    ("in-process SQLite (inline thread)", "sqlite", False),
    ("gunicorn + worker PostgreSQL", "postgresql", True),
    ("gunicorn + worker SQLite", "sqlite", True),
)
MODES = ("off", "on")


@dataclass
class Tally:
    """What one mode's slices added up to."""

    statements: int = 0
    seconds: float = 0.0
    #: CPU of the LRS (gunicorn, worker, PostgreSQL; or this process) in ms per 1,000 stored.
    cpu_ms: float = 0.0


@dataclass
class Comparison:
    """One configuration measured off and on, interleaved."""

    off: Tally
    on: Tally
    #: Seconds the on instance's outbox took to empty after its last slice.
    drain_seconds: float
    #: Each pair's on rate over the off rate of the slice just before it.
    pair_shares: list[float]
    audit_entries: int | None = None
    verified: str = ""

    @property
    def off_per_second(self) -> float:
        return self.off.statements / self.off.seconds

    @property
    def on_per_second(self) -> float:
        """Statements per second, counted once the audit trail caught up."""
        return self.on.statements / (self.on.seconds + self.drain_seconds)

    @property
    def share(self) -> float:
        return self.on_per_second / self.off_per_second

    @property
    def cpu_share(self) -> float:
        return self.off.cpu_ms / self.on.cpu_ms


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    chosen = [c for c in CONFIGURATIONS if not args.only or any(o in c[0] for o in args.only)]
    results: dict[str, Comparison] = {}
    apart: dict[str, Apart] = {}
    with tempfile.TemporaryDirectory(prefix="weft-bench-audit-") as folder:
        key = audit_signing_key(Path(folder))
        for name, backend, served in chosen:
            note(f"{name}: {args.pairs} off/on pairs")
            result = results[name] = (_served_comparison(name, backend, args, key) if served
                                      else _in_process_comparison(name, args, Path(folder)))
            note(f"  off {result.off_per_second:,.0f}, on {result.on_per_second:,.0f} "
                 f"statements/s ({result.drain_seconds:.2f} s drain): {result.share:.0%}"
                 + (f"; {result.audit_entries:,} entries" if result.audit_entries else "")
                 + (f", {result.verified}" if result.verified else ""))
            if served:
                note(f"{name}: ingest and delivery apart")
                apart[name] = _apart_run(backend, args, key)
                note(f"  ingest {apart[name].ingest_us:,.0f} µs, delivery "
                     f"{apart[name].delivery_us:,.0f} µs of CPU per statement")
    _print_table(results, args)
    _print_apart(apart)
    return 0


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.audit",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="4 pairs of short slices and a short apart run (about 3 min, not 8)")
    parser.add_argument("--pairs", type=int, help="off/on slice pairs (default 12; 4 quick)")
    parser.add_argument("--slice-seconds", type=float,
                        help="load per slice of the served configurations (default 4 s; 3 quick)")
    parser.add_argument("--slice-batches", type=int,
                        help="POSTs of 100 per slice in-process (default 40; 20 quick)")
    parser.add_argument("--seconds", type=float,
                        help="measured window of the apart runs (default 15 s; 5 quick)")
    parser.add_argument("--clients", type=int, default=16, help="clients of the served runs")
    parser.add_argument("--only", action="append", default=[],
                        help="configurations whose name contains this (repeatable): "
                             "in-process, PostgreSQL, 'worker SQLite'")
    parser.add_argument("--log-dir", type=Path, default=Path(tempfile.gettempdir()),
                        help="where gunicorn and worker logs go")
    args = parser.parse_args(argv)
    args.pairs = args.pairs or (4 if args.quick else 12)
    args.slice_seconds = args.slice_seconds or (3.0 if args.quick else 4.0)
    args.slice_batches = args.slice_batches or (20 if args.quick else 40)
    args.seconds = args.seconds or (5.0 if args.quick else 15.0)
    return args


def _print_table(results: dict[str, Comparison], args: argparse.Namespace) -> None:
    print(f"\nAudit plugin cost: POST batch-100, {args.pairs} interleaved off/on slice pairs; "
          "'on' counts until the trail caught up.\nCPU share: LRS CPU per statement off / on "
          "(what the share would be on a machine the LRS had to itself)\npairs: the lowest, "
          "middle and highest of the pairs' own shares (how far one short comparison "
          "wanders)")
    header = ("configuration", "off stmt/s", "on stmt/s", "drain s", "share", "CPU share",
              "pairs", "target", "result")
    print(f"  {header[0]:<36}" + "".join(f"  {h:>10}" for h in header[1:6])
          + f"  {header[6]:>14}" + "".join(f"  {h:>7}" for h in header[7:]))
    for name, result in results.items():
        shares = result.pair_shares
        cells = (f"{result.off_per_second:,.0f}", f"{result.on_per_second:,.0f}",
                 f"{result.drain_seconds:.2f}", f"{result.share:.0%}", f"{result.cpu_share:.0%}")
        spread = "/".join(f"{share * 100:.0f}" for share in
                          (min(shares), statistics.median(shares), max(shares)))
        verdict = (f"{TARGET_SHARE:.0%}", "pass" if result.share >= TARGET_SHARE else "FAIL")
        print(f"  {name:<36}" + "".join(f"  {c:>10}" for c in cells) + f"  {spread:>14}"
              + "".join(f"  {c:>7}" for c in verdict))


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


class _Interleaving:
    """Tallies the slices of both modes as they come, and each pair's share."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.tallies = {mode: Tally() for mode in MODES}
        self.pair_shares: list[float] = []
        self._off_rate = 0.0

    def add(self, mode: str, statements: int, seconds: float) -> None:
        tally = self.tallies[mode]
        tally.statements += statements
        tally.seconds += seconds
        rate = statements / seconds
        if mode == "off":
            self._off_rate = rate
            return
        self.pair_shares.append(rate / self._off_rate)
        note(f"{self.name}: pair {len(self.pair_shares)}: off {self._off_rate:,.0f}, "
             f"on {rate:,.0f} statements/s ({rate / self._off_rate:.0%})")

    def result(self, drain_seconds: float, cpu_ms: dict[str, float]) -> Comparison:
        for mode, tally in self.tallies.items():
            tally.cpu_ms = cpu_ms[mode]
        return Comparison(self.tallies["off"], self.tallies["on"], drain_seconds,
                          self.pair_shares)


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
        """The apart run's load: ``args.clients`` clients, ``args.seconds`` after a warm-up."""
        return self._post(BodyFactory(StatementGenerator(seed=1)), args.clients, args.seconds,
                          warmup=2.0)

    def slice(self, factory: BodyFactory, args: argparse.Namespace) -> Throughput:
        """One slice: the instance is warm, so every second of it counts.

        The interleaved instances share ``factory``, so their ids never repeat.
        """
        return self._post(factory, args.clients, args.slice_seconds, warmup=0.0)

    def _post(self, factory: BodyFactory, clients: int, seconds: float, *,
              warmup: float) -> Throughput:
        """``clients`` clients POSTing batches of 100 for ``seconds``."""
        result = measure_ingest(self.server, self.target, factory, batch=100,
                                concurrency=clients, seconds=seconds, warmup=warmup)
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


def _served_comparison(name: str, backend: str, args: argparse.Namespace,
                       key: Path) -> Comparison:
    """Two served instances, off and on, loaded in turn; the on worker runs in its turns only."""
    with _served(backend, "off", args, key, "off") as off, \
            _served(backend, "on", args, key, "on") as on:
        instances = {"off": off, "on": on}
        os.kill(on.worker, signal.SIGSTOP)
        processes = {mode: served.processes() for mode, served in instances.items()}
        factory = BodyFactory(StatementGenerator(seed=1))
        interleaving = _Interleaving(name)
        try:
            for _ in range(args.pairs):
                for mode, served in instances.items():
                    if mode == "on":
                        os.kill(on.worker, signal.SIGCONT)
                    result = served.slice(factory, args)
                    if mode == "on":
                        os.kill(on.worker, signal.SIGSTOP)
                    interleaving.add(mode, result.statements, result.seconds)
        finally:
            os.kill(on.worker, signal.SIGCONT)
        drain = drain_outbox(on.engine)
        comparison = interleaving.result(
            drain, {mode: counted.lrs_ms_per_1000() for mode, counted in processes.items()})
        comparison.audit_entries = count_rows(on.engine, "audit_entries")
        comparison.verified = _verify(on.env)
    return comparison


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
        drain_outbox(engine)
        delivery = delivering.used()
        entries = count_rows(engine, "audit_entries") - entries
    return Apart((ingest["gunicorn"] + ingest["postgres"]) * 1e6 / stored,
                 (delivery["worker"] + delivery["postgres"]) * 1e6 / entries)


@dataclass
class _InProcess:
    """An application of this process, a credential for it, and its test client."""

    app: Flask
    headers: dict[str, str]
    client: FlaskClient = field(init=False)

    def __post_init__(self) -> None:
        self.client = self.app.test_client()

    @property
    def runtime(self) -> Runtime:
        return self.app.extensions["lrs"]

    def post(self, batch: list[dict[str, object]]) -> None:
        response = self.client.post("/xapi/statements", json=batch, headers=self.headers)
        assert response.status_code == 200, response.get_data(as_text=True)


def _in_process_app(mode: str, folder: Path) -> _InProcess:
    from lrs.app import create_app
    from lrs.settings import Settings
    from lrs.store.credentials import create_credential

    database_file = folder / f"in-process-{mode}-{uuid.uuid4().hex[:8]}.sqlite3"
    settings = Settings.from_env({}, database_url=f"sqlite:///{database_file}",
                                 secret_key="bench-" + "x" * 40, auto_migrate=True,
                                 disabled_plugins="audit" if mode == "off" else "",
                                 log_level="WARNING")
    app = create_app(settings)
    with app.extensions["lrs"].db.write() as session:
        issued = create_credential(session, settings.secret_key, name="bench", scopes=["all"])
    token = base64.b64encode(f"{issued.key}:{issued.secret}".encode()).decode()
    return _InProcess(app, {"Authorization": f"Basic {token}",
                            "X-Experience-API-Version": "2.0.0"})


def _in_process_comparison(name: str, args: argparse.Namespace, folder: Path) -> Comparison:
    """Two applications in this process, off and on, one client, loaded in turn.

    The on application's inline thread delivers during its slices only: the
    first request of a slice starts it (as every request does when it is not
    running), and the slice ends once it has been stopped after its pass.
    """
    from lrs.process.heap import freeze_startup_objects

    generator = StatementGenerator()

    def batches(count: int) -> list[list[dict[str, object]]]:
        return [[{**s, "id": str(uuid.uuid4())} for s in generator.statements(100)]
                for _ in range(count)]

    apps = {mode: _in_process_app(mode, folder) for mode in MODES}
    freeze_startup_objects()  # as every served process does once its app is built
    for app in apps.values():
        app.post(batches(1)[0])  # warm-up
    on = apps["on"].runtime
    drain_outbox(on.db.engine)
    on.outbox.stop()
    interleaving = _Interleaving(name)
    cpu = dict.fromkeys(MODES, 0.0)
    for _ in range(args.pairs):
        for mode, app in apps.items():
            slice_ = batches(args.slice_batches)
            started, cpu_started = time.perf_counter(), time.process_time()
            for batch in slice_:
                app.post(batch)
            if mode == "on":
                on.outbox.stop()
            cpu[mode] += time.process_time() - cpu_started
            interleaving.add(mode, 100 * len(slice_), time.perf_counter() - started)
    cpu_started = time.process_time()
    on.outbox.start()
    drain = drain_outbox(on.db.engine)
    cpu["on"] += time.process_time() - cpu_started
    comparison = interleaving.result(drain, {
        mode: cpu[mode] * 1e6 / interleaving.tallies[mode].statements for mode in MODES})
    comparison.audit_entries = count_rows(on.db.engine, "audit_entries")
    for app in apps.values():
        app.runtime.outbox.stop()
        app.runtime.db.engine.dispose()
    return comparison


class _Processes:
    """CPU used by gunicorn, the worker and PostgreSQL of one instance since creation."""

    def __init__(self, server: Gunicorn, worker: int, target: Target, engine: Engine) -> None:
        self._server, self._worker, self._target, self._engine = server, worker, target, engine
        self._statements = count_rows(engine, "statements")
        self._before = self._now()

    def _now(self) -> dict[str, float]:
        return {"gunicorn": self._server.cpu_seconds(), "worker": cpu_seconds(self._worker),
                "postgres": self._target.database_cpu_seconds()}

    def used(self) -> dict[str, float]:
        """CPU seconds of each process group since creation."""
        return {name: seconds - self._before[name] for name, seconds in self._now().items()}

    def stored(self) -> int:
        """Statements stored since creation."""
        return count_rows(self._engine, "statements") - self._statements

    def lrs_ms_per_1000(self) -> float:
        """What storing and auditing cost the server side, whatever else runs on the machine."""
        return sum(self.used().values()) * 1000 / (self.stored() / 1000)


def _prime(server: Gunicorn, target: Target, engine: Engine) -> None:
    """Store :data:`PRIMING` statements, let the worker catch up, then ANALYZE (PostgreSQL).

    A production database has statistics (autovacuum's ANALYZE); a fresh one has
    none until autovacuum's first pass, and without them PostgreSQL looks up a
    batch's ids by scanning the whole tenant, which gets slower with every batch.
    SQLite is left without statistics, as the LRS leaves it.
    """
    load(server, target, StatementGenerator(seed=7), PRIMING, batch=100, concurrency=4)
    drain_outbox(engine)
    if target.backend == "postgresql":
        analyze(engine)


def _verify(env: dict[str, str]) -> str:
    """``lrs audit verify`` on what the run recorded (a fast trail must stay a sound one)."""
    try:
        lrs_command("audit", "verify", env=env)
    except subprocess.CalledProcessError as exc:  # a result to print, not a crash
        return f"verify FAILED: {exc.stdout.decode(errors='replace').strip()}"
    return "verified"


if __name__ == "__main__":
    raise SystemExit(main())
