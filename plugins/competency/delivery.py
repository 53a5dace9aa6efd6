"""The ``statements_stored`` side: a delivery batch's statements, evaluated together.

The outbox hands the plugin up to 500 events (about 5,000 statements) at a time; each
hook call only buffers the statements' JSON text, and one deferred call
(:meth:`Host.defer`) evaluates the whole delivery batch per tenant, so a busy store
costs a few queries per batch, not per statement.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict

from lrs.plugin.host import Host
from plugins.competency.engine import PLUGIN, Outcome, process
from plugins.competency.evidence import decode

_buffer = threading.local()


def receive(host: Host, tenant_id: int, source: dict[str, str] | None, texts: list[str]) -> None:
    """Buffer a stored batch for the end of the delivery batch.

    The plugin's own ``asserted`` statements (stored through ``Host.ingest``) are
    skipped here already; evidence extraction skips them again by their authority.
    """
    if source is not None and source.get("plugin") == PLUGIN:
        return
    pending: dict[int, list[str]] | None = getattr(_buffer, "pending", None)
    if pending is None:  # the first of the delivery batch: evaluate at its end
        pending = _buffer.pending = defaultdict(list)
        host.defer(lambda: flush(host))
    pending[tenant_id].extend(texts)


def flush(host: Host) -> dict[int, Outcome]:
    """Evaluate what was buffered, per tenant."""
    pending: dict[int, list[str]] = getattr(_buffer, "pending", None) or {}
    _buffer.pending = None
    now_us = time.time_ns() // 1000
    return {
        tenant_id: process(host, tenant_id, [decode(text) for text in texts], now_us)
        for tenant_id, texts in pending.items()
    }
