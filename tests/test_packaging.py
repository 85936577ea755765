"""A package people can use and cite: one version, a console command, a license, a
citation file, --help under a screen per section."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import yaml

import sim
from sim.config.help import help_text
from tests.conftest import ROOT


def test_the_version_is_written_once_and_printed_by_version():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert "version" not in project and "version" in project["dynamic"]
    assert metadata.version("defection-sim") == sim.__version__
    assert yaml.safe_load((ROOT / "CITATION.cff").read_text())["version"] == sim.__version__
    out = subprocess.run(
        [sys.executable, "-m", "sim", "--version"], cwd=ROOT, capture_output=True, text=True
    )
    assert out.stdout.strip() == f"defection-sim {sim.__version__}"


def test_the_console_command_is_the_module():
    command = Path(sys.executable).parent / "defection-sim"
    assert command.is_file(), "reinstall the package (make venv) to get the command"
    out = subprocess.run([str(command), "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == f"defection-sim {sim.__version__}"


def test_metadata_license_and_citation():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["requires-python"] == ">=3.11"
    assert project["license"] == "MIT" and project["authors"] and project["classifiers"]
    assert project["scripts"]["defection-sim"] == "sim.run.cli:main"
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert citation["cff-version"] == "1.2.0" and citation["license"] == "MIT"
    assert citation["title"] and citation["authors"]


def test_help_has_a_sweep_example_and_each_section_fits_a_screen():
    text = help_text(sim.__version__)
    sections = text.split("\n== ")
    assert len(sections) >= 6
    for section in sections:
        assert len(section.splitlines()) <= 40, section.splitlines()[0]
    assert "--multirun sweep=" in text and "sweep=sobol_syria" in text
