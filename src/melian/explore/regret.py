"""Robust choice across an ensemble: minimax regret and satisficing.

* **Regret** (Savage 1951, "The theory of statistical decision", JASA 46): in experiment ``e`` the
  regret of option ``o`` on an outcome is how much worse it does than the best option there,
  ``max_o' y(o', e) - y(o, e)`` for outcomes to maximise (mirror for minimise). The minimax-regret
  choice minimises the largest regret over the ensemble; the 90th percentile and mean regret are
  reported beside it (Lempert & Collins 2007 use such percentile regrets as a less extreme
  measure).
* **Satisficing** (Simon 1956; Starr's domain criterion, Starr 1963, as classified by McPhail et
  al. 2018, "Robustness metrics", Earth's Future 6): the share of experiments in which an option
  meets every given threshold, and for each outcome the level each option guarantees with the
  chosen reliability (its 10th percentile for a maximised outcome at reliability 0.9).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from melian.errors import ModelError
from melian.explore.discovery import Data, ensemble_mc
from melian.explore.mcerror import MAX_PATHS, REL_TOL, SHARE_TOL
from melian.explore.model import ExploratoryModel, directions
from melian.explore.parallel import Evaluator, Progress
from melian.jsonio import to_jsonable
from melian.reprs import html_table


@dataclass
class RegretResult:
    """Regret and satisficing statistics per outcome and option."""

    recommended: str
    experiments: int
    reliability: float
    regret: dict[str, dict[str, dict[str, float]]]
    minimax: dict[str, str]
    guaranteed: dict[str, dict[str, float]]
    thresholds: dict[str, float]
    satisficing: dict[str, dict[str, float]]
    most_satisficing: str | None
    seed: int
    seconds: float
    settings: dict[str, Any] = field(default_factory=dict)
    #: Monte Carlo error of the ensemble's utility ranking (futures and paths; see
    #: :mod:`melian.explore.mcerror`), and the standard error of each satisficing share.
    mc_error: dict[str, Any] = field(default_factory=dict)
    satisficing_se: dict[str, dict[str, float]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return to_jsonable(
            {
                "method": "regret",
                "recommended": self.recommended,
                "experiments": self.experiments,
                "regret": self.regret,
                "minimax_regret_choice": self.minimax,
                "reliability": self.reliability,
                "guaranteed_level": self.guaranteed,
                "thresholds": self.thresholds,
                "satisficing_share": self.satisficing,
                "most_satisficing": self.most_satisficing,
                "satisficing_share_se": self.satisficing_se,
                "mc_error": self.mc_error,
                "seed": self.seed,
                "seconds": round(self.seconds, 3),
                "settings": self.settings,
            }
        )

    def to_frame(self) -> Any:  # noqa: ANN401
        """Long (tidy) regret statistics: outcome, option, statistic, value."""
        import pandas as pd

        rows = [
            (outcome, option, stat, v)
            for outcome, by_o in self.regret.items()
            for option, stats in by_o.items()
            for stat, v in stats.items()
        ]
        return pd.DataFrame(rows, columns=["outcome", "option", "statistic", "value"])

    def _repr_html_(self) -> str:
        rows = [
            [outcome, option, stats.get("max"), stats.get("mean")]
            for outcome, by_o in self.regret.items()
            for option, stats in by_o.items()
        ]
        return html_table(
            f"regret over {self.experiments} experiments (minimax: {self.minimax})",
            ["outcome", "option", "max regret", "mean regret"],
            rows,
        )


def regret_table(
    options: tuple[str, ...], values: Mapping[str, np.ndarray], direction: str
) -> dict[str, np.ndarray]:
    """Regret of each option in each experiment on one outcome (``values[option]`` of shape (n,))."""
    y = np.stack([np.asarray(values[o], dtype=float) for o in options])
    if direction == "max":
        reg = y.max(axis=0) - y
    else:
        reg = y - y.min(axis=0)
    return {o: reg[i] for i, o in enumerate(options)}


def robust(
    model: ExploratoryModel,
    n: int = 1000,
    *,
    seed: int = 0,
    thresholds: Mapping[str, float] | None = None,
    reliability: float = 0.9,
    evaluator: Evaluator | None = None,
    progress: Progress | None = None,
    data: Data | None = None,
    adaptive: bool = True,
    rel_tol: float = REL_TOL,
    share_tol: float = SHARE_TOL,
    max_paths: int = MAX_PATHS,
) -> RegretResult:
    """Minimax regret per outcome and satisficing shares over an ensemble of ``n`` experiments.

    The paths per experiment are chosen as in :func:`melian.explore.discovery.discover`
    (``adaptive``, ``rel_tol``, ``share_tol``, ``max_paths``); ``mc_error`` gives the Monte Carlo
    error of the utility ranking and ``satisficing_se`` the binomial standard error (over the
    futures) of every satisficing share.
    """
    t0 = time.perf_counter()
    if not 0.5 <= reliability < 1:
        raise ModelError(f"reliability must lie in [0.5, 1), got {reliability}")
    dirs = directions(model)
    thr = dict(thresholds or {})
    unknown = set(thr) - set(dirs)
    if unknown:
        raise ModelError(
            f"thresholds name unknown outcomes {sorted(unknown)}; outcomes: {', '.join(dirs)}"
        )
    u, res, mc = ensemble_mc(
        model,
        n,
        seed,
        evaluator,
        progress,
        data=data,
        adaptive=adaptive,
        rel_tol=rel_tol,
        share_tol=share_tol,
        max_paths=max_paths,
    )
    regret: dict[str, dict[str, dict[str, float]]] = {}
    minimax: dict[str, str] = {}
    guaranteed: dict[str, dict[str, float]] = {}
    for c, d in dirs.items():
        reg = regret_table(model.options, {o: res[o][c] for o in model.options}, d)
        regret[c] = {
            o: {"max": float(r.max()), "p90": float(np.quantile(r, 0.9)), "mean": float(r.mean())}
            for o, r in reg.items()
        }
        # ties go to the earlier-declared option, except that the recommendation wins a tie
        order = sorted(model.options, key=lambda o: (regret[c][o]["max"], o != model.recommended))
        minimax[c] = order[0]
        q = 1 - reliability if d == "max" else reliability
        guaranteed[c] = {o: float(np.quantile(res[o][c], q)) for o in model.options}
    satisficing: dict[str, dict[str, float]] = {}
    sat_se: dict[str, dict[str, float]] = {}
    best: str | None = None
    if thr:
        for o in model.options:
            ok_all = np.ones(u.shape[0], dtype=bool)
            shares: dict[str, float] = {}
            for c, t in thr.items():
                ok = res[o][c] >= t if dirs[c] == "max" else res[o][c] <= t
                shares[c] = float(ok.mean())
                ok_all &= ok
            shares["all"] = float(ok_all.mean())
            satisficing[o] = shares
            nf = max(1, u.shape[0])
            sat_se[o] = {c: float(np.sqrt(v * (1 - v) / nf)) for c, v in shares.items()}
        best = max(model.options, key=lambda o: (satisficing[o]["all"], o == model.recommended))
    return RegretResult(
        recommended=model.recommended,
        experiments=int(u.shape[0]),
        reliability=reliability,
        regret=regret,
        minimax=minimax,
        guaranteed=guaranteed,
        thresholds=thr,
        satisficing=satisficing,
        most_satisficing=best,
        seed=seed,
        seconds=time.perf_counter() - t0,
        settings={"sample": "latin hypercube over quantiles"},
        mc_error=mc.to_dict() if mc is not None else {},
        satisficing_se=sat_se,
    )
