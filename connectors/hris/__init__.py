"""Built-in connector type ``hris``: the people directory filled from an HRIS report.

Registered through the ``hris`` entry point of ``lrs.plugins``, like any
third-party plugin. Each run reads a report (Workday RaaS, a BambooHR custom
report, any CSV or JSON list) and imports it with the administrator's column
mapping; see docs/connectors.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from connectors.hris.config import HrisConfig
from connectors.hris.connector import HrisConnector
from lrs.plugin.connectors import ConnectorType
from lrs.plugin.hookspecs import hookimpl

if TYPE_CHECKING:
    from lrs.plugin.host import Host

HRIS = ConnectorType(
    name="hris",
    description="People directory from an HRIS report (Workday RaaS, BambooHR, CSV or JSON "
    "at a URL), with a column mapping.",
    config_schema=HrisConfig,
    create=HrisConnector,
)


@hookimpl
def register_connector_types(host: Host) -> list[ConnectorType]:
    return [HRIS]
