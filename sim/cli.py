"""Command line: ``python -m sim [overrides...]``, a thin Hydra wrapper around the runner.

Before Hydra creates any output folder, every override is parsed, the config composed
and validated, so that bad input ends with one line (which key, what value, what is
allowed) and exit code 2, and nothing is written.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[1]
CONFIG_DIR = PROJECT_ROOT / "configs"
CONFIG_NAME = "config"
EXIT_BAD_INPUT = 2

# flags that print something and run nothing, and flags that take a value
_INFO_FLAGS = {
    "--help",
    "-h",
    "--hydra-help",
    "--info",
    "-i",
    "--shell-completion",
    "-sc",
    "--version",
}
_VALUE_FLAGS = {
    "--cfg",
    "-c",
    "--package",
    "-p",
    "--config-path",
    "-cp",
    "--config-name",
    "-cn",
    "--config-dir",
    "-cd",
    "--experimental-rerun",
}

log = logging.getLogger("sim")


def split_argv(argv: Sequence[str]) -> tuple[list[str], list[str]]:
    """Separate Hydra's flags (with their values) from the overrides."""
    flags, overrides = [], []
    it = iter(argv)
    for arg in it:
        if arg.startswith("-") and "=" not in arg.split("-", 2)[-1][:1]:
            flags.append(arg)
            if arg in _VALUE_FLAGS:
                flags.append(next(it, ""))
        else:
            overrides.append(arg)
    return flags, overrides


def config_groups() -> dict[str, list[str]]:
    """Config groups and their options, read from ``configs/``."""
    return {
        d.name: sorted(p.stem for p in d.glob("*.yaml"))
        for d in sorted(CONFIG_DIR.iterdir())
        if d.is_dir() and d.name != "hydra"
    }


def precheck(argv: Sequence[str]) -> None:
    """Parse, compose and validate the run(s) ``argv`` asks for; raise ConfigError if bad."""
    from hydra import compose, initialize_config_dir
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from omegaconf import OmegaConf

    from sim.config import validate_config
    from sim.errors import ConfigError

    flags, raw = split_argv(argv)
    multirun = "-m" in flags or "--multirun" in flags
    parser = OverridesParser.create()
    parsed = []
    for text in raw:
        try:
            parsed.append(parser.parse_overrides([text])[0])
        except Exception as e:  # Hydra raises its own parse exception type
            reason = str(e).splitlines()[0]
            raise ConfigError(
                "override",
                text,
                "key=value, e.g. model.peer_weight=0.5 or scenario=granovetter_riot",
                f"cannot be parsed ({reason})",
            ) from None
    parsed = [o for o in parsed if not o.get_key_element().lstrip("+~").startswith("hydra")]
    fixed = [o.input_line for o in parsed if not o.is_sweep_override()]
    sweeps = [o for o in parsed if o.is_sweep_override()]
    if sweeps and not multirun:
        o = sweeps[0]
        raise ConfigError(
            o.get_key_element(),
            o.input_line.split("=", 1)[1],
            "a single value (add --multirun to sweep over several)",
        )

    with initialize_config_dir(str(CONFIG_DIR), version_base="1.3", job_name="sim"):
        if multirun:  # a named sweep's own parameters are sweeps too
            try:
                full = compose(CONFIG_NAME, overrides=fixed, return_hydra_config=True)
                params = dict(full.hydra.sweeper.get("params") or {})
            except Exception as e:
                raise _explain(e, fixed) from None
            swept = {o.get_key_element() for o in sweeps}
            for key, value in params.items():
                if key not in swept:
                    sweeps.append(parser.parse_overrides([f"{key}={value}"])[0])
        runs = [fixed] + [
            [*fixed, f"{o.get_key_element()}={value}"]
            for o in sweeps
            for value in o.sweep_string_iterator()
        ]
        for overrides in runs:
            try:
                cfg = compose(CONFIG_NAME, overrides=overrides)
                container = OmegaConf.to_container(cfg, resolve=True)
            except Exception as e:
                raise _explain(e, overrides) from None
            validate_config(container)


def _explain(error: Exception, overrides: list[str]):
    """Turn a Hydra composition error into a ConfigError naming the override at fault."""
    from hydra import compose
    from omegaconf import OmegaConf

    from sim.errors import ConfigError

    groups = config_groups()
    try:
        base = compose(CONFIG_NAME)
    except Exception as e:  # the defaults themselves are broken: say so
        return ConfigError(
            "config", str(CONFIG_DIR / "config.yaml"), "a composable config", str(e).splitlines()[0]
        )
    for text in overrides:
        key, _, value = text.partition("=")
        name = key.lstrip("+~")
        if name in groups:
            if value not in groups[name]:
                return ConfigError(
                    name, value, f"one of the {name} configs: " + ", ".join(groups[name])
                )
            continue
        try:
            compose(CONFIG_NAME, overrides=[text])
        except Exception:
            parent, _, leaf = name.rpartition(".")
            node = OmegaConf.select(base, parent) if parent else base
            if node is None:
                return ConfigError(
                    name, value, "an existing key", f"'{parent}' is not a config key"
                )
            if hasattr(node, "keys") and leaf not in node:
                keys = ", ".join(str(k) for k in node)
                where = f"under '{parent}'" if parent else "at the top level"
                return ConfigError(name, value, f"a key {where}: {keys}", "unknown key")
            return ConfigError(name, value, "a value of the key's type", str(error).splitlines()[0])
    return ConfigError(
        "config", " ".join(overrides), "a composable config", str(error).splitlines()[0]
    )


def task(cfg: Any) -> None:
    """The Hydra job: run one scenario into Hydra's output folder and print its summary."""
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode
    from omegaconf import OmegaConf

    from sim.errors import ConfigError

    container = OmegaConf.to_container(cfg, resolve=True)
    hydra_cfg = HydraConfig.get()
    if hydra_cfg.mode == RunMode.MULTIRUN:
        # a sweep point: its replicates through the batched engine; Mesa is not imported
        from sim.sweep import run_point

        try:
            run_point(
                container,
                Path(hydra_cfg.sweep.dir),
                list(hydra_cfg.overrides.task),
                job_label=" ".join(hydra_cfg.overrides.task),
            )
        except ConfigError as e:
            print(f"error: {e}", file=sys.stderr)
            raise SystemExit(EXIT_BAD_INPUT) from None
        return
    from sim.runner import run

    if container.get("replicates", 1) > 1:
        print(
            f"note: replicates={container['replicates']} applies to sweeps (--multirun); "
            "this single run uses seed only",
            file=sys.stderr,
        )
    out_dir = Path(hydra_cfg.runtime.output_dir)
    try:
        result = run(container, out_dir)
    except ConfigError as e:
        print(f"error: {e}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT) from None
    scenario = HydraConfig.get().runtime.choices.get("scenario", "")
    calendar = result.model.calendar
    line = result.summary.line(
        f"{scenario} seed={container['seed']}", calendar.date_of if calendar else None
    )
    figure = result.files.get("figure")
    print(line + (f" | figure: {figure}" if figure else f" | outputs: {out_dir}"))


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of ``python -m sim``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    flags, _ = split_argv(argv)
    if not _INFO_FLAGS.intersection(flags):
        from sim.errors import ConfigError

        quiet = logging.getLogger("sim")
        level = quiet.level
        quiet.setLevel(logging.ERROR)  # warnings are logged once, by the run itself
        try:
            precheck(argv)
        except ConfigError as e:
            print(f"error: {e}", file=sys.stderr)
            raise SystemExit(EXIT_BAD_INPUT) from None
        finally:
            quiet.setLevel(level)
    import hydra

    app = hydra.main(config_path=str(CONFIG_DIR), config_name=CONFIG_NAME, version_base="1.3")(task)
    sys.argv = [sys.argv[0], *argv]
    app()
