"""``python -m bench.group_commit``: concurrent POSTs as deployed, against another
checkout.

What 16 clients posting one statement each (``--batch N``: N each) cost the request
path, and how many of them share a commit (:mod:`lrs.services.group_commit`), for
this checkout and, with ``--against DIR``, another one (``git worktree add --detach
DIR REV``), in alternation. Each side has a durable PostgreSQL database of its own,
migrated by its own checkout, so that a change of schema is measured too. Each turn
serves the side's Weft as deployed (``gunicorn -c gunicorn.conf.py wsgi:app`` from
its checkout, production defaults, every installed plugin on,
``LRS_OUTBOX_INLINE=false``, its ``lrs worker``), warms it up, then pauses the
worker (SIGSTOP: its deliveries would take cores from the requests, and its commits
would count) for a slice of ``--seconds``. Per slice: statements/s, requests per
commit (``pg_stat_database.xact_commit``), and the CPU per request of the gunicorn
workers and of PostgreSQL (``/proc``). The worker then resumes and empties the
outbox before the other side's turn.

The figures are the request path's alone; ``python -m bench.requests`` measures
the whole deployment, the worker's drain included, against the issue's targets.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, text

from bench.generate import StatementGenerator
from bench.ingest import BodyFactory, measure_ingest
from bench.server import (
    ROOT,
    Gunicorn,
    Target,
    audit_signing_key,
    cpu_seconds,
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

CLIENTS = 16
#: How long PostgreSQL may take to publish a backend's commits in its statistics.
STATS_DELAY = 1.5


@dataclass(frozen=True)
class _Slice:
    rate: float
    per_commit: float
    gunicorn_ms: float
    postgres_ms: float


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    sides = [("this", ROOT)] + ([("against", args.against.resolve())] if args.against else [])
    for line in run_note("Weft concurrent POSTs"):
        print(line)
    results: dict[str, list[_Slice]] = {side: [] for side, _ in sides}
    with (
        tempfile.TemporaryDirectory(prefix="weft-group-commit-") as folder,
        contextlib.ExitStack() as stack,
    ):
        key = audit_signing_key(Path(folder))
        # A database each, migrated by its own checkout: the sides may differ in schema.
        databases: dict[str, tuple[Target, Engine]] = {}
        for side, checkout in sides:
            target = stack.enter_context(database("postgresql", checkout=checkout))
            lrs_command("db", "upgrade", env=_environment(target, checkout, key),
                        checkout=checkout)
            databases[side] = (target, stack.enter_context(engine_of(target.url)))
        print(
            f"{databases['this'][0].version}\n{CLIENTS} clients posting {args.batch} "
            f"statement(s) each; {args.rounds} rounds of {args.seconds:g} s slices per side; "
            f"every installed plugin on; the lrs worker paused during slices\n",
            flush=True,
        )
        factory = BodyFactory(StatementGenerator(seed=1))
        for number in range(args.rounds):
            for side, checkout in sides if number % 2 == 0 else sides[::-1]:
                target, engine = databases[side]
                env = _environment(target, checkout, key)
                with _deployed(target, env, checkout, args.log_dir) as (server, worker):
                    measure_ingest(server, target, factory, batch=args.batch,
                                   concurrency=CLIENTS, seconds=args.warmup, warmup=0.0)
                    results[side].append(_slice(target, engine, server, worker, factory,
                                                args.seconds, args.batch))
                got = results[side][-1]
                note(
                    f"round {number + 1} {side}: {got.rate:,.0f}/s, {got.per_commit:.2f} "
                    f"requests/commit, gunicorn {got.gunicorn_ms:.2f} ms"
                )
    _print(results, args.batch)
    return 0


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.group_commit", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--against", type=Path, help="another checkout, measured alternately")
    parser.add_argument("--rounds", type=int, default=4, help="alternations (default 4)")
    parser.add_argument("--seconds", type=float, default=6.0, help="slice length (default 6)")
    parser.add_argument("--warmup", type=float, default=2.0, help="warm-up (default 2 s)")
    parser.add_argument("--batch", type=int, default=1,
                        help="statements per POST (default 1)")
    parser.add_argument(
        "--log-dir",
        type=Path,
        default=Path(tempfile.gettempdir()),
        help="where the logs go: bench-group-commit-{gunicorn,worker}.log",
    )
    return parser.parse_args(argv)


def _environment(target: Target, checkout: Path, key: Path) -> dict[str, str]:
    return environment(
        target,
        checkout=checkout,
        LRS_OUTBOX_INLINE="false",
        LRS_DISABLED_PLUGINS="",
        LRS_PLUGIN_AUDIT_KEY_FILE=str(key),
    )


@contextlib.contextmanager
def _deployed(
    target: Target, env: dict[str, str], checkout: Path, logs: Path
) -> Iterator[tuple[Gunicorn, int]]:
    """``checkout``'s gunicorn and worker (its pid)."""
    with (
        serve(
            target, logs / "bench-group-commit-gunicorn.log", env=env, checkout=checkout
        ) as server,
        lrs_process(
            "worker", env=env, log=logs / "bench-group-commit-worker.log", checkout=checkout
        ) as worker,
    ):
        yield server, worker.pid


def _slice(
    target: Target,
    engine: Engine,
    server: Gunicorn,
    worker: int,
    factory: BodyFactory,
    seconds: float,
    batch: int,
) -> _Slice:
    """One measured slice, the worker paused; the outbox emptied after."""
    drain_outbox(engine)
    os.kill(worker, signal.SIGSTOP)
    try:
        time.sleep(STATS_DELAY)
        commits, gunicorn, postgres = _commits(engine), _gunicorn(server), _postgres(target)
        result = measure_ingest(
            server, target, factory, batch=batch, concurrency=CLIENTS, seconds=seconds,
            warmup=0.0,
        )
        gunicorn, postgres = _gunicorn(server) - gunicorn, _postgres(target) - postgres
        time.sleep(STATS_DELAY)
        commits = _commits(engine) - commits
    finally:
        os.kill(worker, signal.SIGCONT)
    drain_outbox(engine)
    if result.errors:
        raise RuntimeError(f"{result.errors} failed requests: {result.first_error}")
    return _Slice(
        result.per_second,
        result.requests / max(commits, 1),
        gunicorn * 1000 / result.requests,
        postgres * 1000 / result.requests,
    )


def _commits(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(
                text("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()")
            ).scalar_one()
        )


def _gunicorn(server: Gunicorn) -> float:
    return sum(cpu_seconds(pid) for pid in server.worker_pids())


def _postgres(target: Target) -> float:
    return target.database_cpu_seconds()


def _print(results: dict[str, list[_Slice]], batch: int) -> None:
    print(
        f"POSTs of {batch} statement(s), {CLIENTS} in flight, worker paused: the median of "
        "the slices (lowest-highest)"
    )
    _row("side", "statements/s", "requests/commit", "gunicorn ms", "PostgreSQL ms")
    fields = ("rate", "per_commit", "gunicorn_ms", "postgres_ms")
    for side, slices in results.items():
        _row(side, *(_spread([getattr(s, name) for s in slices]) for name in fields))
    if "against" in results:
        ratios = [
            statistics.median(
                getattr(t, name) / getattr(a, name)
                for t, a in zip(results["this"], results["against"], strict=True)
            )
            for name in fields
        ]
        _row("this / against", *(f"{ratio:.2f}" for ratio in ratios))
        print("(ratio: the median of the rounds' this / against)")
    print(flush=True)


def _spread(values: list[float]) -> str:
    return f"{statistics.median(values):,.2f} ({min(values):,.2f}-{max(values):,.2f})"


def _row(*cells: object) -> None:
    head, *rest = (str(c) for c in cells)
    print(f"  {head:<16}" + "".join(f"  {c:>22}" for c in rest))


if __name__ == "__main__":
    sys.exit(main())
