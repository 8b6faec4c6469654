"""Backtest bargaining models on real decisions (DEU issues): errors, paired bootstrap, baselines.

For each model, every issue is forecast (one-issue problem; models flagged as joint run once per
proposal on the merged multi-issue problem, see :func:`backtest`) and compared with the recorded
outcome. Reported per model: the number of issues scored, mean and median absolute error on the
0-100 scale, the failures (a model raising :class:`melian.errors.ModelError` on an issue is
counted, never fatal), and the difference in mean absolute error to a reference model (the
compromise model by default) with a 95% percentile bootstrap interval.

The bootstrap is a paired *cluster* bootstrap over proposals (Davison & Hinkley 1997, sect. 3.8;
Cameron, Gelbach & Miller 2008): issues of one proposal are decided together and their errors
are correlated, so resampling issues independently would understate the uncertainty. Each
replicate draws the proposals with replacement (multinomial counts), takes all their issues, and
computes (sum of model errors - sum of reference errors) / (number of issues) over the issues
both models forecast. The same draws serve every model (common random numbers), produced by
``numpy.random.default_rng(SeedSequence(seed))``: the same seed gives the same intervals.

:func:`baseline_forecasts` computes the published DEU baselines (weighted means and medians,
constant 50, Commission and Parliament positions) directly, independently of the registry.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from melian.bargaining.base import BargainingProblem, Forecast
from melian.bargaining.io.deu import COMMISSION, PARLIAMENT, DeuIssue, proposal_problem
from melian.bargaining.registry import get_model, model_names, run_model
from melian.errors import MelianError, ModelError

#: Fixed default seed of the bootstrap (any integer works; this one is documented).
DEFAULT_SEED = 20_240_601
#: Default number of bootstrap replicates.
DEFAULT_N_BOOT = 2000
#: Models that trade across issues and therefore run once per proposal on the merged problem.
JOINT_MODELS: tuple[str, ...] = ("exchange",)

Runner = Callable[[str, BargainingProblem], Forecast]


@dataclass
class ModelResult:
    """One model's backtest: errors, failures, difference to the reference and predictions."""

    model: str
    n: int
    mean_ae: float
    median_ae: float
    failures: list[dict[str, str]]
    predictions: list[dict[str, Any]]
    diff_mean_ae: float = math.nan
    diff_ci: tuple[float, float] = (math.nan, math.nan)
    n_paired: int = 0
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (nan -> None)."""
        return {
            "model": self.model,
            "n": self.n,
            "mean_ae": _num(self.mean_ae),
            "median_ae": _num(self.median_ae),
            "n_failures": len(self.failures),
            "failures": self.failures,
            "diff_mean_ae_to_reference": _num(self.diff_mean_ae),
            "diff_ci95": [_num(self.diff_ci[0]), _num(self.diff_ci[1])],
            "n_paired": self.n_paired,
            "seconds": round(self.seconds, 4),
            "predictions": self.predictions,
        }


@dataclass
class BacktestResult:
    """Every model's :class:`ModelResult` plus how the comparison was made."""

    models: dict[str, ModelResult]
    reference: str
    seed: int
    n_boot: int
    n_issues: int
    n_outcomes: int
    n_proposals: int
    bootstrap: str = "cluster bootstrap over proposals, percentile 95% interval"
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict of the whole backtest."""
        return {
            "reference": self.reference,
            "seed": self.seed,
            "n_boot": self.n_boot,
            "bootstrap": self.bootstrap,
            "n_issues": self.n_issues,
            "n_outcomes": self.n_outcomes,
            "n_proposals": self.n_proposals,
            "models": {name: r.to_dict() for name, r in self.models.items()},
            **self.extra,
        }


def _num(v: float) -> float | None:
    return None if v is None or not math.isfinite(v) else float(v)


def _registry_runner(name: str, problem: BargainingProblem) -> Forecast:
    """Run a registered model with its defaults, except that a model with a ``zero_salience``
    choice (the SMP) drops the actors that gave an issue zero salience: DEU codes indifference
    as salience 0, and such an actor has no vote in the model (c x s = 0).
    """
    if "zero_salience" in get_model(name).defaults:
        return run_model(name, problem, zero_salience="drop")
    return run_model(name, problem)


def forecast_issues(
    issues: Sequence[DeuIssue], model: str, *, runner: Runner | None = None, joint: bool = False
) -> tuple[np.ndarray, list[dict[str, str]]]:
    """Point forecast of ``model`` for every issue (``nan`` where it failed) and the failures.

    ``joint`` runs the model once per proposal on :func:`proposal_problem`'s merged problem.
    A :class:`MelianError` (ModelError, LimitError...) on an issue or proposal is recorded as a
    failure of each issue concerned; other exceptions propagate (they are bugs).
    """
    run = runner or _registry_runner
    pred = np.full(len(issues), np.nan)
    failures: list[dict[str, str]] = []
    if joint:
        groups: dict[str, list[int]] = {}
        for i, it in enumerate(issues):
            groups.setdefault(it.proposal, []).append(i)
        units = [(idx, proposal_problem([issues[i] for i in idx])) for idx in groups.values()]
    else:
        units = [([i], it.problem) for i, it in enumerate(issues)]
    for idx, prob in units:
        try:
            points = run(model, prob).point()
        except MelianError as exc:
            failures.extend({"issue": issues[i].issue, "error": str(exc)} for i in idx)
            continue
        for i in idx:
            v = points.get(issues[i].issue, math.nan)
            if v is None or not math.isfinite(float(v)):
                failures.append({"issue": issues[i].issue, "error": "no finite forecast"})
            else:
                pred[i] = float(v)
    return pred, failures


def _bootstrap_weights(n_groups: int, n_boot: int, seed: int) -> np.ndarray:
    """(n_boot, n_groups) multinomial counts: each row one resample of the groups."""
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    return rng.multinomial(n_groups, np.full(n_groups, 1.0 / n_groups), size=n_boot)


def paired_cluster_ci(
    err_model: np.ndarray,
    err_ref: np.ndarray,
    groups: np.ndarray,
    weights: np.ndarray,
    group_index: dict[str, int],
) -> tuple[float, tuple[float, float], int]:
    """Mean error difference (model - reference) and its 95% cluster-bootstrap interval.

    Only issues where both errors are finite count. ``weights`` are the multinomial group counts
    of :func:`_bootstrap_weights` over the groups of ``group_index``.
    """
    ok = np.isfinite(err_model) & np.isfinite(err_ref)
    n = int(ok.sum())
    if n == 0:
        return math.nan, (math.nan, math.nan), 0
    d = err_model[ok] - err_ref[ok]
    g = np.array([group_index[x] for x in groups[ok]])
    sums = np.bincount(g, weights=d, minlength=len(group_index))
    cnts = np.bincount(g, minlength=len(group_index)).astype(float)
    num = weights @ sums
    den = weights @ cnts
    reps = num[den > 0] / den[den > 0]
    lo, hi = np.percentile(reps, [2.5, 97.5])
    return float(d.mean()), (float(lo), float(hi)), n


def backtest(
    issues: Sequence[DeuIssue],
    models: Iterable[str] | None = None,
    *,
    reference: str = "compromise",
    seed: int = DEFAULT_SEED,
    n_boot: int = DEFAULT_N_BOOT,
    runner: Runner | None = None,
    joint_models: Sequence[str] = JOINT_MODELS,
) -> BacktestResult:
    """Backtest ``models`` (default: every registered model) on ``issues``.

    Errors are absolute differences between forecast and outcome over the issues with an
    outcome. ``reference`` (run even if not listed) is the model the differences are taken to.
    ``runner(name, problem) -> Forecast`` defaults to the registry's ``run_model``; models in
    ``joint_models`` run per proposal on the merged problem. Deterministic for a given ``seed``.
    """
    import time

    if models is None:
        names = list(model_names())
    else:
        names = list(dict.fromkeys(models))
    if not issues:
        raise ModelError("backtest: no issues")
    order = list(names) if reference in names else [*names, reference]
    outcome = np.array([it.outcome for it in issues])
    scored = np.isfinite(outcome)
    proposals = np.array([it.proposal for it in issues])
    group_index = {p: i for i, p in enumerate(dict.fromkeys(proposals[scored]))}
    weights = _bootstrap_weights(len(group_index), n_boot, seed) if group_index else None
    results: dict[str, ModelResult] = {}
    errors: dict[str, np.ndarray] = {}
    for name in order:
        t0 = time.perf_counter()
        pred, failures = forecast_issues(issues, name, runner=runner, joint=name in joint_models)
        seconds = time.perf_counter() - t0
        err = np.abs(pred - outcome)
        err[~scored] = np.nan
        errors[name] = err
        e = err[np.isfinite(err)]
        results[name] = ModelResult(
            model=name,
            n=int(e.size),
            mean_ae=float(e.mean()) if e.size else math.nan,
            median_ae=float(np.median(e)) if e.size else math.nan,
            failures=failures,
            predictions=[
                {
                    "issue": it.issue,
                    "proposal": it.proposal,
                    "forecast": _num(pred[i]),
                    "outcome": _num(outcome[i]),
                }
                for i, it in enumerate(issues)
            ],
            seconds=seconds,
        )
    ref_err = errors[reference]
    for name in order:
        if weights is None:
            continue
        diff, ci, n_pair = paired_cluster_ci(errors[name], ref_err, proposals, weights, group_index)
        r = results[name]
        r.diff_mean_ae, r.diff_ci, r.n_paired = diff, ci, n_pair
    ordered = {n: results[n] for n in order}
    return BacktestResult(
        models=ordered,
        reference=reference,
        seed=seed,
        n_boot=n_boot,
        n_issues=len(issues),
        n_outcomes=int(scored.sum()),
        n_proposals=len(set(proposals)),
    )


# --------------------------------------------------------------------------------------------
# Published DEU baselines, computed directly (no registry).


def _salience_weighted_lower_median(x: np.ndarray, w: np.ndarray) -> float:
    """Smallest position x_m with at least half the weight at or below and at or above it."""
    keep = w > 0
    if not keep.any():
        return float(np.median(x))
    x, w = x[keep], w[keep]
    half = w.sum() / 2.0
    for v in np.unique(x):
        if w[x <= v].sum() >= half - 1e-9 and w[x >= v].sum() >= half - 1e-9:
            return float(v)
    return float(np.median(x))  # unreachable for positive weights


def baseline_forecasts(issues: Sequence[DeuIssue]) -> dict[str, np.ndarray]:
    """The published DEU baselines for each issue (``nan`` where undefined).

    - ``salience_mean``: sum s x / sum s (unweighted mean when every salience is 0);
    - ``mean``: unweighted mean of the positions;
    - ``capability_salience_mean``: sum c s x / sum c s with the problems' capabilities (the GDP
      weights when the issues were read with ``capability="gdp"``);
    - ``salience_median``: salience-weighted median, the lowest position that has at least half
      the salience at or below it and at or above it;
    - ``median``: unweighted median (midpoint of the two middle positions when even);
    - ``constant50``; ``commission`` and ``parliament``: that actor's position (``nan`` where it
      took none).
    """
    names = (
        "salience_mean",
        "mean",
        "capability_salience_mean",
        "salience_median",
        "median",
        "constant50",
        "commission",
        "parliament",
    )
    out = {k: np.full(len(issues), np.nan) for k in names}
    for i, it in enumerate(issues):
        p = it.problem
        x = p.position[:, 0]
        s = p.salience[:, 0]
        c = np.asarray(p.capability, dtype=float)
        mean = float(np.mean(x))
        out["salience_mean"][i] = float(np.dot(s, x) / s.sum()) if s.sum() > 0 else mean
        out["mean"][i] = mean
        cs = c * s
        out["capability_salience_mean"][i] = (
            float(np.dot(cs, x) / cs.sum()) if cs.sum() > 0 else mean
        )
        out["salience_median"][i] = _salience_weighted_lower_median(x, s)
        out["median"][i] = float(np.median(x))
        out["constant50"][i] = 50.0
        for key, code in (("commission", COMMISSION), ("parliament", PARLIAMENT)):
            if code in p.actors:
                out[key][i] = float(x[p.actors.index(code)])
    return out


def mean_absolute_error(forecast: np.ndarray, issues: Sequence[DeuIssue]) -> tuple[float, int]:
    """Mean absolute error over issues with an outcome and a finite forecast, and their count."""
    y = np.array([it.outcome for it in issues])
    ok = np.isfinite(y) & np.isfinite(forecast)
    return float(np.mean(np.abs(forecast[ok] - y[ok]))), int(ok.sum())
