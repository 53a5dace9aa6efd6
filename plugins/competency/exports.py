"""The attainments as CSV, for spreadsheets and BI tools.

One row per person and competency that has an attainment (a competency with no
evidence has none: the gaps view counts those). Names and statements come from the
directory and from imported frameworks: a cell a spreadsheet would run as a formula
(starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is written
with a leading ``'``, as OWASP advises, so that opening the file runs nothing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select

from lrs.plugin.exports import spreadsheet_safe
from lrs.plugin.host import Host
from plugins.competency import framework_trees
from plugins.competency.errors import CompetencyError
from plugins.competency.models import Attainment
from plugins.competency.people import Member, by_employee_id, group
from plugins.competency.standing import STATES, iso, now_us, shown_state
from plugins.competency.teams import attainments_of

COLUMNS = (
    "employee_id",
    "name",
    "framework",
    "competency_uri",
    "code",
    "statement",
    "state",
    "confidence",
    "evidence_count",
    "first_attained",
    "attained_since",
    "lapses",
)
#: States a row can have (``unknown`` is the absence of a row).
ROW_STATES = tuple(s for s in STATES if s != "unknown")


def check_state(state: str | None) -> str | None:
    if state is not None and state not in ROW_STATES:
        raise CompetencyError(
            "unknown state",
            [
                {
                    "path": "query.state",
                    "message": f"{state!r} is not one of {', '.join(ROW_STATES)}",
                }
            ],
        )
    return state


def attainments_csv(
    host: Host,
    tenant_id: int,
    *,
    framework: str | None = None,
    group_name: str | None = None,
    state: str | None = None,
    at_us: int | None = None,
) -> Iterator[str]:
    """The CSV text, a chunk at a time (header first), filtered by framework, group and
    shown state. Unknown framework or group: ``404`` before anything is produced."""
    check_state(state)
    at_us = now_us() if at_us is None else at_us
    members = group(host, tenant_id, group_name) if group_name is not None else None
    with host.read() as session:
        nodes = {
            node.uri: (tree.identifier, node)
            for f in framework_trees.frameworks(session, tenant_id, framework)
            for tree in [framework_trees.tree(host, session, f)]
            for node in tree.nodes
        }
        if members is not None:
            rows = list(
                attainments_of(session, tenant_id, [m.employee_id for m in members], set(nodes))
            )
        else:
            rows = [
                row
                for row in session.scalars(
                    select(Attainment).where(Attainment.tenant_id == tenant_id)
                )
                if row.competency_uri in nodes
            ]
    people: dict[str, Member] = (
        {m.employee_id: m for m in members}
        if members is not None
        else by_employee_id(host, tenant_id, sorted({row.person_id for row in rows}))
    )
    order = {uri: index for index, uri in enumerate(nodes)}
    rows.sort(
        key=lambda r: (
            people[r.person_id].employee_id if r.person_id in people else "",
            order[r.competency_uri],
        )
    )
    return _lines(rows, people, nodes, state, at_us)


def _lines(
    rows: list[Any],
    people: dict[str, Member],
    nodes: dict[str, tuple[str, framework_trees.Node]],
    state: str | None,
    at_us: int,
) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for index, row in enumerate(rows):
        shown = shown_state(row.state, row.lapses_us, at_us)
        member = people.get(row.person_id)
        if member is None or (state is not None and shown != state):
            continue
        identifier, node = nodes[row.competency_uri]
        writer.writerow(
            spreadsheet_safe(value)
            for value in (
                member.employee_id,
                member.person.name or "",
                identifier,
                node.uri,
                node.code or "",
                node.statement,
                shown,
                round(row.confidence, 4),
                row.evidence_count,
                iso(row.first_attained_us) or "",
                iso(row.attained_since_us) or "",
                iso(row.lapses_us) or "",
            )
        )
        if index % 500 == 499:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
