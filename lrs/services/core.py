"""What the use cases need of the running application.

The :class:`lrs.runtime.Runtime` is one; the use cases name this protocol rather
than the Runtime, which sits above them (it hands :func:`lrs.services.ingest.store_batch`
to the plugins' host), so that imports only go down.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from lrs.auth.scopes import ScopeRegistry
    from lrs.auth.verified import VerifiedCache
    from lrs.db import Database
    from lrs.machinery.hooks import Hooks
    from lrs.machinery.manager import PluginManager
    from lrs.machinery.outbox import Outbox
    from lrs.services.group_commit import GroupCommit
    from lrs.settings import Settings


class Core(Protocol):
    """The application's settings, database, plugins and their outbox."""

    settings: Settings
    db: Database
    plugins: PluginManager
    hooks: Hooks
    outbox: Outbox
    #: xAPI, core and plugin scopes, to check what a credential is granted.
    scopes: ScopeRegistry
    #: Verified credentials of this process: a revocation here forgets them at once.
    verified: VerifiedCache
    #: Concurrent statement writes of this process sharing commits (``None``: off).
    group_commit: GroupCommit | None
