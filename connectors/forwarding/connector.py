"""A forwarding instance's run: the backfill if one is asked for and unfinished, then
the queue (:mod:`connectors.outbound.delivery`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from connectors.forwarding.filters import select
from connectors.forwarding.receiver import Receiver
from connectors.outbound.delivery import Progress, backfill, drain, find_instance, start_cursor
from connectors.outbound.queue import Backlog
from lrs.plugin.connectors import SyncRun, SyncSummary
from lrs.plugin.host import Host

TYPE_NAME = "forwarding"
#: How long one run sends before handing back to the runtime (which runs it again
#: at once while the queue is not empty): bounded work, fresh run history.
RUN_SECONDS = 30.0


@dataclass
class Forwarder:
    host: Host
    config: dict[str, Any]

    def sync(self, run: SyncRun) -> SyncSummary:
        instance = find_instance(self.host, TYPE_NAME, run)
        receiver = Receiver(self.config, lambda sha2s: self.host.attachments(run.tenant_id, sha2s))
        progress = Progress()
        batch = self.config["batch_size"]
        try:
            if run.cursor is None:
                run.checkpoint(start_cursor(self.config["backfill"]))
            if (run.cursor or "").startswith("backfill:") and not backfill(
                self.host,
                run,
                instance,
                select,
                receiver.send,
                progress,
                batch_size=batch,
                budget_seconds=RUN_SECONDS,
            ):
                return progress.summary(more=True)
            return drain(
                self.host,
                run,
                Backlog(self.host, instance.id),
                receiver.send,
                progress,
                batch_size=batch,
                budget_seconds=RUN_SECONDS,
                in_flight=self.config["concurrency"],
            )
        finally:
            receiver.close()
