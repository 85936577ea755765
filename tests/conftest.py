"""Shared helpers: compose a run config exactly as the command line does."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.config.compose import compose_config as make_config
from sim.config.schema import validate

ROOT = Path(__file__).resolve().parents[1]
CONFIG_DIR = ROOT / "configs"
SCENARIOS = sorted(p.stem for p in (CONFIG_DIR / "scenario").glob("*.yaml"))

__all__ = ["CONFIG_DIR", "ROOT", "SCENARIOS", "make_config", "make_run"]


def make_run(*overrides: str):
    """The checked Run of ``python -m sim <overrides>``."""
    return validate(make_config(*overrides))


@pytest.fixture
def config():
    return make_config
