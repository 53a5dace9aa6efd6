"""Built-in connector type ``moodle``: course and activity completions from Moodle.

Registered through the ``moodle`` entry point of ``lrs.plugins``, like any
third-party plugin. Runs read completions through Moodle's REST web services and
store them as xAPI ``completed`` statements with stable ids; see docs/connectors.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from connectors.moodle.connector import MoodleConfig, MoodleConnector
from lrs.plugin.connectors import ConnectorType
from lrs.plugin.hookspecs import hookimpl

if TYPE_CHECKING:
    from lrs.plugin.host import Host

MOODLE = ConnectorType(
    name="moodle",
    description="Course and activity completions from Moodle's web services, as xAPI statements.",
    config_schema=MoodleConfig,
    create=MoodleConnector,
)


@hookimpl
def register_connector_types(host: Host) -> list[ConnectorType]:
    return [MOODLE]
