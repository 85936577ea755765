"""Command line: ``python -m sim [overrides...]``, a thin Hydra wrapper around the runner.

Before Hydra creates any output folder, every override is parsed and every run it asks
for is composed and checked (:func:`sim.config.schema.validate`), so that bad input ends
with one line (which key, what value, what is allowed) and exit code 2, and nothing is
written. A single run reuses that check; a sweep's job checks its own point once, in
its own process.
"""

from __future__ import annotations

import functools
import itertools
import json
import logging
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.config.compose import CONFIG_DIR, CONFIG_NAME, config_groups, register_declared_defaults
from sim.config.explain import USER_GROUPS, Flags, compose_checked, error_line, explain
from sim.errors import ConfigError, one_of

EXIT_BAD_INPUT = 2
#: the most runs one command may ask for (a sweep's points); each is composed and checked
MAX_POINTS = 100_000

# Hydra's flags (hydra/_internal/utils.py, get_args_parser): those without a value, those
# with one, and --info with an optional one
_BOOL_FLAGS = {
    "--help",
    "-h",
    "--hydra-help",
    "--version",
    "--resolve",
    "--run",
    "-r",
    "--multirun",
    "-m",
    "--shell-completion",
    "-sc",
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
_INFO_FLAGS = {"--info", "-i"}
_INFO_CHOICES = ("all", "config", "defaults", "defaults-tree", "plugins", "searchpath")
_CFG_CHOICES = ("job", "hydra", "all")
_LONG = {
    "-h": "--help",
    "-r": "--run",
    "-m": "--multirun",
    "-sc": "--shell-completion",
    "-c": "--cfg",
    "-p": "--package",
    "-cp": "--config-path",
    "-cn": "--config-name",
    "-cd": "--config-dir",
    "-i": "--info",
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
            elif arg in _INFO_FLAGS:
                peek = next(it, None)
                if peek in _INFO_CHOICES:
                    flags.append(peek)
                elif peek is not None:
                    overrides.append(peek)
        else:
            overrides.append(arg)
    return flags, overrides


def parse_argv(argv: Sequence[str]) -> tuple[Flags, list[str]]:
    """Hydra's flags (checked: known, with a value where one is needed, folders that exist)
    and the overrides; raise ConfigError for a bad flag."""
    raw_flags, overrides = split_argv(argv)
    flags = Flags()
    known = sorted({_LONG.get(f, f) for f in (*_BOOL_FLAGS, *_VALUE_FLAGS, *_INFO_FLAGS)})
    i = 0
    while i < len(raw_flags):
        token = raw_flags[i]
        i += 1
        name, eq, inline = token.partition("=")
        name = _LONG.get(name, name)
        if name not in known:
            raise ConfigError("flag", token, one_of(known, name, "one of"), "unknown flag")
        flags.names.add(name)
        if name == "--info":
            value = inline if eq else None
            if not eq and i < len(raw_flags) and raw_flags[i] in _INFO_CHOICES:
                value, i = raw_flags[i], i + 1
            if value is not None and value not in _INFO_CHOICES:
                raise ConfigError(name, value, one_of(_INFO_CHOICES, value))
            flags.argv.append(name if value is None else f"{name}={value}")
            continue
        if name in _BOOL_FLAGS:
            if eq:
                raise ConfigError(name, inline, "no value (a switch)")
            flags.argv.append(name)
            continue
        if eq:
            value = inline
        else:
            value, i = (raw_flags[i], i + 1) if i < len(raw_flags) else ("", i)
        if not value:
            raise ConfigError(name, "", "a value after the flag", "missing")
        if name == "--cfg" and value not in _CFG_CHOICES:
            raise ConfigError(name, value, one_of(_CFG_CHOICES, value))
        if name in {"--config-path", "--config-dir"}:
            folder = Path(value).expanduser()
            folder = folder if folder.is_absolute() else Path.cwd() / folder
            if not folder.is_dir():
                raise ConfigError(name, value, "an existing folder of configs", "not found")
            value = str(folder.resolve())
            if name == "--config-path":
                flags.config_path = Path(value)
            else:
                flags.config_dirs.append(Path(value))
        if name == "--config-name":
            flags.config_name = value
        if name == "--experimental-rerun" and not Path(value).is_file():
            raise ConfigError(name, value, "a config.pickle of an earlier run", "not found")
        flags.argv += [name, value]
    if not (flags.config_path / f"{flags.config_name}.yaml").is_file():
        names = sorted(p.stem for p in flags.config_path.glob("*.yaml"))
        raise ConfigError(
            "--config-name",
            flags.config_name,
            one_of(names, flags.config_name, f"a config of {flags.config_path}:"),
        )
    if "--shell-completion" in flags.names and not any(
        o.split("=", 1)[0] in {"install", "uninstall", "query"} for o in overrides
    ):
        raise ConfigError(
            "--shell-completion", "", "one of install=bash, uninstall=bash or query=..."
        )
    return flags, overrides


def _code_keys(node: Any, path: str = "") -> set[tuple[str, str]]:
    """(path, value) of every Hydra instantiation key under ``node``."""
    from sim.config.schema import INSTANTIATION_KEYS

    out: set[tuple[str, str]] = set()
    if hasattr(node, "items"):
        for k, v in node.items():
            here = f"{path}.{k}" if path else str(k)
            if k in INSTANTIATION_KEYS:
                out.add((here, str(v)))
            else:
                out |= _code_keys(v, here)
    elif isinstance(node, list | tuple):
        for i, v in enumerate(node):
            out |= _code_keys(v, f"{path}[{i}]")
    return out


@functools.lru_cache(maxsize=8)
def _project_hydra_code(hydra_groups: tuple[str, ...]) -> set[tuple[str, str]]:
    """The instantiation keys of the project's own Hydra settings (configs/config.yaml with
    the Hydra groups chosen on the command line, e.g. ``hydra/launcher=joblib``)."""
    from hydra import compose, initialize_config_dir
    from omegaconf import OmegaConf

    with initialize_config_dir(str(CONFIG_DIR), version_base="1.3", job_name="sim"):
        cfg = compose(CONFIG_NAME, overrides=list(hydra_groups), return_hydra_config=True)
    return _code_keys(OmegaConf.to_container(cfg.hydra, resolve=False), "hydra")


def precheck(argv: Sequence[str]) -> list[Any]:
    """Parse, compose and check the run(s) ``argv`` asks for; raise ConfigError if bad.

    Honours ``--config-path``, ``--config-dir`` and ``--config-name`` as Hydra does;
    accepts only scenario and sweep names found in the config folders; refuses Hydra
    instantiation keys (``_target_``) outside the project's own Hydra settings; and
    refuses a run, or a sweep point, that would not fit in memory
    (:mod:`sim.config.budget`). Returns the checked runs.
    """
    from hydra import compose, initialize_config_dir
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from omegaconf import OmegaConf

    from sim.config import budget
    from sim.config.compose import check_choice
    from sim.config.schema import validate

    flags, raw = parse_argv(argv)
    multirun = flags.multirun
    parser = OverridesParser.create()
    parsed = []
    for text in raw:
        try:
            parsed.append(parser.parse_overrides([text])[0])
        except Exception as e:  # Hydra raises its own parse exception type
            reason = str(e).splitlines()[0] if str(e) else type(e).__name__
            raise ConfigError(
                "override",
                text,
                "key=value, e.g. model.peer_weight=0.5 or scenario=granovetter_riot",
                f"cannot be parsed ({reason})",
            ) from None
    hydra_overrides = [
        o.input_line for o in parsed if o.get_key_element().lstrip("+~").startswith("hydra")
    ]
    parsed = [o for o in parsed if not o.get_key_element().lstrip("+~").startswith("hydra")]
    for o in parsed:  # scenario=<name>: a name of the config folders, never a path
        group = o.get_key_element().lstrip("+~")
        if group in USER_GROUPS and not o.is_delete():
            values = list(o.sweep_string_iterator()) if o.is_sweep_override() else [o.value()]
            for value in values:
                if value is not None:
                    check_choice(group, value, flags.folders)
    fixed = [o.input_line for o in parsed if not o.is_sweep_override()]
    sweeps = [o for o in parsed if o.is_sweep_override()]
    if sweeps and not multirun:
        o = sweeps[0]
        raise ConfigError(
            o.get_key_element(),
            o.input_line.split("=", 1)[1],
            "a single value (add --multirun to sweep over several)",
        )
    search = [f"hydra.searchpath=[{','.join(f'file://{d}' for d in flags.config_dirs)}]"]
    search = search if flags.config_dirs else []
    register_declared_defaults()
    hydra_groups = [h for h in hydra_overrides if h.lstrip("+~").startswith("hydra/")]
    try:
        allowed_code = _project_hydra_code(tuple(hydra_groups))
    except Exception as e:
        reason = error_line(e)
        key, _, value = (hydra_groups or ["config="])[0].partition("=")
        raise ConfigError(key, value, "an option of Hydra's config group", reason) from None
    checked = []
    with initialize_config_dir(str(flags.config_path), version_base="1.3", job_name="sim"):

        def composed(overrides: list[str], hydra: bool = False):
            try:
                return compose(
                    flags.config_name,
                    overrides=[*search, *overrides],
                    return_hydra_config=hydra,
                )
            except Exception as e:
                raise explain(e, overrides, flags, compose) from None

        full = composed([*fixed, *hydra_overrides], hydra=True)
        for key, value in sorted(_code_keys(OmegaConf.to_container(full.hydra), "hydra")):
            if (key, value) not in allowed_code:
                raise ConfigError(
                    key,
                    value,
                    "only the project's own Hydra settings (configs/config.yaml) name code",
                    "a config may not name code to run",
                )
        if multirun:  # a named sweep's own parameters are sweeps too
            params = dict(full.hydra.sweeper.get("params") or {})
            swept = {o.get_key_element() for o in sweeps}
            for key, value in params.items():
                if key not in swept:
                    try:
                        sweeps.append(parser.parse_overrides([f"{key}={value}"])[0])
                    except Exception:
                        raise ConfigError(
                            f"hydra.sweeper.params.{key}", value, "a list of values a,b,c"
                        ) from None
        points = 1
        for o in sweeps:
            points *= _sweep_size(o)
            if points > MAX_POINTS:
                raise ConfigError(
                    o.get_key_element(),
                    o.input_line.split("=", 1)[1],
                    f"a sweep of at most {MAX_POINTS:_} points",
                )
        runs = [fixed] + [
            [*fixed, f"{o.get_key_element()}={value}"]
            for o in sweeps
            for value in o.sweep_string_iterator()
        ]
        estimates = []
        for overrides in runs:
            container = OmegaConf.to_container(composed(overrides), resolve=True)
            run = validate(container)
            estimates.append(budget.check(run, sweep=multirun))
            checked.append(run)
            if not multirun:
                _checked[_fingerprint(container)] = run
    if multirun and estimates:
        worst = max(estimates, key=lambda e: e.bytes)
        seconds = sum(e.seconds for e in estimates) * (points / max(len(estimates), 1))
    if multirun and estimates and (seconds > 60 or worst.bytes > 1e9):  # a long sweep only
        print(
            f"[sweep] estimate: {points:_} point(s), the largest {worst.text()}; "
            f"about {budget._duration(seconds)} in all on one core",
            file=sys.stderr,
        )
    elif not multirun and estimates and estimates[0].seconds > 60:
        print(f"note: this run: {estimates[0].text()}", file=sys.stderr)
    return checked


def _sweep_size(o: Any) -> int:
    """The number of values of a sweep override, without listing a huge range."""
    value = o.value()
    if hasattr(value, "start") and hasattr(value, "stop"):  # range(start, stop, step)
        step = getattr(value, "step", 1) or 1
        return max(0, math.ceil((value.stop - value.start) / step))
    try:
        return len(list(itertools.islice(o.sweep_string_iterator(), MAX_POINTS + 1)))
    except Exception:
        raise ConfigError(o.get_key_element(), o.input_line, "a list of values a,b,c") from None


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
    try:
        flags, overrides = parse_argv(argv)
    except ConfigError as e:
        print(f"error: {e}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT) from None
    if "--help" in flags.names:
        from sim import __version__
        from sim.config.help import help_text

        print(help_text(__version__))
        return
    if "--version" in flags.names:
        from sim import __version__

        print(f"defection-sim {__version__}")
        return
    info = {"--hydra-help", "--info", "--shell-completion"} & flags.names
    multirun = flags.multirun and "--cfg" not in flags.names
    if not info:
        from sim.files import DiskFullError

        quiet = logging.getLogger("sim")
        level = quiet.level
        quiet.setLevel(logging.ERROR)  # warnings are logged once, by the run itself
        try:
            # every run or sweep point, checked before anything is written (flags, names,
            # code keys, limits, memory); a sweep prints its estimate
            precheck(argv)
            if multirun:
                request = sweep_request([*flags.search, *overrides])
                if request.launcher in LOCAL_LAUNCHERS:
                    if (flags.config_path, flags.config_name) != (CONFIG_DIR, CONFIG_NAME):
                        raise ConfigError(
                            "--config-path",
                            str(flags.config_path),
                            "the project's configs for a local sweep (add folders with "
                            "--config-dir)",
                        )
                    # every point is checked (grid_points) before anything is written
                    local_sweep(request)
                    return
                if request.sample is not None:
                    raise ConfigError(
                        "sample", "...", "a local launcher (basic or joblib) for a sampled sweep"
                    )
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
    # flags first (Hydra's parser takes no flag after the overrides), folders absolute
    sys.argv = [sys.argv[0], *flags.argv, *overrides]
    app()
