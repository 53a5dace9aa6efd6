"""``/agents``: the Person object the LRS knows for an Agent (Communication 2.4).

Weft identifies an agent by one IFI and links no identities together, so the
Person holds exactly what the request named: its IFI and its name, each as the
one-element array the Person format requires.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from lrs.auth.protector import requires
from lrs.http.document_params import agent_param, check_names
from lrs.http.version import current_version
from lrs.xapi.actors import IFI_PROPERTIES

bp = Blueprint("agents", __name__)

#: Who may look agents and activities up: anyone allowed to read xAPI data.
READ_SCOPES = ("all/read", "statements/read", "define", "profile", "state")


@bp.route("/agents", methods=["GET"])
@requires(*READ_SCOPES)
def get_agent() -> Response:
    check_names(request.args, frozenset({"agent"}))
    agent, _ = agent_param(request.args, current_version())
    return jsonify(person_of(agent))


def person_of(agent: dict[str, Any]) -> dict[str, Any]:
    """The Person object for one Agent: every property it has, as an array."""
    person: dict[str, Any] = {"objectType": "Person"}
    if "name" in agent:
        person["name"] = [agent["name"]]
    for name in IFI_PROPERTIES:
        if name in agent:
            person[name] = [agent[name]]
    return person
