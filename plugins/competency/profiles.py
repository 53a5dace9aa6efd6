"""A person's competency profile: per framework, the tree of competencies with how the
person stands on each and the statements that are the evidence.

The API, the web page and the PDF all show this one structure. It is read in a
handful of queries whatever the framework's size (items, ``isChildOf`` links, the
person's attainments, the person's evidence), each on an index that starts with the
framework or with the store and the person.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import select

from lrs.plugin.host import Host
from plugins.competency import framework_trees
from plugins.competency.models import Attainment, Evidence
from plugins.competency.people import Member, person
from plugins.competency.standing import STATES, iso, now_us, shown_state

_ATTAINMENT = (
    Attainment.competency_uri,
    Attainment.state,
    Attainment.confidence,
    Attainment.evidence_count,
    Attainment.first_attained_us,
    Attainment.attained_since_us,
    Attainment.lapses_us,
)
_EVIDENCE = (
    Evidence.competency_uri,
    Evidence.statement_id,
    Evidence.verb,
    Evidence.positive,
    Evidence.occurred_us,
)


def person_profile(
    host: Host,
    tenant_id: int,
    employee_id: str,
    *,
    framework: str | None = None,
    at_us: int | None = None,
) -> dict[str, Any]:
    """The profile of the directory's person ``employee_id`` (``404`` when unknown), on
    every framework of the store or the one named, as of ``at_us`` (now)."""
    member = person(host, tenant_id, employee_id)
    at_us = now_us() if at_us is None else at_us
    with host.read() as session:
        trees = [
            framework_trees.tree(host, session, f)
            for f in framework_trees.frameworks(session, tenant_id, framework)
        ]
        # Core execution (``session.connection()``) and ``all()``: ORM row processing
        # doubled the cost of reading a full profile's 8,000 rows, and iterating a
        # result fetches one row a call.
        connection = session.connection()
        attainments = {
            row[0]: row
            for row in connection.execute(
                select(*_ATTAINMENT).where(
                    Attainment.tenant_id == tenant_id, Attainment.person_id == member.employee_id
                )
            ).all()
        }
        evidence: dict[str, list[dict[str, Any]]] = {}
        for uri, statement_id, verb, positive, occurred in connection.execute(
            select(*_EVIDENCE)
            .where(Evidence.tenant_id == tenant_id, Evidence.person_id == member.employee_id)
            .order_by(Evidence.occurred_us.desc(), Evidence.statement_id)
        ).all():
            evidence.setdefault(uri, []).append(
                {
                    "statementId": statement_id,
                    "verb": verb,
                    "positive": positive,
                    "occurred": iso(occurred),
                }
            )
    return {
        "person": person_dict(member),
        "asOf": iso(at_us),
        "frameworks": [_framework(tree, attainments, evidence, at_us) for tree in trees],
    }


def person_dict(member: Member) -> dict[str, Any]:
    return {
        "employeeId": member.employee_id,
        "name": member.person.name,
        "department": member.person.attributes.get("department"),
        "email": member.person.attributes.get("email"),
    }


def _framework(
    tree: framework_trees.Tree,
    attainments: dict[str, Any],
    evidence: dict[str, list[dict[str, Any]]],
    at_us: int,
) -> dict[str, Any]:
    competencies = []
    counts: Counter[str] = Counter()
    for node in tree.nodes:
        row = attainments.get(node.uri)
        if row is None:
            state, confidence, count, first, since, lapses = "unknown", None, 0, None, None, None
        else:
            _, stored, confidence, count, first, since, lapses = row
            state = shown_state(stored, lapses, at_us)
            first, since, lapses = iso(first), iso(since), iso(lapses)
        counts[state] += 1
        competencies.append(
            {
                "uri": node.uri,
                "identifier": node.identifier,
                "code": node.code,
                "statement": node.statement,
                "depth": node.depth,
                "parent": node.parent,
                "state": state,
                "confidence": confidence,
                "evidenceCount": count,
                "firstAttained": first,
                "attainedSince": since,
                "lapses": lapses,
                "evidence": evidence.get(node.uri, []),
            }
        )
    return {
        "identifier": tree.identifier,
        "uri": tree.uri,
        "title": tree.title,
        "counts": {state: counts[state] for state in STATES},
        "competencies": competencies,
    }
