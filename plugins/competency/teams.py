"""A group's standing on a framework: the heat map (people by competencies) and the gaps
(the competencies most of the group lacks).

The group is the people directory's group or cohort as it is now
(:meth:`~lrs.plugin.host.Host.group_members`); their attainments are read in one
query per thousand people.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lrs.plugin.host import Host
from plugins.competency import framework_trees
from plugins.competency.models import Attainment
from plugins.competency.people import Member, group
from plugins.competency.profiles import person_dict
from plugins.competency.standing import STATES, iso, now_us, shown_state

#: People whose attainments one query reads.
CHUNK = 1000


def attainments_of(
    session: Session, tenant_id: int, employee_ids: list[str], uris: set[str] | None = None
) -> Iterator[Any]:
    """``(person_id, competency_uri, state, confidence, lapses_us, ...)`` rows of these
    people (on ``uris`` only, when given)."""
    for start in range(0, len(employee_ids), CHUNK):
        for row in session.execute(
            select(Attainment).where(
                Attainment.tenant_id == tenant_id,
                Attainment.person_id.in_(employee_ids[start : start + CHUNK]),
            )
        ).scalars():
            if uris is None or row.competency_uri in uris:
                yield row


def _standings(
    host: Host, tenant_id: int, framework: str, group_name: str, max_depth: int | None
) -> tuple[
    framework_trees.Tree, list[framework_trees.Node], list[Member], dict[tuple[str, str], Any]
]:
    members = group(host, tenant_id, group_name)
    with host.read() as session:
        tree = framework_trees.tree(
            host, session, framework_trees.frameworks(session, tenant_id, framework)[0]
        )
        nodes = [n for n in tree.nodes if max_depth is None or n.depth <= max_depth]
        rows = {
            (row.person_id, row.competency_uri): row
            for row in attainments_of(
                session, tenant_id, [m.employee_id for m in members], {n.uri for n in nodes}
            )
        }
    return tree, nodes, members, rows


def _node(node: framework_trees.Node) -> dict[str, Any]:
    return {"uri": node.uri, "code": node.code, "statement": node.statement, "depth": node.depth}


def heat_map(
    host: Host,
    tenant_id: int,
    framework: str,
    group_name: str,
    *,
    max_depth: int | None = None,
    at_us: int | None = None,
) -> dict[str, Any]:
    """Each person of the group (by name) on each competency of the framework (in tree
    order, down to ``max_depth``): the state shown and the confidence."""
    at_us = now_us() if at_us is None else at_us
    tree, nodes, members, rows = _standings(host, tenant_id, framework, group_name, max_depth)
    people = []
    for member in members:
        found = [rows.get((member.employee_id, n.uri)) for n in nodes]
        people.append(
            {
                **person_dict(member),
                "states": [shown_state(r and r.state, r and r.lapses_us, at_us) for r in found],
                "confidence": [r.confidence if r else None for r in found],
            }
        )
    return {
        "framework": {"identifier": tree.identifier, "title": tree.title},
        "group": group_name,
        "asOf": iso(at_us),
        "competencies": [_node(n) for n in nodes],
        "people": people,
    }


def gaps(
    host: Host,
    tenant_id: int,
    framework: str,
    group_name: str,
    *,
    max_depth: int | None = None,
    limit: int = 50,
    at_us: int | None = None,
) -> dict[str, Any]:
    """The framework's competencies that most people of the group lack (do not hold
    now: any state but ``attained``), most lacked first, with the count of each state
    and who lacks it."""
    at_us = now_us() if at_us is None else at_us
    tree, nodes, members, rows = _standings(host, tenant_id, framework, group_name, max_depth)
    ranked = []
    for position, node in enumerate(nodes):
        counts: Counter[str] = Counter()
        lacking = []
        for member in members:
            row = rows.get((member.employee_id, node.uri))
            state = shown_state(row and row.state, row and row.lapses_us, at_us)
            counts[state] += 1
            if state != "attained":
                lacking.append(member.employee_id)
        ranked.append((-len(lacking), position, node, counts, lacking))
    ranked.sort(key=lambda entry: entry[:2])
    return {
        "framework": {"identifier": tree.identifier, "title": tree.title},
        "group": group_name,
        "asOf": iso(at_us),
        "people": len(members),
        "gaps": [
            {
                **_node(node),
                "lacking": len(lacking),
                "share": round(len(lacking) / len(members), 3) if members else 0.0,
                "counts": {state: counts[state] for state in STATES},
                "lackingPeople": lacking,
            }
            for _, _, node, counts, lacking in ranked[:limit]
            if lacking
        ],
    }
