"""The ``isChildOf`` tree of a framework's current items, in reading order.

One walk for every view of a framework (the framework page and ``frameworks show``,
a person's profile, a group's heat map), so they agree on the order: children in
their associations' sequence order, items the document itself is the parent of
first, then items no association places. A cycle in a broken framework is shown
once, never followed for ever.
"""

from __future__ import annotations

from collections.abc import Iterable


def tree_order(
    item_uris: Iterable[str], child_links: Iterable[tuple[str, str]], document_uri: str
) -> list[tuple[str, int, str | None]]:
    """``(uri, depth, parent uri)`` of each item, depth first.

    :param item_uris: the current items, in the order to use for unplaced ones.
    :param child_links: ``(child, parent)`` of the current ``isChildOf``
        associations, in sequence order; links naming an unknown child are ignored.
    :param document_uri: the framework's URI (a child of it is at the top).
    """
    items = list(dict.fromkeys(item_uris))
    known = set(items)
    children: dict[str, list[str]] = {}
    placed: set[str] = set()
    for child, parent in child_links:
        if child in known:
            children.setdefault(parent, []).append(child)
            placed.add(child)
    roots = [*children.get(document_uri, []), *(u for u in items if u not in placed)]
    order: list[tuple[str, int, str | None]] = []
    stack: list[tuple[str, int, str | None, frozenset[str]]] = [
        (root, 0, None, frozenset({root})) for root in reversed(dict.fromkeys(roots))
    ]
    while stack:
        uri, depth, parent, path = stack.pop()
        order.append((uri, depth, parent))
        stack.extend(
            (child, depth + 1, uri, path | {child})
            for child in reversed(children.get(uri, []))
            if child not in path and child in known
        )
    return order
