"""The plugin API: everything a Weft plugin may import, and nothing else of ``lrs``.

Built-in plugins and connectors use exactly this, as a third-party plugin does
(``tests/architecture`` fails when one imports anything else of ``lrs``). Import
names from the module that defines them; this package itself exports nothing, so
that importing one of them never imports the others:

* :mod:`lrs.plugin.hookspecs`: the hooks, and ``hookimpl`` to implement them (with
  ``Scope`` and ``ErrorDetail``, which hooks return);
* :mod:`lrs.plugin.host`: the ``Host`` every hook receives, ``current_host()``, and
  ``Settings``, the type of ``host.settings``;
* :mod:`lrs.plugin.events`: what post-commit hooks receive;
* :mod:`lrs.plugin.notifications`: notifications (``host.notify`` raises them) as a
  channel is given them, and the rules of topics;
* :mod:`lrs.plugin.metrics`, :mod:`lrs.plugin.connectors`, :mod:`lrs.plugin.registry`:
  what ``register_metrics`` and ``register_connector_types`` contribute;
* :mod:`lrs.plugin.assignments`: assignments and their calendar, as ``host.assignments``
  and ``host.assignment_statuses`` give them;
* :mod:`lrs.plugin.request`: a view's JSON body within the store's limits, who called
  and from where (and the same for a command), as core's own views record them;
* :mod:`lrs.plugin.remote`: HTTP calls to remote systems bounded in time and size,
  redirects kept to the site called, failures and remote text worded for a run's
  error;
* :mod:`lrs.plugin.statistics`: Kaplan-Meier, duration and proportion comparisons with
  a plain-language verdict, for KPIs;
* :mod:`lrs.plugin.testing`: pytest fixtures for a plugin's own tests (installed as a
  pytest plugin, so not imported here).

Everything else in ``lrs`` may change between releases; this may not without a
deprecation.
"""
