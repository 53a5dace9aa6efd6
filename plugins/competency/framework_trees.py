"""A framework's current competencies in tree order, as the views read them.

A framework changes only when it is imported (:func:`~plugins.competency.frameworks.import_package`
sets its ``imported_us``), so its tree is kept, per application, for as long as that
stays the same: a profile of a 2,000-competency framework then spends nothing on
reading and ordering it, which answering in under 100 ms needs. The cache holds the
trees of the :data:`CACHED` frameworks used last.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from weakref import WeakKeyDictionary

from sqlalchemy import select
from sqlalchemy.orm import Session

from lrs.plugin.host import Host
from plugins.competency.errors import not_found
from plugins.competency.models import Association, Framework, Item
from plugins.competency.tree import tree_order


@dataclass(frozen=True)
class Node:
    """One current competency (CFItem) at its place in the ``isChildOf`` tree."""

    uri: str
    identifier: str
    code: str | None
    statement: str
    item_type: str | None
    depth: int
    parent: str | None

    @property
    def label(self) -> str:
        """The short name: its code (``FA.1``), else its statement."""
        return self.code or self.statement


@dataclass(frozen=True)
class Tree:
    identifier: str
    uri: str
    title: str
    creator: str
    version: str | None
    nodes: tuple[Node, ...]


def frameworks(session: Session, tenant_id: int, identifier: str | None = None) -> list[Framework]:
    """The store's frameworks by identifier, or the one named (``404`` when unknown)."""
    query = select(Framework).where(Framework.tenant_id == tenant_id)
    if identifier is not None:
        query = query.where(Framework.identifier == identifier)
    found = list(session.scalars(query.order_by(Framework.identifier)))
    if identifier is not None and not found:
        raise not_found(f"no framework {identifier!r}")
    return found


#: Trees kept per application.
CACHED = 16
_trees: WeakKeyDictionary[Host, OrderedDict[tuple[int, int, str], Tree]] = WeakKeyDictionary()


def tree(host: Host, session: Session, framework: Framework) -> Tree:
    """The framework's current items in tree order (kept until it is imported again)."""
    cache = _trees.setdefault(host, OrderedDict())
    key = (framework.id, framework.imported_us, framework.last_change)
    found = cache.get(key)
    if found is None:
        found = cache[key] = _read_tree(session, framework)
        while len(cache) > CACHED:
            cache.popitem(last=False)
    cache.move_to_end(key)
    return found


def _read_tree(session: Session, framework: Framework) -> Tree:
    items = {
        row.uri: row
        for row in session.execute(
            select(
                Item.uri,
                Item.identifier,
                Item.human_coding_scheme,
                Item.full_statement,
                Item.item_type,
            )
            .where(Item.framework_id == framework.id, Item.retired.is_(False))
            .order_by(Item.id)
        )
    }
    links = session.execute(
        select(Association.origin_uri, Association.destination_uri)
        .where(
            Association.framework_id == framework.id,
            Association.association_type == "isChildOf",
            Association.retired.is_(False),
        )
        .order_by(Association.sequence_number, Association.id)
    ).all()
    nodes = tuple(
        Node(
            uri,
            (row := items[uri]).identifier,
            row.human_coding_scheme,
            row.full_statement,
            row.item_type,
            depth,
            parent,
        )
        for uri, depth, parent in tree_order(items, links, framework.uri)
    )
    return Tree(
        framework.identifier,
        framework.uri,
        framework.title,
        framework.creator,
        framework.version,
        nodes,
    )
