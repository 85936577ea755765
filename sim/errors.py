"""The one exception type for bad input, so every entry point reports it the same way."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any


class ConfigError(ValueError):
    """A configuration value the model cannot use.

    The message always names the key, the offending value and what is allowed, on one
    line, so the command line can print it as it is. Raised inside a validator of
    :mod:`sim.config.schema`, ``key`` is relative to the node being validated ("",
    ".dist", "[2]"); the boundary prefixes the node's path.
    """

    def __init__(self, key: str, value: Any, allowed: str, problem: str | None = None) -> None:
        self.key, self.value, self.allowed, self.problem = key, value, allowed, problem
        super().__init__(self._text())

    def _text(self) -> str:
        what = f"{self.key}={_show(self.value)}"
        why = f" {self.problem};" if self.problem else ""
        return f"{what}:{why} allowed: {self.allowed}"

    def under(self, prefix: str) -> ConfigError:
        """The same error with its key under ``prefix`` (the path of the node)."""
        key = self.key
        if prefix and key and not key.startswith(("[", ".")):
            key = "." + key
        return ConfigError((prefix + key).lstrip("."), self.value, self.allowed, self.problem)


def did_you_mean(word: Any, options: Iterable[str]) -> str | None:
    """ " (did you mean 'x'?)"-style hint for a misspelled name, or None."""
    if not isinstance(word, str):
        return None
    close = difflib.get_close_matches(word, [str(o) for o in options], n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None


def one_of(options: Iterable[str], word: Any = None, what: str = "one of") -> str:
    """ "one of a, b, c" with a did-you-mean hint for ``word``."""
    options = [str(o) for o in options]
    text = f"{what} {', '.join(options)}" if options else f"{what} (none defined)"
    hint = did_you_mean(word, options)
    return f"{text} ({hint})" if hint else text


def _show(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."
