"""Hydra: the config folder, the declared defaults, composing a config from overrides.

``configs/config.yaml`` is the table of contents. Its first default, ``declared``, is
not a file: it is registered here from the declarations of :mod:`sim.core.parameters`
(every model parameter, network key and trait with its default), so the defaults are written
once and every key exists for ``key=value`` overrides.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sim.core.parameters import model_defaults, network_defaults, trait_defaults

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CONFIG_DIR = PROJECT_ROOT / "configs"
CONFIG_NAME = "config"
DECLARED = "declared"


def register_declared_defaults() -> None:
    """Register the ``declared`` node with Hydra's ConfigStore (idempotent)."""
    from hydra.core.config_store import ConfigStore

    node = {
        "model": model_defaults(),
        "network": network_defaults(),
        "population": {"defaults": trait_defaults()},
    }
    ConfigStore.instance().store(name=DECLARED, node=node)


#: what a config name (a scenario, a named sweep) may be: a plain file name, no path
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")


def group_options(group: str, config_dirs: Sequence[Path] = (CONFIG_DIR,)) -> list[str]:
    """The names of a config group's options (``scenario``: the files of
    ``configs/scenario/`` and of ``<dir>/scenario/`` for every extra config folder).

    Only plain names count (letters, digits, ``_``, ``-``): a name is never a path, so
    ``../sweep/smoke`` or ``/etc/passwd`` is not an option.
    """
    names: set[str] = set()
    for folder in config_dirs:
        sub = Path(folder) / group
        if sub.is_dir():
            names.update(p.stem for p in sub.glob("*.yaml") if set(p.stem) <= _NAME_CHARS)
    return sorted(names)


def known_scenarios(config_dirs: Sequence[Path] = (CONFIG_DIR,)) -> list[str]:
    """The scenarios a user may pick (the app's picker, the command line's ``scenario=``):
    the files of ``configs/scenario/`` and of the extra config folders' ``scenario/``."""
    return group_options("scenario", config_dirs)


def scenarios(config_dir: Path = CONFIG_DIR) -> list[str]:
    """The scenario names (files of ``configs/scenario/``)."""
    return known_scenarios((Path(config_dir),))


def check_choice(group: str, value: Any, config_dirs: Sequence[Path] = (CONFIG_DIR,)) -> str:
    """``value`` if it names an option of ``group`` (a scenario, a sweep), else ConfigError."""
    from sim.errors import ConfigError, one_of

    options = group_options(group, config_dirs)
    if not isinstance(value, str) or value not in options:
        raise ConfigError(group, value, one_of(options, value, f"one of the {group} configs:"))
    return value


def config_groups(config_dir: Path = CONFIG_DIR) -> dict[str, list[str]]:
    """Config groups and their options, read from the config folder."""
    return {
        d.name: sorted(p.stem for p in d.glob("*.yaml"))
        for d in sorted(Path(config_dir).iterdir())
        if d.is_dir() and d.name != "hydra"
    }


def compose_config(*overrides: str, config_dir: Path = CONFIG_DIR) -> dict[str, Any]:
    """The resolved config of ``python -m sim <overrides>``, as a plain dict (no run folder).

    >>> compose_config("scenario=kuran_ten")["population"]["roles"]["official"]["count"]
    10
    """
    from hydra import compose, initialize_config_dir
    from omegaconf import OmegaConf

    for text in overrides:  # a scenario or sweep is named, never given as a path
        key, _, value = text.partition("=")
        if key.lstrip("+~") in {"scenario", "sweep"} and value != "null":
            check_choice(key.lstrip("+~"), value, (Path(config_dir),))
    register_declared_defaults()
    with initialize_config_dir(str(config_dir), version_base="1.3", job_name="sim"):
        cfg = compose(CONFIG_NAME, overrides=list(overrides))
    return OmegaConf.to_container(cfg, resolve=True)
