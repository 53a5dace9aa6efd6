"""Statistics for plugins: survival curves, duration and proportion comparisons, verdicts.

Measures such as time-to-competency and pilot-versus-control comparisons need the
same few well-understood methods, and people who read their results need to be
told plainly when there is not enough data to conclude. This module wraps
:mod:`scipy.stats` (a maintained, reviewed implementation rather than
hand-rolled numerics) into small functions that take plain Python numbers and
return frozen dataclasses, so a plugin can serialise a result without knowing
numpy. It is public API for plugins, like :mod:`lrs.plugin.metrics`.

* :func:`kaplan_meier`: the survival curve of durations where some people have
  not had the event yet (right-censored), with its median and quartiles.
* :func:`compare_durations`: the log-rank test when any duration is censored, the
  Mann-Whitney U rank test when all are complete.
* :func:`compare_proportions`: the difference of two rates with its Newcombe
  (Wilson score) interval, a two-proportion z test, and Fisher's exact test.

Every comparison carries a :class:`Verdict`. It says "too few people to conclude"
under these minimums, whatever the p-value:

* fewer than :data:`MINIMUM_PER_GROUP` (10) people in either group;
* for durations with censoring, fewer than :data:`MINIMUM_EVENTS` (5) events in
  both groups together (the log-rank test's chi-square approximation needs
  events, not people).

For proportions, when any expected cell count is below
:data:`MINIMUM_EXPECTED_COUNT` (5), the z test's normal approximation is not
trusted and the verdict uses Fisher's exact test instead.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import stats

#: Fewer people than this in a group, and no comparison concludes anything.
MINIMUM_PER_GROUP = 10
#: Fewer events than this in both groups together, and a log-rank test concludes nothing.
MINIMUM_EVENTS = 5
#: Below this expected count in any cell, proportions are compared with Fisher's exact test.
MINIMUM_EXPECTED_COUNT = 5
#: The percentiles every :class:`KaplanMeier` reports (25, 50 and 75 % of people had the event).
PERCENTILES = (25, 50, 75)

#: Relative tolerance when a survival probability equals a level exactly (``0.5`` for the median).
_EXACT = 1e-9


@dataclass(frozen=True)
class Verdict:
    """What a comparison allows one to say, for people who do not read p-values.

    ``conclusion`` is ``"too_few"`` (under the minimums: say nothing), ``"significant"``
    (the difference is unlikely to be chance at ``alpha``) or ``"not_significant"``;
    ``text`` says the same in a sentence, with the reason.
    """

    conclusion: Literal["too_few", "significant", "not_significant"]
    text: str


@dataclass(frozen=True)
class SurvivalPoint:
    """The survival curve at one distinct duration.

    ``survival`` is the share of people who have not had the event after ``time``;
    ``at_risk`` the people still without it just before ``time``, ``events`` and
    ``censored`` those who had it or left the observation at ``time``. ``lower`` and
    ``upper`` bound ``survival`` (log-log Greenwood interval), ``None`` where the
    formula is undefined (a survival of 0 or 1 without variance).
    """

    time: float
    survival: float
    at_risk: int
    events: int
    censored: int
    lower: float | None
    upper: float | None


@dataclass(frozen=True)
class Percentile:
    """The duration by which ``percent`` % of people had the event, with its interval.

    ``time`` is ``None`` when the curve never falls that far (not reached yet);
    ``lower`` and ``upper`` are the durations at which the survival interval's
    bounds cross the same level (``upper`` is often ``None``: not reached).
    """

    percent: int
    time: float | None
    lower: float | None
    upper: float | None


@dataclass(frozen=True)
class KaplanMeier:
    """A Kaplan-Meier estimate of durations, some of them censored.

    ``curve`` has one point per distinct duration, in increasing order. ``median``
    is the 50th percentile's ``time``; ``percentiles`` has 25, 50 and 75.
    """

    n: int
    events: int
    censored: int
    confidence_level: float
    curve: tuple[SurvivalPoint, ...]
    percentiles: tuple[Percentile, ...]

    @property
    def median(self) -> float | None:
        """The duration by which half the people had the event, ``None`` if not reached."""
        return self.percentile(50).time

    def percentile(self, percent: int) -> Percentile:
        """The reported percentile ``percent`` (one of :data:`PERCENTILES`)."""
        for item in self.percentiles:
            if item.percent == percent:
                return item
        raise ValueError(f"percent must be one of {PERCENTILES}, not {percent}")


@dataclass(frozen=True)
class DurationComparison:
    """Durations of group ``a`` compared with those of the reference group ``b``.

    ``test`` is ``"log-rank"`` when any duration is censored (then the medians are
    Kaplan-Meier medians, ``None`` when not reached) or ``"mann-whitney"`` when all
    are complete (the ordinary sample medians). ``median_difference`` is
    ``median_a - median_b`` and ``relative_difference`` that difference divided by
    ``median_b`` (``-0.3`` is "30 % below"); both ``None`` when a median is unknown.
    ``p_value`` is two-sided; ``statistic`` is the log-rank z (its square is the
    chi-square textbooks print; negative when ``a`` has fewer events than expected)
    or the Mann-Whitney U of ``a``.
    """

    test: Literal["log-rank", "mann-whitney"]
    statistic: float
    p_value: float
    alpha: float
    n_a: int
    n_b: int
    events_a: int
    events_b: int
    median_a: float | None
    median_b: float | None
    median_difference: float | None
    relative_difference: float | None
    verdict: Verdict


@dataclass(frozen=True)
class ProportionComparison:
    """The rate of group ``a`` (``successes_a / n_a``) compared with that of ``b``.

    ``difference`` is ``rate_a - rate_b`` with its Newcombe hybrid score interval
    (``lower``, ``upper`` at ``confidence_level``); ``z_statistic`` and ``z_p_value``
    are the pooled two-proportion z test (``None`` when both rates are 0 or both
    are 1: no variance); ``fisher_p_value`` is Fisher's exact test. ``test`` says
    which p-value the verdict used: Fisher's when any expected count is small.
    """

    test: Literal["z", "fisher-exact"]
    successes_a: int
    n_a: int
    successes_b: int
    n_b: int
    rate_a: float
    rate_b: float
    difference: float
    lower: float
    upper: float
    confidence_level: float
    z_statistic: float | None
    z_p_value: float | None
    fisher_p_value: float
    p_value: float
    alpha: float
    verdict: Verdict


def kaplan_meier(
    durations: Sequence[float],
    observed: Sequence[bool],
    *,
    confidence_level: float = 0.95,
) -> KaplanMeier:
    """Estimate the survival curve of ``durations``, where ``observed[i]`` is ``False``
    when person ``i`` had not had the event when observation stopped (censored).

    A percentile is the first duration at which the survival falls to or below
    ``1 - percent / 100``; when the survival equals that level exactly until the next
    event, it is the midpoint of the two durations (as R's ``survival`` package does),
    so that with no censoring the median is the ordinary sample median.

    :raises ValueError: when the sequences are empty, differ in length, or hold a
        negative or non-finite duration.
    """
    times, events = _checked(durations, observed)
    data = stats.CensoredData(uncensored=times[events], right=times[~events])
    sf = stats.ecdf(data).sf
    grid = sf.quantiles
    survival = sf.probabilities
    with warnings.catch_warnings():
        # Undefined at a survival of 0 (or 1): those points become NaN, reported as None.
        warnings.simplefilter("ignore", RuntimeWarning)
        interval = sf.confidence_interval(confidence_level, method="log-log")
    low, high = interval.low.probabilities, interval.high.probabilities
    curve = tuple(
        SurvivalPoint(
            time=float(t),
            survival=float(s),
            at_risk=int(np.count_nonzero(times >= t)),
            events=int(np.count_nonzero((times == t) & events)),
            censored=int(np.count_nonzero((times == t) & ~events)),
            lower=_finite(lo),
            upper=_finite(hi),
        )
        for t, s, lo, hi in zip(grid, survival, low, high, strict=True)
    )
    percentiles = tuple(
        Percentile(
            percent=p,
            time=_crossing(grid, survival, 1 - p / 100, midpoint=True),
            lower=_crossing(grid, np.where(np.isnan(low), survival, low), 1 - p / 100),
            upper=_crossing(grid, np.where(np.isnan(high), survival, high), 1 - p / 100),
        )
        for p in PERCENTILES
    )
    n_events = int(np.count_nonzero(events))
    return KaplanMeier(
        n=len(times),
        events=n_events,
        censored=len(times) - n_events,
        confidence_level=confidence_level,
        curve=curve,
        percentiles=percentiles,
    )


def compare_durations(
    a: Sequence[float],
    b: Sequence[float],
    *,
    observed_a: Sequence[bool] | None = None,
    observed_b: Sequence[bool] | None = None,
    alpha: float = 0.05,
) -> DurationComparison:
    """Compare durations of group ``a`` with the reference group ``b``, two-sided.

    ``observed_a`` and ``observed_b`` mark which durations ended with the event
    (``None``: all did). With any censored duration the groups are compared with
    the log-rank test, otherwise with the Mann-Whitney U rank test, which assumes
    nothing about the distribution of the durations.

    :raises ValueError: as :func:`kaplan_meier` does, for either group.
    """
    times_a, events_a = _checked(a, [True] * len(a) if observed_a is None else observed_a)
    times_b, events_b = _checked(b, [True] * len(b) if observed_b is None else observed_b)
    complete = bool(events_a.all() and events_b.all())
    if complete:
        test: Literal["log-rank", "mann-whitney"] = "mann-whitney"
        result = stats.mannwhitneyu(times_a, times_b, alternative="two-sided")
        median_a: float | None = float(np.median(times_a))
        median_b: float | None = float(np.median(times_b))
    else:
        test = "log-rank"
        result = stats.logrank(
            stats.CensoredData(uncensored=times_a[events_a], right=times_a[~events_a]),
            stats.CensoredData(uncensored=times_b[events_b], right=times_b[~events_b]),
        )
        median_a = kaplan_meier(times_a.tolist(), events_a.tolist()).median
        median_b = kaplan_meier(times_b.tolist(), events_b.tolist()).median
    difference = None if median_a is None or median_b is None else median_a - median_b
    relative = None if difference is None or not median_b else difference / median_b
    n_events = int(np.count_nonzero(events_a) + np.count_nonzero(events_b))
    shortfall = _too_few(len(times_a), len(times_b))
    if shortfall is None and not complete and n_events < MINIMUM_EVENTS:
        shortfall = (
            f"only {n_events} of the people had the event, at least {MINIMUM_EVENTS} are needed"
        )
    p_value = _p(result.pvalue)
    return DurationComparison(
        test=test,
        statistic=float(result.statistic),
        p_value=p_value,
        alpha=alpha,
        n_a=len(times_a),
        n_b=len(times_b),
        events_a=int(np.count_nonzero(events_a)),
        events_b=int(np.count_nonzero(events_b)),
        median_a=median_a,
        median_b=median_b,
        median_difference=difference,
        relative_difference=relative,
        verdict=verdict(p_value, alpha, shortfall),
    )


def compare_proportions(
    successes_a: int,
    n_a: int,
    successes_b: int,
    n_b: int,
    *,
    alpha: float = 0.05,
    confidence_level: float = 0.95,
) -> ProportionComparison:
    """Compare the rate ``successes_a / n_a`` with the reference rate ``successes_b / n_b``.

    The interval of the difference is Newcombe's hybrid score interval (his method
    10, from the Wilson score intervals of both rates), which stays within [-1, 1]
    and behaves at rates near 0 or 1 where the textbook Wald interval does not.

    :raises ValueError: when a group is empty or a count is negative or above its ``n``.
    """
    for name, successes, n in (("a", successes_a, n_a), ("b", successes_b, n_b)):
        if n < 1 or not 0 <= successes <= n:
            raise ValueError(
                f"group {name}: need 0 <= successes <= n and n >= 1, got {successes} of {n}"
            )
    rate_a, rate_b = successes_a / n_a, successes_b / n_b
    z = stats.norm.ppf(1 - (1 - confidence_level) / 2)
    low_a, high_a = _wilson(successes_a, n_a, z)
    low_b, high_b = _wilson(successes_b, n_b, z)
    difference = rate_a - rate_b
    lower = difference - math.hypot(rate_a - low_a, high_b - rate_b)
    upper = difference + math.hypot(high_a - rate_a, rate_b - low_b)
    pooled = (successes_a + successes_b) / (n_a + n_b)
    spread = math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    z_statistic = difference / spread if spread else None
    z_p_value = None if z_statistic is None else _p(2 * stats.norm.sf(abs(z_statistic)))
    table = [[successes_a, n_a - successes_a], [successes_b, n_b - successes_b]]
    fisher_p_value = _p(stats.fisher_exact(table).pvalue)
    total = n_a + n_b
    expected = min(
        n * column / total
        for n in (n_a, n_b)
        for column in (successes_a + successes_b, total - successes_a - successes_b)
    )
    use_fisher = z_p_value is None or expected < MINIMUM_EXPECTED_COUNT
    p_value = fisher_p_value if use_fisher else z_p_value
    assert p_value is not None
    return ProportionComparison(
        test="fisher-exact" if use_fisher else "z",
        successes_a=successes_a,
        n_a=n_a,
        successes_b=successes_b,
        n_b=n_b,
        rate_a=rate_a,
        rate_b=rate_b,
        difference=difference,
        lower=max(-1.0, lower),
        upper=min(1.0, upper),
        confidence_level=confidence_level,
        z_statistic=z_statistic,
        z_p_value=z_p_value,
        fisher_p_value=fisher_p_value,
        p_value=p_value,
        alpha=alpha,
        verdict=verdict(p_value, alpha, _too_few(n_a, n_b)),
    )


def verdict(p_value: float, alpha: float, shortfall: str | None = None) -> Verdict:
    """The plain-language verdict for ``p_value`` at ``alpha``; ``shortfall`` (why the
    data is under the minimums) makes it "too few people to conclude" whatever the p-value."""
    if shortfall is not None:
        return Verdict("too_few", f"Too few people to conclude: {shortfall}.")
    if p_value < alpha:
        return Verdict(
            "significant",
            f"Significant: a difference this large would arise by chance with probability "
            f"{p_value:.3g}, below {alpha:g}.",
        )
    return Verdict(
        "not_significant",
        f"Not significant: a difference this large would arise by chance with probability "
        f"{p_value:.3g}, not below {alpha:g}.",
    )


def _too_few(n_a: int, n_b: int) -> str | None:
    smallest = min(n_a, n_b)
    if smallest >= MINIMUM_PER_GROUP:
        return None
    group = "a" if n_a <= n_b else "b"
    return f"group {group} has {smallest} people, at least {MINIMUM_PER_GROUP} per group are needed"


def _checked(durations: Sequence[float], observed: Sequence[bool]) -> tuple[np.ndarray, np.ndarray]:
    if len(durations) != len(observed):
        raise ValueError(
            f"durations and observed differ in length ({len(durations)} and {len(observed)})"
        )
    if not durations:
        raise ValueError("no durations")
    times = np.asarray(durations, dtype=float)
    if not np.isfinite(times).all() or (times < 0).any():
        raise ValueError("durations must be finite and not negative")
    return times, np.asarray(observed, dtype=bool)


def _crossing(
    grid: np.ndarray, survival: np.ndarray, level: float, *, midpoint: bool = False
) -> float | None:
    """The first time ``survival`` falls to ``level`` or below, ``None`` if never."""
    below = np.flatnonzero(survival <= level + _EXACT)
    if not below.size:
        return None
    first = int(below[0])
    if midpoint and abs(survival[first] - level) <= _EXACT:
        later = np.flatnonzero(survival < level - _EXACT)
        if later.size:
            return float((grid[first] + grid[int(later[0])]) / 2)
    return float(grid[first])


def _wilson(successes: int, n: int, z: float) -> tuple[float, float]:
    """Wilson's score interval of ``successes / n`` (no continuity correction)."""
    rate = successes / n
    centre = (rate + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(rate * (1 - rate) / n + z * z / (4 * n * n))
    return centre - half, centre + half


def _finite(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def _p(value: float) -> float:
    """A p-value as a float in [0, 1] (scipy may return numpy scalars, NaN for no variance)."""
    value = float(value)
    return min(1.0, max(0.0, value)) if math.isfinite(value) else 1.0
