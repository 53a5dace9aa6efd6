"""Errors plugins raise, and Weft raises about plugins."""

from __future__ import annotations


class PluginError(RuntimeError):
    """A plugin could not be loaded, or failed where Weft cannot go on without it.

    The message names the plugin. ``lrs`` commands print it as ``Error: ...``.
    Plugins raise it too (import it from :mod:`lrs.plugin.host`), for instance from
    a ``register_*`` hook when their configuration is missing.
    """
