"""Scenario format v1: the typed, validated description of a strategic dialogue.

A scenario holds the actors at (and around) the table, the agenda issues with each actor's
position and salience, the relations between actors (alliance ties, threat perceptions), the
focal actor's options and how each changes the world, the uncertain world parameters, the game
the options are played in, and the decision-maker's criteria. Every number refers to a source in
the scenario's ``sources`` registry; analyst judgements are flagged ``judgement: true``.

Validation is in two passes: pydantic v2 checks types, ranges and unknown keys (``extra="forbid"``
everywhere); :func:`semantic_problems` then resolves every reference (actors, issues, sources,
options, parameters) and checks values against their declared scales. Both passes report every
problem with its path so the loader can map it back to the YAML line and column.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
from collections.abc import Iterator
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StringConstraints,
    model_serializer,
    model_validator,
)

from melian.reprs import amount
from melian.scenario.paths import ViewPathError, overlay, resolve

SCHEMA_VERSION = 1

Id = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$", min_length=1, max_length=80),
]
Text = Annotated[str, StringConstraints(max_length=20_000)]
Path = tuple[str | int, ...]


def did_you_mean(name: str, known: Iterator[str] | list[str] | set[str] | tuple[str, ...]) -> str:
    """A hint `` (did you mean 'x'?)`` naming the known names closest to ``name`` ("" if none).

    Parameters
    ----------
    name : str
        The unknown name as written.
    known : iterable of str
        The names it should have been one of.

    Returns
    -------
    str
        The hint, with a leading space, or an empty string when no known name is close.
    """
    close = difflib.get_close_matches(name, sorted(set(known)), n=2, cutoff=0.6)
    if not close:
        return ""
    return " (did you mean " + " or ".join(repr(c) for c in close) + "?)"


#: Display names in other languages, keyed by BCP 47 language tag (``ar``, ``fr``, ``zh-Hans``...).
Names = dict[Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")], Text]


class Strict(BaseModel):
    """Base of every scenario model: unknown keys are rejected, instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


# --------------------------------------------------------------------------- sources, metadata
class Source(Strict):
    """A citable source: what it is, where it can be found, and its date."""

    citation: Text = Field(min_length=1)
    address: Text | None = None
    date: Text | None = None
    kind: Literal["document", "dataset", "statement", "judgement", "derived"] = "document"
    note: Text | None = None


Confidence = Literal["low", "medium", "high"]


class Sourced(Strict):
    """Mixin fields of every sourced number: source key, judgement flag, confidence, note."""

    source: Id
    judgement: bool = False
    confidence: Confidence | None = None
    note: Text | None = None


# --------------------------------------------------------------------------- uncertain values
DistKind = Literal["fixed", "uniform", "triangular", "normal", "lognormal", "beta", "discrete"]

_DIST_FIELDS: dict[str, set[str]] = {
    "fixed": {"value"},
    "uniform": {"low", "high"},
    "triangular": {"low", "mode", "high"},
    "normal": {"mean", "sd"},
    "lognormal": {"mu", "sigma"},
    "beta": {"alpha", "beta"},
    "discrete": {"values"},
}
_DIST_OPTIONAL: dict[str, set[str]] = {
    "normal": {"low", "high"},
    "lognormal": {"low", "high"},
    "beta": {"low", "high"},
    "discrete": {"weights"},
}
_ALL_DIST_FIELDS = {
    "value",
    "low",
    "high",
    "mode",
    "mean",
    "sd",
    "mu",
    "sigma",
    "alpha",
    "beta",
    "values",
    "weights",
}


#: Frozen scipy distributions by their defining numbers (:meth:`Distribution._frozen`).
_FROZEN: dict[tuple[Any, ...], Any] = {}


class Distribution(Strict):
    """A value or a probability distribution over it.

    ``fixed`` (value), ``uniform`` (low, high), ``triangular`` (low, mode, high), ``normal``
    (mean, sd; optional truncation low/high), ``lognormal`` (mu, sigma of the log; optional
    low/high truncation), ``beta`` (alpha, beta on [low, high], default [0, 1]) and ``discrete``
    (values with optional weights, uniform by default). A bare ``value`` means ``fixed``.
    """

    dist: DistKind = "fixed"
    value: float | None = None
    low: float | None = None
    high: float | None = None
    mode: float | None = None
    mean: float | None = None
    sd: float | None = Field(default=None, gt=0)
    mu: float | None = None
    sigma: float | None = Field(default=None, gt=0)
    alpha: float | None = Field(default=None, gt=0)
    beta: float | None = Field(default=None, gt=0)
    values: list[float] | None = Field(default=None, min_length=1, max_length=10_000)
    weights: list[float] | None = None

    @model_validator(mode="after")
    def _check_fields(self) -> Distribution:
        need = _DIST_FIELDS[self.dist]
        allowed = need | _DIST_OPTIONAL.get(self.dist, set())
        given = {f for f in _ALL_DIST_FIELDS if getattr(self, f) is not None}
        missing = need - given
        if missing:
            raise ValueError(f"a {self.dist} distribution needs {', '.join(sorted(missing))}")
        extra = given - allowed
        if extra:
            raise ValueError(f"a {self.dist} distribution does not take {', '.join(sorted(extra))}")
        for name in given - {"values", "weights"}:
            if not math.isfinite(getattr(self, name)):
                raise ValueError(f"{name} must be a finite number")
        if self.values is not None and not all(math.isfinite(v) for v in self.values):
            raise ValueError("values must be finite numbers")
        lo, hi = self.low, self.high
        if lo is not None and hi is not None and not lo < hi:
            raise ValueError(f"low ({lo}) must be below high ({hi})")
        if self.dist == "triangular" and not (lo <= self.mode <= hi):  # type: ignore[operator]
            raise ValueError(f"mode ({self.mode}) must lie in [low, high] = [{lo}, {hi}]")
        if self.dist == "discrete" and self.weights is not None:
            if len(self.weights) != len(self.values or []):
                raise ValueError("weights must have one entry per value")
            if any(w < 0 or not math.isfinite(w) for w in self.weights) or sum(self.weights) <= 0:
                raise ValueError("weights must be non-negative with a positive sum")
        return self

    # -- numerical interface ------------------------------------------------------------
    @property
    def is_fixed(self) -> bool:
        """True if the value is certain (a ``fixed`` distribution)."""
        return self.dist == "fixed"

    def _frozen(self) -> Any:  # noqa: ANN401
        """The scipy.stats frozen distribution (continuous kinds only), built once per shape.

        Freezing a scipy distribution costs ~1 ms (it builds its docstring and signatures);
        samplers call :meth:`ppf` per parameter and draw, so frozen distributions are cached by
        their defining numbers (they are immutable, like this model).
        """
        key = (self.dist, self.low, self.high, self.mode, self.mean, self.sd, self.mu)
        key += (self.sigma, self.alpha, self.beta)
        hit = _FROZEN.get(key)
        if hit is None:
            if len(_FROZEN) >= 4096:
                _FROZEN.clear()
            hit = _FROZEN[key] = self._freeze()
        return hit

    def _freeze(self) -> Any:  # noqa: ANN401
        """A new scipy.stats frozen distribution (see :meth:`_frozen`)."""
        from scipy import stats  # imported on first use: scipy.stats costs ~0.3 s to import

        if self.dist == "uniform":
            return stats.uniform(self.low, self.high - self.low)  # type: ignore[operator]
        if self.dist == "triangular":
            width = self.high - self.low  # type: ignore[operator]
            return stats.triang((self.mode - self.low) / width, self.low, width)  # type: ignore[operator]
        if self.dist == "normal":
            if self.low is None and self.high is None:
                return stats.norm(self.mean, self.sd)
            a = -np.inf if self.low is None else (self.low - self.mean) / self.sd  # type: ignore[operator]
            b = np.inf if self.high is None else (self.high - self.mean) / self.sd  # type: ignore[operator]
            return stats.truncnorm(a, b, loc=self.mean, scale=self.sd)
        if self.dist == "lognormal":
            base = stats.lognorm(self.sigma, scale=math.exp(self.mu))  # type: ignore[arg-type]
            if self.low is None and self.high is None:
                return base
            return _Truncated(base, self.low, self.high)
        if self.dist == "beta":
            lo = 0.0 if self.low is None else self.low
            hi = 1.0 if self.high is None else self.high
            return stats.beta(self.alpha, self.beta, loc=lo, scale=hi - lo)
        raise AssertionError(self.dist)

    def ppf(self, u: np.ndarray | float) -> np.ndarray:
        """Quantile function: map uniforms in [0, 1] to values of this distribution."""
        u = np.clip(np.asarray(u, dtype=float), 0.0, 1.0)
        if self.dist == "fixed":
            return np.full_like(u, float(self.value))  # type: ignore[arg-type]
        if self.dist == "discrete":
            vals = np.asarray(self.values, dtype=float)
            w = np.ones_like(vals) if self.weights is None else np.asarray(self.weights, float)
            cdf = np.cumsum(w) / w.sum()
            idx = np.searchsorted(cdf, u, side="left")
            return vals[np.minimum(idx, len(vals) - 1)]
        # keep quantiles finite for unbounded distributions
        q = np.clip(u, 1e-9, 1 - 1e-9)
        closed = self._closed_ppf(q)
        if closed is not None:
            return closed
        return np.asarray(self._frozen().ppf(q), dtype=float)

    def _closed_ppf(self, q: np.ndarray) -> np.ndarray | None:
        """The quantiles of the kinds with a closed form (uniform, triangular, normal and
        log-normal without bounds), written as scipy.stats computes them, so that the values are
        bit-identical to the frozen distribution's (tested) without its per-call overhead (about
        0.4 ms under a profiler, paid per parameter and option in every call of an exploration); ``None`` for the
        other kinds.
        """
        if self.dist == "uniform":
            return np.asarray(q * (self.high - self.low) + self.low, dtype=float)  # type: ignore[operator]
        if self.dist == "triangular":
            width = self.high - self.low  # type: ignore[operator]
            c = (self.mode - self.low) / width  # type: ignore[operator]
            x = np.where(q < c, np.sqrt(c * q), 1.0 - np.sqrt((1.0 - c) * (1.0 - q)))
            return np.asarray(x * width + self.low, dtype=float)
        if self.low is not None or self.high is not None:
            return None
        if self.dist == "normal":
            from scipy.special import ndtri  # lazy: scipy only when a distribution is sampled

            return np.asarray(ndtri(q) * self.sd + self.mean, dtype=float)  # type: ignore[operator]
        if self.dist == "lognormal":
            from scipy.special import ndtri

            return np.asarray(np.exp(self.sigma * ndtri(q)) * math.exp(self.mu), dtype=float)  # type: ignore[operator,arg-type]
        return None

    def sample(self, rng: np.random.Generator, size: int | tuple[int, ...]) -> np.ndarray:
        """Draw ``size`` values with the generator ``rng`` (inverse-CDF sampling)."""
        return self.ppf(rng.random(size))

    @property
    def nominal(self) -> float:
        """Central value: the fixed value, else the median of the distribution."""
        if self.dist == "fixed":
            return float(self.value)  # type: ignore[arg-type]
        return float(self.ppf(0.5))

    @property
    def support(self) -> tuple[float, float]:
        """Bounds used for sensitivity sampling: 1st-99th percentile for unbounded kinds."""
        if self.dist == "fixed":
            return (float(self.value), float(self.value))  # type: ignore[arg-type]
        if self.dist == "discrete":
            return (float(min(self.values)), float(max(self.values)))  # type: ignore[arg-type]
        lo = self.low if self.low is not None else float(self.ppf(0.01))
        hi = self.high if self.high is not None else float(self.ppf(0.99))
        if self.dist == "beta":
            lo = 0.0 if self.low is None else self.low
            hi = 1.0 if self.high is None else self.high
        return (float(lo), float(hi))


class _Truncated:
    """A continuous scipy distribution truncated to [low, high] (inverse-CDF on the CDF range)."""

    def __init__(self, base: Any, low: float | None, high: float | None) -> None:  # noqa: ANN401
        self.base = base
        self.a = 0.0 if low is None else float(base.cdf(low))
        self.b = 1.0 if high is None else float(base.cdf(high))

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Quantile of the truncated distribution."""
        return self.base.ppf(self.a + np.asarray(u) * (self.b - self.a))


class Parameter(Distribution):
    """A world or game parameter: a value or distribution, with unit, description and source."""

    source: Id
    judgement: bool = False
    confidence: Confidence | None = None
    unit: Text | None = None
    description: Text | None = None
    note: Text | None = None

    def distribution(self) -> Distribution:
        """The bare distribution of this parameter (no metadata)."""
        return Distribution(**{f: getattr(self, f) for f in Distribution.model_fields})


# --------------------------------------------------------------------------- actors
ActorKind = Literal["state", "faction", "organisation", "armed_group"]


CapabilitySeries = Literal["cow-cinc", "cow-milex", "wb-gdp", "sipri-milex"]


class Capability(Strict):
    """An actor's material (military/economic) capability: a value, or read from a series.

    With ``series`` set (``cow-cinc`` or another series the package ships), the value is read
    from that series for ``code`` (the COW country code) and ``year``, times ``multiplier``. The
    alliance game and the world model use it (security, protection, the pull of a patron's
    power); the bargaining models use :class:`Clout` and fall back to this value only when a
    scenario declares no clout at all.
    """

    value: float | None = Field(default=None, gt=0)
    series: CapabilitySeries | None = None
    code: int | None = None
    year: int | None = Field(default=None, ge=1816, le=2100)
    multiplier: float = Field(default=1.0, gt=0)
    source: Id
    judgement: bool = False
    confidence: Confidence | None = None
    note: Text | None = None

    @model_validator(mode="after")
    def _one_of(self) -> Capability:
        if (self.value is None) == (self.series is None):
            raise ValueError("give either a value or a series (with code and year), not both")
        if self.series is not None and (self.code is None or self.year is None):
            raise ValueError(f"a capability from series {self.series!r} needs code and year")
        return self


class Clout(Strict):
    """An actor's clout at the table: its ability to move the agenda issues of this dialogue.

    ``value`` (or ``series`` with ``code`` and ``year``, times ``multiplier``) is the clout on
    every issue; ``issues`` gives the clout on named issues and overrides ``value`` there. The
    bargaining models weigh actors by it. Clout is relative: only ratios between the actors at
    the table matter, so every actor that sits at the table should state it on the same scale
    (checked when the scenario is loaded). A position's ``power`` overrides both on its issue.
    """

    value: float | None = Field(default=None, gt=0)
    series: CapabilitySeries | None = None
    code: int | None = None
    year: int | None = Field(default=None, ge=1816, le=2100)
    multiplier: float = Field(default=1.0, gt=0)
    issues: dict[Id, Annotated[float, Field(gt=0)]] = Field(default_factory=dict)
    source: Id
    judgement: bool = False
    confidence: Confidence | None = None
    note: Text | None = None

    @model_validator(mode="after")
    def _one_of(self) -> Clout:
        if self.value is not None and self.series is not None:
            raise ValueError("give either a clout value or a series, not both")
        if self.value is None and self.series is None and not self.issues:
            raise ValueError("a clout needs a value, a series or per-issue values (issues)")
        if self.series is not None and (self.code is None or self.year is None):
            raise ValueError(f"a clout from series {self.series!r} needs code and year")
        for k, v in self.issues.items():
            if not math.isfinite(v):
                raise ValueError(f"clout on issue {k!r} must be a finite number")
        return self

    @property
    def has_base(self) -> bool:
        """True if the clout gives a value for every issue (``value`` or ``series``)."""
        return self.value is not None or self.series is not None


class Actor(Strict):
    """A participant in, or a force around, the dialogue.

    ``capability`` is its material capability (game, world); ``clout`` its weight at the table
    (bargaining models). Give at least one: an actor without ``clout`` bargains with its
    capability (the scenario format's behaviour before clout existed), an actor without
    ``capability`` takes its clout's value (or series) as material capability.
    """

    id: Id
    name: Text = Field(min_length=1)
    names: Names = Field(default_factory=dict)
    kind: ActorKind
    parent: Id | None = None
    at_table: bool = True
    capability: Capability | None = None
    clout: Clout | None = None
    description: Text | None = None

    @model_validator(mode="after")
    def _capability_or_clout(self) -> Actor:
        if self.capability is None:
            if self.clout is None:
                raise ValueError("an actor needs a capability (material) or a clout (at the table)")
            if not self.clout.has_base:
                raise ValueError(
                    "an actor without a capability needs a clout value or series (it is then "
                    "also its material capability): add capability, or clout.value"
                )
        return self

    @model_serializer(mode="wrap")
    def _omit_absent_clout(self, handler: Any) -> Any:  # noqa: ANN401
        # An actor without a clout dumps as before the field existed, so that the content hash of
        # scenarios sealed earlier (melian.scenario.loader.content_hash) is unchanged.
        data = handler(self)
        if self.clout is None and isinstance(data, dict):
            data.pop("clout", None)
        return data

    @property
    def material(self) -> Capability | Clout:
        """Where the material capability comes from: ``capability``, else ``clout``."""
        return self.capability if self.capability is not None else self.clout  # type: ignore[return-value]


# --------------------------------------------------------------------------- agenda
class Unit(Strict):
    """Optional mapping of an issue scale to a physical unit (linear between the anchors)."""

    name: Text
    at_min: float
    at_max: float
    source: Id | None = None

    @model_validator(mode="after")
    def _distinct(self) -> Unit:
        if not (math.isfinite(self.at_min) and math.isfinite(self.at_max)):
            raise ValueError("a unit's at_min and at_max must be finite numbers")
        if self.at_min == self.at_max:
            raise ValueError(
                f"a unit's at_min and at_max must differ (both {self.at_min}): the scale's ends "
                "would mean the same amount"
            )
        return self


class Scale(Strict):
    """The scale of one issue: numeric ends and what each end means."""

    min: float = 0.0
    max: float = 100.0
    low: Text = Field(min_length=1, description="what the low end means")
    high: Text = Field(min_length=1, description="what the high end means")
    unit: Unit | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Scale:
        if not (math.isfinite(self.min) and math.isfinite(self.max)) or self.min >= self.max:
            raise ValueError(f"scale min ({self.min}) must be below max ({self.max})")
        return self

    def to_unit(self, x: float) -> float | None:
        """The scale value ``x`` in the declared unit (linear between the unit's anchors at
        ``min`` and ``max``); ``None`` when the scale declares no unit.
        """
        if self.unit is None:
            return None
        frac = (x - self.min) / (self.max - self.min)
        return self.unit.at_min + frac * (self.unit.at_max - self.unit.at_min)

    def unit_amounts(self, *xs: float) -> list[str]:
        """Scale values ``xs`` as amounts in the declared unit, as text rounded to a hundredth
        of the unit's range (:func:`melian.reprs.amount`). The scale must declare a unit.
        """
        if self.unit is None:
            raise ValueError("the scale declares no unit")
        span = abs(self.unit.at_max - self.unit.at_min)
        return [amount(self.to_unit(x), span) for x in xs]

    def unit_interval(self, lo: float, hi: float) -> tuple[str, str]:
        """The interval ``[lo, hi]`` of the scale in the declared unit, low end first (a unit
        may run high to low), as text (:meth:`unit_amounts`).
        """
        if self.unit is not None and self.unit.at_max < self.unit.at_min:
            lo, hi = hi, lo  # the scale's high end is the unit's low one
        a, b = self.unit_amounts(lo, hi)
        return a, b

    def from_unit(self, v: float) -> float:
        """The inverse of :meth:`to_unit`: a value in the declared unit on the scale (``v``
        itself when the scale declares no unit).
        """
        if self.unit is None:
            return float(v)
        frac = (v - self.unit.at_min) / (self.unit.at_max - self.unit.at_min)
        return self.min + frac * (self.max - self.min)


class SourcedValue(Sourced):
    """A sourced number (status quo, reference point)."""

    value: float


class Credibility(Strict):
    """How far an actor can credibly move what it states on one issue (lever analysis).

    ``position``: the largest distance, on the issue's scale, between the position the actor
    states and its true one; ``salience``: the largest change, on the scenario's salience scale,
    of the salience it shows. A missing value takes the documented default of
    :mod:`melian.advise` (15% of the scale width, 15% of the salience scale).
    """

    position: float | None = Field(default=None, ge=0)
    salience: float | None = Field(default=None, ge=0)
    source: Id | None = None
    note: Text | None = None


class Position(Sourced):
    """An actor's stance on one issue: position on the issue scale and salience.

    ``credible`` (optional) bounds how far the actor can credibly state another position or show
    another salience; the lever analysis (:mod:`melian.advise`) searches within it.
    """

    actor: Id
    position: float
    salience: float
    power: float | None = Field(
        default=None,
        gt=0,
        description="issue-specific clout (overrides the actor's clout and capability here)",
    )
    credible: Credibility | None = None


class Threshold(Strict):
    """A threshold on an issue whose crossing probability forecasts report.

    ``value`` is in the issue scale's unit when the scale has one (mapped linearly between the
    unit's ``at_min`` and ``at_max``), else on the scale itself. ``direction`` ``below`` asks for
    P(outcome < value), ``above`` for P(outcome > value). Example: label "troops below 3,000",
    value 3000, direction below.
    """

    value: float
    direction: Literal["below", "above"]
    label: Text = Field(min_length=1)
    source: Id | None = None


class Issue(Strict):
    """An agenda issue (one dimension)."""

    id: Id
    name: Text = Field(min_length=1)
    names: Names = Field(default_factory=dict)
    description: Text | None = None
    scale: Scale
    status_quo: SourcedValue | None = None
    positions: list[Position] = Field(min_length=1)
    thresholds: list[Threshold] = Field(default_factory=list)

    @model_serializer(mode="wrap")
    def _omit_empty_thresholds(self, handler: Any) -> Any:  # noqa: ANN401
        # An issue without thresholds dumps as before the field existed, so that the content
        # hash of scenarios sealed earlier (melian.scenario.loader.content_hash) is unchanged.
        data = handler(self)
        if not self.thresholds and isinstance(data, dict):
            data.pop("thresholds", None)
        return data


class SalienceScale(Strict):
    """The scale on which saliences are written (divided by ``max`` internally)."""

    min: float = 0.0
    max: float = 100.0


# --------------------------------------------------------------------------- relations
class Alliance(Sourced):
    """An ATOP-style alliance tie between two actors (obligation flags)."""

    a: Id
    b: Id
    defense: bool = False
    offense: bool = False
    neutrality: bool = False
    nonaggression: bool = False
    consultation: bool = False
    since: int | None = None
    until: int | None = None


class Threat(Sourced):
    """How strongly ``perceiver`` perceives ``target`` as a threat, on [0, 1]."""

    perceiver: Id
    target: Id
    level: float = Field(ge=0, le=1)


class Relations(Strict):
    """Alliance ties and threat perceptions."""

    alliances: list[Alliance] = Field(default_factory=list)
    threats: list[Threat] = Field(default_factory=list)


# --------------------------------------------------------------------------- options
class Effect(Sourced):
    """How an option changes one world or game parameter: set, add to or multiply it."""

    set: Distribution | float | None = None
    add: float | None = None
    multiply: float | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Effect:
        ops = [op for op in ("set", "add", "multiply") if getattr(self, op) is not None]
        if len(ops) != 1:
            raise ValueError("an effect needs exactly one of set, add, multiply")
        return self

    def apply(self, base: Distribution) -> Distribution:
        """The distribution of the parameter once this effect is applied to ``base``."""
        if self.set is not None:
            return self.set if isinstance(self.set, Distribution) else Distribution(value=self.set)
        scale, shift = (1.0, self.add) if self.add is not None else (self.multiply, 0.0)
        return _affine(base, float(scale), float(shift))  # type: ignore[arg-type]


def _affine(d: Distribution, a: float, b: float) -> Distribution:
    """The distribution of ``a * X + b`` for X ~ d (exact for every kind but beta/lognormal)."""
    data = d.model_dump(include=set(Distribution.model_fields), exclude_none=True)
    if d.dist == "lognormal" and b == 0.0 and a > 0:
        data["mu"] = d.mu + math.log(a)  # type: ignore[operator]
        for k in ("low", "high"):
            if k in data:
                data[k] = data[k] * a
        return Distribution(**data)
    if d.dist in ("lognormal", "beta"):
        # represent the transformed variable as a discrete distribution on 101 quantiles
        q = d.ppf(np.linspace(0.005, 0.995, 100))
        return Distribution(dist="discrete", values=[float(a * x + b) for x in q])
    for k in ("value", "low", "high", "mode", "mean"):
        if k in data:
            data[k] = a * data[k] + b
    if "values" in data:
        data["values"] = [a * v + b for v in data["values"]]
    if "sd" in data:
        data["sd"] = abs(a) * data["sd"]
    if a < 0 and "low" in data and "high" in data:
        data["low"], data["high"] = data["high"], data["low"]
    return Distribution(**data)


class Option(Strict):
    """One of the focal actor's options and how it changes the world.

    ``effects`` maps a parameter path (``component.name``, for example ``fiscal.us_aid``) to its
    change; ``alignment`` says how far the option aligns the focal actor with each other actor
    (-1 opposed .. 1 allied); ``stance`` gives the focal actor's position on issues under it.
    """

    id: Id
    name: Text = Field(min_length=1)
    names: Names = Field(default_factory=dict)
    description: Text | None = None
    status_quo: bool = False
    alignment: dict[Id, float] = Field(default_factory=dict)
    stance: dict[Id, float] = Field(default_factory=dict)
    effects: dict[str, Effect] = Field(default_factory=dict)
    source: Id
    judgement: bool = False


class Focal(Strict):
    """The focal actor (whose decision the scenario studies) and its options."""

    actor: Id
    recommended: Id | None = Field(default=None, description="the option the source argues for")
    options: list[Option] = Field(min_length=1)


# --------------------------------------------------------------------------- world
class Dataset(Strict):
    """A data file the scenario uses (relative to the scenario file or to melian's data)."""

    file: Annotated[
        str, StringConstraints(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_./\-]*$", max_length=200)
    ]
    source: Id
    note: Text | None = None


ParameterGroup = dict[Id, Parameter]


class Component(Strict):
    """One component of the world model: an instance of a component kind (``melian.world``).

    ``kind`` names a kind of the registry (``melian world kinds`` / docs/models/world.md);
    ``parameters`` are the kind's parameters (path ``ID.NAME`` in option effects); ``inputs``
    bind each input role of the kind to the id of the component (or list of components) whose
    states it reads; ``datasets`` bind each dataset role to a name in ``world.datasets``;
    ``actors`` bind each actor role (a lender, the actor imposing sanctions...) to an actor id;
    ``names`` rename the kind's outcomes, events and bands (``{price_mean: export_price_mean}``);
    ``labels`` override their labels per language. ``desirable: true`` declares the component's
    event a wanted one (an investment agreement signed, reinforcements arriving): its probability
    and months count as benefits, higher is better, wherever a direction is read (the world's
    declarations, exploration, the brief); default false, an event to avoid. Only kinds whose
    events can be wanted accept it (``event_hazard``). ``directions`` overrides the direction of
    any of the kind's outcomes or events by its own name, for a focal state that sees it the other
    way (an importer: ``{price_mean: higher_worse}``). Which kinds exist, their parameters, input
    roles and outcomes are checked by the world model (``melian.world.check``).
    """

    id: Id
    kind: Id
    name: Text | None = None
    description: Text | None = None
    inputs: dict[Id, Id | list[Id]] = Field(default_factory=dict)
    datasets: dict[Id, Id] = Field(default_factory=dict)
    actors: dict[Id, Id] = Field(default_factory=dict)
    parameters: ParameterGroup = Field(default_factory=dict)
    names: dict[Id, Id] = Field(default_factory=dict)
    labels: dict[Id, dict[Id, Text]] = Field(default_factory=dict)
    desirable: bool = Field(
        default=False,
        description="true: the component's event is wanted (higher probability is better); "
        "false: an event to avoid",
    )
    directions: dict[Id, Literal["higher_worse", "higher_better"]] = Field(
        default_factory=dict,
        description="the direction of an outcome or event of the kind (its own name) where "
        "this scenario's focal state sees it the other way (an importer: price_mean "
        "higher_worse)",
    )
    note: Text | None = None


class World(Strict):
    """The components of the world model and the data series they are calibrated on.

    A scenario without components has no world model (``simulate`` says so; decide and explore
    then work from the forecasts and the game).
    """

    datasets: dict[Id, Dataset] = Field(default_factory=dict)
    components: list[Component] = Field(default_factory=list)

    def groups(self) -> dict[str, ParameterGroup]:
        """The parameters of each component, by component id."""
        return {c.id: c.parameters for c in self.components}

    def component(self, cid: str) -> Component:
        """The component with id ``cid``."""
        return next(c for c in self.components if c.id == cid)


# --------------------------------------------------------------------------- game
class Response(Strict):
    """A response available to a responding player in the alliance game.

    ``posture`` is the response's stance toward the focal actor, from -1 (hostile: sanctions,
    pressure) through 0 (disengaged, accepting) to 1 (full support); if omitted, melian.games
    takes it from the conventional id (support 1, disengage/accept 0, sanction/pressure -1).
    """

    id: Id
    name: Text = Field(min_length=1)
    names: Names = Field(default_factory=dict, description="the name in other languages")
    description: Text | None = None
    posture: float | None = Field(default=None, ge=-1, le=1)

    @model_serializer(mode="wrap")
    def _omit_empty_names(self, handler: Any) -> Any:  # noqa: ANN401
        # A response without translations dumps as before the field existed, so that the
        # content hash of scenarios sealed earlier (melian.scenario.loader.content_hash) is kept.
        data = handler(self)
        if not self.names and isinstance(data, dict):
            data.pop("names", None)
        return data


class Shock(Strict):
    """A chance move in the extensive-form game (for example an oil-price crash)."""

    id: Id
    name: Text = Field(min_length=1)
    probability: Parameter
    effects: dict[str, Effect] = Field(default_factory=dict)


class Game(Strict):
    """The alliance game: who responds to the focal actor's choice, and the payoff parameters.

    ``patron`` is the great power the focal actor may ally with, ``rival`` the regional rival
    that reacts to alignment, ``alternatives`` other patrons; ``players`` lists the responding
    players in move order; ``parameters`` hold the payoff model's weights (see melian.games).
    ``claims_source`` names the source (a key of ``sources``) that argues the alliance-theory
    propositions the game checks, when one does (the seed paper of the first built-in case):
    they are then reported as that source's claims; without it they are general propositions.
    """

    patron: Id
    rival: Id | None = None
    alternatives: list[Id] = Field(default_factory=list)
    players: list[Id] = Field(min_length=1)
    responses: dict[Id, list[Response]]
    framing: Literal["zero-sum", "variable-sum"] = "variable-sum"
    parameters: dict[Id, Parameter] = Field(default_factory=dict)
    shocks: list[Shock] = Field(default_factory=list)
    claims_source: Id | None = Field(
        default=None,
        description="the source that makes the propositions the game checks (they are then "
        "its claims); default: general alliance-theory propositions",
    )


# --------------------------------------------------------------------------- criteria
class Measure(Strict):
    """Where a criterion's value for each option comes from.

    ``world``: a world-model outcome ``metric`` (with ``stat``); ``game``: a game quantity
    ``metric`` (for example the focal actor's equilibrium payoff); ``forecast``: the forecast
    outcome on ``issue`` (distance to ``target`` if given, else the value); ``judgement``:
    ``scores`` per option, given by the source.
    """

    kind: Literal["world", "game", "forecast", "judgement"]
    metric: Text | None = None
    stat: Literal["mean", "median", "p05", "p95", "cvar95", "probability"] = "mean"
    issue: Id | None = None
    target: float | None = None
    scores: dict[Id, float] | None = None

    @model_validator(mode="after")
    def _needs(self) -> Measure:
        if self.kind in ("world", "game") and not self.metric:
            raise ValueError(f"a {self.kind} measure needs a metric")
        if self.kind == "forecast" and not self.issue:
            raise ValueError("a forecast measure needs an issue")
        if self.kind == "judgement" and not self.scores:
            raise ValueError("a judgement measure needs scores per option")
        return self


class Criterion(Sourced):
    """A decision criterion: what it measures, which way is better, and its weight."""

    id: Id
    name: Text = Field(min_length=1)
    names: Names = Field(default_factory=dict)
    description: Text | None = None
    direction: Literal["max", "min"]
    weight: float = Field(ge=0)
    measure: Measure


class PairwiseJudgement(Sourced):
    """An AHP pairwise comparison: criterion ``a`` is ``ratio`` times as important as ``b``."""

    a: Id
    b: Id
    ratio: float = Field(ge=1 / 9, le=9)


class Metadata(Strict):
    """Identity of the scenario."""

    id: Id
    title: Text = Field(min_length=1)
    titles: Names = Field(default_factory=dict, description="the title in other languages")
    description: Text | None = None
    as_of: dt.date
    schema_version: Literal[1] = 1
    seed: int = Field(default=20200611, ge=0, lt=2**63)
    authors: list[Text] = Field(default_factory=list)
    language: Text = "en"


# --------------------------------------------------------------------------- views
class Override(Strict):
    """One value a view replaces: a ``/``-separated path into the scenario, the value, its source.

    See :mod:`melian.scenario.views` for the path syntax.
    """

    path: Text = Field(min_length=1)
    value: Any
    source: Id
    confidence: Confidence | None = None
    note: Text | None = None


class View(Strict):
    """A named set of alternative judgements (a worldview) with its own sources."""

    id: Id
    name: Text = Field(min_length=1)
    names: Names = Field(default_factory=dict)
    description: Text | None = None
    sources: list[Id] = Field(default_factory=list)
    overrides: list[Override] = Field(min_length=1)


# --------------------------------------------------------------------------- scenario
class Scenario(Strict):
    """A whole strategic-dialogue scenario (format v1)."""

    metadata: Metadata
    sources: dict[Id, Source] = Field(min_length=1)
    actors: list[Actor] = Field(min_length=1)
    salience_scale: SalienceScale = Field(default_factory=SalienceScale)
    issues: list[Issue] = Field(default_factory=list)
    relations: Relations = Field(default_factory=Relations)
    focal: Focal | None = None
    world: World = Field(default_factory=World)
    game: Game | None = None
    criteria: list[Criterion] = Field(default_factory=list)
    criteria_pairwise: list[PairwiseJudgement] = Field(default_factory=list)
    weights_from: Literal["direct", "ahp"] = "direct"
    views: list[View] = Field(default_factory=list)
    _view: str | None = PrivateAttr(default=None)
    _origin: str | None = PrivateAttr(default=None)

    @property
    def view(self) -> str | None:
        """The view this scenario is seen under (``None``: the source's, as written)."""
        return self._view

    def __eq__(self, other: object) -> bool:
        """Same content under the same view (the file it was loaded from does not matter)."""
        if not isinstance(other, Scenario):
            return NotImplemented
        return self.__dict__ == other.__dict__ and self._view == other._view

    @property
    def origin(self) -> str | None:
        """The file the scenario was loaded from (``None``: parsed from text); its datasets are
        looked for beside it first (:func:`melian.scenario.datasets.dataset_path`).
        """
        return self._origin

    # -- lookups ----------------------------------------------------------------------
    @property
    def id(self) -> str:
        """The scenario id."""
        return self.metadata.id

    def actor(self, actor_id: str) -> Actor:
        """The actor with this id (KeyError if none)."""
        for a in self.actors:
            if a.id == actor_id:
                return a
        raise KeyError(actor_id)

    def issue(self, issue_id: str) -> Issue:
        """The issue with this id (KeyError if none)."""
        for i in self.issues:
            if i.id == issue_id:
                return i
        raise KeyError(issue_id)

    def option(self, option_id: str) -> Option:
        """The focal actor's option with this id (KeyError if none)."""
        for o in self.focal.options if self.focal else []:
            if o.id == option_id:
                return o
        raise KeyError(option_id)

    @property
    def option_ids(self) -> list[str]:
        """Ids of the focal actor's options, in declared order."""
        return [o.id for o in self.focal.options] if self.focal else []

    def parameters(self) -> dict[str, Parameter]:
        """Every world and game parameter by its path ``component.name`` (``game.name``)."""
        out = {f"{c}.{k}": p for c, g in self.world.groups().items() for k, p in g.items()}
        if self.game is not None:
            out.update({f"game.{k}": p for k, p in self.game.parameters.items()})
        return out

    def parameters_for(self, option_id: str | None) -> dict[str, Distribution]:
        """Every parameter's distribution once the option's declared effects are applied."""
        params: dict[str, Distribution] = {
            k: p.distribution() for k, p in self.parameters().items()
        }
        if option_id is not None:
            for path, eff in self.option(option_id).effects.items():
                params[path] = eff.apply(params[path])
        return params

    def uncertain_parameters(self) -> dict[str, Parameter]:
        """The parameters that carry a distribution (inputs of sensitivity analysis)."""
        return {k: p for k, p in self.parameters().items() if not p.is_fixed}


def support_bounds(d: Distribution) -> tuple[Path, float, float]:
    """The field holding the distribution's extreme values and its exact support [lo, hi]."""
    inf = math.inf
    if d.dist == "fixed":
        return ("value",), float(d.value), float(d.value)  # type: ignore[arg-type]
    if d.dist == "discrete":
        return ("values",), float(min(d.values)), float(max(d.values))  # type: ignore[arg-type]
    if d.dist == "beta":
        lo = 0.0 if d.low is None else d.low
        return ("dist",), lo, 1.0 if d.high is None else d.high
    if d.dist == "lognormal":
        return ("dist",), 0.0 if d.low is None else d.low, inf if d.high is None else d.high
    return ("dist",), -inf if d.low is None else d.low, inf if d.high is None else d.high


def _capability_clout_problems(s: Scenario) -> Iterator[tuple[Path, str]]:
    """Problems of the actors' capabilities and clouts (see :class:`Actor`).

    Clout and capability are on scales of their own (a judged 0-100 clout, a CINC share), so
    a scale must not be mixed across actors: either every actor at the table that holds a
    position gives a clout, or none does (then all bargain with their capability); either
    every actor gives a capability, or none does (then all take their clout's value). Per-issue
    clouts name issues where the actor holds a position, are not given twice (``clout.issues``
    and the position's ``power``), and an actor whose clout has no value has one on every issue
    where it holds a position.
    """
    issue_ids = {i.id for i in s.issues}
    held: dict[str, dict[str, int]] = {}  # actor -> issue -> position index
    powered: set[tuple[str, str]] = set()
    for iss in s.issues:
        for j, pos in enumerate(iss.positions):
            held.setdefault(pos.actor, {})[iss.id] = j
            if pos.power is not None:
                powered.add((pos.actor, iss.id))
    bargainers = [(k, a) for k, a in enumerate(s.actors) if a.at_table and a.id in held]
    with_clout = [a.id for _, a in bargainers if a.clout is not None]
    if with_clout and len(with_clout) < len(bargainers):
        for k, a in bargainers:
            if a.clout is None:
                yield (
                    ("actors", k, "id"),
                    f"actor {a.id!r} sits at the table without a clout while "
                    f"{with_clout[0]!r} has one; clout and capability are on different scales, "
                    "so give every actor at the table a clout (or none)",
                )
    with_cap = [a.id for a in s.actors if a.capability is not None]
    if with_cap and len(with_cap) < len(s.actors):
        for k, a in enumerate(s.actors):
            if a.capability is None:
                yield (
                    ("actors", k, "id"),
                    f"actor {a.id!r} has no capability while {with_cap[0]!r} has one; its "
                    "clout would stand in on another scale, so give every actor a capability "
                    "(or none)",
                )
    for k, a in enumerate(s.actors):
        if a.clout is None:
            continue
        p: Path = ("actors", k, "clout")
        mine = held.get(a.id, {})
        for iid in a.clout.issues:
            if iid not in issue_ids:
                yield p + ("issues", iid), f"unknown issue {iid!r}"
            elif iid not in mine:
                yield (
                    p + ("issues", iid),
                    f"actor {a.id!r} has a clout on issue {iid!r} but holds no position on it",
                )
            elif (a.id, iid) in powered:
                yield (
                    p + ("issues", iid),
                    f"the clout of {a.id!r} on issue {iid!r} is given twice (here and as the "
                    "position's power): keep one",
                )
        if not a.clout.has_base and a.at_table:
            for iid in mine:
                if iid not in a.clout.issues and (a.id, iid) not in powered:
                    yield (
                        p,
                        f"actor {a.id!r} holds a position on issue {iid!r} but has no clout "
                        f"there: add clout.issues.{iid} or clout.value",
                    )


def semantic_problems(s: Scenario) -> Iterator[tuple[Path, str]]:
    """Yield (path, message) for every unresolved reference or out-of-scale value.

    Checks: unique ids; every ``source`` key in the registry; parents, position actors, relation
    ends, option alignment/stance keys and game players are declared actors; effect and shock
    paths name declared parameters; positions inside the issue scale; saliences on the declared
    salience scale; criteria measures name declared issues/options; pairwise judgements name
    declared criteria; world components have unique ids and their inputs, datasets and
    actors resolve (the world model checks kinds, parameters and input roles).
    """
    own = list(_semantic_problems(s))
    yield from own
    yield from _view_problems(s, set(s.sources), {(tuple(p), m) for p, m in own})


def _semantic_problems(s: Scenario) -> Iterator[tuple[Path, str]]:
    """:func:`semantic_problems` of the scenario itself (every check but its views' validity)."""
    actor_ids = {a.id for a in s.actors}
    issue_ids = {i.id for i in s.issues}
    src = set(s.sources)

    def dup(items: list[Any], path: str) -> Iterator[tuple[Path, str]]:  # noqa: ANN401
        seen: set[str] = set()
        for k, it in enumerate(items):
            if it.id in seen:
                yield (path, k, "id"), f"duplicate id {it.id!r}"
            seen.add(it.id)

    def check_source(path: Path, key: str | None) -> Iterator[tuple[Path, str]]:
        if key is not None and key not in src:
            yield path + ("source",), unknown("source", key, src, " (not in the sources registry)")

    def check_actor(path: Path, key: str, what: str = "actor") -> Iterator[tuple[Path, str]]:
        if key not in actor_ids:
            yield path, unknown(what, key, actor_ids)

    yield from dup(s.actors, "actors")
    yield from dup(s.issues, "issues")
    yield from dup(s.criteria, "criteria")
    yield from dup(s.views, "views")
    yield from _capability_clout_problems(s)
    for k, a in enumerate(s.actors):
        p: Path = ("actors", k)
        if a.capability is not None:
            yield from check_source(p + ("capability",), a.capability.source)
        if a.clout is not None:
            yield from check_source(p + ("clout",), a.clout.source)
        if a.parent is not None:
            if a.parent == a.id:
                yield p + ("parent",), "an actor cannot be its own parent"
            else:
                yield from check_actor(p + ("parent",), a.parent, "parent actor")
    smin, smax = s.salience_scale.min, s.salience_scale.max
    if smin >= smax:
        yield ("salience_scale",), f"salience scale min ({smin}) must be below max ({smax})"
    for k, iss in enumerate(s.issues):
        p = ("issues", k)
        if iss.status_quo is not None:
            yield from check_source(p + ("status_quo",), iss.status_quo.source)
            v = iss.status_quo.value
            if not iss.scale.min <= v <= iss.scale.max:
                yield (
                    p + ("status_quo", "value"),
                    f"status quo {v} is outside the scale [{iss.scale.min}, {iss.scale.max}]",
                )
        if iss.scale.unit is not None:
            yield from check_source(p + ("scale", "unit"), iss.scale.unit.source)
        for j, th in enumerate(iss.thresholds):
            at = iss.scale.from_unit(th.value)
            if not (math.isfinite(at) and iss.scale.min <= at <= iss.scale.max):
                u = iss.scale.unit
                where = (
                    f"the unit's range [{min(u.at_min, u.at_max)}, {max(u.at_min, u.at_max)}] "
                    f"({u.name})"
                    if u is not None
                    else f"the scale [{iss.scale.min}, {iss.scale.max}]"
                )
                yield (
                    p + ("thresholds", j, "value"),
                    f"threshold {th.value} is outside {where} of issue {iss.id!r}: no outcome "
                    "can cross it, so its probability would be 0 or 1 by construction",
                )
            if th.source is not None:
                yield from check_source(p + ("thresholds", j), th.source)
        seen: set[str] = set()
        for j, pos in enumerate(iss.positions):
            q = p + ("positions", j)
            yield from check_actor(q + ("actor",), pos.actor)
            if pos.actor in seen:
                yield q + ("actor",), f"actor {pos.actor!r} has two positions on issue {iss.id!r}"
            seen.add(pos.actor)
            yield from check_source(q, pos.source)
            if not (math.isfinite(pos.position) and iss.scale.min <= pos.position <= iss.scale.max):
                yield (
                    q + ("position",),
                    f"position {pos.position} is outside the scale "
                    f"[{iss.scale.min}, {iss.scale.max}] of issue {iss.id!r}",
                )
            if not (math.isfinite(pos.salience) and smin <= pos.salience <= smax):
                yield (
                    q + ("salience",),
                    f"salience {pos.salience} is outside the salience scale [{smin}, {smax}]",
                )
            if pos.credible is not None:
                yield from check_source(q + ("credible",), pos.credible.source)
    for k, al in enumerate(s.relations.alliances):
        p = ("relations", "alliances", k)
        yield from check_actor(p + ("a",), al.a)
        yield from check_actor(p + ("b",), al.b)
        yield from check_source(p, al.source)
        if al.a == al.b:
            yield p + ("b",), "an alliance needs two different actors"
    for k, th in enumerate(s.relations.threats):
        p = ("relations", "threats", k)
        yield from check_actor(p + ("perceiver",), th.perceiver)
        yield from check_actor(p + ("target",), th.target)
        yield from check_source(p, th.source)
    params = s.parameters()
    yield from dup(s.world.components, "world.components")
    comp_ids = {c.id for c in s.world.components}
    for k, comp in enumerate(s.world.components):
        p = ("world", "components", k)
        for name, par in comp.parameters.items():
            yield from check_source(p + ("parameters", name), par.source)
        for role, ref in comp.inputs.items():
            for r in [ref] if isinstance(ref, str) else ref:
                target = r if r in comp_ids else r.rsplit(".", 1)[0]  # component or component.state
                if target == comp.id:
                    yield p + ("inputs", role), f"component {comp.id!r} cannot read itself"
                elif target not in comp_ids:
                    yield p + ("inputs", role), f"unknown component {r!r}"
        for role, ds in comp.datasets.items():
            if ds not in s.world.datasets:
                yield (
                    p + ("datasets", role),
                    f"unknown dataset {ds!r} (declare it in world.datasets)",
                )
        for role, a in comp.actors.items():
            yield from check_actor(p + ("actors", role), a)
    for name, ds in s.world.datasets.items():
        yield from check_source(("world", "datasets", name), ds.source)
        if ".." in ds.file.split("/"):
            yield ("world", "datasets", name, "file"), "dataset paths may not contain '..'"
    option_ids: set[str] = set()
    if s.focal is not None:
        yield from check_actor(("focal", "actor"), s.focal.actor, "focal actor")
        yield from dup(s.focal.options, "focal.options")
        option_ids = {o.id for o in s.focal.options}
        if s.focal.recommended is not None and s.focal.recommended not in option_ids:
            yield ("focal", "recommended"), f"unknown option {s.focal.recommended!r}"
        for k, o in enumerate(s.focal.options):
            p = ("focal", "options", k)
            yield from check_source(p, o.source)
            for a in o.alignment:
                yield from check_actor(p + ("alignment", a), a)
            for a, v in o.alignment.items():
                if not -1 <= v <= 1:
                    yield p + ("alignment", a), f"alignment {v} must lie in [-1, 1]"
            for i, v in o.stance.items():
                if i not in issue_ids:
                    yield p + ("stance", i), unknown("issue", i, issue_ids)
                else:
                    sc = s.issue(i).scale
                    if not sc.min <= v <= sc.max:
                        yield p + ("stance", i), f"stance {v} is outside the scale of issue {i!r}"
            for path, eff in o.effects.items():
                yield from check_source(p + ("effects", path), eff.source)
                if path not in params:
                    yield p + ("effects", path), unknown_parameter(s, path, params)
    if s.game is not None:
        g = s.game
        for key in ("patron", "rival"):
            val = getattr(g, key)
            if val is not None:
                yield from check_actor(("game", key), val)
        for k, a in enumerate(g.alternatives):
            yield from check_actor(("game", "alternatives", k), a)
        if g.claims_source is not None and g.claims_source not in src:
            yield (
                ("game", "claims_source"),
                unknown("source", g.claims_source, src, " (not in the sources registry)"),
            )
        for k, a in enumerate(g.players):
            yield from check_actor(("game", "players", k), a)
            if a not in g.responses:
                yield ("game", "players", k), f"player {a!r} has no responses"
        for a in g.responses:
            if a not in g.players:
                yield ("game", "responses", a), f"{a!r} has responses but is not a player"
        for name, par in g.parameters.items():
            yield from check_source(("game", "parameters", name), par.source)
        for k, sh in enumerate(g.shocks):
            yield from check_source(("game", "shocks", k, "probability"), sh.probability.source)
            for path, eff in sh.effects.items():
                yield from check_source(("game", "shocks", k, "effects", path), eff.source)
                if path not in params:
                    yield ("game", "shocks", k, "effects", path), unknown_parameter(s, path, params)
        if s.focal is None:
            yield ("game",), "a game needs a focal actor with options"
    crit_ids = {c.id for c in s.criteria}
    for k, c in enumerate(s.criteria):
        p = ("criteria", k)
        yield from check_source(p, c.source)
        m = c.measure
        if m.issue is not None and m.issue not in issue_ids:
            yield p + ("measure", "issue"), unknown("issue", m.issue, issue_ids)
        if m.scores is not None:
            for o in m.scores:
                if o not in option_ids:
                    yield p + ("measure", "scores", o), unknown("option", o, option_ids)
            for o in option_ids - set(m.scores):
                yield p + ("measure", "scores"), f"no score for option {o!r}"
    for k, pj in enumerate(s.criteria_pairwise):
        p = ("criteria_pairwise", k)
        yield from check_source(p, pj.source)
        for key in ("a", "b"):
            if getattr(pj, key) not in crit_ids:
                yield p + (key,), f"unknown criterion {getattr(pj, key)!r}"
    if s.weights_from == "ahp" and not s.criteria_pairwise:
        yield ("weights_from",), "weights_from: ahp needs criteria_pairwise judgements"
    if s.criteria and s.weights_from == "direct" and sum(c.weight for c in s.criteria) <= 0:
        yield ("criteria",), "criteria weights must not all be zero"


def unknown(what: str, name: str, known: set[str], note: str = "") -> str:
    """``unknown WHAT 'NAME'`` with ``note`` and the closest known names (:func:`did_you_mean`)."""
    return f"unknown {what} {name!r}{note}{did_you_mean(name, known)}"


def unknown_parameter(s: Scenario, path: str, params: dict[str, Parameter]) -> str:
    """The message for an effect on ``path``, a parameter the scenario does not declare.

    When ``path`` is ``COMPONENT.NAME`` for a declared world component, the message says where
    to declare ``NAME``: an effect acts on a declared parameter only, so an optional parameter of
    the component's kind (which takes its default when absent) must be declared to be moved.
    The world model adds the kind's own description of ``NAME`` (:mod:`melian.io`).

    Parameters
    ----------
    s : Scenario
        The scenario.
    path : str
        The effect's path as written.
    params : dict
        The declared parameters (:meth:`Scenario.parameters`).

    Returns
    -------
    str
        The message.
    """
    cid, _, name = path.partition(".")
    for k, c in enumerate(s.world.components):
        if c.id == cid and name:
            have = ", ".join(c.parameters) or "none"
            return (
                f"unknown parameter {path!r}: component {cid!r} declares no parameter {name!r} "
                f"(declared: {have}){did_you_mean(name, list(c.parameters))}; declare `{name}` "
                f"under world.components[{k}].parameters with its value and source: an effect "
                "moves a declared parameter only, even one the kind makes optional"
            )
    if cid == "game" and s.game is not None and name:
        return (
            f"unknown parameter {path!r}: declare `{name}` under game.parameters"
            f"{did_you_mean(name, list(s.game.parameters))}"
        )
    return (
        f"unknown parameter {path!r} (declare it under world.components[...].parameters or "
        f"game.parameters){did_you_mean(path, list(params))}"
    )


def weight_warnings(s: Scenario) -> Iterator[tuple[Path, str]]:
    """Warnings about the criteria weights: direct weights that do not sum to 1.

    Direct weights are divided by their sum before ranking (a scenario may give them as points);
    the division is reported so that a typo (one weight 0.55 for 0.25) is seen, with the
    weights actually used. AHP weights are derived, so they are not checked here.

    Parameters
    ----------
    s : Scenario
        The scenario.

    Yields
    ------
    tuple
        (path, message) of each warning.
    """
    if not s.criteria or s.weights_from != "direct":
        return
    total = sum(c.weight for c in s.criteria)
    if total <= 0 or math.isclose(total, 1.0, rel_tol=0.0, abs_tol=WEIGHT_SUM_TOLERANCE):
        return
    used = ", ".join(f"{c.id} {c.weight / total:.3g}" for c in s.criteria)
    yield (
        ("criteria",),
        f"criteria weights sum to {total:.6g}, not 1: each is divided by the sum before ranking "
        f"(weights used: {used}); write them to sum to 1 if they are shares",
    )


#: Largest distance from 1 of a sum of direct criteria weights taken as rounding (1/3 as 0.333).
WEIGHT_SUM_TOLERANCE = 0.005


def _view_problems(
    s: Scenario, src: set[str], base: set[tuple[Path, str]]
) -> Iterator[tuple[Path, str]]:
    """Problems of the declared views: unknown sources, paths that do not resolve, and the
    problems of the scenario under each view that the scenario itself (``base``) does not have.
    """
    if not s.views:
        return
    data = s.model_dump(mode="json", exclude_unset=True, by_alias=True)
    for k, v in enumerate(s.views):
        if v.id == "source":
            yield ("views", k, "id"), "'source' is the scenario as written; name the view otherwise"
        for j, key in enumerate(v.sources):
            if key not in src:
                yield ("views", k, "sources", j), f"unknown source {key!r}"
        for j, ov in enumerate(v.overrides):
            q: Path = ("views", k, "overrides", j)
            if ov.source not in src:
                yield q + ("source",), f"unknown source {ov.source!r} (not in the sources registry)"
            try:
                resolve(data, ov.path)
            except ViewPathError as exc:
                yield q + ("path",), str(exc)
                return
        yield from _view_validity(s, data, k, v, base)


def _view_validity(
    s: Scenario, data: dict[str, Any], k: int, v: View, base: set[tuple[Path, str]]
) -> Iterator[tuple[Path, str]]:
    """The scenario under view ``v`` must itself be valid; its problems are reported at the view.

    Problems the scenario has without the view (``base``) are reported once, where they are,
    not again under every view.
    """
    from pydantic import ValidationError

    try:
        new = overlay(data, [o.model_dump() for o in v.overrides])
        new.pop("views", None)  # the view's own scenario, without the other views
        under = Scenario.model_validate(new)
    except ValidationError as exc:
        for e in exc.errors(include_url=False)[:5]:
            where = ".".join(map(str, e["loc"]))
            yield ("views", k, "overrides"), f"under view {v.id!r}, {where}: {e['msg']}"
        return
    for path, msg in semantic_problems(under):
        if (path and path[0] == "views") or (tuple(path), msg) in base:
            continue
        where = ".".join(map(str, path))
        yield ("views", k, "overrides"), f"under view {v.id!r}, {where}: {msg}"
