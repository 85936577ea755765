"""A property-based test of the config boundary (issue 15), with hypothesis.

Random command lines: a scenario (known, unknown or a path), random overrides over every
declared model parameter and trait, the run's counts, the network, the sections, events,
plus sometimes a random events file and a random scenario file in an extra config folder
(``--config-dir``). Each value is drawn from a class whose validity is known (a number in
its declared range, or inf, nan, out of range, a float count, a string, a list, a mapping,
null, code), so each command line is known to be valid or not.

For each, :func:`sim.run.cli.precheck` (what ``python -m sim`` runs before Hydra writes
anything) must, within a time bound:

- refuse an invalid command line with one ConfigError of one line (no other exception);
- accept a valid one, and the runs it returns must step through the batched engine to
  finite curves (no crash in the compiled code, no NaN);
- write nothing (it runs in an empty folder).

Default suite: a modest number of examples. ``make test-slow``: 4 shards x 500 examples,
each shard printing its tally (valid/invalid, refused/accepted, by class).
"""

from __future__ import annotations

import collections
import contextlib
import json
import os
import signal
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
import yaml

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, seed, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from sim.config.schema import MAX_STEPS, bounded  # noqa: E402
from sim.core.parameters import MODEL, NETWORK, TRAITS  # noqa: E402
from sim.errors import ConfigError  # noqa: E402
from sim.run.cli import precheck  # noqa: E402
from tests.conftest import ROOT  # noqa: E402

#: seconds one command line may take to be checked (and its valid runs to step)
BOUND_SECONDS = 60
SCENARIOS = [
    "kuran_ten",
    "kuran_ten_lowered",
    "granovetter_riot",
    "granovetter_riot_variant",
    "syria_2012",
    "amnesty_offer",
    "coup_proofed",
    "door_closing",
]
SYRIA_LIKE = {"syria_2012", "amnesty_offer", "coup_proofed", "door_closing"}
SYRIA_ROLES = ["minister", "general", "security_chief", "ambassador", "governor"]
BAD_NAMES = ["../sweep/smoke", "../config", "/etc/passwd", "nope", "kuran_ten.yaml"]
KURAN = (ROOT / "configs" / "scenario" / "kuran_ten.yaml").read_text()
#: scenarios whose roles set only the threshold: a trait in population.defaults applies
#: to everyone (a default nobody draws from is refused, rightly, so it is not fuzzed)
PLAIN = {"kuran_ten", "kuran_ten_lowered", "granovetter_riot", "granovetter_riot_variant"}


@dataclass
class Case:
    """A command line, the files it needs, and whether it is valid (and why not)."""

    argv: list[str] = field(default_factory=list)
    files: dict[str, str | bytes] = field(default_factory=dict)
    invalid: list[str] = field(default_factory=list)  # the classes of its invalid parts

    @property
    def valid(self) -> bool:
        return not self.invalid


def _text(x: float) -> str:
    return repr(float(x))


# --- values with a known validity ---------------------------------------------------------------
BAD_ANY = st.sampled_from(["inf", "-inf", "nan", "abc", "true", "[1,2]", "{a: 1}", "null"])


def _mix(good, *bad) -> st.SearchStrategy:
    """A valid value half the time, else one of the invalid classes."""
    return st.integers(0, 2 * len(bad) - 1).flatmap(
        lambda i: good if i < len(bad) else bad[i - len(bad)]
    )


def number(spec, small: bool = False) -> st.SearchStrategy[tuple[str, str | None]]:
    """(override text, None if valid else its class) for a declared parameter."""
    if spec.choices:
        good = st.sampled_from(spec.choices).map(lambda v: (v, None))
        bad = st.sampled_from(["nope", "5", "[a]", "null"]).map(lambda v: (v, "choice"))
        return st.one_of(good, bad)
    b = bounded(spec)
    high = min(b.high, 20.0) if small else b.high
    if spec.integer:
        good = st.integers(int(b.low), int(high)).map(lambda v: (str(v), None))
        bad = st.one_of(
            st.integers(int(b.high) + 1, 10**30).map(lambda v: (str(v), "range")),
            st.integers(-(10**30), int(b.low) - 1).map(lambda v: (str(v), "range")),
            st.integers(int(b.low), int(high)).map(lambda v: (f"{v}.0", "float count")),
            st.just(("2.5", "float count")),
        )
    else:
        good = st.floats(b.low, high, allow_nan=False).map(lambda v: (_text(v), None))
        bad = st.one_of(
            st.floats(b.high, 1e300, exclude_min=True).map(lambda v: (_text(v), "range")),
            st.floats(-1e300, b.low, exclude_max=True).map(lambda v: (_text(v), "range")),
        )
    # valid half the time, so that most invalid command lines hold one invalid value
    return _mix(good, bad, BAD_ANY.map(lambda v: (v, "type or non-finite")))


def count(low: int, high: int, maximum: int) -> st.SearchStrategy[tuple[str, str | None]]:
    good = st.integers(low, high).map(lambda v: (str(v), None))
    bad = st.one_of(
        st.integers(maximum + 1, 10**25).map(lambda v: (str(v), "huge")),
        st.integers(-(10**6), low - 1).map(lambda v: (str(v), "range")),
        st.integers(low, high).map(lambda v: (f"{v}.0", "float count")),
        BAD_ANY.map(lambda v: (v, "type or non-finite")),
    )
    return _mix(good, bad)


def trait_value(spec) -> st.SearchStrategy[tuple[str, str | None]]:
    b = bounded(spec)
    scalar = number(spec)
    if spec.integer:
        lo = st.integers(int(b.low), 10)
        good = st.tuples(lo, lo).map(
            lambda t: (f"{{dist: integers, low: {min(t)}, high: {max(t)}}}", None)
        )
    else:
        lo = st.floats(b.low, b.high, allow_nan=False)
        good = st.tuples(lo, lo).map(
            lambda t: (
                f"{{dist: uniform, low: {_text(min(t))}, high: {_text(max(t))}}}",
                None,
            )
        )
    bad = st.sampled_from(
        [
            "{dist: uniform, low: 0, high: inf}",
            "{dist: normal, mean: nan, sd: 1}",
            "{dist: nope}",
            "{dist: uniform, low: 2, high: 1}",
        ]
    ).map(lambda v: (v, "distribution"))
    return st.one_of(scalar, good, bad)


SECTIONS = {  # a section given as a scalar or of the wrong type
    "network": ["5", "abc", "[1]"],
    "model": ["1", "abc"],
    "output": ["1"],
    "population": ["1", "[]"],
    "calendar": ["abc", "5", "[1]"],
    "rebellion": ["3", "abc"],
    "backing": ["1", "{points: 5}"],
    "events": ["5", "{a: 1}", "[5]", "[{kind: party, step: 1}]"],
    "scenario_title": ["[1,2]", "{a: 1}", "5"],
    "description": ["{a: 1}", "[x]"],
    "sweep_name": ["[x]", "5"],
    "events_file": ["5", "[a]", "nowhere.yaml", "''"],
    "structure_seed": ["abc", "-1", "2.5"],
    "output.figure": ["abc", "5"],
}


@st.composite
def overrides(draw, scenario: str) -> list[tuple[str, str, str | None]]:
    """(key, value text, invalid class or None) for some keys of the scenario."""
    keys = {f"model.{p.name}": number(p) for p in MODEL}
    if scenario in PLAIN:
        keys |= {
            f"population.defaults.{p.name}": trait_value(p) for p in TRAITS if p.name != "threshold"
        }
    keys["seed"] = count(0, 2**63 - 1, 2**63 - 1)
    keys["steps"] = count(0, 30, MAX_STEPS)
    keys["replicates"] = count(1, 3, 1_000_000)
    keys["structure_seed"] = st.one_of(
        st.just(("null", None)), st.integers(0, 2**40).map(lambda v: (str(v), None))
    )
    keys["network.kind"] = st.one_of(
        st.sampled_from(["complete", "ties"]).map(lambda v: (v, None)),
        st.sampled_from(["star", "5", "null"]).map(lambda v: (v, "choice")),
    )
    for p in NETWORK:  # the kind stays complete or ties: the other kinds' sizes are inert
        if not (p.choices or getattr(p, "text", False)):
            keys[f"network.{p.name}"] = number(p, small=True)
    keys["scenario_title"] = st.text("abcdef ", min_size=1, max_size=8).map(
        lambda v: (f"'{v}'", None)
    )
    if scenario in SYRIA_LIKE:
        for role in SYRIA_ROLES:
            keys[f"population.roles.{role}.count"] = count(0, 40, 10_000_000)
    regions = ["nation"] if scenario not in SYRIA_LIKE else ["east", "capital"]
    keys["events"] = st.one_of(
        st.tuples(st.integers(0, 200), st.floats(-1, 1)).map(
            lambda t: (f"[{{kind: survival_shock, step: {t[0]}, size: {_text(t[1])}}}]", None)
        ),
        st.tuples(st.sampled_from(regions), st.integers(0, 50)).map(
            lambda t: (
                f"[{{kind: rebellion_shock, step: {t[1]}, region: {t[0]}, size: 0.1}}]",
                None,
            )
        ),
        st.sampled_from(
            [
                "[{kind: survival_shock, step: -1}]",
                "[{kind: survival_shock, step: 2, size: nan}]",
                "[{kind: rebellion_shock, step: 2, region: mars}]",
                "[{kind: survival_shock, step: 1e30}]",
            ]
        ).map(lambda v: (v, "event")),
    )
    chosen = draw(st.lists(st.sampled_from(sorted(keys)), max_size=5, unique=True))
    out = []
    for key in chosen:
        text, bad = draw(keys[key])
        out.append((key, text, bad))
    if draw(st.integers(0, 5)) == 0:  # a whole section of the wrong type
        key = draw(st.sampled_from(sorted(SECTIONS)))
        out = [o for o in out if not o[0].startswith(key)]
        out.append((key, draw(st.sampled_from(SECTIONS[key])), "section type"))
    return out


@st.composite
def events_file(draw) -> tuple[str | bytes, str | None]:
    good = [
        "events:\n  - id: a\n    model: {kind: survival_shock, step: 3, size: -0.2}\n",
        "events:\n  - id: note\n    date: 2012-01-01\n",
        "events: []\n",
    ]
    bad = [
        ("events: [unclosed\n", "file"),
        ("- a\n- b\n", "file"),
        ("42\n", "file"),
        ("events: [1, 2]\n", "file"),
        ("events: [{model: 5}]\n", "file"),
        (b"\xff\xfe\x00binary\x00", "file"),
        ("events:\n  - &a [*a]\n", "file"),
        ("!!python/object/apply:os.system ['true']\n", "file"),
        ("events: [{model: {_target_: builtins.open, file: x}}]\n", "code"),
        ("events: [{model: {kind: survival_shock, step: 1, size: .nan}}]\n", "file"),
    ]
    if draw(st.booleans()):
        return draw(st.sampled_from(good)), None
    return draw(st.sampled_from(bad))


@st.composite
def scenario_file(draw) -> tuple[str, str | None]:
    """A scenario for ``--config-dir``: kuran_ten, changed validly or not."""
    doc = yaml.safe_load(KURAN)
    kind = draw(st.sampled_from(["steps", "title", "nan", "code", "section", "count", "yaml"]))
    head = "# @package _global_\n"
    if kind == "steps":
        doc["steps"] = draw(st.integers(0, 30))
    elif kind == "title":
        doc["scenario_title"] = draw(st.text("abc xyz", min_size=1, max_size=10))
    elif kind == "nan":
        doc["model"]["peer_weight"] = float("nan")
    elif kind == "code":
        where = draw(st.sampled_from(["model", "hydra", "extra"]))
        evil = {"_target_": "builtins.open", "file": "victim.txt", "mode": "w"}
        if where == "hydra":
            doc["hydra"] = {"callbacks": {"evil": evil}}
        elif where == "extra":
            doc["description"] = evil
        else:
            doc["model"]["_target_"] = "builtins.print"
    elif kind == "section":
        doc[draw(st.sampled_from(["network", "population", "rebellion"]))] = 5
    elif kind == "count":
        doc["population"]["roles"]["official"]["count"] = 2.5
    else:
        return head + "model: [unclosed\n", "yaml"
    bad = None if kind in {"steps", "title"} else kind
    return head + yaml.safe_dump(doc, sort_keys=False), bad


@st.composite
def cases(draw) -> Case:
    case = Case()
    if draw(st.integers(0, 7)) == 0:  # a scenario file of an extra config folder
        text, bad = draw(scenario_file())
        case.files["extra/scenario/fuzz.yaml"] = text
        case.argv += ["--config-dir", "extra"]
        name = scenario = "fuzz"
        if bad:
            case.invalid.append(f"scenario file: {bad}")
    elif draw(st.integers(0, 9)) == 0:
        name = draw(st.sampled_from(BAD_NAMES))
        case.invalid.append("scenario name")
        scenario = "kuran_ten"
    else:
        scenario = name = draw(st.sampled_from(SCENARIOS))
    case.argv.append(f"scenario={name}")
    if draw(st.integers(0, 5)) == 0:
        content, bad = draw(events_file())
        case.files["events.yaml"] = content
        case.argv.append("events_file=events.yaml")
        if bad:
            case.invalid.append(f"events file: {bad}")
    for key, text, bad in draw(overrides(scenario if scenario != "fuzz" else "kuran_ten")):
        case.argv.append(f"{key}={text}")
        if bad:
            case.invalid.append(f"{key}: {bad}")
    if draw(st.integers(0, 4)) == 0:
        case.argv = ["--multirun", *case.argv, "model.peer_weight=0.5,1.0"]
        case.argv = [a for a in case.argv if not a.startswith("model.peer_weight=") or "," in a]
        case.invalid = [i for i in case.invalid if not i.startswith("model.peer_weight")]
    return case


# --- one case -----------------------------------------------------------------------------------
class HangError(Exception):
    pass


@contextlib.contextmanager
def time_bound(seconds: int):
    def alarm(signum, frame):
        raise HangError(f"more than {seconds} s")

    old = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def outcome(case: Case) -> tuple[str, str]:
    """'refused', 'ran', or a failure: 'traceback', 'hang', 'accepted invalid',
    'refused valid', 'multi-line', 'non-finite result', 'written'."""
    with tempfile.TemporaryDirectory(prefix="fuzz-") as tmp:
        folder = Path(tmp)
        for rel, content in case.files.items():
            path = folder / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content)
        before = sorted(folder.rglob("*"))
        cwd = os.getcwd()
        os.chdir(folder)
        try:
            result = _check(case)
        finally:
            os.chdir(cwd)
        if sorted(folder.rglob("*")) != before:
            return "written", str(sorted(set(folder.rglob("*")) - set(before)))
        return result


def _check(case: Case) -> tuple[str, str]:
    from sim.engine.batch import run_batch

    try:
        with time_bound(BOUND_SECONDS):
            try:
                runs = precheck(case.argv)
            except ConfigError as e:
                text = str(e)
                if "\n" in text:
                    return "multi-line", text
                return ("refused" if not case.valid else "refused valid"), text
            if not case.valid:
                return "accepted invalid", "; ".join(case.invalid)
            for run in runs:
                batch = run_batch(run, [run.seed], min(run.steps, 5))
                if not all(np.isfinite(v).all() for v in batch.curves.values()):
                    return "non-finite result", ""
            return "ran", ""
    except HangError as e:
        return "hang", str(e)
    except Exception as e:
        return "traceback", f"{type(e).__name__}: {str(e)[:300]}"


GOOD = {"refused", "ran"}


def fuzz(examples: int, shard: int, tally: collections.Counter) -> None:
    @seed(shard)
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=cases())
    def check(case: Case) -> None:
        result, detail = outcome(case)
        tally[result] += 1
        tally["valid" if case.valid else "invalid"] += 1
        for cls in {c.split(": ")[-1] for c in case.invalid}:
            tally[f"invalid class: {cls}"] += 1
        assert result in GOOD, f"{result}: {' '.join(case.argv)} -> {detail}"

    check()


def test_random_command_lines_are_refused_in_one_line_or_run():
    tally: collections.Counter = collections.Counter()
    fuzz(examples=25, shard=0, tally=tally)
    assert tally["refused"] + tally["ran"] >= 20


@pytest.mark.slow
@pytest.mark.parametrize("shard", range(4))
def test_thousands_of_random_command_lines(shard):
    """500 command lines per shard; the tally goes to $TMPDIR/defection-fuzz/shard<k>.json."""
    tally: collections.Counter = collections.Counter()
    try:
        fuzz(examples=500, shard=1000 + shard, tally=tally)
    finally:
        report = Path(tempfile.gettempdir()) / "defection-fuzz" / f"shard{shard}.json"
        report.parent.mkdir(exist_ok=True)
        report.write_text(json.dumps(dict(tally), indent=1, sort_keys=True))
    assert tally["ran"] > 0 and tally["refused"] > 0
