"""A person's standing on a competency, from evidence, children and prerequisites.

Pure functions (docs/competency.md, "Attainment"). For a competency with evidence
the weights of the active positive (P) and negative (N) evidence give the
confidence ``c = P / (P + N)``; it is **attained** when ``c >= attained_threshold``
and ``P >= min_weight``, **not attained** when ``c <= not_attained_threshold`` (or
the weight is short), **conflicting** in between, **unknown** without evidence.
Evidence stops counting at its ``expires_us``: the timeline of occurrences and
expiries gives when the competency was first attained, since when it is, and when
it lapses if nothing new arrives.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from plugins.competency.config import Config

ATTAINED, NOT_ATTAINED, CONFLICTING, UNKNOWN = "attained", "not_attained", "conflicting", "unknown"
STATES = (ATTAINED, NOT_ATTAINED, CONFLICTING, UNKNOWN)
_EPSILON = 1e-9


@dataclass(frozen=True)
class Fact:
    """One evidence row, as evaluation needs it."""

    statement_id: str
    positive: bool
    weight: float
    occurred_us: int
    expires_us: int | None


@dataclass(frozen=True)
class Standing:
    state: str
    confidence: float
    evidence_count: int
    #: When the evidence first made it attained (``None``: never).
    first_attained_us: int | None = None
    #: Start of the current attained run (``None`` unless attained).
    since_us: int | None = None
    #: When the current attainment lapses unless renewed (``None``: it does not); for
    #: a competency lost because its evidence expired, when it lapsed (in the past).
    lapses_us: int | None = None
    #: Active evidence statements, most recent first.
    evidence: tuple[str, ...] = ()

    @property
    def attained(self) -> bool:
        return self.state == ATTAINED


NOTHING = Standing(UNKNOWN, 0.0, 0)


def _state(positive: float, negative: float, seen: bool, config: Config) -> tuple[str, float]:
    if positive <= _EPSILON and negative <= _EPSILON:
        return (NOT_ATTAINED if seen else UNKNOWN), 0.0
    confidence = positive / (positive + negative)
    if confidence >= config.attained_threshold and positive >= config.min_weight - _EPSILON:
        return ATTAINED, confidence
    if confidence <= config.not_attained_threshold or confidence >= config.attained_threshold:
        return NOT_ATTAINED, confidence
    return CONFLICTING, confidence


def evaluate(facts: list[Fact], now_us: int, config: Config) -> Standing:
    """The standing ``facts`` give at ``now_us`` (evidence dated later counts from now)."""
    if not facts:
        return NOTHING
    changes: dict[int, list[tuple[bool, float]]] = {}
    for fact in facts:
        start = min(fact.occurred_us, now_us)
        changes.setdefault(start, []).append((fact.positive, fact.weight))
        if fact.expires_us is not None:
            changes.setdefault(max(fact.expires_us, start), []).append(
                (fact.positive, -fact.weight)
            )
    positive = negative = 0.0
    state, confidence = UNKNOWN, 0.0
    first = since = lapses = lapsed = None
    for moment in sorted(changes):
        expiring = False
        for is_positive, weight in changes[moment]:
            expiring = expiring or weight < 0
            if is_positive:
                positive += weight
            else:
                negative += weight
        new_state, new_confidence = _state(positive, negative, True, config)
        if moment > now_us:  # only expiries lie ahead: when does the attainment end?
            if state == ATTAINED and new_state != ATTAINED:
                lapses = moment
                break
            continue
        if new_state == ATTAINED and state != ATTAINED:
            since = moment
            first = moment if first is None else first
            lapsed = None
        elif state == ATTAINED and new_state != ATTAINED:
            lapsed = moment if expiring else None
        state, confidence = new_state, new_confidence
    active = sorted(
        (f for f in facts if f.expires_us is None or f.expires_us > now_us),
        key=lambda f: f.occurred_us,
        reverse=True,
    )
    return Standing(
        state,
        round(confidence, 6),
        len(facts),
        first,
        since if state == ATTAINED else None,
        lapses if state == ATTAINED else lapsed,
        tuple(f.statement_id for f in active),
    )


def roll_up(children: list[Standing], mode: str) -> Standing:
    """A parent's standing from its children's: ``all`` of them attained (or ``any``)."""
    states = {child.state for child in children}
    attained = [child for child in children if child.attained]
    count = sum(child.evidence_count for child in children)
    if (mode == "all" and len(attained) == len(children)) or (mode == "any" and attained):
        since = [c.since_us or 0 for c in attained]
        lapses = [c.lapses_us for c in attained]
        if mode == "all":
            moment = max(since)
            ends = [end for end in lapses if end is not None]
            lapse = min(ends) if ends else None
            confidence = min(c.confidence for c in attained)
        else:
            moment = min(since)
            lapse = None if None in lapses else max(end for end in lapses if end is not None)
            confidence = max(c.confidence for c in attained)
        evidence = tuple(dict.fromkeys(e for c in attained for e in c.evidence))
        return Standing(ATTAINED, confidence, count, moment, moment, lapse, evidence)
    if states <= {UNKNOWN}:
        return replace(NOTHING, evidence_count=count)
    state = CONFLICTING if CONFLICTING in states else NOT_ATTAINED
    confidence = sum(c.confidence for c in children) / len(children)
    return Standing(state, round(confidence, 6), count)


def gate(standing: Standing, prerequisites: list[Standing]) -> Standing:
    """``standing`` held back to ``not_attained`` while a prerequisite is not attained;
    once they all are, attained from the latest of their starts."""
    if not standing.attained or not prerequisites:
        return standing
    if not all(p.attained for p in prerequisites):
        return replace(
            standing, state=NOT_ATTAINED, since_us=None, lapses_us=None, first_attained_us=None
        )
    since = max([standing.since_us or 0, *(p.since_us or 0 for p in prerequisites)])
    ends = [end for end in (standing.lapses_us, *(p.lapses_us for p in prerequisites)) if end]
    first = standing.first_attained_us
    return replace(
        standing,
        since_us=since,
        lapses_us=min(ends) if ends else None,
        first_attained_us=max(first, since) if first is not None else since,
    )


def state_at(state: str, lapses_us: int | None, now_us: int) -> str:
    """A stored attainment's state at ``now_us``: an attainment whose ``lapses_us``
    has passed reads as ``not_attained`` even before the sweep has recorded it."""
    if state == ATTAINED and lapses_us is not None and lapses_us <= now_us:
        return NOT_ATTAINED
    return state
