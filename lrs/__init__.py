"""Weft: an xAPI Learning Record Store for blended learning.

Build an application with :func:`lrs.app.create_app`; plugins use :mod:`lrs.plugin`.
"""

__version__ = "0.1.0"
