"""The boundary between a user's config and the model.

- :mod:`sim.config.compose`: Hydra: the config folder, the declared defaults, composing;
- :mod:`sim.config.schema`: :func:`validate`, the one check of a config, returning a
  typed :class:`Run` whose sections the layers below trust;
- :mod:`sim.config.help`: ``--help`` and ODD.md's tables, from the declarations.
"""
