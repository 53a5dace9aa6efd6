"""Named things plugins contribute at start-up (scopes, metrics, connector types), by name.

Each ``register_*`` hook that contributes named things fills one registry per
application (:mod:`lrs.machinery.hooks` calls the plugins one at a time). The rules are the
same for all of them: the hook returns a list of the right objects, each name
is well formed and taken once, and the registry records which plugin gave it.
Breaking a rule is a :class:`ValueError` naming the plugin, which stops start-up.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import ClassVar, Generic, Protocol, TypeVar


class Named(Protocol):
    """A frozen dataclass with a ``name`` and the ``origin`` a registry fills in."""

    @property
    def name(self) -> str: ...

    @property
    def origin(self) -> str: ...


T = TypeVar("T", bound=Named)

#: Lowercase, URL-safe names: letters, digits, ``.``, ``_`` and ``-``.
NAME = re.compile(r"[a-z0-9][a-z0-9_.-]*")


class Registry(Generic[T]):
    """Items by name, in registration order: core's first, then each plugin's."""

    #: What an item is called in messages (``"metric"``).
    noun: ClassVar[str]
    #: The hook filling it, for messages (``"register_metrics"``).
    hook: ClassVar[str]
    #: The class every item must be an instance of.
    item_type: ClassVar[type]

    def __init__(self, items: Iterable[T] = ()) -> None:
        self._items: dict[str, T] = {item.name: item for item in items}

    def add(self, plugin: str, items: Iterable[T]) -> None:
        """Add ``plugin``'s items, each recorded with ``origin=plugin``.

        :raises ValueError: an item of the wrong type, a bad name (see
            :meth:`problem`) or a name already taken; the message names the plugin.
        """
        for item in items:
            if not isinstance(item, self.item_type):
                raise ValueError(f"plugin {plugin!r}: {self.hook} must return "
                                 f"{self.item_type.__name__} objects, got {item!r}")
            problem = self.problem(item, plugin)
            if problem:
                raise ValueError(f"plugin {plugin!r}: {problem}")
            if item.name in self._items:
                raise ValueError(f"plugin {plugin!r}: {self.noun} {item.name!r} is already "
                                 f"registered by {self._items[item.name].origin}")
            self._items[item.name] = replace(item, origin=plugin)  # type: ignore[type-var]

    def problem(self, item: T, plugin: str) -> str | None:
        """What is wrong with a plugin's ``item`` (its name, by default), or ``None``."""
        if not NAME.fullmatch(item.name):
            return (f"{self.noun} name {item.name!r} must be lowercase letters, digits, "
                    "'.', '_' or '-'")
        return None

    def get(self, name: str) -> T | None:
        return self._items.get(name)

    def names(self) -> list[str]:
        return list(self._items)

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[T]:
        return iter(self._items.values())

    def __len__(self) -> int:
        return len(self._items)
