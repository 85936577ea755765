"""Shared helpers: compose a run config exactly as the command line does."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.runner import compose_config as make_config

ROOT = Path(__file__).resolve().parents[1]
CONFIG_DIR = ROOT / "configs"
SCENARIOS = sorted(p.stem for p in (CONFIG_DIR / "scenario").glob("*.yaml"))

__all__ = ["CONFIG_DIR", "ROOT", "SCENARIOS", "make_config"]


@pytest.fixture
def config():
    return make_config
