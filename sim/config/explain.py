"""Composing a config with Hydra and turning a composition error into one ConfigError
that names the override at fault: used by the command line's up-front check
(:mod:`sim.run.cli`) and by the Python API (:mod:`sim.api`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.config.compose import CONFIG_DIR, CONFIG_NAME, register_declared_defaults
from sim.errors import ConfigError, one_of

#: the config groups a user chooses (their keys name errors)
USER_GROUPS = ("scenario", "sweep")


@dataclass
class Flags:
    """Hydra's flags of a command line, checked, with folders made absolute."""

    argv: list[str] = field(default_factory=list)  # as Hydra is given them
    names: set[str] = field(default_factory=set)  # long names given
    config_path: Path = CONFIG_DIR  # the primary config folder
    config_dirs: list[Path] = field(default_factory=list)  # extra folders (--config-dir)
    config_name: str = CONFIG_NAME

    @property
    def multirun(self) -> bool:
        return "--multirun" in self.names

    @property
    def search(self) -> list[str]:
        """The override that adds the extra folders to Hydra's search path (or none)."""
        if not self.config_dirs:
            return []
        return [f"hydra.searchpath=[{','.join(f'file://{d}' for d in self.config_dirs)}]"]

    @property
    def folders(self) -> list[Path]:
        """Every config folder, the primary first (where scenarios are looked for)."""
        return [self.config_path, *self.config_dirs]


def error_line(error: BaseException) -> str:
    """The first line of an error and of its cause: one line."""
    text = (str(error).splitlines() or [type(error).__name__])[0]
    cause = error if getattr(error, "problem", None) else error.__cause__
    while cause is not None and cause.__cause__ is not None and not hasattr(cause, "problem"):
        cause = cause.__cause__
    if getattr(cause, "problem", None):  # a YAML error: what is wrong and where
        mark = getattr(cause, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        text += f" ({cause.problem}{where})"
    elif cause is not None and str(cause):
        text += f" ({str(cause).splitlines()[0]})"
    return text


def explain(
    error: Exception, overrides: list[str], flags: Flags | None = None, compose: Any = None
) -> ConfigError:
    """Turn a Hydra composition error into a ConfigError naming the override at fault
    (called inside an initialized Hydra context)."""
    from sim.config.compose import group_options

    if compose is None:
        from hydra import compose
    flags = Flags() if flags is None else flags

    reason = error_line(error)
    search = [f"hydra.searchpath=[{','.join(f'file://{d}' for d in flags.config_dirs)}]"]
    search = search if flags.config_dirs else []
    groups = {g: group_options(g, flags.folders) for g in USER_GROUPS}
    chosen = [
        o for o in overrides if o.split("=", 1)[0].lstrip("+~") in groups or o.startswith("hydra/")
    ]

    def attempt(extra: list[str]):
        return compose(flags.config_name, overrides=[*search, *extra])

    try:
        base = attempt(chosen)  # the scenario the user chose: its keys name the error
    except Exception as e:
        for text in chosen:
            try:
                attempt([text])
            except Exception as e2:
                key, _, value = text.partition("=")
                why = error_line(e2)
                return ConfigError(key.lstrip("+~"), value, "a composable config", why)
        return ConfigError(
            "config",
            str(flags.config_path / f"{flags.config_name}.yaml"),
            "a composable config",
            error_line(e),
        )
    for text in overrides:
        if text in chosen:
            continue
        key, _, value = text.partition("=")
        name = key.lstrip("+~")
        try:
            attempt([*chosen, text])
        except Exception as e:
            if name.startswith("hydra"):
                return ConfigError(name, value, "a valid Hydra setting", error_line(e))
            # the first part of the key that does not exist, with the keys that do
            node, path, missing = base, [], None
            for part in name.split("."):
                if not hasattr(node, "keys") or part not in node:
                    missing = part
                    break
                node, path = node[part], [*path, part]
            if missing is None:
                return ConfigError(name, value, "a value of the key's type", reason)
            parent = ".".join(path)
            where = f"under '{parent}'" if parent else "at the top level"
            keys = [str(k) for k in node] if hasattr(node, "keys") else []
            if not keys:
                return ConfigError(name, value, "an existing key", f"'{parent}' has no keys")
            hint = f" (or +{name}=... to add a key)" if key[:1] != "+" and parent else ""
            return ConfigError(
                name, value, one_of(keys, missing, f"a key {where}:") + hint, "unknown key"
            )
    return ConfigError("config", " ".join(overrides), "a composable config", reason)


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
            raise explain(e, list(overrides)) from None
