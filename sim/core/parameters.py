"""Every model parameter and every per-official trait, declared once.

A declaration gives the name (the YAML key, the constructor keyword, the agent attribute
and the CSV column all use it), the default, the allowed values, the symbol of ODD.md,
the unit and a one-line meaning. Everything else is derived from these declarations:

- the config defaults (:mod:`sim.config.compose` registers them with Hydra);
- the validation at the boundary and its one-line errors (:mod:`sim.config.schema`);
- the ``--help`` listing of keys (:mod:`sim.config.help`);
- ODD.md's parameter tables (``python -m sim.config.help --odd`` prints them; a test
  checks that ODD.md shows them);
- the classroom app's sliders (parameters with a ``slider`` label);
- :class:`sim.analysis.MeanField`'s defaults;
- :data:`ModelParams`, the record the compiled mathematics (:mod:`sim.core.rule`) reads.

Adding a parameter is one entry here; the rule that uses it reads it as
``params.<name>``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, NamedTuple

INF = math.inf
#: the longest trend memory and extra forecast horizon (steps): the compiled code keeps
#: this much history and this many forecasts
MAX_MEMORY = 52
MAX_HORIZON = 52


@dataclass(frozen=True)
class Parameter:
    """One declared parameter.

    Attributes:
        name: the key, keyword, attribute and column name.
        default: the value used when a config does not set it.
        symbol: the symbol of ODD.md's equations.
        meaning: one line, for ``--help``, ODD.md and docstrings.
        low, high: the allowed range (inclusive unless ``low_open``/``high_open``).
        integer: integer-valued.
        choices: for a categorical parameter, its allowed names (the compiled code sees
            the index of the chosen name).
        unit: what the number measures.
        slider: label of the classroom app's slider for it, if the app shows one.
        listing: a categorical parameter that also takes a list of official ids or names.
        text: a free text (a file path); empty means unset.
    """

    name: str
    default: float | int | str
    symbol: str
    meaning: str
    low: float = 0.0
    high: float = INF
    low_open: bool = False
    high_open: bool = False
    integer: bool = False
    choices: tuple[str, ...] = ()
    unit: str = "utility"
    slider: str | None = None
    listing: bool = False
    text: bool = False

    def allowed(self) -> str:
        """What the boundary accepts, in words (the end of a one-line error)."""
        if self.text:
            return "a file path"
        if self.choices:
            extra = " or a list of official ids or names" if self.listing else ""
            return "one of " + ", ".join(self.choices) + extra
        kind = "an integer" if self.integer else "a number"
        if (self.low, self.high, self.low_open, self.high_open) == (0.0, 1.0, False, False):
            return "a probability in [0, 1]"
        if self.low == -INF and self.high == INF:
            return f"a finite {'integer' if self.integer else 'number'}"
        if self.high == INF:
            return f"{kind} {'>' if self.low_open else '>='} {self.low:g}"
        if self.low == -INF:
            return f"{kind} {'<' if self.high_open else '<='} {self.high:g}"
        left = "(" if self.low_open else "["
        right = ")" if self.high_open else "]"
        return f"{kind} in {left}{self.low:g}, {self.high:g}{right}"

    def range_text(self) -> str:
        """The range as ODD.md's tables write it: ``≥ 0``, ``[0, 1]``, ``(0, 1)``."""
        if self.text:
            return "path"
        if self.choices:
            extra = ", a list of ids or names" if self.listing else ""
            return ", ".join(f"`{c}`" for c in self.choices) + extra
        if self.low == -INF and self.high == INF:
            return "real"
        prefix = "integer " if self.integer else ""
        if self.high == INF:
            return f"{prefix}{'>' if self.low_open else '≥'} {self.low:g}"
        left = "(" if self.low_open else "["
        right = ")" if self.high_open else "]"
        return f"{prefix}{left}{self.low:g}, {self.high:g}{right}"

    def accepts(self, value: Any) -> bool:
        """Whether ``value`` is allowed (a finite number of the right kind, in range)."""
        if self.text:
            return isinstance(value, str)
        if self.listing and isinstance(value, list | tuple):
            return all(
                isinstance(v, str) or (isinstance(v, int) and not isinstance(v, bool))
                for v in value
            )
        if self.choices:
            return isinstance(value, str) and value in self.choices
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        if not math.isfinite(value) or (self.integer and int(value) != value):
            return False
        above = value > self.low if self.low_open else value >= self.low
        below = value < self.high if self.high_open else value <= self.high
        return above and below


def _weight(name: str, default: float, symbol: str, meaning: str, **kw: Any) -> Parameter:
    return Parameter(name, default, symbol, meaning, **kw)


#: The model-level parameters: the config's ``model`` block, in ODD.md's order.
MODEL: tuple[Parameter, ...] = (
    _weight("disaffection_weight", 1.0, "a", "weight of private disaffection x_i"),
    _weight("peer_weight", 1.0, "w_peer", "weight of the share of network neighbours who defected"),
    _weight(
        "tribal_pressure_weight",
        0.0,
        "w_tribe",
        "weight of the rank-weighted share of one's tribe who defected",
        slider="tribal pressure",
    ),
    _weight(
        "danger_weight",
        0.0,
        "w_danger",
        "weight of rebellion in one's home region",
        slider="danger",
    ),
    _weight(
        "retribution_weight",
        0.0,
        "w_ret",
        "weight of the retribution τ_i·X_i·(1 − p) a loyalist expects if the regime falls",
        slider="retribution",
    ),
    _weight("defector_credit", 0.0, "c_early", "credit a defector earns while p = 1"),
    _weight(
        "late_defector_contempt",
        0.0,
        "c_late",
        "contempt a defector earns once p = 0",
        slider="late contempt",
    ),
    _weight(
        "privilege_weight",
        0.0,
        "w_priv",
        "weight of the privileges W_i·p lost by defecting",
        slider="privileges",
    ),
    _weight(
        "defector_punishment",
        0.0,
        "K",
        "punishment K·p of a defector and his family if the regime survives",
    ),
    Parameter(
        "detection_probability",
        0.0,
        "q",
        "chance per preparing step that the secret police catch the official",
        high=1.0,
        unit="probability per step",
        slider="detection",
    ),
    Parameter(
        "escape_probability",
        0.0,
        "e",
        "chance per step that an arrested official escapes abroad (and defects)",
        high=1.0,
        unit="probability per step",
    ),
    Parameter(
        "initial_survival",
        0.9,
        "p_0",
        "perceived survival of the regime before any defection or rebellion",
        high=1.0,
        low_open=True,
        high_open=True,
        unit="probability",
    ),
    Parameter(
        "survival_defection_sensitivity",
        0.0,
        "b_D",
        "log-odds of survival lost per unit of rank-weighted share defected",
        unit="log-odds",
    ),
    Parameter(
        "survival_rebellion_sensitivity",
        0.0,
        "b_R",
        "log-odds of survival lost per unit of mean rebellion",
        unit="log-odds",
    ),
    Parameter(
        "rebellion_feedback_weight",
        0.0,
        "f",
        "rebellion added to a region per unit of its rank-weighted share defected",
        unit="rebellion level",
    ),
    Parameter(
        "initial_defected_share",
        0.0,
        "x_0",
        "share of the unnamed officials already defected at step 0 (chosen by "
        "initial_defectors; a share > 0 gives at least one)",
        high=1.0,
        unit="share",
    ),
    Parameter(
        "initial_defectors",
        "lowest_threshold",
        "",
        "who the initial defectors are: the lowest thresholds (ties by id), uniformly at "
        "random (dynamics stream), the highest degree or betweenness, or a list of ids or names",
        choices=("lowest_threshold", "random", "degree", "betweenness"),
        listing=True,
        unit="rule",
    ),
    Parameter(
        "peer_threshold",
        "share",
        "",
        "the peer signal s_peer: the share of one's neighbours who defected (Watts 2002) or "
        "their count (Centola & Macy 2007)",
        choices=("share", "count"),
        unit="kind",
    ),
    Parameter(
        "loyalty_bonus",
        0.0,
        "b_L",
        "the regime raises loyal officials' privileges to W_i·(1 + b_L·D_t) as defections "
        "mount (D_t: rank-weighted share defected)",
        unit="per unit of D_t",
    ),
    Parameter(
        "backing_weight",
        0.0,
        "b_B",
        "log-odds of survival the regime gains per unit of outside backing (the `backing` "
        "schedule, in [0, 1])",
        unit="log-odds",
    ),
    Parameter(
        "collapse_survival",
        0.0,
        "p_c",
        "the regime collapses when p_t falls below p_c (p = 0 from then on); 0: never",
        high=1.0,
        high_open=True,
        unit="probability",
    ),
    Parameter(
        "targeted_repression",
        0.0,
        "r",
        "the secret police watch the tribes whose members defected: detection q·(1 + r·s_tribe)",
        unit="per unit of tribe share",
    ),
    Parameter(
        "purge_rate",
        0.0,
        "π",
        "chance per step that a loyal official is purged (arrested), per unit of his tribe's "
        "defected share",
        high=1.0,
        unit="probability per step",
    ),
    Parameter(
        "expectations",
        "myopic",
        "",
        "how officials forecast p: myopic (p_t), adaptive (a belief moving to p_t), "
        "extrapolative (the recent trend of p)",
        choices=("myopic", "adaptive", "extrapolative"),
        unit="kind",
    ),
    Parameter(
        "adaptation_rate",
        0.5,
        "λ",
        "adaptive expectations: share of the gap to p_t the belief closes each step",
        high=1.0,
        low_open=True,
        unit="per step",
    ),
    Parameter(
        "trend_memory",
        4,
        "m",
        "extrapolative expectations: steps over which the trend of p is measured",
        low=1,
        high=MAX_MEMORY,
        integer=True,
        unit="steps",
    ),
    Parameter(
        "forecast_horizon",
        0,
        "h",
        "steps an official looks beyond the day his defection would become public (t + k_i)",
        high=MAX_HORIZON,
        integer=True,
        unit="steps",
    ),
    Parameter(
        "privilege_rate",
        0.02,
        "ρ",
        "timing=stopping: share of the privileges W_i that one more step of loyalty pays",
        high=1.0,
        unit="per step",
    ),
    Parameter(
        "timing",
        "threshold",
        "",
        "threshold: leave when Δ_i ≥ T_i; stopping: leave when waiting one more step "
        "costs more than it pays (ODD 7.8)",
        choices=("threshold", "stopping"),
        unit="kind",
    ),
)

#: The per-official traits: drawn for each official from the population's distributions
#: (``population.defaults``, a role, a tribe or a named official's own entry).
TRAITS: tuple[Parameter, ...] = (
    Parameter("disaffection", 0.0, "x_i", "private disaffection, Kuran's hidden preference"),
    Parameter("privileges", 0.0, "W_i", "what loyalty pays"),
    Parameter("exposure", 0.0, "X_i", "retribution faced if caught loyal on the losing side"),
    Parameter(
        "amnesty_trust",
        0.0,
        "τ_i",
        "trust that defecting spares one that retribution",
        high=1.0,
        unit="probability",
    ),
    Parameter("threshold", 0.5, "T_i", "personal threshold: Δ_i ≥ T_i starts preparing", low=-INF),
    Parameter(
        "preparation_time",
        0,
        "k_i",
        "steps needed to move family and money out unseen",
        integer=True,
        unit="steps",
    ),
    Parameter(
        "rank_weight", 1.0, "r_i", "how loudly the official's defection is heard", unit="weight"
    ),
)

#: The network's keys (``network.*``, ODD 7.5): which kind of graph, and its sizes. Not read
#: by the compiled code: :mod:`sim.world.network` builds the graph from them.
NETWORK: tuple[Parameter, ...] = (
    Parameter(
        "kind",
        "complete",
        "",
        "the graph of ties (ODD 7.5); ties: tribe, institution and random layers",
        choices=(
            "complete",
            "ties",
            "ring_lattice",
            "watts_strogatz",
            "erdos_renyi",
            "barabasi_albert",
            "block",
            "edge_list",
        ),
        unit="kind",
    ),
    Parameter(
        "tribe_degree", 0.0, "z_tribe", "ties: expected ties within one's tribe", unit="ties"
    ),
    Parameter(
        "institution_degree",
        0.0,
        "z_inst",
        "ties: expected ties within one's role (institution)",
        unit="ties",
    ),
    Parameter("random_degree", 0.0, "z_rand", "ties: expected ties to anyone", unit="ties"),
    Parameter(
        "k",
        4,
        "k",
        "ring_lattice, watts_strogatz: ties per official (k/2 on each side); even, < N",
        integer=True,
        unit="ties",
    ),
    Parameter(
        "rewiring",
        0.0,
        "β",
        "watts_strogatz: chance that a lattice tie is rewired to a random official",
        high=1.0,
        unit="probability",
    ),
    Parameter(
        "mean_degree",
        4.0,
        "z",
        "erdos_renyi: expected ties per official; barabasi_albert: 2m, an even integer",
        unit="ties",
    ),
    Parameter(
        "blocks",
        "tribe",
        "",
        "block: the groups of the stochastic block model",
        choices=("tribe", "role", "region"),
        unit="kind",
    ),
    Parameter("within_degree", 0.0, "z_in", "block: expected ties within one's block", unit="ties"),
    Parameter(
        "between_degree",
        0.0,
        "z_out",
        "block: expected ties to officials of other blocks",
        unit="ties",
    ),
    Parameter(
        "file",
        "",
        "",
        "edge_list: a CSV of ties (columns source,target[,layer]: official ids or names) "
        "or a GraphML file",
        text=True,
        unit="path",
    ),
    Parameter(
        "combine",
        "union",
        "",
        "how layers combine: union (one graph) or any_layer (tipped when the threshold is "
        "met in any one layer; Brummitt, Lee & Goh 2012)",
        choices=("union", "any_layer"),
        unit="kind",
    ),
)
NETWORK_BY_NAME: dict[str, Parameter] = {p.name: p for p in NETWORK}

MODEL_BY_NAME: dict[str, Parameter] = {p.name: p for p in MODEL}

# the codes of the categorical parameters, as the compiled code compares them
MYOPIC, ADAPTIVE, EXTRAPOLATIVE = (
    MODEL_BY_NAME["expectations"].choices.index(k) for k in ("myopic", "adaptive", "extrapolative")
)
THRESHOLD, STOPPING = (MODEL_BY_NAME["timing"].choices.index(k) for k in ("threshold", "stopping"))
SHARE, COUNT = (MODEL_BY_NAME["peer_threshold"].choices.index(k) for k in ("share", "count"))
TRAITS_BY_NAME: dict[str, Parameter] = {p.name: p for p in TRAITS}


def _field_type(p: Parameter) -> type:
    return int if (p.integer or p.choices) else float


#: The model parameters as the compiled code reads them: ``params.peer_weight``, ... A
#: categorical parameter is the index of its choice. Build one with :func:`model_params`.
ModelParams = NamedTuple("ModelParams", [(p.name, _field_type(p)) for p in MODEL])  # type: ignore[misc]


def model_defaults() -> dict[str, Any]:
    """Every model parameter's default, by name."""
    return {p.name: p.default for p in MODEL}


def network_defaults() -> dict[str, Any]:
    """Every network key's default, by name."""
    return {p.name: p.default for p in NETWORK}


def trait_defaults() -> dict[str, Any]:
    """Every trait's default, by name (``population.defaults`` when a config sets none)."""
    return {p.name: p.default for p in TRAITS}


def model_params(values: dict[str, Any] | None = None, **overrides: Any) -> ModelParams:
    """The compiled code's record of the model parameters: defaults, then ``values``,
    then ``overrides``. Values are trusted (the boundary, :mod:`sim.config`, checks them)."""
    merged = model_defaults() | dict(values or {}) | overrides
    fields = []
    for p in MODEL:
        value = merged[p.name]
        if p.listing and isinstance(value, list | tuple):
            fields.append(len(p.choices))  # a list (the compiled code does not read it)
        elif p.choices:
            fields.append(p.choices.index(value))
        else:
            fields.append(int(value) if p.integer else float(value))
    return ModelParams(*fields)


def as_dict(params: ModelParams) -> dict[str, Any]:
    """The inverse of :func:`model_params`: names and values (choices by name)."""
    out: dict[str, Any] = {}
    for p, value in zip(MODEL, params, strict=True):
        out[p.name] = (
            (p.choices[value] if value < len(p.choices) else "list") if p.choices else value
        )
    return out
