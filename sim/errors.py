"""The one exception type for bad input, so every entry point reports it the same way."""

from __future__ import annotations

from typing import Any


class ConfigError(ValueError):
    """A configuration value the model cannot use.

    The message always names the key, the offending value and what is allowed, on one
    line, so the command line can print it as it is.
    """

    def __init__(self, key: str, value: Any, allowed: str, problem: str | None = None) -> None:
        self.key, self.value, self.allowed, self.problem = key, value, allowed, problem
        what = f"{key}={_show(value)}"
        why = f" {problem};" if problem else ""
        super().__init__(f"{what}:{why} allowed: {allowed}")


def _show(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."
