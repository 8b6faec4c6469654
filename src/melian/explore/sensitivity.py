"""Global sensitivity analysis (Sobol, Morris) and tornado data for each option's outcomes.

What is analysed ("outputs"): every outcome of every option, and for every alternative the
*advantage* of the recommended option over it on every outcome (``y_rec - y_alt`` for outcomes to
maximise, ``y_alt - y_rec`` for outcomes to minimise: positive means the recommendation is
better), to every uncertain parameter.

* **Sobol** (Sobol' 2001, "Global sensitivity indices for nonlinear mathematical models and
  their Monte Carlo estimates", Math. Comput. Simul. 55): first-order ``S1`` and total ``ST``
  indices with bootstrap confidence intervals, from Saltelli's scheme (Saltelli et al. 2010,
  "Variance based sensitivity analysis of model output", Comput. Phys. Commun. 181) with
  ``N (k + 2)`` runs per option, sampled and analysed by SALib (Herman & Usher 2017; Iwanaga,
  Usher & Herman 2022). Negative or >1 estimates at small N are sampling artefacts: read them with
  their confidence intervals.
* **Morris** elementary effects (Morris 1991, Technometrics 33; ``mu*`` of Campolongo, Cariboni &
  Saltelli 2007) from ``r (k + 1)`` runs, a cheap screening. Effects are measured in quantile
  units: the change of the output when a parameter moves across its whole distribution (between
  its 1st and 99th percentile for unbounded distributions).
* **Tornado** (one-at-a-time swings, e.g. Clemen & Reilly 2001, *Making Hard Decisions*, ch. 5):
  each parameter in turn at its low and high quantile (10th and 90th percentile by default), the
  others at their medians, with the same random numbers at every point.

Experiments are quantile points (see :mod:`melian.explore.model`), so the SALib problem is the
unit hypercube and each option maps it to values through its own distributions.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from melian.errors import ModelError
from melian.explore.model import (
    ClippedNormal,
    Direction,
    ExploratoryModel,
    directions,
    with_utility,
)
from melian.explore.parallel import Evaluator, Progress, Results
from melian.jsonio import to_jsonable
from melian.reprs import html_table


# --------------------------------------------------------------------------- outputs
@dataclass(frozen=True)
class Output:
    """One analysed quantity: an option's outcome, or the recommendation's advantage on it."""

    key: str
    kind: str  # "outcome" | "advantage"
    option: str
    outcome: str
    versus: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "key": self.key,
            "kind": self.kind,
            "option": self.option,
            "versus": self.versus,
            "outcome": self.outcome,
        }


def outputs_of(model: ExploratoryModel, results: Results) -> list[tuple[Output, np.ndarray]]:
    """Every analysed output with its values: options' outcomes and the advantages."""
    res = with_utility(model, results)
    dirs = directions(model)
    out: list[tuple[Output, np.ndarray]] = []
    for o in model.options:
        for c in dirs:
            out.append((Output(f"{o}/{c}", "outcome", o, c), res[o][c]))
    rec = model.recommended
    for alt in model.options:
        if alt == rec:
            continue
        for c, d in dirs.items():
            adv = res[rec][c] - res[alt][c] if d == "max" else res[alt][c] - res[rec][c]
            out.append((Output(f"{rec}>{alt}/{c}", "advantage", rec, c, alt), adv))
    return out


def _problem(model: ExploratoryModel, bounds: list[list[float]] | None = None) -> dict[str, Any]:
    """The SALib problem over the quantile hypercube (names in the model's order)."""
    return {
        "num_vars": model.k,
        "names": list(model.uncertainties),
        "bounds": bounds if bounds is not None else [[0.0, 1.0]] * model.k,
    }


def is_constant(y: np.ndarray) -> bool:
    """True if ``y`` does not vary beyond floating-point rounding (nothing to apportion)."""
    return bool(np.ptp(y) <= 1e-10 * max(1.0, float(np.max(np.abs(y)))))


def _f(x: Any) -> float | None:  # noqa: ANN401
    """A finite float or ``None`` (for JSON)."""
    v = float(x)
    return v if np.isfinite(v) else None


# --------------------------------------------------------------------------- result
@dataclass
class SensitivityResult:
    """Indices of every output to every uncertainty, with the run's bookkeeping."""

    method: str
    names: tuple[str, ...]
    outputs: list[Output]
    indices: dict[str, dict[str, dict[str, float | None]]]
    runs: int
    base_samples: int
    seed: int
    seconds: float
    recommended: str
    directions: dict[str, Direction]
    settings: dict[str, Any] = field(default_factory=dict)

    def table(self, key: str) -> list[dict[str, Any]]:
        """Rows (one per parameter) of output ``key``, most influential first."""
        idx = self.indices[key]
        rank_by = "ST" if self.method == "sobol" else "mu_star"
        rows = [{"parameter": p, **{m: idx[m][p] for m in idx}} for p in self.names]
        return sorted(rows, key=lambda r: -(r.get(rank_by) or 0.0))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return to_jsonable(
            {
                "method": self.method,
                "parameters": list(self.names),
                "recommended": self.recommended,
                "directions": self.directions,
                "runs": self.runs,
                "base_samples": self.base_samples,
                "seed": self.seed,
                "seconds": round(self.seconds, 3),
                "settings": self.settings,
                "outputs": [{**o.to_dict(), "indices": self.table(o.key)} for o in self.outputs],
            }
        )

    def to_frame(self) -> Any:  # noqa: ANN401
        """Long (tidy) indices: output, option, versus, outcome, parameter, index, value."""
        import pandas as pd

        rows = [
            (o.key, o.option, o.versus, o.outcome, p, m, v)
            for o in self.outputs
            for m, by_p in self.indices[o.key].items()
            for p, v in by_p.items()
        ]
        cols = ["output", "option", "versus", "outcome", "parameter", "index", "value"]
        return pd.DataFrame(rows, columns=cols)

    def _repr_html_(self) -> str:
        key = next((o.key for o in self.outputs if o.kind == "advantage"), self.outputs[0].key)
        rows = self.table(key)
        cols = ["parameter", *[c for c in rows[0] if c != "parameter"]] if rows else []
        return html_table(
            f"{self.method}: {key} ({self.runs} runs, seed {self.seed})",
            cols,
            [[r[c] for c in cols] for r in rows],
            max_rows=10,
        )


# --------------------------------------------------------------------------- Sobol
def sobol_sample(model: ExploratoryModel, n: int, seed: int) -> np.ndarray:
    """Saltelli/Sobol' sample of ``n * (k + 2)`` quantile points (first and total order)."""
    from SALib.sample import sobol as sobol_sampling

    if n < 2 or n & (n - 1):
        raise ModelError(f"Sobol base samples must be a power of two >= 2, got {n}")
    return sobol_sampling.sample(
        _problem(model), n, calc_second_order=False, scramble=True, seed=seed
    )


def _indices(
    model: ExploratoryModel,
    results: Results,
    keys: tuple[str, ...],
    what: str,
    analyse: Callable[[np.ndarray], Any],
) -> tuple[list[Any], dict[str, dict[str, dict[str, float]]]]:
    """Run a SALib ``analyse(y)`` on every output; constant outputs get zero indices."""
    outs, indices = [], {}
    for out, y in outputs_of(model, results):
        outs.append(out)
        if not np.all(np.isfinite(y)):
            raise ModelError(f"output {out.key!r} has non-finite values; cannot compute {what}")
        if is_constant(y):
            zero = dict.fromkeys(model.uncertainties, 0.0)
            indices[out.key] = dict.fromkeys(keys, zero)
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            si = analyse(y)
        indices[out.key] = {
            m: {p: _f(si[m][j]) for j, p in enumerate(model.uncertainties)} for m in keys
        }
    return outs, indices


def _result(
    method: str,
    model: ExploratoryModel,
    u: np.ndarray,
    base: int,
    seed: int,
    t0: float,
    outs: list[Any],
    indices: dict[str, dict[str, dict[str, float]]],
    settings: dict[str, Any],
) -> SensitivityResult:
    """The :class:`SensitivityResult` of a SALib method run on the experiments ``u``."""
    return SensitivityResult(
        method=method,
        names=model.uncertainties,
        outputs=outs,
        indices=indices,
        runs=int(u.shape[0]) * len(model.options),
        base_samples=base,
        seed=seed,
        seconds=time.perf_counter() - t0,
        recommended=model.recommended,
        directions=directions(model),
        settings={**settings, "experiments": int(u.shape[0])},
    )


def sobol(
    model: ExploratoryModel,
    n: int = 1024,
    *,
    seed: int = 0,
    evaluator: Evaluator | None = None,
    num_resamples: int = 100,
    conf_level: float = 0.95,
    progress: Progress | None = None,
) -> SensitivityResult:
    """First-order and total Sobol indices (with confidence intervals) of every output."""
    from SALib.analyze import sobol as sobol_analysis

    t0 = time.perf_counter()
    u = sobol_sample(model, n, seed)
    results = _run(model, u, seed, evaluator, progress)
    problem = _problem(model)
    outs, indices = _indices(
        model,
        results,
        ("S1", "S1_conf", "ST", "ST_conf"),
        "Sobol indices",
        lambda y: sobol_analysis.analyze(
            problem,
            y,
            calc_second_order=False,
            num_resamples=num_resamples,
            conf_level=conf_level,
            seed=seed,
        ),
    )
    settings = {"num_resamples": num_resamples, "conf_level": conf_level}
    return _result("sobol", model, u, n, seed, t0, outs, indices, settings)


# --------------------------------------------------------------------------- Morris
def morris_bounds(model: ExploratoryModel) -> list[list[float]]:
    """Quantile bounds for Morris levels: [0, 1] on bounded sides, [0.01, 0.99] on open ones.

    A :class:`~melian.explore.model.ClippedNormal` (a bargaining input) counts as open: its
    bounds hold the normal's tails as point masses, and its 1st to 99th percentiles span the
    error around the coded value (the range Morris used before the clipping was part of the
    distribution).
    """
    out = []
    for name in model.uncertainties:
        d = model.distributions[model.recommended][name]
        clipped = isinstance(d, ClippedNormal)
        bounded = d.dist in ("uniform", "triangular", "beta", "discrete", "fixed")
        lo = (
            0.0 if bounded or (d.low is not None and not clipped) or d.dist == "lognormal" else 0.01
        )
        hi = 1.0 if bounded or (d.high is not None and not clipped) else 0.99
        out.append([lo, hi])
    return out


def morris(
    model: ExploratoryModel,
    trajectories: int = 100,
    *,
    num_levels: int = 4,
    seed: int = 0,
    evaluator: Evaluator | None = None,
    num_resamples: int = 100,
    conf_level: float = 0.95,
    progress: Progress | None = None,
) -> SensitivityResult:
    """Morris elementary effects (``mu``, ``mu_star`` with CI, ``sigma``) of every output."""
    from SALib.analyze import morris as morris_analysis
    from SALib.sample import morris as morris_sampling

    if trajectories < 2:
        raise ModelError("Morris needs at least 2 trajectories")
    t0 = time.perf_counter()
    problem = _problem(model, morris_bounds(model))
    u = morris_sampling.sample(problem, trajectories, num_levels=num_levels, seed=seed)
    results = _run(model, u, seed, evaluator, progress)
    outs, indices = _indices(
        model,
        results,
        ("mu", "mu_star", "mu_star_conf", "sigma"),
        "Morris elementary effects",
        lambda y: morris_analysis.analyze(
            problem,
            u,
            y,
            num_resamples=num_resamples,
            conf_level=conf_level,
            num_levels=num_levels,
            seed=seed,
        ),
    )
    settings = {"num_levels": num_levels, "num_resamples": num_resamples, "conf_level": conf_level}
    return _result("morris", model, u, trajectories, seed, t0, outs, indices, settings)


# --------------------------------------------------------------------------- tornado
@dataclass
class TornadoResult:
    """One-at-a-time swings of every output, bars sorted by width (widest first)."""

    swing: tuple[float, float]
    seed: int
    recommended: str
    outputs: list[Output]
    base: dict[str, float]
    bars: dict[str, list[dict[str, Any]]]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return to_jsonable(
            {
                "method": "tornado",
                "swing_quantiles": list(self.swing),
                "seed": self.seed,
                "recommended": self.recommended,
                "outputs": [
                    {**o.to_dict(), "base": self.base[o.key], "bars": self.bars[o.key]}
                    for o in self.outputs
                ],
            }
        )

    def to_frame(self) -> Any:  # noqa: ANN401
        """Long (tidy) bars: one row per output and parameter, with the output's base value."""
        import pandas as pd

        rows = [
            {
                "output": o.key,
                "option": o.option,
                "versus": o.versus,
                "outcome": o.outcome,
                "base": self.base[o.key],
                **b,
            }
            for o in self.outputs
            for b in self.bars[o.key]
        ]
        return pd.DataFrame(rows)

    def _repr_html_(self) -> str:
        key = next((o.key for o in self.outputs if o.kind == "advantage"), self.outputs[0].key)
        bars = self.bars[key]
        return html_table(
            f"tornado: {key} (base {self.base[key]:.4g})",
            ["parameter", "at low", "at high", "width"],
            [[b["parameter"], b["output_at_low"], b["output_at_high"], b["width"]] for b in bars],
            max_rows=10,
        )


def tornado(
    model: ExploratoryModel,
    *,
    swing: tuple[float, float] = (0.1, 0.9),
    seed: int = 0,
) -> TornadoResult:
    """Tornado-diagram data: each output at each parameter's low and high quantile.

    Every point is evaluated with the same ``seed`` (common random numbers), so the bars show
    the parameter's effect and not Monte Carlo noise: a model whose every experiment of a call
    sees the same noise (``common_random_numbers``, the world model) evaluates all points in one
    call per option; any other model one call per point.
    """
    lo_q, hi_q = swing
    if not 0 <= lo_q < 0.5 < hi_q <= 1:
        raise ModelError(
            f"tornado swing quantiles must satisfy 0 <= low < 0.5 < high <= 1, got {swing}"
        )
    k = model.k
    pts = np.full((2 * k + 1, k), 0.5)
    for j in range(k):
        pts[1 + 2 * j, j] = lo_q
        pts[2 + 2 * j, j] = hi_q
    if model.common_random_numbers:
        stacked: Results = model.evaluate_options(model.options, pts, seed)
    else:
        per_point: list[Results] = [
            {o: model.evaluate(o, pts[i : i + 1], seed) for o in model.options}
            for i in range(len(pts))
        ]
        stacked = {
            o: {c: np.concatenate([p[o][c] for p in per_point]) for c in per_point[0][o]}
            for o in model.options
        }
    outs: list[Output] = []
    base: dict[str, float] = {}
    bars: dict[str, list[dict[str, Any]]] = {}
    # each option's input values at the low and high swings (the values its runs were given)
    swung = {o: (model.values(o, pts[1::2]), model.values(o, pts[2::2])) for o in model.options}
    for out, y in outputs_of(model, stacked):
        outs.append(out)
        base[out.key] = float(y[0])
        vals_lo, vals_hi = swung[out.option]
        rows = []
        for j, p in enumerate(model.uncertainties):
            ylo, yhi = float(y[1 + 2 * j]), float(y[2 + 2 * j])
            rows.append(
                {
                    "parameter": p,
                    "low_value": float(vals_lo[p][j]),
                    "high_value": float(vals_hi[p][j]),
                    "output_at_low": ylo,
                    "output_at_high": yhi,
                    "width": abs(yhi - ylo),
                }
            )
        rows.sort(key=lambda r: -r["width"])
        bars[out.key] = rows
    return TornadoResult(
        swing=(lo_q, hi_q),
        seed=seed,
        recommended=model.recommended,
        outputs=outs,
        base=base,
        bars=bars,
    )


# --------------------------------------------------------------------------- helpers
def _run(
    model: ExploratoryModel,
    u: np.ndarray,
    seed: int,
    evaluator: Evaluator | None,
    progress: Progress | None,
) -> Results:
    """Evaluate the experiments on ``evaluator`` (in-process when ``None``)."""
    if evaluator is None:
        with Evaluator("synchronous") as ev:
            return ev.run(model, u, seed, progress=progress)
    return evaluator.run(model, u, seed, progress=progress)


def top_parameters(result: SensitivityResult, key: str, n: int = 5) -> list[str]:
    """The ``n`` most influential parameters of output ``key``."""
    return [r["parameter"] for r in result.table(key)[:n]]


def summary(result: SensitivityResult) -> Mapping[str, list[str]]:
    """Output key -> its three most influential parameters."""
    return {o.key: top_parameters(result, o.key, 3) for o in result.outputs}
