"""Who in the people directory a signed-in person is, and who reports to them.

Both are single queries: the person is found by the primary key of
``person_identities`` (``tenant_id``, ``agent_key``), and everyone below a manager
with one recursive query walking ``people.manager_employee_id`` along the
``ix_people_tenant_manager`` index, however deep the hierarchy.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from lrs.models import Person, PersonIdentity


def employee_id_by_identity(session: Session, tenant_id: int, keys: Sequence[str]) -> str | None:
    """The employee id of the store's person holding one of ``keys`` (agent keys of
    :func:`lrs.xapi.actors.agent_ifi_key`), the first key that matches winning;
    ``None`` when nobody holds any."""
    if not keys:
        return None
    found = dict(
        session.execute(
            select(PersonIdentity.agent_key, Person.employee_id)
            .join(Person, Person.id == PersonIdentity.person_id)
            .where(
                PersonIdentity.tenant_id == tenant_id,
                PersonIdentity.agent_key.in_(keys),
                Person.tenant_id == tenant_id,
            )
        ).all()
    )
    return next((found[key] for key in keys if key in found), None)


def reports_of(session: Session, tenant_id: int, manager: str) -> frozenset[str]:
    """The employee ids of everyone whose chain of managers leads to ``manager``:
    their direct reports, the reports' reports, and so on.

    ``manager`` is among them only when their own chain leads back to them (they
    are their own manager, or the directory's links go round in a circle). The
    recursion joins with ``UNION``, which drops rows already found, so a circle
    ends the walk instead of looping.
    """
    below = (
        select(Person.employee_id)
        .where(Person.tenant_id == tenant_id, Person.manager_employee_id == manager)
        .cte("reports", recursive=True)
    )
    step = (
        select(Person.employee_id)
        .join(below, Person.manager_employee_id == below.c.employee_id)
        .where(Person.tenant_id == tenant_id)
    )
    tree = below.union(step)
    return frozenset(session.scalars(select(tree.c.employee_id)))
