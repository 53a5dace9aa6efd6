"""Who the views are about: people of the directory, named by employee id.

Evidence and attainments are keyed by the directory's employee id
(:attr:`~lrs.plugin.host.Person.id`), the key URLs, exports, credentials, the HR
system and the rest of Weft use too.
"""

from __future__ import annotations

from dataclasses import dataclass

from lrs.plugin.host import Host, Person
from plugins.competency.errors import not_found


@dataclass(frozen=True)
class Member:
    """A person of the directory, as the views list them."""

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
    if found is None:
        raise not_found(f"no person with employee id {employee_id!r}")
    return Member(found)


def group(host: Host, tenant_id: int, name: str) -> list[Member]:
    """The people of the group or cohort ``name`` now, by name (``404`` when unknown)."""
    try:
        people = host.group_members(tenant_id, name)
    except Exception as exc:  # the host's NotFound, which plugins cannot import
        raise not_found(f"no group {name!r}") from exc
    return sorted((Member(p) for p in people), key=lambda m: (m.name.casefold(), m.employee_id))


def by_employee_id(host: Host, tenant_id: int, employee_ids: list[str]) -> dict[str, Member]:
    """The people with these employee ids (those gone from the directory left out)."""
    people = host.people_by_employee_id(tenant_id, employee_ids)
    return {
        employee_id: Member(found)
        for employee_id, found in zip(employee_ids, people, strict=True)
        if found is not None
    }
