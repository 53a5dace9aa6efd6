"""Whose records a person signed in to the web UI may see: :class:`PeopleInView`.

What :meth:`lrs.plugin.host.Host.people_in_view` answers. Kept apart from the host so
that core's use cases build it without the host's other concerns.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PeopleInView:
    """The people of a store whose records a page may show to the signed-in person.

    An admin, analyst or compliance officer sees :attr:`everyone`; a manager sees the
    directory's people in :attr:`employee_ids` (their direct and indirect reports),
    possibly none. Filter rows with :meth:`allows`, or hand :attr:`employee_ids` to a
    query when :attr:`everyone` is false.
    """

    #: Every person of the store, known to the directory or not.
    everyone: bool
    #: The employee ids in view when :attr:`everyone` is false (empty otherwise).
    employee_ids: frozenset[str] = frozenset()

    def allows(self, employee_id: str | None) -> bool:
        """Whether a record about ``employee_id`` may be shown; a record of nobody the
        directory knows (``None``) only to those who see everyone."""
        return self.everyone or (employee_id is not None and employee_id in self.employee_ids)


#: What a person seeing everyone is given.
EVERYONE = PeopleInView(everyone=True)
#: What a manager the directory does not know (or a person with no role that shows
#: people) is given.
NOBODY = PeopleInView(everyone=False)
