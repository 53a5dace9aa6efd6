"""``python -m bench.audit``: POST batch-100 throughput with the audit plugin on and off.

The issue's requirement: ingestion with the audit trail on stays within 15 % of
ingestion without it. Both runs use the Flask test client on a fresh SQLite
database each, in one process, with the outbox delivering inline from its
background thread (``LRS_OUTBOX_INLINE``, the development default): the audit
work is post-commit, out of the request, but shares the process's CPU, which
is the worst case (production moves it to ``lrs worker``). Besides statements/s
the table shows how long the outbox took, after the last POST, to catch up.
"""

from __future__ import annotations

import argparse
import base64
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.generate import StatementGenerator

TARGET_SHARE = 0.85


@dataclass
class Run:
    label: str
    statements: int
    seconds: float
    drain_seconds: float
    audit_entries: int | None

    @property
    def per_second(self) -> float:
        return self.statements / self.seconds


def _run(label: str, disabled: str, batches: list[list[dict[str, Any]]], folder: Path) -> Run:
    from lrs.app import create_app
    from lrs.settings import Settings
    from lrs.store.credentials import create_credential

    database = folder / f"{label}.sqlite3"
    settings = Settings.from_env({}, database_url=f"sqlite:///{database}",
                                 secret_key="bench-" + "x" * 40, auto_migrate=True,
                                 disabled_plugins=disabled, log_level="WARNING")
    app = create_app(settings)
    runtime = app.extensions["lrs"]
    with runtime.db.write() as session:
        issued = create_credential(session, settings.secret_key, name="bench", scopes=["all"])
    token = base64.b64encode(f"{issued.key}:{issued.secret}".encode()).decode()
    headers = {"Authorization": f"Basic {token}", "X-Experience-API-Version": "2.0.0"}
    client = app.test_client()
    client.post("/xapi/statements", json=batches[0], headers=headers)  # warm-up
    started = time.perf_counter()
    for batch in batches[1:]:
        response = client.post("/xapi/statements", json=batch, headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
    seconds = time.perf_counter() - started
    drain = _drain(runtime)
    entries = _audit_entries(runtime) if not disabled else None
    runtime.outbox.stop()
    runtime.db.engine.dispose()
    return Run(label, sum(map(len, batches[1:])), seconds, drain, entries)


def _drain(runtime: Any) -> float:
    """Seconds until the outbox holds nothing (the inline thread caught up)."""
    from sqlalchemy import text

    started = time.perf_counter()
    while True:
        with runtime.db.read() as session:
            if not session.execute(text("SELECT count(*) FROM outbox_events")).scalar():
                return time.perf_counter() - started
        time.sleep(0.05)


def _audit_entries(runtime: Any) -> int:
    from sqlalchemy import text

    with runtime.db.read() as session:
        return int(session.execute(text("SELECT count(*) FROM audit_entries")).scalar() or 0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.audit", description=__doc__)
    parser.add_argument("--batches", type=int, default=100, help="POSTs of 100 per run")
    parser.add_argument("--rounds", type=int, default=2, help="alternating runs per mode")
    args = parser.parse_args(argv)
    generator = StatementGenerator()
    batches = [[{**s, "id": str(uuid.uuid4())} for s in generator.statements(100)]
               for _ in range(args.batches + 1)]
    runs: list[Run] = []
    with tempfile.TemporaryDirectory() as folder:
        for round_ in range(args.rounds):
            for label, disabled in (("off", "audit"), ("on", "")):
                fresh = [[{**s, "id": str(uuid.uuid4())} for s in batch] for batch in batches]
                runs.append(_run(f"{label}{round_}", disabled, fresh, Path(folder)))
    best = {mode: max((r for r in runs if r.label.startswith(mode)),
                      key=lambda r: r.per_second) for mode in ("off", "on")}
    print(f"{'audit':<6} {'statements':>10} {'seconds':>8} {'stmts/s':>9} "
          f"{'outbox drain s':>14} {'audit entries':>13}")
    for mode, run in best.items():
        entries = "-" if run.audit_entries is None else run.audit_entries
        print(f"{mode:<6} {run.statements:>10} {run.seconds:>8.2f} {run.per_second:>9.0f} "
              f"{run.drain_seconds:>14.2f} {entries:>13}")
    share = best["on"].per_second / best["off"].per_second
    verdict = "PASS" if share >= TARGET_SHARE else "FAIL"
    print(f"\naudit on / off: {share:.0%} (target >= {TARGET_SHARE:.0%}): {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
