"""Build the plugin manager of one application: every plugin through the same door.

Installed plugins (built-in ones included) are the ``lrs.plugins`` entry points
of installed distributions; ``create_app(plugins=[...])`` adds objects on top
(tests). Names in ``LRS_DISABLED_PLUGINS`` are blocked before anything loads, so
a disabled plugin is never even imported. Start-up fails, naming the plugin,
when one cannot be imported or implements a hook that does not exist: a
half-loaded plugin set would silently drop audit records.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from importlib.metadata import entry_points

import pluggy

from lrs.plugin import hookspecs
from lrs.plugin.errors import PluginError

#: The entry point group plugins register under in their ``pyproject.toml``.
ENTRY_POINT_GROUP = "lrs.plugins"


@dataclass(frozen=True)
class PluginInfo:
    """One loaded plugin, as ``lrs plugins list`` shows it."""

    name: str
    #: ``"<distribution> <version>"`` for installed plugins, ``None`` for objects
    #: passed to ``create_app(plugins=...)``.
    distribution: str | None
    hooks: tuple[str, ...]


class PluginManager(pluggy.PluginManager):
    """pluggy's manager for the ``lrs`` project, remembering where plugins came from."""

    def __init__(self) -> None:
        super().__init__("lrs")
        self.add_hookspecs(hookspecs)
        self._distributions: dict[str, str] = {}

    def load_entry_points(self) -> None:
        """Register every ``lrs.plugins`` entry point that is not blocked.

        pluggy's ``load_setuptools_entrypoints`` does the same, but an import
        error escapes it without saying which plugin failed; here it does.
        """
        for entry_point in entry_points(group=ENTRY_POINT_GROUP):
            name = entry_point.name
            if self.is_blocked(name) or self.has_plugin(name):
                continue
            try:
                plugin = entry_point.load()
            except Exception as exc:
                raise PluginError(
                    f"plugin {name!r} ({entry_point.value}) failed to import: {exc}"
                ) from exc
            self._register(plugin, name)
            dist = entry_point.dist
            if dist is not None:
                self._distributions[name] = f"{dist.name} {dist.version}"

    def register_objects(self, plugins: Iterable[object]) -> None:
        """Register plugin objects or modules, each under its ``plugin_name``.

        The name is the object's ``plugin_name`` attribute, else its ``__name__``
        (modules), else its class name; blocked names are skipped as for entry points.
        """
        for plugin in plugins:
            name = (getattr(plugin, "plugin_name", None) or getattr(plugin, "__name__", None)
                    or type(plugin).__name__)
            if not self.is_blocked(name):
                self._register(plugin, name)

    def check(self) -> None:
        """Fail when a plugin implements a hook no spec declares (a typo, an old name)."""
        try:
            self.check_pending()
        except pluggy.PluginValidationError as exc:
            name = self.get_name(exc.plugin) or repr(exc.plugin)
            raise PluginError(f"plugin {name!r}: {exc}") from exc

    def list_plugins(self) -> list[PluginInfo]:
        """The loaded plugins, by name, with the hooks each implements."""
        return sorted(
            (
                PluginInfo(
                    name=name,
                    distribution=self._distributions.get(name),
                    hooks=tuple(sorted(c.name for c in self.get_hookcallers(plugin) or ())),
                )
                for name, plugin in self.list_name_plugin()
                if plugin is not None  # a blocked name
            ),
            key=lambda info: info.name,
        )

    def _register(self, plugin: object, name: str) -> None:
        try:
            self.register(plugin, name=name)
        except (pluggy.PluginValidationError, ValueError) as exc:
            raise PluginError(f"plugin {name!r} cannot be registered: {exc}") from exc


def disabled_names(disabled_plugins: str) -> list[str]:
    """The names of a comma-separated ``LRS_DISABLED_PLUGINS`` value."""
    return [name.strip() for name in disabled_plugins.split(",") if name.strip()]


def build_plugin_manager(disabled_plugins: str = "", extra: Iterable[object] = ()) -> PluginManager:
    """Block, load entry points, add ``extra`` objects, then check: in that order.

    :param disabled_plugins: comma-separated names not to load
        (:attr:`~lrs.settings.Settings.disabled_plugins`).
    :param extra: plugin objects registered after the installed ones (tests).
    :raises PluginError: a plugin failed to import, to register, or implements
        an unknown hook.
    """
    manager = PluginManager()
    for name in disabled_names(disabled_plugins):
        manager.set_blocked(name)
    manager.load_entry_points()
    manager.register_objects(extra)
    manager.check()
    return manager
