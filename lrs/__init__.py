"""Weft: an xAPI Learning Record Store for blended learning."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from flask import Flask


def create_app(*args: Any, **kwargs: Any) -> Flask:
    """Re-export of :func:`lrs.app.create_app`, imported lazily to keep ``lrs`` light."""
    from lrs.app import create_app as factory

    return factory(*args, **kwargs)
