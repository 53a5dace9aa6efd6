"""Who the views are about: people of the directory, named by employee id.

Attainments are keyed by the directory's integer row id
(:meth:`~lrs.plugin.host.Host.person_row_ids`); URLs, exports and credentials name
people by their employee id, the key the HR system and the rest of Weft use.
"""

from __future__ import annotations

from dataclasses import dataclass

from lrs.plugin.host import Host, Person
from plugins.competency.errors import not_found


@dataclass(frozen=True)
class Member:
    """A person of the directory with their row id (what attainments are keyed by)."""

    row_id: int
    person: Person

    @property
    def employee_id(self) -> str:
        return self.person.id

    @property
    def name(self) -> str:
        return self.person.name or self.person.id


def person(host: Host, tenant_id: int, employee_id: str) -> Member:
    """The directory's person with this employee id (``404`` when unknown)."""
    found = host.people_by_employee_id(tenant_id, [employee_id])[0]
    row_id = host.person_row_ids(tenant_id, [employee_id]).get(employee_id)
    if found is None or row_id is None:
        raise not_found(f"no person with employee id {employee_id!r}")
    return Member(row_id, found)


def group(host: Host, tenant_id: int, name: str) -> list[Member]:
    """The people of the group or cohort ``name`` now, by name (``404`` when unknown)."""
    try:
        people = host.group_members(tenant_id, name)
    except Exception as exc:  # the host's NotFound, which plugins cannot import
        raise not_found(f"no group {name!r}") from exc
    ids = host.person_row_ids(tenant_id, [p.id for p in people])
    members = [Member(ids[p.id], p) for p in people if p.id in ids]
    return sorted(members, key=lambda m: (m.name.casefold(), m.employee_id))


def by_row_id(host: Host, tenant_id: int, row_ids: list[int]) -> dict[int, Member]:
    """The people with these row ids (those gone from the directory left out)."""
    employee_ids = host.employee_ids_of(tenant_id, row_ids)
    ordered = list(employee_ids.items())
    people = host.people_by_employee_id(tenant_id, [e for _, e in ordered])
    return {
        row_id: Member(row_id, found)
        for (row_id, _), found in zip(ordered, people, strict=True)
        if found is not None
    }
