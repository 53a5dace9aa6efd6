"""KPI metrics: what one is, and the registry of those an application offers.

A metric is a named, documented computation over the statements of one tenant
and one period: a course completion rate, an assessment pass rate, completions
per activity. Plugins contribute them with the ``register_metrics`` hook; core
serves them at ``GET /api/metrics`` and ``lrs metrics``, and a dashboard lists
them (name, title, unit, kind) before computing any. This module is public API
for plugins, like :mod:`lrs.plugin.host`.

A metric is either a single ``value`` (a rate, a count) or a labelled
``series`` (one value per activity, per cohort, per week): ``kind`` says which,
so that a dashboard can pick a chart before asking. Comparing cohorts or
periods is computing the same metric with other filters or another period.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Literal

from lrs.plugin.registry import Registry

if TYPE_CHECKING:
    from lrs.plugin.host import Host

#: A metric's value: a number, or ``None`` when the period has no data (a rate of nothing).
Number = int | float | None


@dataclass(frozen=True)
class Point:
    """One labelled value of a series (an activity's completions, a week's rate)."""

    label: str
    value: Number


#: What a compute function returns: a number for ``kind="value"``, points for ``"series"``.
Result = Number | Sequence[Point]


class MetricError(ValueError):
    """A metric was asked for with a bad period or filter; the message says which."""


@dataclass(frozen=True)
class Duration:
    """One person's time to an event, for a metric whose value summarises durations
    (a median time-to-competency): ``days`` from their start to the event, or so far
    when ``observed`` is ``False`` (still in progress: censored, not dropped)."""

    subject: str
    days: float
    observed: bool


@dataclass(frozen=True)
class Metric:
    """A KPI a plugin offers.

    ``compute`` is called with keyword arguments ``host`` (the application's
    :class:`~lrs.plugin.host.Host`), ``tenant_id``, ``since`` and ``until`` (aware UTC
    datetimes bounding the statements' ``stored`` time, either ``None`` for an
    open end) and ``filters`` (the filters the caller gave, only among those
    named in :attr:`filters`, as strings). It reads through the host's public
    query API (``host.query_statements``) or the plugin's own tables, and
    returns a number (or ``None``) for a ``value`` metric, a list of
    :class:`Point` for a ``series``. It may raise :class:`MetricError` for a
    filter value it cannot use; callers then get a 400.
    """

    #: Unique, lowercase, URL-safe: ``<plugin>.<what>`` (``example.completions_per_activity``).
    name: str
    #: Short human title for tables and dashboards ("Completions per activity").
    title: str
    #: What it measures and how, in a sentence or two.
    description: str
    #: Unit of the values: ``"count"``, ``"%"``, ``"days"``...
    unit: str
    compute: Callable[..., Result]
    #: ``"value"`` (one number) or ``"series"`` (labelled numbers).
    kind: Literal["value", "series"] = "value"
    #: Names of the filters it accepts (``"activity"``, ``"verb"``, ``"cohort"``...).
    filters: tuple[str, ...] = ()
    #: ``"core"`` or the plugin that registered it; the registry fills it in.
    origin: str = field(default="core", compare=False)
    #: For a metric summarising durations: each person's :class:`Duration`, called with
    #: the same keyword arguments as ``compute``, so that two populations can be compared
    #: person by person with a survival test (the KPI plugin's ``/api/kpis/compare``).
    #: ``None``: the metric gives its summary only.
    durations: Callable[..., Sequence[Duration]] | None = field(default=None, compare=False)

    def describe(self) -> dict[str, object]:
        """The metric without its values, as ``GET /api/metrics`` lists it."""
        return {"name": self.name, "title": self.title, "description": self.description,
                "unit": self.unit, "kind": self.kind, "filters": list(self.filters),
                "from": self.origin}

    def evaluate(
        self, host: Host, *, tenant_id: int, since: datetime | None = None,
        until: datetime | None = None, filters: Mapping[str, str] | None = None,
    ) -> dict[str, object]:
        """Compute the metric and return it as JSON-able data (the ``/api/metrics/<name>`` body).

        :raises MetricError: an unknown filter, ``since`` not before ``until``,
            or the metric's own refusal of a filter value.
        :raises TypeError: the compute function returned the wrong kind of result.
        """
        filters = self._checked(since, until, filters)
        result = self.compute(host=host, tenant_id=tenant_id, since=since, until=until,
                              filters=filters)
        body: dict[str, object] = {
            "name": self.name, "title": self.title, "unit": self.unit, "kind": self.kind,
            "since": since.isoformat() if since else None,
            "until": until.isoformat() if until else None, "filters": filters,
        }
        if self.kind == "series":
            if not isinstance(result, Sequence) or not all(isinstance(p, Point) for p in result):
                raise TypeError(f"metric {self.name!r} must return a list of Point")
            body["series"] = [{"label": p.label, "value": p.value} for p in result]
        else:
            if isinstance(result, bool) or not isinstance(result, int | float | None):
                raise TypeError(f"metric {self.name!r} must return a number or None")
            body["value"] = result
        return body

    def each_duration(
        self, host: Host, *, tenant_id: int, since: datetime | None = None,
        until: datetime | None = None, filters: Mapping[str, str] | None = None,
    ) -> list[Duration]:
        """Each person's duration behind the metric's value (see :attr:`durations`).

        :raises MetricError: as :meth:`evaluate` does, or the metric offers no durations.
        """
        if self.durations is None:
            raise MetricError(f"metric {self.name!r} does not give each person's duration")
        filters = self._checked(since, until, filters)
        found = list(self.durations(host=host, tenant_id=tenant_id, since=since, until=until,
                                    filters=filters))
        if not all(isinstance(d, Duration) for d in found):
            raise TypeError(f"metric {self.name!r} must give a list of Duration")
        return found

    def _checked(self, since: datetime | None, until: datetime | None,
                 filters: Mapping[str, str] | None) -> dict[str, str]:
        filters = dict(filters or {})
        unknown = sorted(set(filters) - set(self.filters))
        if unknown:
            accepted = ", ".join(self.filters) or "none"
            raise MetricError(f"metric {self.name!r} has no filter {', '.join(unknown)} "
                              f"(accepted: {accepted})")
        if since is not None and until is not None and since >= until:
            raise MetricError("since must be before until")
        return filters


def parse_moment(text: str, name: str = "since") -> datetime:
    """An ISO 8601 date (``2025-01-31``, midnight UTC) or timestamp; UTC when no offset.

    :raises MetricError: naming ``name`` (the parameter) when ``text`` is neither.
    """
    try:
        moment = (datetime.fromisoformat(text) if "T" in text or " " in text.strip()
                  else datetime.combine(date.fromisoformat(text), datetime.min.time()))
    except ValueError:
        raise MetricError(f"{name} must be an ISO 8601 date or timestamp, "
                          f"got {text!r}") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def epoch_us(moment: datetime | None) -> int | None:
    """``moment`` in µs since the epoch, as :meth:`~lrs.plugin.host.Host.query_statements` wants."""
    return None if moment is None else int(moment.timestamp() * 1_000_000)


class MetricRegistry(Registry[Metric]):
    """The metrics of one application, by name, in registration order."""

    noun = "metric"
    hook = "register_metrics"
    item_type = Metric

    def problem(self, item: Metric, plugin: str) -> str | None:
        if item.kind not in ("value", "series"):
            return f"metric {item.name!r} has kind {item.kind!r}; use 'value' or 'series'"
        return super().problem(item, plugin)
