"""The example plugin's KPI: completions per activity, read through the Host's query API."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import datetime

from lrs.plugin.host import Host
from lrs.plugin.metrics import Metric, Point, epoch_us

COMPLETED = "http://adlnet.gov/expapi/verbs/completed"


def completions_per_activity(
    host: Host, tenant_id: int, since: datetime | None, until: datetime | None,
    filters: Mapping[str, str],
) -> list[Point]:
    """Completed statements per activity id in the period, most completed first."""
    counts = Counter(
        statement["object"]["id"]
        for statement in host.query_statements(
            tenant_id, verb=COMPLETED, activity=filters.get("activity"),
            since_us=epoch_us(since), until_us=epoch_us(until),
        )
    )
    return [Point(activity, count) for activity, count in counts.most_common()]


COMPLETIONS_PER_ACTIVITY = Metric(
    name="example.completions_per_activity",
    title="Completions per activity",
    description="Statements with the verb 'completed', counted per activity, in the period.",
    unit="count",
    kind="series",
    filters=("activity",),
    compute=completions_per_activity,
)
