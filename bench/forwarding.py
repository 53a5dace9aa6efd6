"""``python -m bench.forwarding``: how fast statement forwarding empties a backlog.

For each backend: a sending Weft (in this process, with the ``forwarding``
connector type installed) and a receiving Weft served by gunicorn, each on a
fresh database of its own. ``--statements`` generated statements are stored in
the sender with a forwarding instance configured, the outbox delivers their
``statements_stored`` events (which queues them), then the instance runs until
its queue is empty, exactly as ``lrs worker`` runs it: POSTs of ``--batch-size``
statements, acknowledged rows deleted, checkpoint after each. The receiver is
checked to hold every statement. Prints one table; progress notes go to stderr.

Beside the rate, the CPU the sender (this process), the receiver's gunicorn and
the databases used while forwarding, in % of one core, and their sum per
statement: "2 cores/s" is the rate that CPU cost allows on a 2-core machine the
LRSs had to themselves (a shared machine's rate is lower, and says so by its load).

Target: at least 2,000 statements/s forwarded on PostgreSQL.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import create_engine, text

from bench.generate import StatementGenerator
from bench.server import Target, database, note, plugin_app, serve
from lrs.services.connectors import create_connector

AUTHORITY = {
    "objectType": "Agent",
    "name": "bench",
    "account": {"homePage": "https://bench.example.com", "name": "bench"},
}


def measure(
    backend: str, statements: int, batch_size: int, concurrency: int, log_dir: Path
) -> list[str]:
    with (
        database(backend) as sender,
        database(backend) as receiver,
        serve(receiver, log_dir / f"bench-forwarding-receiver-{backend}.log") as server,
    ):
        app = plugin_app(sender, "forwarding")
        runtime = app.extensions["lrs"]
        key, secret = base64.b64decode(receiver.authorization.split()[1]).decode().split(":")
        create_connector(
            runtime,
            runtime.connector_types,
            tenant_id=1,
            name="bench",
            type_name="forwarding",
            schedule="every 1h",
            actor="bench",
            config={
                "endpoint": f"http://127.0.0.1:{server.port}/xapi/",
                "username": key,
                "password": secret,
                "batch_size": batch_size,
                "concurrency": concurrency,
            },
        )
        note(f"{backend}: storing {statements:,} statements in the sender")
        generator = StatementGenerator(seed=11)
        remaining = statements
        while remaining:
            batch = list(generator.statements(min(500, remaining)))
            runtime.host.ingest(1, batch, authority=AUTHORITY)
            remaining -= len(batch)
        note(f"{backend}: queueing (outbox delivery to the forwarding plugin)")
        started = time.perf_counter()
        while runtime.outbox.process_pending():
            pass
        queue_s = time.perf_counter() - started
        note(f"{backend}: forwarding")
        cpu_before = (
            server.cpu_seconds(),
            receiver.database_cpu_seconds() + sender.database_cpu_seconds(),
            time.process_time(),
        )
        started = time.perf_counter()
        runs = 0
        while True:
            report = runtime.connectors.run_instance(1, "bench")
            runs += 1
            assert report.run.status == "succeeded", report.run.error
            if not report.more:
                break
        forward_s = time.perf_counter() - started
        sender_cpu = time.process_time() - cpu_before[2]
        receiver_cpu = server.cpu_seconds() - cpu_before[0]
        database_cpu = (
            receiver.database_cpu_seconds() + sender.database_cpu_seconds() - cpu_before[1]
        )
        held = _count(receiver)
        runtime.outbox.stop()
        runtime.db.engine.dispose()
    assert held == statements, f"receiver holds {held} of {statements}"
    return [
        backend,
        f"{statements:,}",
        f"{batch_size} x {concurrency}",
        f"{statements / queue_s:,.0f}",
        f"{forward_s:.1f}",
        str(runs),
        f"{statements / forward_s:,.0f}",
        f"{sender_cpu / forward_s:.0%}",
        f"{receiver_cpu / forward_s:.0%}",
        f"{database_cpu / forward_s:.0%}",
        f"{(sender_cpu + receiver_cpu + database_cpu) / statements * 1e6:,.0f}",
        f"{2 * statements / (sender_cpu + receiver_cpu + database_cpu):,.0f}",
    ]


def _count(target: Target) -> int:
    engine = create_engine(target.url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text("SELECT count(*) FROM statements")).scalar() or 0)
    finally:
        engine.dispose()


@contextlib.contextmanager
def _log_dir(path: str | None) -> Iterator[Path]:
    if path:
        yield Path(path)
        return
    with tempfile.TemporaryDirectory(prefix="bench-forwarding-") as folder:
        yield Path(folder)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.forwarding",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--statements", type=int, default=50_000)
    parser.add_argument(
        "--batch-size",
        type=int,
        action="append",
        dest="batch_sizes",
        help="statements per POST (repeat for several)",
    )
    parser.add_argument("--concurrency", type=int, default=4, help="batches on the wire")
    parser.add_argument("--backends", default="postgresql,sqlite")
    parser.add_argument("--log-dir", help="keep the receiver's gunicorn log there")
    args = parser.parse_args(argv)
    sizes = args.batch_sizes or [500]
    header = [
        "backend",
        "statements",
        "batch x wire",
        "queued/s",
        "forward s",
        "runs",
        "forwarded/s",
        "sender CPU",
        "receiver CPU",
        "databases CPU",
        "CPU µs/stmt",
        "2 cores/s",
    ]
    note(f"load average before: {os.getloadavg()[0]:.1f} (a shared machine runs slower)")
    rows = []
    with _log_dir(args.log_dir) as logs:
        for backend in args.backends.split(","):
            for size in sizes:
                rows.append(measure(backend, args.statements, size, args.concurrency, logs))
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    for line in [header, ["-" * w for w in widths], *rows]:
        print("  ".join(cell.rjust(width) for cell, width in zip(line, widths, strict=True)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
