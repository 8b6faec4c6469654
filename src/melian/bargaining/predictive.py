"""Predictive distributions of bargaining outcomes: input uncertainty, calibrated error, point masses.

A bargaining model gives a point. This module turns it into a predictive distribution of the
outcome of each issue, for every registered model and for an ensemble across models
(docs/models/predictive.md):

1. **Input uncertainty** (Monte Carlo): the model is re-run on ``input_draws`` perturbed copies
   of the problem (positions, saliences and clout drawn by :mod:`melian.bargaining.uncertainty`
   from the scenario's confidence marks); each draw gives a point ``p_d``.
2. **Calibrated error** (the model's own error, measured out of sample on the DEU dev file): a
   pool of standardised residuals ``z = (outcome - point) / spread``, where ``spread = 1 + mean_i
   |x_i - point|`` (the mean distance of the actors' positions from the forecast, on the 0-100
   scale) makes the error scale with how divided the actors are. A continuous draw is
   ``v = clip(p_d + kappa * spread * z, lo, hi)``, [lo, hi] the :func:`hull` of the actors'
   positions and the reference point (the one-dimensional Pareto set); clipping puts mass on
   its ends (on DEU issues the scale's ends).
3. **Point masses** ("snapping"): with probability ``snap`` a draw moves to a *candidate point*
   c (an actor's position, the reference point, the scale's ends or midpoint inside the hull)
   chosen with
   probability proportional to ``prior_c * exp(-|c - v| / bandwidth)``. ``prior_c`` is
   sqrt(share of actors at c) plus a fixed weight for the reference point and for the ends and
   midpoint (:data:`CANDIDATE_PRIOR`). This is the mixture with point masses that DEU outcomes
   ask for: about half of them sit exactly at 0, 50 or 100, 63% at some actor's position, 17% at
   the reference point.

``kappa``, ``snap`` and ``bandwidth`` (:class:`MixtureParams`) are fitted by minimising the CRPS
under grouped cross-validation on dev data (:mod:`melian.bargaining.validation.calibration`); the ensemble
mixes the models' distributions with weights fitted the same way (stacking, Yao et al. 2018,
shrunk toward equal weights). A linear pool of calibrated distributions is wider than each of them
(its PIT histogram is humped; Gneiting & Ranjan 2013, "Combining predictive distributions",
*Electronic Journal of Statistics* 7: 1747-1782), so the ensemble is a *spread-adjusted* linear
pool: inside the mixture each model's continuous part is drawn with ``kappa`` multiplied by a
common factor ``ensemble_spread`` (at most 1), fitted with the weights on the same training CRPS.

Everything is computed on the issue's scale mapped to 0-100 and mapped back. Randomness comes
only from the caller's :class:`numpy.random.SeedSequence`; each (model, issue) pair gets its own
child stream, so results do not depend on the order or the number of processes.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np

from melian.bargaining.base import BargainingProblem
from melian.errors import MelianError, ModelError
from melian.reprs import html_table

#: Probability levels of the reported quantiles: every percent from 0.01 to 0.99.
QUANTILE_LEVELS: np.ndarray = np.round(np.arange(1, 100) / 100.0, 2)
#: Central intervals reported (probability content).
INTERVALS: tuple[float, ...] = (0.5, 0.8, 0.95)
#: Default number of predictive draws per issue (``samples`` has exactly this length).
DEFAULT_SAMPLES = 1000
#: Default number of Monte Carlo draws of the inputs per issue (each one model run).
DEFAULT_INPUT_DRAWS = 32
#: Prior weights of the candidate points (see the module docstring). ``share_power``: exponent of
#: the share of actors at a position; ``reference``: weight of the reference point; ``end`` and
#: ``midpoint``: weights of the scale's ends and midpoint. Chosen by looking at the whole dev file
#: (a documented judgement, not refitted per fold); see docs/models/predictive.md.
CANDIDATE_PRIOR: dict[str, float] = {
    "share_power": 0.5,
    "reference": 1.0,
    "end": math.exp(-2.0),
    "midpoint": math.exp(-2.0),
}
#: Version tag of :meth:`PredictiveForecast.to_dict` (sealed in ledgers: keep stable).
SCHEMA = "melian.predictive/1"


@dataclass(frozen=True)
class MixtureParams:
    """Shape of a model's predictive distribution (all on the 0-100 scale).

    ``kappa`` multiplies the standardised residuals; ``snap`` is the probability that a draw
    moves to a candidate point; ``bandwidth`` is the distance scale of that move.
    """

    kappa: float = 1.0
    snap: float = 0.0
    bandwidth: float = 8.0

    def to_dict(self) -> dict[str, float]:
        """JSON-ready dict."""
        return {"kappa": self.kappa, "snap": self.snap, "bandwidth": self.bandwidth}

    def spread_adjusted(self, factor: float) -> MixtureParams:
        """The same shape with the residual scale ``kappa`` multiplied by ``factor``.

        A member's shape inside a spread-adjusted linear pool (Gneiting & Ranjan 2013).
        """
        if factor == 1.0:
            return self
        return MixtureParams(self.kappa * factor, self.snap, self.bandwidth)


@dataclass(frozen=True)
class ErrorModel:
    """A model's calibrated error: the standardised residual pool and the mixture's shape.

    ``residuals`` are ``(outcome - point) / spread`` of the dev issues (out-of-sample points
    where the model has a fitted parameter); ``weight`` is the model's ensemble weight.
    """

    model: str
    residuals: np.ndarray
    params: MixtureParams
    weight: float = 0.0
    interval_content: dict[float, float] = field(default_factory=dict)
    #: Where the model's skill was earned: ``"legislative"`` (legislative bargaining as in the DEU data, see
    #: :func:`melian.bargaining.melian_deu.looks_legislative`) gives it ensemble weight only on
    #: problems of that kind; ``None``: everywhere.
    domain: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        out: dict[str, Any] = {
            "model": self.model,
            "params": self.params.to_dict(),
            "weight": self.weight,
            "interval_content": {str(k): v for k, v in self.interval_content.items()},
            "residuals": [round(float(z), 6) for z in self.residuals],
        }
        if self.domain is not None:
            out["domain"] = self.domain
        return out


@dataclass(frozen=True)
class Calibration:
    """Every model's :class:`ErrorModel` plus where they were measured (provenance)."""

    models: dict[str, ErrorModel]
    source: dict[str, Any] = field(default_factory=dict)
    ensemble_interval_content: dict[float, float] = field(default_factory=dict)
    #: Spread adjustment of the ensemble's linear pool: inside the mixture every model's
    #: ``kappa`` is multiplied by it (1: a plain linear pool; Gneiting & Ranjan 2013).
    ensemble_spread: float = 1.0

    def weights(self, names: Sequence[str]) -> dict[str, float]:
        """Ensemble weights of ``names`` renormalised to sum to 1 (equal if all are zero)."""
        w = np.array([self.models[n].weight if n in self.models else 0.0 for n in names])
        if w.sum() <= 0:
            w = np.ones(len(names))
        w = w / w.sum()
        return {n: float(x) for n, x in zip(names, w, strict=True)}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (the shipped calibration file's layout)."""
        return {
            "source": self.source,
            "ensemble_interval_content": {
                str(k): v for k, v in self.ensemble_interval_content.items()
            },
            "ensemble_spread": self.ensemble_spread,
            "models": {k: v.to_dict() for k, v in self.models.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Calibration:
        """Inverse of :meth:`to_dict`."""
        models = {}
        for name, d in data["models"].items():
            models[name] = ErrorModel(
                model=name,
                residuals=np.asarray(d["residuals"], dtype=float),
                params=MixtureParams(**d["params"]),
                weight=float(d.get("weight", 0.0)),
                interval_content={
                    float(k): float(v) for k, v in d.get("interval_content", {}).items()
                },
                domain=d.get("domain"),
            )
        return cls(
            models=models,
            source=dict(data.get("source", {})),
            ensemble_interval_content={
                float(k): float(v) for k, v in data.get("ensemble_interval_content", {}).items()
            },
            ensemble_spread=float(data.get("ensemble_spread", 1.0)),
        )


# --------------------------------------------------------------------------------------------
# Candidate points and draws (0-100 scale)


def spread_of(positions: np.ndarray, center: float) -> float:
    """``1 + mean_i |x_i - center|`` over the finite positions (0-100 scale)."""
    x = positions[np.isfinite(positions)]
    return 1.0 + (float(np.mean(np.abs(x - center))) if x.size else 0.0)


def hull(positions: np.ndarray, reference: float) -> tuple[float, float]:
    """The smallest and largest of the actors' positions and the reference point (0-100 scale).

    Outcomes are drawn inside it: on the DEU dev file 171 of 172 outcomes lie between the
    actors' extreme positions. Without any position or reference point: the whole scale.
    """
    x = positions[np.isfinite(positions)]
    if math.isfinite(reference):
        x = np.append(x, reference)
    if not x.size:
        return 0.0, 100.0
    return float(np.min(x)), float(np.max(x))


def candidates(
    positions: np.ndarray, reference: float, prior: Mapping[str, float] | None = None
) -> tuple[np.ndarray, np.ndarray, list[list[str]]]:
    """Candidate points of one issue (0-100 scale), their log prior weights and their kinds.

    Candidates: the distinct actors' positions (prior sqrt of the share of actors there), the
    reference point when finite, 0, 100 (``end``) and 50 (``midpoint``) when they lie in the
    :func:`hull` of the positions and the reference point; priors of a point that is several
    kinds add up.
    """
    pr = {**CANDIDATE_PRIOR, **(prior or {})}
    x = positions[np.isfinite(positions)]
    weight: dict[float, float] = {}
    kinds: dict[float, list[str]] = {}
    if x.size:
        vals, counts = np.unique(np.round(x, 9), return_counts=True)
        for v, c in zip(vals, counts, strict=True):
            weight[float(v)] = (c / x.size) ** pr["share_power"]
            kinds[float(v)] = ["position"]
    extra: list[tuple[float, float, str]] = [
        (0.0, pr["end"], "end"),
        (100.0, pr["end"], "end"),
        (50.0, pr["midpoint"], "midpoint"),
    ]
    lo, hi = hull(positions, reference)
    extra = [e for e in extra if lo - 1e-9 <= e[0] <= hi + 1e-9]
    if math.isfinite(reference):
        extra.append((round(float(reference), 9), pr["reference"], "reference"))
    for v, w, kind in extra:
        weight[v] = weight.get(v, 0.0) + w
        kinds.setdefault(v, []).append(kind)
    order = sorted(weight)
    return (
        np.array(order),
        np.log(np.array([weight[v] for v in order])),
        [kinds[v] for v in order],
    )


def draw_outcomes(
    point_draws: np.ndarray,
    spread: float,
    residuals: np.ndarray,
    cand: np.ndarray,
    cand_logw: np.ndarray,
    params: MixtureParams,
    uniforms: np.ndarray,
    bounds: tuple[float, float] = (0.0, 100.0),
) -> np.ndarray:
    """Predictive draws of one issue on the 0-100 scale (see the module docstring).

    ``uniforms`` has shape (4, n): the residual index, the input-draw index, the snap decision
    and the candidate choice of each of the n draws (common random numbers: the same uniforms
    give smoothly varying draws as the parameters change). Continuous draws are clipped to
    ``bounds`` (the issue's :func:`hull`).
    """
    u_res, u_pt, u_snap, u_cand = uniforms
    z = residuals[np.minimum((u_res * residuals.size).astype(int), residuals.size - 1)]
    p = point_draws[np.minimum((u_pt * point_draws.size).astype(int), point_draws.size - 1)]
    v = np.clip(p + params.kappa * spread * z, bounds[0], bounds[1])
    if params.snap <= 0 or cand.size == 0:
        return v
    logits = cand_logw[None, :] - np.abs(v[:, None] - cand[None, :]) / params.bandwidth
    logits -= logits.max(axis=1, keepdims=True)
    prob = np.exp(logits)
    cum = np.cumsum(prob, axis=1)
    pick = (cum < (u_cand * cum[:, -1])[:, None]).sum(axis=1)
    pick = np.minimum(pick, cand.size - 1)
    return np.where(u_snap < params.snap, cand[pick], v)


def stream(seed: np.random.SeedSequence | int, *key: str | int) -> np.random.Generator:
    """The generator of one (model, issue, ...) cell: a child of ``seed`` keyed by stable hashes.

    The key makes the stream independent of the order in which cells are computed and of the
    number of processes.
    """
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    spawn = tuple(k if isinstance(k, int) else zlib.crc32(str(k).encode()) for k in key)
    child = np.random.SeedSequence(ss.entropy, spawn_key=(*ss.spawn_key, *spawn))
    return np.random.default_rng(child)


# --------------------------------------------------------------------------------------------
# Summaries of a sample


def atoms_of(
    samples: np.ndarray, cand: np.ndarray, kinds: Sequence[Sequence[str]], min_prob: float = 0.005
) -> list[dict[str, Any]]:
    """Point masses: the candidate points holding at least ``min_prob`` of the draws."""
    out = []
    for v, kind in zip(cand, kinds, strict=True):
        p = float(np.mean(np.abs(samples - v) < 1e-9))
        if p >= min_prob:
            out.append({"value": float(v), "probability": p, "kinds": list(kind)})
    return out


def threshold_probability(samples: np.ndarray, value: float, direction: str) -> float:
    """P(outcome < value) for ``below``, P(outcome > value) for ``above`` (strict)."""
    if direction == "below":
        return float(np.mean(samples < value))
    if direction == "above":
        return float(np.mean(samples > value))
    raise ValueError(f"threshold direction {direction!r}: use below or above")


def _quantiles(samples: np.ndarray) -> np.ndarray:
    return np.quantile(samples, QUANTILE_LEVELS)


def _interval(
    samples: np.ndarray, level: float, content: Mapping[float, float] | None = None
) -> tuple[float, float]:
    """Central interval of nominal ``level``; ``content`` maps it to the calibrated content."""
    c = (content or {}).get(level, level)
    a = (1.0 - c) / 2.0
    lo, hi = np.quantile(samples, [a, 1.0 - a])
    return float(lo), float(hi)


# --------------------------------------------------------------------------------------------
# Result objects


@dataclass(frozen=True)
class ThresholdResult:
    """A declared threshold and the probability that the outcome crosses it."""

    label: str
    value: float
    direction: str
    scale_value: float
    probability: float
    source: str | None = None
    unit: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "label": self.label,
            "value": self.value,
            "unit": self.unit,
            "direction": self.direction,
            "scale_value": self.scale_value,
            "probability": self.probability,
            "source": self.source,
        }


@dataclass(frozen=True)
class ModelSummary:
    """One model's contribution to an issue: point, median, 80% interval and ensemble weight."""

    model: str
    point: float
    median: float
    low80: float
    high80: float
    weight: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "model": self.model,
            "point": self.point,
            "median": self.median,
            "interval80": [self.low80, self.high80],
            "weight": self.weight,
        }


@dataclass(frozen=True)
class IssuePredictive:
    """The predictive distribution of one issue's outcome, on the issue's own scale.

    ``point`` is the ensemble's weighted mean of the models' points (or the model's point);
    ``quantiles`` are at :data:`QUANTILE_LEVELS`; ``samples`` are the predictive draws (fixed
    number); ``atoms`` are the point masses (value, probability, kinds); ``models`` the per-model
    summaries and ``spread`` the range of the models' points.
    """

    issue: str
    scale: tuple[float, float]
    point: float
    median: float
    mean: float
    intervals: dict[float, tuple[float, float]]
    quantiles: np.ndarray
    samples: np.ndarray
    atoms: list[dict[str, Any]]
    thresholds: list[ThresholdResult]
    models: list[ModelSummary]
    spread: float
    reference: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (numbers rounded to 6 decimals)."""
        return {
            "issue": self.issue,
            "scale": [self.scale[0], self.scale[1]],
            "reference": self.reference,
            "point": _r(self.point),
            "median": _r(self.median),
            "mean": _r(self.mean),
            "intervals": {
                f"{int(round(k * 100))}": [_r(lo), _r(hi)] for k, (lo, hi) in self.intervals.items()
            },
            "quantile_levels": [float(q) for q in QUANTILE_LEVELS],
            "quantiles": [_r(v) for v in self.quantiles],
            "samples": [_r(v) for v in self.samples],
            "atoms": [{**a, "value": _r(a["value"])} for a in self.atoms],
            "thresholds": [t.to_dict() for t in self.thresholds],
            "models": [m.to_dict() for m in self.models],
            "model_spread": _r(self.spread),
        }


@dataclass(frozen=True)
class PredictiveForecast:
    """Predictive distributions of every issue of a problem (ensemble or one model).

    ``to_dict()`` is versioned by :data:`SCHEMA` and is what a sealed forecast stores; its keys:
    ``schema, name, models, weights, seed, n_samples, input_draws, calibration, issues`` (each
    issue as :meth:`IssuePredictive.to_dict`).
    """

    name: str
    models: tuple[str, ...]
    weights: dict[str, float]
    seed: int | list[int]
    n_samples: int
    input_draws: int
    issues: list[IssuePredictive]
    calibration: dict[str, Any] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def issue(self, issue_id: str) -> IssuePredictive:
        """The issue called ``issue_id``."""
        for it in self.issues:
            if it.issue == issue_id:
                return it
        raise KeyError(issue_id)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (stable layout, see the class docstring)."""
        return {
            "schema": SCHEMA,
            "name": self.name,
            "models": list(self.models),
            "weights": {k: _r(v) for k, v in self.weights.items()},
            "seed": self.seed,
            "n_samples": self.n_samples,
            "input_draws": self.input_draws,
            "calibration": self.calibration,
            "failures": dict(self.failures),
            "notes": list(self.notes),
            "issues": [it.to_dict() for it in self.issues],
        }

    def _repr_html_(self) -> str:
        """Notebook view: one row per issue (point, median, intervals, spread, thresholds)."""
        rows = []
        for it in self.issues:
            iv = {k: f"{lo:.3g}-{hi:.3g}" for k, (lo, hi) in it.intervals.items()}
            top = sorted(it.atoms, key=lambda a: -a["probability"])[:2]
            rows.append(
                [
                    it.issue,
                    it.point,
                    it.median,
                    iv.get(0.5, ""),
                    iv.get(0.8, ""),
                    iv.get(0.95, ""),
                    it.spread,
                    ", ".join(f"{a['value']:.3g} ({a['probability']:.0%})" for a in top),
                    "; ".join(f"P({t.label}) = {t.probability:.2f}" for t in it.thresholds),
                ]
            )
        who = ", ".join(f"{m} {w:.2f}" for m, w in self.weights.items())
        return html_table(
            f"Predictive distributions: {self.name}",
            [
                "issue",
                "point",
                "median",
                "50%",
                "80%",
                "95%",
                "model spread",
                "atoms",
                "thresholds",
            ],
            rows,
            note=f"weights: {who}; {self.n_samples} draws, {self.input_draws} input draws per "
            f"model, seed {self.seed}",
        )

    def to_frame(self) -> Any:  # noqa: ANN401 - pandas is imported lazily
        """Tidy table: one row per issue and statistic.

        Columns: ``issue, stat, level, value, probability``. ``stat`` is ``point``, ``median``,
        ``mean``, ``quantile`` (``level`` the probability), ``lower``/``upper`` (``level`` the
        interval's content), ``atom`` (``probability`` its mass), ``threshold`` (``level`` empty,
        ``value`` on the scale, ``probability`` of crossing) or ``model:<name>`` (the model's point).
        """
        import pandas as pd

        rows: list[dict[str, Any]] = []
        for it in self.issues:

            def add(
                stat: str, value: float, level: float = math.nan, prob: float = math.nan
            ) -> None:
                rows.append(
                    {
                        "issue": it.issue,  # noqa: B023
                        "stat": stat,
                        "level": level,
                        "value": value,
                        "probability": prob,
                    }
                )

            add("point", it.point)
            add("median", it.median)
            add("mean", it.mean)
            for q, v in zip(QUANTILE_LEVELS, it.quantiles, strict=True):
                add("quantile", float(v), float(q))
            for lev, (lo, hi) in it.intervals.items():
                add("lower", lo, lev)
                add("upper", hi, lev)
            for a in it.atoms:
                add("atom", a["value"], prob=a["probability"])
            for t in it.thresholds:
                add("threshold", t.scale_value, prob=t.probability)
            for m in it.models:
                add(f"model:{m.model}", m.point, prob=m.weight)
        return pd.DataFrame(rows, columns=["issue", "stat", "level", "value", "probability"])


def _r(v: float | None) -> float | None:
    if v is None or not math.isfinite(float(v)):
        return None
    return round(float(v), 6)


# --------------------------------------------------------------------------------------------
# Calibration shipped with melian


CALIBRATION_FILE = "predictive-calibration.json"


def shipped_calibration() -> Calibration:
    """The calibration fitted on the DEU dev file (``melian/data/deu/predictive-calibration.json``).

    Written by :func:`melian.bargaining.validation.calibration.fit_calibration` (see
    research/predictive/README.md); its ``source`` says how.
    """
    import json

    # lazy: the DEU reader, only to find the shipped calibration file
    from melian.bargaining.io.deu import packaged_path

    return Calibration.from_dict(json.loads(packaged_path(CALIBRATION_FILE).read_text()))


# --------------------------------------------------------------------------------------------
# Forecasting a problem


@dataclass(frozen=True)
class Threshold:
    """A threshold on an issue: ``value`` on the issue's scale (already mapped from its unit)."""

    issue: str
    label: str
    value: float
    direction: str
    scale_value: float
    source: str | None = None
    unit: str | None = None


def thresholds_from_scenario(s: Any) -> list[Threshold]:  # noqa: ANN401 - a Scenario
    """The thresholds a scenario declares on its issues, mapped to each issue's scale.

    A threshold's ``value`` is in the issue's unit when the scale has one (linear between the
    unit's ``at_min`` and ``at_max``), else on the scale itself.
    """
    out: list[Threshold] = []
    for issue in s.issues:
        sc = issue.scale
        for t in getattr(issue, "thresholds", []) or []:
            scale_value = sc.from_unit(t.value)
            unit = None if sc.unit is None else sc.unit.name
            out.append(
                Threshold(
                    issue.id, t.label, float(t.value), t.direction, scale_value, t.source, unit
                )
            )
    return out


def _to100(x: np.ndarray | float, lo: float, hi: float) -> Any:  # noqa: ANN401
    return (np.asarray(x, dtype=float) - lo) / (hi - lo) * 100.0


def out_of_domain(cal: Calibration, models: Sequence[str], problem: BargainingProblem) -> list[str]:
    """The models of ``models`` whose calibrated skill does not extend to ``problem``.

    A model whose :class:`ErrorModel` has ``domain = "legislative"`` (melian-deu: its parameter
    and its out-of-sample record come from the DEU legislative decisions, docs/models/melian-deu.md)
    earns ensemble weight only on a problem that
    :func:`melian.bargaining.melian_deu.looks_legislative`.
    """
    # lazy: the melian-deu model, only when a calibration gates it to legislative problems
    from melian.bargaining.melian_deu import looks_legislative

    gated = [m for m in models if m in cal.models and cal.models[m].domain == "legislative"]
    if not gated or looks_legislative(problem):
        return []
    return gated


def model_point_draws(
    model: str,
    problem: BargainingProblem,
    uncertainty: Any,  # noqa: ANN401 - InputUncertainty | None
    draws: int,
    seed: np.random.SeedSequence,
    params: Mapping[str, Any] | None = None,
    tick: Callable[[], None] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The model's central point per issue and its points on ``draws`` perturbed problems.

    Returns ``(point, draws_matrix)`` with shapes (issues,) and (draws, issues); a perturbed run
    that fails (:class:`melian.errors.MelianError`) is left out (``nan`` row). The perturbations
    come from :func:`melian.bargaining.uncertainty.sample_problems` with the stream of
    ``(seed, model, "inputs")``. ``tick()`` is called after every run (progress).
    """
    # lazy: the package's entry point and the sampler (pydantic schema), only when forecasting
    from melian.bargaining import forecast
    from melian.bargaining.uncertainty import sample_problems

    kw = dict(params or {})
    central = forecast(problem, model, **kw).point()
    if tick is not None:
        tick()
    point = np.array([central.get(i, math.nan) for i in problem.issues], dtype=float)
    mat = np.full((max(draws, 0), problem.n_issues), np.nan)
    if draws > 0 and uncertainty is not None:
        rng = stream(seed, model, "inputs")
        for d, prob in enumerate(sample_problems(problem, uncertainty, draws, rng)):
            try:
                pts = forecast(prob, model, **kw).point()
            except MelianError:
                continue
            finally:
                if tick is not None:
                    tick()
            mat[d] = [pts.get(i, math.nan) for i in problem.issues]
    return point, mat


def predictive_forecast(
    problem: BargainingProblem,
    models: Sequence[str] | None = None,
    *,
    seed: np.random.SeedSequence | int,
    calibration: Calibration | None = None,
    uncertainty: Any = None,  # noqa: ANN401 - InputUncertainty | None
    input_draws: int = DEFAULT_INPUT_DRAWS,
    n_samples: int = DEFAULT_SAMPLES,
    thresholds: Sequence[Threshold] = (),
    params: Mapping[str, Mapping[str, Any]] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> PredictiveForecast:
    """Predictive distribution of every issue of ``problem``: the ensemble of ``models``.

    Parameters
    ----------
    problem : BargainingProblem
        The bargaining problem (positions on each issue's own scale).
    models : sequence of str, optional
        Models in the ensemble (default: every model with a calibration). One model gives that
        model's own predictive distribution (weight 1).
    seed : SeedSequence or int
        Root of every random stream (input draws and predictive draws).
    calibration : Calibration, optional
        Error models and ensemble weights (default :func:`shipped_calibration`, fitted on the DEU
        dev file by grouped cross-validation).
    uncertainty : InputUncertainty, optional
        Spreads of the inputs (:func:`melian.bargaining.uncertainty.uncertainty_from_scenario`);
        ``None`` or ``input_draws = 0`` uses the central inputs only.
    input_draws : int
        Monte Carlo draws of the inputs per model (each one model run on the whole problem).
    n_samples : int
        Predictive draws per issue (the length of ``samples``).
    thresholds : sequence of Threshold
        Thresholds whose crossing probabilities are reported.
    params : mapping, optional
        Per-model parameter overrides.
    progress : callable, optional
        ``progress(done, total)`` after every model run (each model's central run and its input
        draws).

    Returns
    -------
    PredictiveForecast
        Median, intervals, quantiles, samples, point masses and threshold probabilities per issue.
    """
    cal = calibration or shipped_calibration()
    names = list(models) if models is not None else list(cal.models)
    missing = [m for m in names if m not in cal.models]
    if missing:
        raise ModelError(
            f"no calibrated error for model(s) {', '.join(missing)}; calibrated: "
            f"{', '.join(cal.models)}"
        )
    if n_samples < 10:
        raise ModelError("n_samples must be at least 10")
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    points: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    failures: dict[str, str] = {}
    runs = len(names) * (1 + (max(input_draws, 0) if uncertainty is not None else 0))
    done = 0

    def tick() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(min(done, runs), runs)

    for m in names:
        try:
            points[m] = model_point_draws(
                m, problem, uncertainty, input_draws, ss, (params or {}).get(m), tick
            )
        except MelianError as exc:
            failures[m] = str(exc)
    used = [m for m in names if m in points]
    if not used:
        raise ModelError("no model could forecast this problem: " + "; ".join(failures.values()))
    notes: list[str] = []
    gated = out_of_domain(cal, used, problem)
    for m in gated:
        notes.append(
            f"{m}: no ensemble weight (its out-of-sample skill was measured on "
            f"{cal.models[m].domain} bargaining only, and this problem is not of that kind)"
        )
    kept = [m for m in used if m not in gated] or used
    weights = {m: 0.0 for m in used} | cal.weights(kept)
    content = (
        cal.models[used[0]].interval_content if len(used) == 1 else cal.ensemble_interval_content
    )
    by_issue: dict[str, list[Threshold]] = {}
    for t in thresholds:
        by_issue.setdefault(t.issue, []).append(t)
    out: list[IssuePredictive] = []
    for j, issue in enumerate(problem.issues):
        lo, hi = (float(v) for v in problem.scale[j])
        pos = _to100(problem.position[:, j], lo, hi)
        ref = float(problem.reference[j])
        ref100 = float(_to100(ref, lo, hi)) if math.isfinite(ref) else math.nan
        cand, logw, kinds = candidates(pos, ref100)
        box = hull(pos, ref100)
        per_model: dict[str, np.ndarray] = {}
        model_pts: dict[str, float] = {}
        redraw: dict[str, Callable[[MixtureParams], np.ndarray]] = {}
        for m in used:
            pt, mat = points[m]
            if not math.isfinite(pt[j]):
                continue
            p100 = float(_to100(pt[j], lo, hi))
            col = _to100(mat[:, j], lo, hi) if mat.size else np.array([])
            col = col[np.isfinite(col)]
            pdraws = col if col.size else np.array([p100])
            em = cal.models[m]
            u = stream(ss, m, issue, "outcome").random((4, n_samples))
            sp = spread_of(pos, p100)
            redraw[m] = partial(
                draw_outcomes, pdraws, sp, em.residuals, cand, logw, uniforms=u, bounds=box
            )
            per_model[m] = redraw[m](em.params)
            model_pts[m] = p100
        if not per_model:
            continue
        w = np.array([weights[m] for m in per_model])
        w = w / w.sum() if w.sum() > 0 else np.full(w.size, 1.0 / w.size)
        counts = allocate(w, n_samples)
        pooled = _pool(per_model, counts, redraw, cal)
        rng = stream(ss, "ensemble", issue, "order")
        pooled = pooled[rng.permutation(pooled.size)]
        scale_back = (hi - lo) / 100.0
        samples = lo + pooled * scale_back
        point = lo + float(np.dot(w, [model_pts[m] for m in per_model])) * scale_back
        summaries = []
        for m, wm in zip(per_model, w, strict=True):
            sm = lo + per_model[m] * scale_back
            l80, h80 = _interval(sm, 0.8, cal.models[m].interval_content)
            summaries.append(
                ModelSummary(
                    m, lo + model_pts[m] * scale_back, float(np.median(sm)), l80, h80, float(wm)
                )
            )
        mp = [s.point for s in summaries]
        atoms = atoms_of(pooled, cand, kinds)
        for a in atoms:
            a["value"] = lo + a["value"] * scale_back
        out.append(
            IssuePredictive(
                issue=issue,
                scale=(lo, hi),
                point=point,
                median=float(np.median(samples)),
                mean=float(np.mean(samples)),
                intervals={lev: _interval(samples, lev, content) for lev in INTERVALS},
                quantiles=_quantiles(samples),
                samples=samples,
                atoms=atoms,
                thresholds=[
                    ThresholdResult(
                        t.label,
                        t.value,
                        t.direction,
                        t.scale_value,
                        threshold_probability(samples, t.scale_value, t.direction),
                        t.source,
                        t.unit,
                    )
                    for t in by_issue.get(issue, [])
                ],
                models=summaries,
                spread=float(max(mp) - min(mp)),
                reference=ref if math.isfinite(ref) else None,
            )
        )
    return PredictiveForecast(
        name=problem.name,
        models=tuple(used),
        weights=weights,
        seed=[int(x) for x in np.atleast_1d(ss.entropy)]
        if not isinstance(ss.entropy, int)
        else int(ss.entropy),
        n_samples=n_samples,
        input_draws=input_draws if uncertainty is not None else 0,
        issues=out,
        calibration=dict(cal.source),
        failures=failures,
        notes=notes,
    )


def _pool(
    per_model: Mapping[str, np.ndarray],
    counts: np.ndarray,
    redraw: Mapping[str, Callable[[MixtureParams], np.ndarray]],
    cal: Calibration,
) -> np.ndarray:
    """The ensemble's draws of one issue: ``counts[k]`` draws of each model, concatenated.

    With two models or more in the mixture the members are drawn with their residual scale
    multiplied by ``cal.ensemble_spread`` (the spread-adjusted linear pool, Gneiting & Ranjan
    2013), from the same uniforms as the models' own distributions; alone, a model keeps its own.
    """
    factor = cal.ensemble_spread if int(np.count_nonzero(counts)) >= 2 else 1.0
    parts = []
    for m, c in zip(per_model, counts, strict=True):
        if factor != 1.0 and c > 0:
            parts.append(redraw[m](cal.models[m].params.spread_adjusted(factor))[:c])
        else:
            parts.append(per_model[m][:c])
    return np.concatenate(parts)


#: Seed used for a bare bargaining problem (a scenario brings its own ``metadata.seed``).
DEFAULT_SEED = 20_261_202


def scenario_predictive(
    scenario: Any,  # noqa: ANN401 - Scenario | BargainingProblem
    models: Sequence[str] | None = None,
    *,
    seed: np.random.SeedSequence | int | None = None,
    input_draws: int = DEFAULT_INPUT_DRAWS,
    n_samples: int = DEFAULT_SAMPLES,
    issues: Sequence[str] | None = None,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    calibration: Calibration | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> PredictiveForecast:
    """:func:`predictive_forecast` of a scenario with its own input uncertainty and thresholds.

    A scenario gives its confidence marks (:func:`melian.bargaining.uncertainty.
    uncertainty_from_scenario`), its declared thresholds and its seed (``metadata.seed``) when
    ``seed`` is None; a bare :class:`BargainingProblem` is taken as of medium confidence
    throughout, with no thresholds and :data:`DEFAULT_SEED`. ``issues`` restricts the agenda.
    This is what the ``predictive`` analysis and sealed predictive forecasts run.
    """
    # lazy: the package's entry point and the sampler (pydantic schema), only for a scenario
    from melian.bargaining import to_problem
    from melian.bargaining.uncertainty import uncertainty_from_scenario, uniform_uncertainty

    if not 0 <= input_draws <= 10_000:
        raise ModelError(f"input_draws {input_draws}: use 0 to 10000")
    if not 10 <= n_samples <= 100_000:
        raise ModelError(f"n_samples {n_samples}: use 10 to 100000")
    cal = calibration or shipped_calibration()
    problem = to_problem(scenario, list(issues) if issues is not None else None)
    if isinstance(scenario, BargainingProblem):
        unc = uniform_uncertainty(problem, "medium")
        thresholds: list[Threshold] = []
        use_seed: np.random.SeedSequence | int = DEFAULT_SEED if seed is None else seed
    else:
        unc = uncertainty_from_scenario(scenario, problem)
        thresholds = [t for t in thresholds_from_scenario(scenario) if t.issue in problem.issues]
        use_seed = scenario.metadata.seed if seed is None else seed
    return predictive_forecast(
        problem,
        list(models) if models is not None else list(cal.models),
        seed=use_seed,
        calibration=cal,
        uncertainty=unc,
        input_draws=input_draws,
        n_samples=n_samples,
        thresholds=thresholds,
        params=params,
        progress=progress,
    )


def allocate(weights: np.ndarray, n: int) -> np.ndarray:
    """Split ``n`` draws in proportion to ``weights`` (largest remainder; sums to ``n``)."""
    raw = np.asarray(weights, dtype=float) * n
    base = np.floor(raw).astype(int)
    rest = n - int(base.sum())
    if rest > 0:
        order = np.argsort(-(raw - base), kind="stable")
        base[order[:rest]] += 1
    return base


__all__ = [
    "CANDIDATE_PRIOR",
    "DEFAULT_SEED",
    "Calibration",
    "ErrorModel",
    "IssuePredictive",
    "MixtureParams",
    "PredictiveForecast",
    "QUANTILE_LEVELS",
    "Threshold",
    "allocate",
    "candidates",
    "draw_outcomes",
    "out_of_domain",
    "predictive_forecast",
    "scenario_predictive",
    "shipped_calibration",
    "spread_of",
    "thresholds_from_scenario",
]
