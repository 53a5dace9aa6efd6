"""The web UI's competency views, for admins, analysts and managers: a person's profile
(and its PDF), a group's heat map and gaps, and the statements that are the evidence.

Managers see their own people only (their direct and indirect reports in the people
directory, ``host.people_in_view``): the views read the directory through
:class:`HostInView`, to which everyone else is unknown, so a heat map or the gaps of a
group cover the manager's people in it, and someone else's profile, PDF or evidence
statement is a 404, as if they did not exist.

Names, statements and group names were written by clients, imports or a CASE
package: they are only ever rendered as text (Jinja's autoescape). The pages need no
JavaScript and load nothing from elsewhere (the strict CSP): the states' colours come
from this plugin's stylesheet, served to the same roles, and each state also has a
symbol and a word.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, redirect, render_template, request, url_for

from lrs.plugin.host import Host, PeopleInView, Person
from plugins.competency import teams
from plugins.competency.errors import CompetencyError
from plugins.competency.frameworks import list_frameworks
from plugins.competency.pdf import find_font, profile_pdf
from plugins.competency.profile_html import profile_rows
from plugins.competency.profiles import person_profile
from plugins.competency.standing import LABELS, STATES, SYMBOLS
from plugins.competency.views_http import team_parameters

#: Who sees the views (the framework pages stay the admins').
VIEW_ROLES = ("admin", "analyst", "manager")
#: The UI works on the default store, as the framework pages do.
TENANT_ID = 1


class HostInView:
    """The host as the signed-in person may see the directory: people outside their
    view are unknown (``people_by_employee_id`` gives ``None``, ``group_members``
    leaves them out); everything else is the host's. The profile, heat map and gaps
    find their people through these two only (:mod:`plugins.competency.people`), which
    ``tests/competency/test_views_ui_managers.py`` holds them to."""

    def __init__(self, host: Host, view: PeopleInView) -> None:
        self._host = host
        self._view = view

    def __getattr__(self, name: str) -> Any:
        return getattr(self._host, name)

    def people_by_employee_id(self, tenant_id: int, employee_ids: list[str]) -> list[Person | None]:
        found = self._host.people_by_employee_id(tenant_id, employee_ids)
        return [p if p is not None and self._view.allows(p.id) else None for p in found]

    def group_members(self, tenant_id: int, name: str) -> list[Person]:
        members = self._host.group_members(tenant_id, name)
        return [p for p in members if self._view.allows(p.id)]


def _page(template: str, status: int = 200, **values: Any) -> Any:
    return render_template(
        template, states=STATES, labels=LABELS, symbols=SYMBOLS, **values
    ), status


def add_view_pages(blueprint: Blueprint, host: Host) -> None:
    def seen() -> Any:
        """The host, or for a manager the host seeing their people only."""
        view = host.people_in_view(TENANT_ID)
        return host if view.everyone else HostInView(host, view)

    def index(error: CompetencyError | None = None) -> Any:
        return _page(
            "competency/views.html",
            error.status if error else 200,
            frameworks=list_frameworks(host, TENANT_ID),
            error=error,
        )

    @blueprint.get("/views/")
    @host.requires_role(*VIEW_ROLES)
    def views() -> Any:
        return index()

    @blueprint.get("/views/style.css")
    @host.requires_role(*VIEW_ROLES)
    def stylesheet() -> Any:
        return Response(render_template("competency/views.css"), mimetype="text/css")

    @blueprint.get("/people/")
    @host.requires_role(*VIEW_ROLES)
    def find_person() -> Any:
        employee_id = request.args.get("employee_id", "").strip()
        if not employee_id:
            return index(CompetencyError("give an employee id"))
        return redirect(url_for("competency_ui.profile", employee_id=employee_id))

    @blueprint.get("/people/<employee_id>")
    @host.requires_role(*VIEW_ROLES)
    def profile(employee_id: str) -> Any:
        try:
            data = person_profile(seen(), TENANT_ID, employee_id)
        except CompetencyError as exc:
            return index(exc)
        link = url_for("competency_ui.statement", statement_id="-")[:-1] + "{id}"
        return _page(
            "competency/profile.html", profile=data, profile_rows=profile_rows, statement_url=link
        )

    @blueprint.get("/people/<employee_id>/profile.pdf")
    @host.requires_role(*VIEW_ROLES)
    def profile_as_pdf(employee_id: str) -> Any:
        try:
            data = person_profile(seen(), TENANT_ID, employee_id)
        except CompetencyError as exc:
            return index(exc)
        font = find_font(host.plugin_config("competency").get("pdf_font"))
        return Response(profile_pdf(data, font), mimetype="application/pdf")

    @blueprint.get("/groups/heatmap")
    @host.requires_role(*VIEW_ROLES)
    def heatmap() -> Any:
        try:
            parameters = team_parameters()
            data = teams.heat_map(seen(), TENANT_ID, **parameters)
        except CompetencyError as exc:
            return index(exc)
        return _page(
            "competency/heatmap.html",
            map=data,
            depth=parameters["max_depth"],
            everyone=host.people_in_view(TENANT_ID).everyone,
        )

    @blueprint.get("/groups/gaps")
    @host.requires_role(*VIEW_ROLES)
    def gaps() -> Any:
        try:
            parameters = team_parameters()
            data = teams.gaps(seen(), TENANT_ID, **parameters)
        except CompetencyError as exc:
            return index(exc)
        return _page(
            "competency/gaps.html",
            gaps=data,
            depth=parameters["max_depth"],
            everyone=host.people_in_view(TENANT_ID).everyone,
        )

    @blueprint.get("/statements/<statement_id>")
    @host.requires_role(*VIEW_ROLES)
    def statement(statement_id: str) -> Any:
        found = host.get_statements(TENANT_ID, [statement_id])
        view = host.people_in_view(TENANT_ID)
        if found and not view.everyone:
            actor = host.resolve_person(TENANT_ID, found[0].get("actor") or {})
            found = found if view.allows(actor and actor.id) else []
        text = json.dumps(found[0], indent=2, ensure_ascii=False) if found else None
        return _page(
            "competency/statement.html", 200 if found else 404, statement_id=statement_id, text=text
        )
