"""Command line: ``python -m sim [overrides...]``, a thin Hydra wrapper around the runner.

Before Hydra creates any output folder, every override is parsed and every run it asks
for is composed and checked (:func:`sim.config.schema.validate`), so that bad input ends
with one line (which key, what value, what is allowed) and exit code 2, and nothing is
written. A single run reuses that check; a sweep's job checks its own point once, in
its own process.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.config.compose import CONFIG_DIR, CONFIG_NAME, config_groups, register_declared_defaults
from sim.errors import ConfigError, one_of

EXIT_BAD_INPUT = 2

# flags that print something and run nothing, and flags that take a value
_INFO_FLAGS = {"--hydra-help", "--info", "-i", "--shell-completion", "-sc"}
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
#: runs checked by :func:`precheck`, by their composed config: the task reuses them
_checked: dict[str, Any] = {}


def _fingerprint(container: dict) -> str:
    return json.dumps(
        {k: v for k, v in container.items() if k != "hydra"}, sort_keys=True, default=str
    )


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


def precheck(argv: Sequence[str]) -> None:
    """Parse, compose and check the run(s) ``argv`` asks for; raise ConfigError if bad."""
    from hydra import compose, initialize_config_dir
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from omegaconf import OmegaConf

    from sim.config.schema import validate

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
    register_declared_defaults()
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
            checked = validate(container)
            if not multirun:
                _checked[_fingerprint(container)] = checked


def _explain(error: Exception, overrides: list[str]) -> ConfigError:
    """Turn a Hydra composition error into a ConfigError naming the override at fault."""
    from hydra import compose

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
                    name, value, one_of(groups[name], value, f"one of the {name} configs:")
                )
            continue
        try:
            compose(CONFIG_NAME, overrides=[text])
        except Exception:
            # the first part of the key that does not exist, with the keys that do
            node, path, missing = base, [], None
            for part in name.split("."):
                if not hasattr(node, "keys") or part not in node:
                    missing = part
                    break
                node, path = node[part], [*path, part]
            if missing is None:
                return ConfigError(
                    name, value, "a value of the key's type", str(error).splitlines()[0]
                )
            parent = ".".join(path)
            where = f"under '{parent}'" if parent else "at the top level"
            keys = [str(k) for k in node] if hasattr(node, "keys") else []
            if not keys:
                return ConfigError(name, value, "an existing key", f"'{parent}' has no keys")
            return ConfigError(name, value, one_of(keys, missing, f"a key {where}:"), "unknown key")
    return ConfigError(
        "config", " ".join(overrides), "a composable config", str(error).splitlines()[0]
    )


def compose_checked(overrides: Sequence[str], hydra_config: bool = False) -> Any:
    """The resolved config of ``python -m sim <overrides>`` (a dict; with
    ``hydra_config``, the OmegaConf node with Hydra's settings); a composition error
    becomes a ConfigError naming the override at fault."""
    from hydra import compose, initialize_config_dir
    from omegaconf import OmegaConf

    register_declared_defaults()
    with initialize_config_dir(str(CONFIG_DIR), version_base="1.3", job_name="sim"):
        try:
            cfg = compose(CONFIG_NAME, overrides=list(overrides), return_hydra_config=hydra_config)
            return cfg if hydra_config else OmegaConf.to_container(cfg, resolve=True)
        except ConfigError:
            raise
        except Exception as e:
            raise _explain(e, list(overrides)) from None


def sweep_plan(
    overrides: Sequence[str], sweeper_params: dict[str, Any] | None
) -> tuple[list[str], list[str]]:
    """A multirun's fixed overrides and its swept keys (command line first, then the
    named sweep's parameters that the command line does not set)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parser = OverridesParser.create()
    fixed, keys = [], []
    for text in overrides:
        o = parser.parse_overrides([text])[0]
        key = o.get_key_element().lstrip("+~")
        if key.startswith("hydra"):
            continue
        if o.is_sweep_override():
            keys.append(key)
        else:
            fixed.append(o.input_line)
    set_here = {o.split("=", 1)[0].lstrip("+~") for o in fixed}
    for key in sweeper_params or {}:
        if key not in keys and key not in set_here:
            keys.append(key)
    return fixed, keys


@dataclass
class SweepRequest:
    """What ``python -m sim --multirun ...`` asks for."""

    base: dict[str, Any]
    grid: dict[str, list[Any]]
    sample: Any
    folder: Path
    launcher: str
    workers: int | None


LOCAL_LAUNCHERS = {"basic", "joblib"}


def sweep_request(overrides: Sequence[str]) -> SweepRequest:
    """Parse a multirun's overrides into its base config, grid or sample, and folder."""
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from omegaconf import OmegaConf

    from sim.config.schema import validate

    parser = OverridesParser.create()
    parsed = [_parse_override(parser, t) for t in overrides]
    hydra_side = [
        o.input_line for o in parsed if o.get_key_element().lstrip("+~").startswith("hydra")
    ]
    fixed = [o.input_line for o in parsed if not o.is_sweep_override()]
    fixed = [t for t in fixed if t not in hydra_side]
    full = compose_checked([*fixed, *hydra_side], hydra_config=True)
    params = dict(full.hydra.sweeper.get("params") or {})
    launcher = str(
        OmegaConf.select(full, "hydra.runtime.choices", default={}).get("hydra/launcher", "basic")
    )
    folder = Path(str(OmegaConf.select(full, "hydra.sweep.dir")))
    n_jobs = OmegaConf.select(full, "hydra.launcher.n_jobs", default=None)
    workers = None if n_jobs in (None, -1) else int(n_jobs)
    base = OmegaConf.to_container(
        OmegaConf.masked_copy(full, [k for k in full if k != "hydra"]), resolve=True
    )
    grid: dict[str, list[Any]] = {}
    groups = config_groups()
    set_here = {t.split("=", 1)[0].lstrip("+~") for t in fixed}
    sweeps = [o for o in parsed if o.is_sweep_override()]
    for key, value in params.items():
        if key not in {o.get_key_element() for o in sweeps} and key not in set_here:
            sweeps.append(parser.parse_overrides([f"{key}={value}"])[0])
    for o in sweeps:
        key = o.get_key_element().lstrip("+~")
        if key in groups:
            launcher = f"hydra ({key} is a config group)"
        grid[key] = list(o.sweep_iterator())
    sample = None
    if base.get("sample") is not None:
        from sim.run.samplers import from_config

        if grid:
            raise ConfigError(
                next(iter(grid)), "...", "either a sample (sample=...) or swept values, not both"
            )
        sample = from_config(base["sample"])
    validate(base)
    return SweepRequest(base, grid, sample, folder, launcher, workers)


def _parse_override(parser: Any, text: str) -> Any:
    try:
        return parser.parse_overrides([text])[0]
    except Exception as e:  # Hydra raises its own parse exception type
        reason = str(e).splitlines()[0]
        raise ConfigError(
            "override",
            text,
            "key=value, e.g. model.peer_weight=0.5 or scenario=granovetter_riot",
            f"cannot be parsed ({reason})",
        ) from None


def local_sweep(request: SweepRequest) -> None:
    """Run a multirun on this machine's cores through :func:`sim.api.sweep`."""
    from sim.api import sweep

    tables = request.base.get("output", {}).get("tables", "parquet")
    result = sweep(
        request.grid if request.sample is None else None,
        sample=request.sample,
        config=request.base,
        folder=request.folder,
        workers=request.workers,
        tables=tables,
    )
    stats = result.stats
    timings = {
        k: getattr(stats, k)
        for k in ("points", "skipped", "runs", "wall", "setup", "step", "write", "workers")
    }
    from sim.files import atomic_write

    # the last session's timings, for make bench (sweep_overhead_ratio)
    atomic_write(result.folder / "timings.json", lambda f: f.write(json.dumps(timings)))
    csv = " and runs.csv, curves.csv" if tables in ("csv", "both") else ""
    print(
        f"[sweep] {stats.points} points ({stats.skipped} already done), {len(result.runs)} runs "
        f"in {stats.wall:.1f} s: {result.folder}/runs/ and curves/ (Parquet){csv}",
        file=sys.stderr,
    )


def task(cfg: Any) -> None:
    """The Hydra job: run one scenario into Hydra's output folder and print its summary,
    or, in a multirun, one sweep point's replicates."""
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode
    from omegaconf import OmegaConf

    container = OmegaConf.to_container(cfg, resolve=True)
    hydra_cfg = HydraConfig.get()
    try:
        if hydra_cfg.mode == RunMode.MULTIRUN:
            # a sweep point: its replicates through the batched engine; Mesa is not imported
            from sim.run.sweep import run_point

            run_point(
                container,
                Path(hydra_cfg.sweep.dir),
                list(hydra_cfg.overrides.task),
                job_label=" ".join(hydra_cfg.overrides.task),
            )
            return
        from sim.run.runner import run

        if container.get("replicates", 1) > 1:
            print(
                f"note: replicates={container['replicates']} applies to sweeps (--multirun); "
                "this single run uses seed only",
                file=sys.stderr,
            )
        out_dir = Path(hydra_cfg.runtime.output_dir)
        result = run(_checked.get(_fingerprint(container), container), out_dir, resolved=container)
    except ConfigError as e:
        print(f"error: {e}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT) from None
    scenario = hydra_cfg.runtime.choices.get("scenario", "")
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
    if "--help" in flags or "-h" in flags:
        from sim import __version__
        from sim.config.help import help_text

        print(help_text(__version__))
        return
    if "--version" in flags:
        from sim import __version__

        print(f"defection-sim {__version__}")
        return
    flags, overrides = split_argv(argv)
    multirun = "-m" in flags or "--multirun" in flags
    if not _INFO_FLAGS.intersection(flags):
        from sim.files import DiskFullError

        quiet = logging.getLogger("sim")
        level = quiet.level
        quiet.setLevel(logging.ERROR)  # warnings are logged once, by the run itself
        try:
            if multirun and not {"--cfg", "-c"}.intersection(flags):
                request = sweep_request(overrides)
                if request.launcher in LOCAL_LAUNCHERS:
                    # every point is checked (grid_points) before anything is written
                    local_sweep(request)
                    return
                if request.sample is not None:
                    raise ConfigError(
                        "sample", "...", "a local launcher (basic or joblib) for a sampled sweep"
                    )
            precheck(argv)
            if multirun and not {"--cfg", "-c"}.intersection(flags):
                # a cluster launcher: each Hydra job runs one point into the same store
                from sim.run.store import SweepFolder

                SweepFolder(request.folder).check([*request.grid], request.base)
        except ConfigError as e:
            print(f"error: {e}", file=sys.stderr)
            raise SystemExit(EXIT_BAD_INPUT) from None
        except DiskFullError as e:
            print(f"error: {e}", file=sys.stderr)
            raise SystemExit(1) from None
        finally:
            quiet.setLevel(level)
    import hydra

    register_declared_defaults()
    app = hydra.main(config_path=str(CONFIG_DIR), config_name=CONFIG_NAME, version_base="1.3")(task)
    sys.argv = [sys.argv[0], *argv]
    app()
