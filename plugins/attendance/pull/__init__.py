"""Pull connectors feeding the attendance plugin's import path: ``zoom`` (the Reports
API) and ``teams`` (Microsoft Graph attendance reports). See docs/attendance.md."""

from __future__ import annotations

from lrs.plugin.connectors import ConnectorType
from plugins.attendance.pull.graph import TEAMS
from plugins.attendance.pull.zoom import ZOOM


def connector_types() -> list[ConnectorType]:
    return [ZOOM, TEAMS]
