"""Hydra: the config folder, the declared defaults, composing a config from overrides.

``configs/config.yaml`` is the table of contents. Its first default, ``declared``, is
not a file: it is registered here from the declarations of :mod:`sim.core.parameters`
(every model parameter, network key and trait with its default), so the defaults are written
once and every key exists for ``key=value`` overrides.
"""

from __future__ import annotations

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


def scenarios(config_dir: Path = CONFIG_DIR) -> list[str]:
    """The scenario names (files of ``configs/scenario/``)."""
    return sorted(p.stem for p in (Path(config_dir) / "scenario").glob("*.yaml"))


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

    register_declared_defaults()
    with initialize_config_dir(str(config_dir), version_base="1.3", job_name="sim"):
        cfg = compose(CONFIG_NAME, overrides=list(overrides))
    return OmegaConf.to_container(cfg, resolve=True)
