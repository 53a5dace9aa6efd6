"""``/activities``: the canonical definition of one Activity (Communication 2.5).

The definition is the merge of every definition seen in stored statements (see
:mod:`lrs.store.canonical_activities`). An id the LRS has never seen still gets
an Activity object, bare: xAPI 2.0 requires one, and 1.0.3 allows it.
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from lrs.auth.protector import current_principal, requires
from lrs.http.agents import READ_SCOPES
from lrs.http.document_params import check_names, iri_param
from lrs.runtime import current_runtime
from lrs.store.canonical_activities import canonical_activity

bp = Blueprint("activities", __name__)


@bp.route("/activities", methods=["GET"])
@requires(*READ_SCOPES)
def get_activity() -> Response:
    check_names(request.args, frozenset({"activityId"}))
    activity_id = iri_param(request.args, "activityId")
    with current_runtime().db.read() as session:
        body = canonical_activity(session, current_principal().tenant_id, activity_id)
    return Response(body, status=200, content_type="application/json")
