"""Evidence in, attainments out: what each delivered batch, the sweep and a rebuild do.

:func:`take_in` records a batch's evidence (voided statements' evidence removed)
and :func:`reevaluate` brings the attainments of the touched ``(person,
competency)`` pairs, their parents and their dependents up to date, recording each
change of state in the history and, when a competency is attained or lost, an
``asserted`` statement (:mod:`plugins.competency.derived`). Nothing here reads the
statement store: evidence rows are the memory.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Select, String, and_, bindparam, delete, func, literal_column, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from lrs.plugin.host import Host, Person
from plugins.competency.attainment import (
    ATTAINED,
    NOTHING,
    UNKNOWN,
    Fact,
    Standing,
    evaluate,
    gate,
    roll_up,
    state_at,
)
from plugins.competency.catalog import Catalog, catalogs_of
from plugins.competency.config import config_of
from plugins.competency.derived import assertion, statement_id
from plugins.competency.evidence import AUTHORITY, Statement, assign, find
from plugins.competency.models import Attainment, AttainmentChange, Evidence

logger = logging.getLogger("lrs.plugins.competency")
PLUGIN = "competency"
#: Pairs per ``IN`` list (6,000 parameters at most: well under the backends' limits).
CHUNK = 2000
#: Pairs per look-up (one bound parameter however many: only the rows' size bounds it).
PAIR_CHUNK = 10_000

Pair = tuple[str, str]


@dataclass
class Outcome:
    """What one call did, for logs, commands and the benchmark."""

    statements: int = 0
    evidence: int = 0
    removed: int = 0
    unresolved: int = 0
    changes: int = 0
    derived: int = 0
    pairs: set[Pair] = field(default_factory=set)

    def add(self, other: Outcome) -> None:
        for name in ("statements", "evidence", "removed", "unresolved", "changes", "derived"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def _chunks(values: list[Any], size: int = CHUNK) -> Iterable[list[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def catalog_for(host: Host, tenant_id: int) -> Catalog:
    with host.read() as session:
        return catalogs_of(host).get(session, tenant_id)


def resolve(host: Host, tenant_id: int, agents: dict[str, dict[str, Any]]) -> dict[str, Person]:
    """The people of the actors ``agents`` (by identity), in one batch; unknown ones left out."""
    keys = list(agents)
    found = host.resolve_people(tenant_id, [agents[k] for k in keys]) if keys else []
    return {key: person for key, person in zip(keys, found, strict=True) if person is not None}


def take_in(
    host: Host, tenant_id: int, statements: list[Statement], catalog: Catalog, now_us: int
) -> tuple[Outcome, dict[str, Person]]:
    """Record the evidence of ``statements`` (idempotent) and remove that of those they void.

    :returns: what was done, with the touched pairs, and the people resolved.
    """
    out = Outcome(statements=len(statements))
    found = find(statements, catalog)
    people = resolve(host, tenant_id, found.agents)
    extracted = assign(found, {k: p.id for k, p in people.items()}, tenant_id, now_us)
    out.unresolved = extracted.unresolved
    if extracted.unresolved:
        logger.info(
            "competency: %d statements of tenant %d name no person of the directory; skipped",
            extracted.unresolved,
            tenant_id,
        )
    if not extracted.rows and not extracted.voided:
        return out, {p.id: p for p in people.values()}
    with host.write() as session:
        for ids in _chunks(sorted(set(extracted.voided))):
            for person, uri in session.execute(
                delete(Evidence)
                .where(Evidence.tenant_id == tenant_id, Evidence.statement_id.in_(ids))
                .returning(Evidence.person_id, Evidence.competency_uri)
            ):
                out.removed += 1
                out.pairs.add((person, uri))
        rows = extracted.rows
        if rows:
            known: set[tuple[str, str, str]] = set()
            for ids in _chunks(sorted({r["statement_id"] for r in rows})):
                known.update(
                    (person, uri, sid)
                    for person, uri, sid, _ in session.execute(recorded_query(tenant_id, ids))
                )
            new = [
                r
                for r in rows
                if (r["person_id"], r["competency_uri"], r["statement_id"]) not in known
            ]
            host.insert_rows(session, Evidence.__table__, new)
            out.evidence = len(new)
            out.pairs.update((r["person_id"], r["competency_uri"]) for r in rows)
    return out, {p.id: p for p in people.values()}


def recorded_query(tenant_id: int, statement_ids: list[str]) -> Select[Any]:
    """The evidence already recorded of these statements: ``(person, competency,
    statement, recorded_us)``.

    ``recorded_us`` is there for the plan, not for its value: with the first three
    alone, the unique ``(tenant, person, competency, statement)`` index covers the
    query, and SQLite preferred scanning all of the tenant's entries in it to probing
    ``(tenant_id, statement_id)`` for each id: a cost per batch that grew with the
    evidence (5 times more from 40,000 to 200,000 statements, a tenth of the delivery).
    """
    return select(
        Evidence.person_id, Evidence.competency_uri, Evidence.statement_id, Evidence.recorded_us
    ).where(Evidence.tenant_id == tenant_id, Evidence.statement_id.in_(statement_ids))


def _of_pairs(
    session: Session, query: Select[Any], columns: tuple[Any, Any], chunk: list[Pair]
) -> tuple[Select[Any], dict[str, Any]]:
    """``query`` joined to the pairs ``chunk``, and the parameters that carry them.

    The pairs travel as one or two bound parameters (a JSON array for SQLite's
    ``json_each``, two arrays for PostgreSQL's ``unnest``) in a ``MATERIALIZED``
    CTE, so the statement is compiled once per process, not once per batch (a
    ``VALUES`` list of thousands of pairs cost more to compile than to run), and
    both backends look each pair up in the ``(tenant, person, competency)`` index
    (a row-value ``IN`` list made SQLite scan the tenant's rows).
    """
    person, competency = columns
    if session.get_bind().dialect.name == "postgresql":
        pairs = (
            func.unnest(
                bindparam("wanted_people", type_=ARRAY(String)),
                bindparam("wanted_uris", type_=ARRAY(String)),
            )
            .table_valued("person", "competency")
            .render_derived()
        )
        wanted = select(pairs.c.person, pairs.c.competency)
        params: dict[str, Any] = {
            "wanted_people": [p for p, _ in chunk],
            "wanted_uris": [c for _, c in chunk],
        }
    else:
        items = func.json_each(bindparam("wanted_pairs", type_=String)).table_valued("value")
        wanted = select(
            func.json_extract(items.c.value, literal_column("'$[0]'")).label("person"),
            func.json_extract(items.c.value, literal_column("'$[1]'")).label("competency"),
        )
        params = {"wanted_pairs": json.dumps(chunk)}
    cte = wanted.cte("wanted").prefix_with("MATERIALIZED")
    joined = query.join(cte, and_(person == cte.c.person, competency == cte.c.competency))
    return joined, params


def _facts(session: Session, tenant_id: int, pairs: list[Pair]) -> dict[Pair, list[Fact]]:
    facts: dict[Pair, list[Fact]] = defaultdict(list)
    columns = (Evidence.person_id, Evidence.competency_uri)
    for chunk in _chunks(pairs, PAIR_CHUNK):
        query = select(
            *columns,
            Evidence.statement_id,
            Evidence.positive,
            Evidence.weight,
            Evidence.occurred_us,
            Evidence.expires_us,
        ).where(Evidence.tenant_id == tenant_id)
        for row in session.execute(*_of_pairs(session, query, columns, chunk)):
            facts[(row[0], row[1])].append(Fact(*row[2:]))
    return facts


def _stored(session: Session, tenant_id: int, pairs: list[Pair]) -> dict[Pair, Any]:
    """The stored attainments of ``pairs`` as plain rows (no ORM objects: thousands a batch)."""
    table = Attainment.__table__
    columns = (table.c.person_id, table.c.competency_uri)
    stored: dict[Pair, Any] = {}
    for chunk in _chunks(pairs, PAIR_CHUNK):
        query = select(table).where(table.c.tenant_id == tenant_id)
        for row in session.execute(*_of_pairs(session, query, columns, chunk)):
            stored[(row.person_id, row.competency_uri)] = row
    return stored


def _as_standing(row: Any, now_us: int) -> Standing:
    if row is None:
        return NOTHING
    state = state_at(row.state, row.lapses_us, now_us)
    attained = state == ATTAINED
    return Standing(
        state,
        row.confidence,
        row.evidence_count,
        row.first_attained_us,
        row.attained_since_us if attained else None,
        row.lapses_us if attained else None,
    )


def _standing(
    uri: str,
    person: str,
    standings: dict[str, Standing],
    stored: dict[Pair, Any],
    now_us: int,
) -> Standing:
    """The standing just evaluated, else the stored one."""
    if uri in standings:
        return standings[uri]
    return _as_standing(stored.get((person, uri)), now_us)


def _plan(
    catalog: Catalog, pairs: set[Pair]
) -> tuple[dict[str, list[str]], list[Pair], list[Pair]]:
    """Per person the competencies to evaluate (in dependency order), the pairs whose
    evidence is read and the pairs whose stored attainment is read."""
    touched: dict[str, set[str]] = defaultdict(set)
    for person, uri in pairs:
        touched[person].add(uri)
    order = catalog.order
    plan: dict[str, list[str]] = {}
    evidence: list[Pair] = []
    stored: set[Pair] = set()
    for person, uris in touched.items():
        closure = catalog.affected(uris)
        plan[person] = sorted(closure, key=lambda u: order.get(u, -1))
        for uri in closure:
            stored.add((person, uri))
            kids = catalog.children.get(uri)
            if not kids:
                evidence.append((person, uri))
            for dep in (*(kids or ()), *catalog.prerequisites.get(uri, ())):
                stored.add((person, dep))
    return plan, evidence, sorted(stored)


def reevaluate(
    host: Host,
    tenant_id: int,
    pairs: set[Pair],
    now_us: int,
    catalog: Catalog | None = None,
    people: dict[str, Person] | None = None,
) -> Outcome:
    """Bring the attainments of ``pairs`` and of everything depending on them up to date."""
    out = Outcome()
    if not pairs:
        return out
    config = config_of(host)
    catalog = catalog or catalog_for(host, tenant_id)
    plan, evidence_pairs, stored_pairs = _plan(catalog, pairs)
    with host.read() as session:
        facts = _facts(session, tenant_id, evidence_pairs)
        stored = _stored(session, tenant_id, stored_pairs)
    rows: list[dict[str, Any]] = []
    replaced: list[int] = []
    history: list[dict[str, Any]] = []
    derived: list[tuple[dict[str, Any], str, Standing, int, bool]] = []
    for person, uris in plan.items():
        standings: dict[str, Standing] = {}
        for uri in uris:
            kids = catalog.children.get(uri)
            if kids:
                new = roll_up(
                    [_standing(k, person, standings, stored, now_us) for k in kids],
                    config.rollup,
                )
            else:
                new = evaluate(facts.get((person, uri), []), now_us, config)
            new = gate(
                new,
                [
                    _standing(p, person, standings, stored, now_us)
                    for p in catalog.prerequisites.get(uri, ())
                ],
            )
            standings[uri] = new
            old = stored.get((person, uri))
            if old is None and new.state == UNKNOWN:
                continue
            first = old.first_attained_us if old and old.first_attained_us else None
            values = {
                "tenant_id": tenant_id,
                "person_id": person,
                "competency_uri": uri,
                "state": new.state,
                "confidence": new.confidence,
                "evidence_count": new.evidence_count,
                "first_attained_us": first or new.first_attained_us,
                "attained_since_us": new.since_us,
                "lapses_us": new.lapses_us,
                "updated_us": now_us,
            }
            if old is not None and all(
                getattr(old, k) == v for k, v in values.items() if k != "updated_us"
            ):
                continue
            rows.append(values)
            if old is not None:
                replaced.append(old.id)
            before = old.state if old is not None else UNKNOWN
            if before == new.state:
                continue
            gained = new.state == ATTAINED
            lost = before == ATTAINED
            if gained:
                effective = new.since_us or now_us
            elif lost and old is not None and old.lapses_us and old.lapses_us <= now_us:
                effective = old.lapses_us
            else:
                effective = now_us
            change = {
                "tenant_id": tenant_id,
                "person_id": person,
                "competency_uri": uri,
                "from_state": before,
                "to_state": new.state,
                "effective_us": effective,
                "statement_id": None,
            }
            history.append(change)
            if gained or lost:
                derived.append((change, uri, new, effective, gained))
    out.changes = len(history)
    out.derived = _record_derived(host, tenant_id, catalog, derived, people or {})
    with host.write() as session:
        for ids in _chunks(replaced):
            session.execute(delete(Attainment).where(Attainment.id.in_(ids)))
        host.insert_rows(session, Attainment.__table__, rows)
        host.insert_rows(session, AttainmentChange.__table__, history)
    return out


def _descendant_evidence(
    host: Host,
    tenant_id: int,
    catalog: Catalog,
    derived: list[tuple[dict[str, Any], str, Standing, int, bool]],
) -> dict[Pair, tuple[str, ...]]:
    """The evidence a parent's assertion rests on: its descendants' (one query, only
    for the parents that changed)."""
    leaves: dict[Pair, set[str]] = defaultdict(set)
    for change, uri, *_ in derived:
        todo, seen = list(catalog.children.get(uri, ())), set()
        while todo:
            node = todo.pop()
            if node in seen:
                continue
            seen.add(node)
            kids = catalog.children.get(node)
            if kids:
                todo.extend(kids)
            else:
                leaves[(change["person_id"], node)].add(uri)
    if not leaves:
        return {}
    found: dict[Pair, list[tuple[int, str]]] = defaultdict(list)
    with host.read() as session:
        for chunk in _chunks(sorted(leaves), PAIR_CHUNK):
            columns = (Evidence.person_id, Evidence.competency_uri)
            query = select(*columns, Evidence.statement_id, Evidence.occurred_us).where(
                Evidence.tenant_id == tenant_id
            )
            for person, leaf, sid, occurred in session.execute(
                *_of_pairs(session, query, columns, chunk)
            ):
                for parent in leaves[(person, leaf)]:
                    found[(person, parent)].append((occurred, sid))
    return {
        pair: tuple(dict.fromkeys(sid for _, sid in sorted(rows, reverse=True)))
        for pair, rows in found.items()
    }


def _record_derived(
    host: Host,
    tenant_id: int,
    catalog: Catalog,
    derived: list[tuple[dict[str, Any], str, Standing, int, bool]],
    people: dict[str, Person],
) -> int:
    """Store the ``asserted`` statements of the changes (those not stored yet) and
    note their ids in the history rows; a person without an identity gets none."""
    if not derived:
        return 0
    missing = sorted({c["person_id"] for c, *_ in derived} - set(people))
    if missing:
        for person in host.people_by_employee_id(tenant_id, missing):
            if person is not None:
                people[person.id] = person
    rolled = _descendant_evidence(host, tenant_id, catalog, derived)
    statements = []
    for change, uri, standing, effective, gained in derived:
        if (change["person_id"], uri) in rolled:
            standing = replace(standing, evidence=rolled[(change["person_id"], uri)])
        person = people.get(change["person_id"])
        sid = statement_id(tenant_id, change["person_id"], uri, gained, effective)
        statement = assertion(
            sid, person, catalog.competencies.get(uri), uri, standing, effective, gained
        )
        if statement is None:
            logger.warning(
                "competency: person %s has no identity for statements; %s recorded without one",
                change["person_id"],
                uri,
            )
            continue
        change["statement_id"] = sid
        statements.append(statement)
    already = host.statement_texts(tenant_id, [s["id"] for s in statements])
    fresh = [s for s in statements if s["id"] not in already]
    for chunk in _chunks(fresh):
        host.ingest_built(tenant_id, chunk, authority=AUTHORITY, plugin=PLUGIN)
    return len(fresh)


def process(host: Host, tenant_id: int, statements: list[Statement], now_us: int) -> Outcome:
    """A delivered batch: its evidence, then the attainments it touches, then the sweep."""
    catalog = catalog_for(host, tenant_id)
    out, people = take_in(host, tenant_id, statements, catalog, now_us)
    out.add(reevaluate(host, tenant_id, out.pairs, now_us, catalog, people))
    out.add(sweep(host, tenant_id, now_us, catalog))
    return out


def due_query(tenant_id: int, now_us: int) -> Select[tuple[str, str]]:
    """A thousand of the pairs the sweep re-evaluates: attained, their lapse passed.

    The ``(tenant_id, state, lapses_us)`` index answers it from the due rows alone:
    on ``lapses_us`` alone it also walked every attainment lost long ago (they keep
    the date they lapsed), a cost per batch that grew with the store.
    """
    return (
        select(Attainment.person_id, Attainment.competency_uri)
        .where(
            Attainment.tenant_id == tenant_id,
            Attainment.state == ATTAINED,
            Attainment.lapses_us <= now_us,
        )
        .limit(1000)
    )


def sweep(host: Host, tenant_id: int, now_us: int, catalog: Catalog | None = None) -> Outcome:
    """Re-evaluate the attainments whose ``lapses_us`` has passed (they lapse now,
    recorded on their lapse date), a thousand at a time until none is left."""
    out = Outcome()
    while True:
        with host.read() as session:
            due = set(session.execute(due_query(tenant_id, now_us)))
        if not due:
            return out
        done = reevaluate(host, tenant_id, due, now_us, catalog)
        out.add(done)
        if not done.changes:  # nothing moved: do not loop on rows that stay due
            return out
