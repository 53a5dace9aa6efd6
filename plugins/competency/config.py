"""The plugin's settings (``LRS_PLUGIN_COMPETENCY_*``), read and checked once per host.

A bad value stops start-up with one line naming the variable (``register_blueprints``
reads them), instead of failing in the outbox later.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

from lrs.plugin.host import Host, PluginError

#: Roll-up rules: a parent is attained when ``all`` (default) or ``any`` of its children are.
ROLLUPS = ("all", "any")


@dataclass(frozen=True)
class Config:
    """How evidence becomes an attainment (docs/competency.md, "Attainment")."""

    #: Share of positive evidence weight from which a competency is attained.
    attained_threshold: float = 0.6
    #: Share of positive evidence weight at or below which it is not attained.
    not_attained_threshold: float = 0.4
    #: Positive evidence weight needed before anything counts as attained.
    min_weight: float = 1.0
    rollup: str = "all"


_configs: weakref.WeakKeyDictionary[Host, Config] = weakref.WeakKeyDictionary()


def _number(raw: dict[str, str], name: str, default: float) -> float:
    value = raw.get(name)
    if value is None:
        return default
    try:
        return float(value)
    except ValueError:
        raise PluginError(
            f"plugin 'competency': LRS_PLUGIN_COMPETENCY_{name.upper()} must be a number, "
            f"got {value!r}"
        ) from None


def config_of(host: Host) -> Config:
    """The host's :class:`Config`.

    :raises PluginError: a setting is malformed or the thresholds are out of order.
    """
    config = _configs.get(host)
    if config is not None:
        return config
    raw = host.plugin_config("competency")
    defaults = Config()
    config = Config(
        attained_threshold=_number(raw, "attained_threshold", defaults.attained_threshold),
        not_attained_threshold=_number(
            raw, "not_attained_threshold", defaults.not_attained_threshold
        ),
        min_weight=_number(raw, "min_weight", defaults.min_weight),
        rollup=raw.get("rollup", defaults.rollup).lower(),
    )
    if not 0 <= config.not_attained_threshold < config.attained_threshold <= 1:
        raise PluginError(
            "plugin 'competency': LRS_PLUGIN_COMPETENCY_NOT_ATTAINED_THRESHOLD and "
            "LRS_PLUGIN_COMPETENCY_ATTAINED_THRESHOLD must satisfy 0 <= not attained < "
            f"attained <= 1, got {config.not_attained_threshold} and "
            f"{config.attained_threshold}"
        )
    if config.min_weight <= 0:
        raise PluginError(
            "plugin 'competency': LRS_PLUGIN_COMPETENCY_MIN_WEIGHT must be greater than 0, "
            f"got {config.min_weight}"
        )
    if config.rollup not in ROLLUPS:
        raise PluginError(
            "plugin 'competency': LRS_PLUGIN_COMPETENCY_ROLLUP must be all or any, "
            f"got {config.rollup!r}"
        )
    _configs[host] = config
    return config
