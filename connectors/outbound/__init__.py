"""What the outgoing connector types share: a durable queue and the loop that drains it.

Not a plugin of its own: :mod:`connectors.forwarding` and :mod:`connectors.webhook`
each register this branch's migrations (``MIGRATIONS``) and feed their own
:class:`~connectors.outbound.queue.OutboundType` from ``statements_stored``.
See docs/connectors.md, "Built-in connector types".
"""

from __future__ import annotations

from pathlib import Path

#: The Alembic folder of the ``outbound`` branch (the ``outbound_queue`` table).
MIGRATIONS = Path(__file__).parent / "migrations"
