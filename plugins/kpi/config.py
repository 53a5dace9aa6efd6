"""The kpi plugin's settings (``LRS_PLUGIN_KPI_*``, the table in docs/kpi.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lrs.plugin.host import PluginError
from lrs.plugin.request import LARGEST_ID, parse_whole_number

if TYPE_CHECKING:
    from lrs.plugin.host import Host


def whole_number(host: Host, name: str, default: int, unit: str,
                 high: int = LARGEST_ID) -> int:
    """``LRS_PLUGIN_KPI_<NAME>``, a whole number of ``unit`` up to ``high``; ``default``
    when unset.

    :raises PluginError: any other value, which stops start-up rather than leaving a
        schedule silently at its default.
    """
    value = host.plugin_config("kpi").get(name)
    if value is None:
        return default
    number = parse_whole_number(value, low=0, high=high)
    if number is None:
        most = "" if high == LARGEST_ID else f" up to {high}"
        raise PluginError(
            f"plugin 'kpi': LRS_PLUGIN_KPI_{name.upper()} must be a whole number of "
            f"{unit}{most}, got {value!r}"
        )
    return number
