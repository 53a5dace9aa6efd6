"""The plugin machinery: loading plugins, calling their hooks, delivering post-commit events.

Core's side of the plugin API (:mod:`lrs.plugin`); plugins never import it.
"""
