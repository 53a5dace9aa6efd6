"""Errors plugins raise, and Weft raises about plugins."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class PluginError(RuntimeError):
    """A plugin could not be loaded, or failed where Weft cannot go on without it.

    The message names the plugin. ``lrs`` commands print it as ``Error: ...``.
    Plugins raise it too (import it from :mod:`lrs.plugin.host`), for instance from
    a ``register_*`` hook when their configuration is missing.
    """


@dataclass
class ApiError(Exception):
    """A refusal of a plugin's API: what is wrong and where, as users can act on it.

    Raise it, or a subclass naming your plugin, from a view: Weft answers with
    ``status`` and ``{"error": code, "message": ..., "errors": [{"path", "message"}]}``,
    the shape of core's own refusals (a refusal without ``errors`` lists itself at
    ``$``). A command prints ``str(error)``: the message and each problem on one line.

    :param errors: each problem with its JSON path (``$.target.value``), query
        parameter (``query.as_of``) or line (``line 3``).
    """

    message: str
    errors: list[dict[str, str]] = field(default_factory=list)
    status: int = 400
    code: str = "bad_request"

    def __str__(self) -> str:
        details = "; ".join(f"{e['path']}: {e['message']}" for e in self.errors)
        return f"{self.message} ({details})" if details else self.message

    def as_dict(self) -> dict[str, Any]:
        """The JSON body of the refusal."""
        errors = self.errors or [{"path": "$", "message": self.message}]
        return {"error": self.code, "message": self.message, "errors": errors}
