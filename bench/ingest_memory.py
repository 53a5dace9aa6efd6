"""``python -m bench.ingest_memory``: the server's RSS over a long ingest (issue 17).

"The server's RSS stays flat over a 1M-statement ingest": Weft as deployed (as
:mod:`bench.requests` runs it: ``gunicorn -c gunicorn.conf.py wsgi:app`` on a
durable PostgreSQL, the audit plugin on, one ``lrs worker`` delivering) stores
``--ingest`` generated statements (batches of ``--batch`` from ``--clients``
keep-alive clients), and every ``--every`` statements the resident memory
(``VmRSS``) of each gunicorn worker and of the ``lrs worker`` is sampled. Workers
run with ``--max-requests 0`` (:func:`bench.server.serve`): a recycled worker
would hide a leak. The verdict compares the workers' total at the end with the
sample after the warm-up (``--warmup``, a share of the ingest: caches, pools and
prepared statements fill first): **flat** when it grew by at most ``--flat`` %.
"""

from __future__ import annotations

import argparse
import contextlib
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from bench.generate import StatementGenerator
from bench.ingest import load
from bench.server import (
    Gunicorn,
    Target,
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


@dataclass(frozen=True)
class Sample:
    statements: int
    seconds: float
    #: MiB by gunicorn worker pid.
    workers: dict[int, float]
    #: MiB of the lrs worker process.
    delivery: float

    @property
    def total(self) -> float:
        return sum(self.workers.values())


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    for line in run_note("Weft ingest memory benchmark (issue 17)"):
        print(line)
    print(
        f"{args.ingest:,} statements in batches of {args.batch} from {args.clients} clients; "
        f"a sample every {args.every:,}; flat: the workers' RSS at the end within "
        f"{args.flat:g} % of the sample after {args.warmup:.0%} of the ingest\n",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="weft-bench-memory-") as folder:
        samples, rate = _run(args, Path(folder))
    _print(samples, rate, args)
    return 0


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.ingest_memory", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--quick", action="store_true", help="50,000 statements (about 1 min)")
    parser.add_argument(
        "--ingest", type=int, help="statements stored (default 1,000,000; 50,000 quick)"
    )
    parser.add_argument("--every", type=int, help="statements between samples (default: 1/20)")
    parser.add_argument("--batch", type=int, default=100, help="statements per POST (100)")
    parser.add_argument("--clients", type=int, default=16, help="clients in flight (16)")
    parser.add_argument(
        "--warmup", type=float, default=0.1, help="share of the ingest before the reference (0.1)"
    )
    parser.add_argument("--flat", type=float, default=10.0, help="growth still flat, in %% (10)")
    parser.add_argument(
        "--log-dir",
        type=Path,
        default=Path(tempfile.gettempdir()),
        help="where the logs go: bench-memory-{gunicorn,worker}.log",
    )
    args = parser.parse_args(argv)
    args.ingest = args.ingest or (50_000 if args.quick else 1_000_000)
    args.every = args.every or max(args.batch, args.ingest // 20)
    return args


@contextlib.contextmanager
def _weft(args: argparse.Namespace, folder: Path) -> Iterator[tuple[Gunicorn, int, Target, Engine]]:
    """Production as ``docs/deploy.md`` runs it (as :mod:`bench.requests` does)."""
    with database("postgresql") as target:
        env = environment(
            target,
            LRS_OUTBOX_INLINE="false",
            LRS_DISABLED_PLUGINS="",
            LRS_PLUGIN_AUDIT_KEY_FILE=str(audit_signing_key(folder)),
        )
        lrs_command("db", "upgrade", env=env)
        with (
            serve(target, args.log_dir / "bench-memory-gunicorn.log", env=env) as weft,
            lrs_process("worker", env=env, log=args.log_dir / "bench-memory-worker.log") as worker,
            engine_of(target.url) as engine,
        ):
            print(
                f"{target.version}\ngunicorn gthread: {weft.workers} workers x {weft.threads} "
                f"threads; audit plugin on; lrs worker pid {worker.pid}\n",
                flush=True,
            )
            yield weft, worker.pid, target, engine


def _run(args: argparse.Namespace, folder: Path) -> tuple[list[Sample], float]:
    with _weft(args, folder) as (weft, worker, target, engine):
        started = time.perf_counter()
        samples = [_sample(weft, worker, 0, 0.0)]
        lock = threading.Lock()
        done = [0]

        def progress(items: int) -> None:
            with lock:
                before, done[0] = done[0], done[0] + items
                if done[0] // args.every > before // args.every or done[0] >= args.ingest:
                    samples.append(_sample(weft, worker, done[0], time.perf_counter() - started))
                    note(f"  {done[0]:,} statements, workers {samples[-1].total:,.0f} MiB")

        result = load(
            weft,
            target,
            StatementGenerator(seed=7),
            args.ingest,
            batch=args.batch,
            concurrency=args.clients,
            progress=progress,
        )
        if result.errors:
            raise RuntimeError(f"ingest: {result.errors} failed requests: {result.first_error}")
        note(f"the worker drained the outbox in {drain_outbox(engine):.1f} s")
        samples.append(_sample(weft, worker, done[0], time.perf_counter() - started))
        return samples, result.per_second


def _sample(weft: Gunicorn, worker: int, statements: int, seconds: float) -> Sample:
    return Sample(statements, seconds, weft.worker_rss_mb(), _rss_mb(worker))


def _rss_mb(pid: int) -> float:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def reference(samples: list[Sample], warmup: float) -> Sample:
    """The first sample taken once ``warmup`` of the ingest was stored."""
    total = samples[-1].statements
    return next(s for s in samples if s.statements >= warmup * total)


def _print(samples: list[Sample], rate: float, args: argparse.Namespace) -> None:
    pids = sorted({pid for s in samples for pid in s.workers})
    print(f"RSS in MiB ({rate:,.0f} statements/s overall; the last row after the outbox drained)")
    header = ["statements", "seconds", *(f"w{pid}" for pid in pids), "workers", "lrs worker"]
    print("  " + "".join(f"{h:>12}" for h in header))
    for s in samples:
        cells = [f"{s.statements:,}", f"{s.seconds:.0f}"]
        cells += [f"{s.workers.get(pid, 0.0):.1f}" for pid in pids]
        cells += [f"{s.total:.1f}", f"{s.delivery:.1f}"]
        print("  " + "".join(f"{c:>12}" for c in cells))
    start, end = reference(samples, args.warmup), samples[-1]
    growth = (end.total - start.total) / start.total * 100 if start.total else 0.0
    delivery = (end.delivery - start.delivery) / start.delivery * 100 if start.delivery else 0.0
    verdict = "flat" if growth <= args.flat else "GROWING"
    print(
        f"\nworkers: {start.total:.1f} MiB after {start.statements:,} statements, "
        f"{end.total:.1f} MiB at the end ({growth:+.1f} %): {verdict} (within {args.flat:g} %)"
        f"\nlrs worker: {start.delivery:.1f} -> {end.delivery:.1f} MiB ({delivery:+.1f} %)",
        flush=True,
    )


if __name__ == "__main__":
    raise SystemExit(main())
