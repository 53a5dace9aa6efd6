"""What evidence extraction and evaluation look up, loaded once per tenant and cached.

A :class:`Catalog` holds a tenant's current competencies (items of its imported
frameworks that are not retired), their ``isChildOf`` tree and ``precedes``
prerequisites, and its enabled evidence rules by target. Statements are matched
against it in memory: a delivered batch asks the database one small question (the
:func:`stamp` of rules and frameworks) and reloads only when a rule or a framework
changed, in this process or another.
"""

from __future__ import annotations

import json
import threading
import weakref
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lrs.plugin.host import Host
from plugins.competency.models import Association, EvidenceRule, Framework, Item

VERB = "http://adlnet.gov/expapi/verbs/"
#: Verbs that count for a competency when a rule names none (and for statements
#: naming a competency themselves).
DEFAULT_VERBS = (VERB + "completed", VERB + "passed", VERB + "mastered")
#: Verbs that always count against the competencies of a matching rule.
NEGATIVE_VERBS = (VERB + "failed",)


@dataclass(frozen=True)
class Rule:
    """An enabled :class:`~plugins.competency.models.EvidenceRule`, ready to match."""

    id: int
    competencies: tuple[str, ...]
    verbs: frozenset[str]
    min_scaled: float | None
    success_required: bool
    weight: float
    valid_days: int | None


@dataclass(frozen=True)
class Competency:
    uri: str
    statement: str
    code: str | None
    type: str | None


@dataclass
class Catalog:
    """One tenant's competencies and rules; see the module docstring."""

    stamp: tuple[object, ...]
    competencies: dict[str, Competency] = field(default_factory=dict)
    children: dict[str, tuple[str, ...]] = field(default_factory=dict)
    parents: dict[str, tuple[str, ...]] = field(default_factory=dict)
    prerequisites: dict[str, tuple[str, ...]] = field(default_factory=dict)
    dependents: dict[str, tuple[str, ...]] = field(default_factory=dict)
    by_activity: dict[str, list[Rule]] = field(default_factory=dict)
    by_type: dict[str, list[Rule]] = field(default_factory=dict)
    by_program: dict[str, list[Rule]] = field(default_factory=dict)

    @cached_property
    def order(self) -> dict[str, int]:
        """A rank per competency, its children and prerequisites ranked before it
        (a cycle in a broken framework is cut where it is met)."""
        rank: dict[str, int] = {}
        visiting: set[str] = set()

        def visit(uri: str) -> None:
            stack = [(uri, False)]
            while stack:
                node, done = stack.pop()
                if done:
                    visiting.discard(node)
                    rank.setdefault(node, len(rank))
                    continue
                if node in rank or node in visiting:
                    continue
                visiting.add(node)
                stack.append((node, True))
                for dep in (*self.children.get(node, ()), *self.prerequisites.get(node, ())):
                    if dep not in rank and dep not in visiting:
                        stack.append((dep, False))

        for uri in self.competencies:
            visit(uri)
        return rank

    def affected(self, uris: set[str]) -> set[str]:
        """``uris`` and every competency whose standing depends on one of them
        (ancestors through ``isChildOf``, dependents through ``precedes``)."""
        seen, todo = set(uris), list(uris)
        while todo:
            uri = todo.pop()
            for up in (*self.parents.get(uri, ()), *self.dependents.get(uri, ())):
                if up not in seen:
                    seen.add(up)
                    todo.append(up)
        return seen


def stamp(session: Session, tenant_id: int) -> tuple[object, ...]:
    """Changes whenever a rule is created, changed or deleted, or a framework imported."""
    rules = select(
        func.count(EvidenceRule.id), func.max(EvidenceRule.id), func.max(EvidenceRule.updated_us)
    ).where(EvidenceRule.tenant_id == tenant_id)
    frameworks = select(func.count(Framework.id), func.max(Framework.imported_us)).where(
        Framework.tenant_id == tenant_id
    )
    return (*session.execute(rules).one(), *session.execute(frameworks).one())


def _load(session: Session, tenant_id: int, current: tuple[object, ...]) -> Catalog:
    catalog = Catalog(stamp=current)
    frameworks = select(Framework.id).where(Framework.tenant_id == tenant_id)
    for item in session.scalars(
        select(Item).where(Item.framework_id.in_(frameworks), Item.retired.is_(False))
    ):
        catalog.competencies[item.uri] = Competency(
            item.uri, item.full_statement, item.human_coding_scheme, item.item_type
        )
    children, prerequisites = defaultdict(list), defaultdict(list)
    for origin, kind, destination in session.execute(
        select(
            Association.origin_uri, Association.association_type, Association.destination_uri
        ).where(
            Association.framework_id.in_(frameworks),
            Association.retired.is_(False),
            Association.association_type.in_(("isChildOf", "precedes")),
        )
    ):
        if origin not in catalog.competencies or destination not in catalog.competencies:
            continue
        if kind == "isChildOf":
            children[destination].append(origin)
        elif origin != destination:
            prerequisites[destination].append(origin)
    parents, dependents = defaultdict(list), defaultdict(list)
    for parent, kids in children.items():
        catalog.children[parent] = tuple(dict.fromkeys(kids))
        for kid in kids:
            parents[kid].append(parent)
    for target, before in prerequisites.items():
        catalog.prerequisites[target] = tuple(dict.fromkeys(before))
        for origin in before:
            dependents[origin].append(target)
    catalog.parents = {k: tuple(dict.fromkeys(v)) for k, v in parents.items()}
    catalog.dependents = {k: tuple(dict.fromkeys(v)) for k, v in dependents.items()}
    kinds = {
        "activity": catalog.by_activity,
        "activity_type": catalog.by_type,
        "program": catalog.by_program,
    }
    for row in session.scalars(
        select(EvidenceRule)
        .where(EvidenceRule.tenant_id == tenant_id, EvidenceRule.enabled.is_(True))
        .order_by(EvidenceRule.id)
    ):
        rule = Rule(
            row.id,
            tuple(json.loads(row.competencies)),
            frozenset(json.loads(row.verbs) or DEFAULT_VERBS),
            row.min_scaled,
            row.success_required,
            row.weight,
            row.valid_days,
        )
        kinds[row.target_kind].setdefault(row.target, []).append(rule)
    return catalog


class Catalogs:
    """The catalogs of one host, by tenant, reloaded when their :func:`stamp` moves."""

    def __init__(self) -> None:
        self._by_tenant: dict[int, Catalog] = {}
        self._lock = threading.Lock()

    def get(self, session: Session, tenant_id: int) -> Catalog:
        current = stamp(session, tenant_id)
        with self._lock:
            catalog = self._by_tenant.get(tenant_id)
        if catalog is None or catalog.stamp != current:
            catalog = _load(session, tenant_id, current)
            with self._lock:
                self._by_tenant[tenant_id] = catalog
        return catalog


_catalogs: weakref.WeakKeyDictionary[Host, Catalogs] = weakref.WeakKeyDictionary()


def catalogs_of(host: Host) -> Catalogs:
    catalogs = _catalogs.get(host)
    if catalogs is None:
        catalogs = _catalogs[host] = Catalogs()
    return catalogs
