"""The directory pages: people (search, one person) and groups (list, one group's members).

Read-only, for admins. Everything shown was stated by an HR file, a roster or a
provisioning client, so it is attacker-controlled: templates escape it all
(autoescape, never ``|safe``). Pages are read on from the last employee id
shown (:mod:`lrs.services.directory`), so a directory of 100,000 people pages
as fast at the end as at the start. The store is chosen with ``?store=NAME``
(the default store otherwise).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from lrs.auth.roles import ADMIN
from lrs.models.types import iso_time
from lrs.runtime import current_runtime
from lrs.services import directory
from lrs.store.tenants import tenant_names
from lrs.web.access import requires_role
from lrs.xapi.errors import XapiError

#: Longest search text taken (a longer one is cut: no one types more).
MAX_SEARCH = 200


def add_routes(bp: Blueprint) -> None:
    bp.add_url_rule("/admin/people", "people", people, methods=["GET"])
    # A person and a group are named in the query string: an employee id or a group
    # name may hold any character, "/" and ".." too.
    bp.add_url_rule("/admin/person", "person", person, methods=["GET"])
    bp.add_url_rule("/admin/groups", "people_groups", people_groups, methods=["GET"])
    bp.add_url_rule("/admin/group", "people_group", people_group, methods=["GET"])


@requires_role(ADMIN)
def people() -> Any:
    """Search the directory by name, email, employee id or department; a page at a time."""
    form = {"q": request.args.get("q", "")[:MAX_SEARCH], "after": request.args.get("after", "")}
    return _render("web/people.html", lambda tenant_id: {"page": directory.search_people(
        current_runtime(), tenant_id=tenant_id, words=form["q"], after=form["after"])},
        form=form)


@requires_role(ADMIN)
def person() -> Any:
    """One person (``?employee_id=``): attributes, identities, groups, merges and splits."""
    employee_id = request.args.get("employee_id", "")

    def details(tenant_id: int) -> dict[str, Any]:
        found = directory.person_details(current_runtime(), tenant_id=tenant_id,
                                         employee_id=employee_id)
        for change in found["history"]:
            change["recorded"] = iso_time(change["recorded_us"])
        return found

    return _render("web/person.html", details, employee_id=employee_id)


@requires_role(ADMIN)
def people_groups() -> Any:
    """Every group of the store: kind, rule, member count."""
    return _render("web/people_groups.html", lambda tenant_id: {
        "groups": directory.groups_overview(current_runtime(), tenant_id=tenant_id)})


@requires_role(ADMIN)
def people_group() -> Any:
    """One group (``?name=``) and a page of its members, with their role."""
    name, after = request.args.get("name", ""), request.args.get("after", "")
    return _render("web/people_group.html", lambda tenant_id: {"group": directory.group_details(
        current_runtime(), tenant_id=tenant_id, name=name, after=after)}, after=after)


def _render(template: str, load: Any, **shown: Any) -> Any:
    """``template`` with what ``load(tenant_id)`` returns for the chosen store, and the
    stores to choose from; an unknown store, person or group is a 404 page."""
    runtime = current_runtime()
    store = request.args.get("store", "")
    with runtime.db.read() as session:
        stores = [name for _, name in sorted(tenant_names(session).items())]
    try:
        loaded = load(runtime.tenant_id(store or None))
    except XapiError as exc:
        return render_template("web/error.html", status=exc.status, title="Not found",
                               message=exc.message), exc.status
    return render_template(template, store=store, stores=stores, **shown, **loaded)
