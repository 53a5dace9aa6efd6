"""The ``case`` connector type: a framework pulled from a CASE server on a schedule.

Each run asks ``GET {server_url}/ims/case/v1p0/CFPackages/{package_id}`` (with a
bearer token when one is configured) and imports the answer as an uploaded package
would be: changed items updated with history, missing ones retired. A server that
cannot be reached, answers an error or sends a broken package fails the run with
a message an administrator can act on; nothing is written then.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from marshmallow import Schema, fields, validate

from lrs.plugin.connectors import ConnectorType, SyncRun, SyncSummary
from lrs.plugin.host import Host
from lrs.plugin.remote import call, json_answer, quoted
from plugins.competency.frameworks import import_package
from plugins.competency.package import read_package

PACKAGE_PATH = "/ims/case/v1p0/CFPackages/"


class CaseConfig(Schema):
    server_url = fields.Url(
        required=True,
        require_tld=False,
        metadata={"description": "The CASE server's root (before /ims/case/v1p0)"},
    )
    package_id = fields.String(
        required=True,
        validate=validate.Length(min=1, max=200),
        metadata={"description": "The CFDocument identifier of the package to pull"},
    )
    token = fields.String(
        load_default="", metadata={"secret": True, "description": "Bearer token, if needed"}
    )
    #: The whole call, answer included (:func:`lrs.plugin.remote.request`).
    timeout_seconds = fields.Float(load_default=30.0, validate=validate.Range(1, 600))


class CaseConnector:
    def __init__(self, host: Host, config: dict[str, Any]) -> None:
        self.host, self.config = host, config
        self.url = (
            config["server_url"].rstrip("/") + PACKAGE_PATH + quote(config["package_id"], safe="")
        )

    def _fetch(self) -> Any:
        """The package as JSON, through :mod:`lrs.plugin.remote`: the whole call bounded
        by ``timeout_seconds`` (a server sending a byte now and then would hold the run
        for good), the answer's size capped, the token never sent to another site.

        :raises RemoteError: the server cannot be reached, answers other than 2xx,
            too slowly or too much, or with something that is not JSON.
        """
        headers = {"Accept": "application/json"}
        if self.config["token"]:
            headers["Authorization"] = f"Bearer {self.config['token']}"
        what = f"the CASE package {quoted(self.config['package_id'], 100)}"
        response = call("GET", self.url, what=what, timeout=self.config["timeout_seconds"],
                        headers=headers)
        return json_answer(response, what)

    def sync(self, run: SyncRun) -> SyncSummary:
        package = read_package(self._fetch())  # CompetencyError names the element
        summary = import_package(
            self.host,
            run.tenant_id,
            package,
            actor=f"connector:{run.instance}",
            source={"plugin": "competency"},
            record_unchanged=False,
        )
        counts = summary.items
        return SyncSummary(
            fetched=len(package.items),
            stored=counts["added"] + counts["updated"] + counts["restored"],
            skipped=counts["unchanged"] + counts["stale"],
            messages=(
                ", ".join(f"{n} {what}" for what, n in counts.items())
                + f" ({package.source_format})",
            ),
        )


CASE = ConnectorType(
    name="case",
    description="A competency framework pulled from a CASE server (1EdTech CASE 1.0/1.1).",
    config_schema=CaseConfig,
    create=CaseConnector,
)
