"""Use cases shared by the HTTP API, the web UI, the command line and plugins.

Each takes what it needs of the application as :class:`lrs.services.core.Core`.
"""
