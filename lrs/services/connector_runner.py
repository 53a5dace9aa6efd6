"""Running connector instances: claim one that is due, sync it, record how it went.

``lrs worker`` runs :meth:`ConnectorRunner.run` in a thread beside the outbox;
``lrs connectors run NAME`` runs one instance in the foreground with
:meth:`ConnectorRunner.run_instance`. Both claim the instance first (see
:func:`lrs.store.connectors.claim`), so an instance never runs twice at once,
however many workers and hosts there are. A run that fails is retried with
exponential backoff and jitter; after ``LRS_CONNECTOR_MAX_FAILURES`` failures in
a row the instance is paused until an operator resumes it. A worker killed
mid-run leaves its claim to expire (``LRS_CONNECTOR_LEASE_SECONDS``); the next
claim marks that run interrupted and resumes from the last checkpoint.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from lrs.plugin.connectors import ConnectorTypeRegistry, RunLost, SyncRun, SyncSummary
from lrs.services.connectors import RunView, full_config, secret_values
from lrs.services.schedules import parse_schedule
from lrs.store import connectors as store
from lrs.xapi.errors import Conflict

if TYPE_CHECKING:
    from lrs.db import Database
    from lrs.models import ConnectorInstance, ConnectorRun
    from lrs.plugin.host import Host
    from lrs.settings import Settings

logger = logging.getLogger("lrs.connectors")

#: A secret shorter than this is not masked in errors: masking "a" would garble them.
_MASKABLE = 4


def _now_us() -> int:
    return time.time_ns() // 1000


@dataclass
class _StoredRun(SyncRun):
    """A :class:`SyncRun` whose checkpoints are kept on the instance, renewing the claim."""

    runner: ConnectorRunner | None = field(default=None, repr=False)
    instance_id: int = 0
    held_until_us: int = 0

    def _keep(self, cursor: str) -> None:
        assert self.runner is not None
        self.held_until_us = self.runner.renew(self.instance_id, self.held_until_us, cursor)


@dataclass(frozen=True)
class RunReport:
    """A finished run: the instance it ran and its history row."""

    tenant_id: int
    instance: str
    run: RunView
    #: The connector said it has more to do at once (a backlog).
    more: bool = False


class ConnectorRunner:
    """Runs the connector instances of one application."""

    def __init__(self, settings: Settings, db: Database, types: ConnectorTypeRegistry,
                 host: Host) -> None:
        self._settings = settings
        self._db = db
        self._types = types
        self._host = host
        self._lease_us = settings.connector_lease_seconds * 1_000_000

    def run(self, stopping: threading.Event, *, once: bool = False) -> int:
        """Run due instances until ``stopping`` is set; return how many runs there were.

        With ``once``, run what is due now and return. A failing pass (the
        database is away) is logged and retried after the poll interval.
        """
        runs = 0
        while not stopping.is_set():
            try:
                report = self.run_due(stopping)
            except Exception:
                if once:
                    raise
                logger.exception("connector scheduling failed; retrying in %ss",
                                 self._settings.connector_poll_seconds)
                report = None
            if report is not None:
                runs += 1
                continue
            if once:
                break
            stopping.wait(self._idle_seconds())
        return runs

    def run_due(self, stopping: threading.Event | None = None) -> RunReport | None:
        """Run the most overdue instance, if one is due and free."""
        now = _now_us()
        with self._db.write() as session:
            claimed = store.claim(session, now_us=now, lease_us=self._lease_us,
                                  trigger="schedule")
            if claimed is not None:
                instance, run = claimed
                if instance.failures:
                    run.trigger = "retry"
                state = _Claim.of(instance, run)
        if claimed is None:
            return None
        return self._execute(state, stopping or threading.Event())

    def run_instance(self, tenant_id: int, name: str,
                     stopping: threading.Event | None = None) -> RunReport:
        """Run one instance now, whatever its schedule or state ("run now" from a command).

        :raises NotFound: no such instance.
        :raises Conflict: a worker is running it at this moment.
        """
        now = _now_us()
        with self._db.write() as session:
            instance = store.instance_named(session, tenant_id, name)
            claimed = store.claim(session, now_us=now, lease_us=self._lease_us,
                                  trigger="manual", instance_id=instance.id)
            if claimed is None:
                raise Conflict(f"connector {name!r} is running in a worker now; "
                               "see lrs connectors runs")
            state = _Claim.of(*claimed)
        return self._execute(state, stopping or threading.Event())

    def renew(self, instance_id: int, held_until_us: int, cursor: str | None) -> int:
        """Keep ``cursor`` and extend the claim; return the new claim's end.

        :raises RunLost: the claim expired and may be another worker's now.
        """
        now = _now_us()
        with self._db.write() as session:
            if not store.renew(session, instance_id, held_until_us=held_until_us, now_us=now,
                               lease_us=self._lease_us, cursor=cursor):
                raise RunLost("the run's claim expired; another worker may run the "
                              "connector now (LRS_CONNECTOR_LEASE_SECONDS)")
        return now + self._lease_us

    def _execute(self, claim: _Claim, stopping: threading.Event) -> RunReport:
        run = _StoredRun(tenant_id=claim.tenant_id, instance=claim.name, cursor=claim.cursor,
                         stopping=stopping, runner=self, instance_id=claim.instance_id,
                         held_until_us=claim.held_until_us)
        summary: SyncSummary | None = None
        error: str | None = None
        masks: list[str] = []
        try:
            connector_type = self._types.get(claim.type)
            if connector_type is None:
                raise LookupError(f"connector type {claim.type!r} is not installed "
                                  "(lrs connectors types)")
            with self._db.read() as session:
                instance = store.instance_by_id(session, claim.instance_id)
                masks = secret_values(instance, self._settings.secret_key)
                config = full_config(instance, self._settings.secret_key)
            summary = connector_type.configure(self._host, config).sync(run)
        except RunLost as exc:
            error = str(exc)
        except Exception as exc:  # a connector's failure is a failed run, never a dead worker
            error = _masked(f"{type(exc).__name__}: {exc}", masks)
            logger.warning("connector run failed", extra={
                "connector": claim.name, "tenant_id": claim.tenant_id, "error": error})
        return self._record(claim, run, summary, error)

    def _record(self, claim: _Claim, run: _StoredRun, summary: SyncSummary | None,
                error: str | None) -> RunReport:
        settings, now = self._settings, _now_us()
        cursor = summary.cursor if summary is not None and summary.cursor is not None \
            else run.cursor
        if summary is not None:
            outcome = store.Outcome("succeeded", summary.fetched, summary.stored,
                                    summary.skipped, summary.sent, None, summary.messages)
            next_run = now if summary.more else store.next_run_after(
                claim.next_run_us, parse_schedule(claim.schedule).next_after(now))
            values = {"cursor": cursor, "failures": 0, "next_run_us": next_run}
        else:
            failures = claim.failures + 1
            delay = min(settings.connector_backoff_seconds * 2 ** (failures - 1),
                        settings.connector_backoff_max_seconds)
            outcome = store.Outcome("failed", error=error)
            values = {"cursor": cursor, "failures": failures,
                      "paused": failures >= settings.connector_max_failures,
                      "next_run_us": now + int(delay * random.uniform(0.5, 1.0) * 1_000_000)}
        with self._db.write() as session:
            store.finish(session, claim.instance_id, claim.run_id, outcome,
                         held_until_us=run.held_until_us, now_us=now, values=values)
            row = store.run_by_id(session, claim.run_id)
            view = RunView.of(row)
        logger.info("connector run finished", extra={
            "connector": claim.name, "tenant_id": claim.tenant_id, "status": view.status,
            "fetched": view.fetched, "stored": view.stored, "sent": view.sent,
            "duration_ms": view.duration_ms})
        return RunReport(claim.tenant_id, claim.name, view,
                         more=summary is not None and summary.more)

    def _idle_seconds(self) -> float:
        """Sleep until the next instance is due, at most the poll interval."""
        poll = self._settings.connector_poll_seconds
        try:
            with self._db.read() as session:
                due = store.next_due_us(session)
        except Exception:
            return poll
        if due is None:
            return poll
        return max(0.0, min(poll, (due - _now_us()) / 1_000_000))


@dataclass(frozen=True)
class _Claim:
    """What a run needs of its instance, read in the claiming transaction."""

    instance_id: int
    run_id: int
    tenant_id: int
    name: str
    type: str
    schedule: str
    cursor: str | None
    failures: int
    held_until_us: int
    #: The next run as the claim found it: one changed during the run was asked for then.
    next_run_us: int

    @classmethod
    def of(cls, instance: ConnectorInstance, run: ConnectorRun) -> _Claim:
        return cls(instance.id, run.id, instance.tenant_id, instance.name, instance.type,
                   instance.schedule, instance.cursor, instance.failures,
                   instance.claimed_until_us, instance.next_run_us)


def _masked(text: str, secrets: list[str]) -> str:
    for secret in sorted(secrets, key=len, reverse=True):
        if len(secret) >= _MASKABLE:
            text = text.replace(secret, "***")
    return text
