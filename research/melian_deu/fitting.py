"""
Fitting and cross-validation of melian-deu (research code; the shipped predictor does not use it).

melian-deu's predictor and its frozen parameters live in :mod:`melian.bargaining.melian_deu`.
This module holds how those parameters were obtained: padded design arrays over the one-issue
DEU problems, the objective (mean absolute error plus a ridge penalty
``lam * ||theta - THETA0||^2`` toward the compromise model), the nested families of free
parameters, deterministic Nelder-Mead fits, cross-validation grouped by proposal and the nested
cross-validation of the selection procedure (docs/models/melian-deu.md has the numbers).

The build recipe of the shipped parameter file (``python -m scripts.fit_melian_deu``) calls
:func:`dev_design`, :func:`fit` and :func:`cv_report`.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import minimize

from melian.bargaining.base import BargainingProblem
from melian.bargaining.io.deu import packaged_path, read_deu
from melian.bargaining.melian_deu import THETA0, institution_roles, issue_weights, procedure_of
from melian.bargaining.validation.calibration import group_folds  # the shipped fold assignment

#: Bounds that keep the fit interpretable (|k| <= 3: an institution's weight within e^-3..e^3).
BOUNDS = np.array(
    [[-1.0, 2.0], [0.0, 4.0], [-3.0, 3.0], [-3.0, 3.0], [-3.0, 3.0], [-3.0, 3.0], [0.0, 1.0]]
)

#: The data the shipped parameters are fitted on (packaged with melian).
DEV_FILE = "deu-dev.tsv"


@dataclass(frozen=True)
class Design:
    """
    Padded arrays of many issues for fast fitting: (issues, actors) with 0 weight for absent.

    ``groups`` holds the proposal id of each issue (the unit of the grouped cross-validation).
    """

    position: np.ndarray
    present: np.ndarray
    capability: np.ndarray
    salience: np.ndarray
    roles: np.ndarray
    cod: np.ndarray
    known_proc: np.ndarray
    outcome: np.ndarray
    groups: np.ndarray
    issues: tuple[str, ...]

    def subset(self, rows: np.ndarray) -> Design:
        """The design restricted to ``rows`` (boolean mask or indices)."""
        return Design(
            *(
                getattr(self, f)[rows]
                for f in (
                    "position",
                    "present",
                    "capability",
                    "salience",
                    "roles",
                    "cod",
                    "known_proc",
                    "outcome",
                    "groups",
                )
            ),
            issues=tuple(np.asarray(self.issues, dtype=object)[rows]),
        )


def build_design(
    problems: Sequence[BargainingProblem], outcomes: Sequence[float], groups: Sequence[str]
) -> Design:
    """Stack one-issue problems into a :class:`Design` (only rows with a known outcome)."""
    keep = [i for i, y in enumerate(outcomes) if not math.isnan(float(y))]
    n = len(keep)
    width = max((problems[i].n_actors for i in keep), default=0)
    pos = np.zeros((n, width))
    present = np.zeros((n, width), dtype=bool)
    cap = np.zeros((n, width))
    sal = np.zeros((n, width))
    roles = np.zeros((n, width), dtype=int)
    cod = np.zeros(n, dtype=bool)
    known = np.zeros(n, dtype=bool)
    for r, i in enumerate(keep):
        p = problems[i]
        x = np.asarray(p.position, dtype=float)[:, 0]
        m = ~np.isnan(x)
        na = p.n_actors
        pos[r, :na] = np.nan_to_num(x)
        present[r, :na] = m
        cap[r, :na] = np.where(m, np.asarray(p.capability, dtype=float), 0.0)
        sal[r, :na] = np.where(m, np.nan_to_num(np.asarray(p.salience, dtype=float)[:, 0]), 0.0)
        roles[r, :na] = institution_roles(p)
        proc = procedure_of(p)
        cod[r] = proc == "COD"
        known[r] = proc != ""
    return Design(
        position=pos,
        present=present,
        capability=cap,
        salience=sal,
        roles=roles,
        cod=cod,
        known_proc=known,
        outcome=np.asarray([float(outcomes[i]) for i in keep]),
        groups=np.asarray([str(groups[i]) for i in keep]),
        issues=tuple(problems[i].issues[0] for i in keep),
    )


def predict_design(theta: np.ndarray, d: Design) -> np.ndarray:
    """melian-deu's forecasts for every issue of a design (vectorised :func:`predict_one`)."""
    w = issue_weights(
        theta, d.capability, d.salience, d.roles, d.cod[:, None], d.known_proc[:, None]
    )
    w = np.where(d.present, w, 0.0)
    tot = w.sum(axis=1)
    cnt = d.present.sum(axis=1)
    mean = (d.position * d.present).sum(axis=1) / np.maximum(cnt, 1)
    wm = (w * d.position).sum(axis=1) / np.where(tot > 0, tot, 1.0)
    weighted = np.where(tot > 0, wm, mean)
    return theta[6] * weighted + (1.0 - theta[6]) * mean


def objective(theta: np.ndarray, d: Design, lam: float) -> float:
    """Mean absolute error on ``d`` plus ``lam * ||theta - THETA0||^2`` (inf outside BOUNDS)."""
    if np.any(theta < BOUNDS[:, 0]) or np.any(theta > BOUNDS[:, 1]):
        return math.inf
    err = float(np.mean(np.abs(predict_design(theta, d) - d.outcome)))
    return err + lam * float(np.sum((theta - THETA0) ** 2))


#: Nested model families the inner cross-validation chooses among: name -> indices of the free
#: parameters (the others stay at THETA0). "compromise" has none (the salience-weighted mean).
FAMILIES: dict[str, tuple[int, ...]] = {
    "compromise": (),
    "mean-blend": (6,),
    "salience-power": (1,),
    "institutions": (0, 1, 2, 4, 6),
    "procedure-aware": (0, 1, 2, 3, 4, 5, 6),
}
#: Ridge strengths tried by the inner cross-validation for each family with free parameters.
LAMBDA_GRID: tuple[float, ...] = (0.0, 0.3, 3.0)

#: Deterministic starting points of the Nelder-Mead search (the compromise model first).
STARTS: tuple[tuple[float, ...], ...] = (
    tuple(THETA0),
    (0.0, 0.5, 0.0, 0.0, 0.0, 0.0, 0.5),
    (0.0, 2.0, 0.0, 0.0, 0.0, 0.0, 1.0),
    (0.5, 1.0, 0.5, -0.5, 0.5, -1.0, 0.8),
)


def _expand(free: tuple[int, ...], z: np.ndarray) -> np.ndarray:
    theta = THETA0.copy()
    theta[list(free)] = z
    return theta


def fit(d: Design, lam: float, family: str = "procedure-aware") -> np.ndarray:
    """
    Parameters of ``family`` minimising :func:`objective` on ``d`` at ridge strength ``lam``.

    Only the family's free parameters move (the others stay at :data:`THETA0`); the
    "compromise" family returns THETA0. Nelder-Mead from each of :data:`STARTS` (restricted to
    the free parameters; deterministic: same data, same result), keeping the best; ties go to
    the earlier start. Returned values are rounded to 6 decimals (what is frozen).
    """
    free = FAMILIES[family]
    if not free:
        return THETA0.copy()
    idx = list(free)
    best_z, best_f = THETA0[idx].copy(), objective(THETA0, d, lam)
    seen: set[tuple[float, ...]] = set()
    for start in STARTS:
        z0 = np.asarray(start, dtype=float)[idx]
        key = tuple(z0.tolist())
        if key in seen:
            continue
        seen.add(key)
        res = minimize(
            lambda z: objective(_expand(free, z), d, lam),
            z0,
            method="Nelder-Mead",
            options={"maxiter": 2000, "xatol": 1e-5, "fatol": 1e-7},
        )
        if res.fun < best_f - 1e-9:
            best_z, best_f = np.asarray(res.x, dtype=float), float(res.fun)
    return np.round(_expand(free, best_z), 6)


#: The shipped model: the one-parameter "mean-blend" family fitted without penalty (alpha only).
#: Chosen because its grouped CV error beat the compromise model while every data-driven
#: selection among families did not (nested CV); see docs/models/melian-deu.md.
SHIPPED_FAMILY = "mean-blend"
SHIPPED_LAMBDA = 0.0

#: Families the analysed selection procedure chooses among. The richer families of :data:`FAMILIES` were
#: tried and rejected: their nested CV error was worse than the compromise model's (see
#: docs/models/melian-deu.md); they stay available for the record and for re-analysis.
SHIPPED_FAMILIES: tuple[str, ...] = ("compromise", "mean-blend")


def configs(
    lambdas: Sequence[float] = LAMBDA_GRID, families: Sequence[str] = SHIPPED_FAMILIES
) -> list[tuple[str, float]]:
    """Every (family, lambda) pair the inner CV compares, simplest first."""
    out: list[tuple[str, float]] = [("compromise", math.inf)]
    for fam, free in FAMILIES.items():
        if free and fam in families:
            out.extend((fam, float(lam)) for lam in sorted(lambdas, reverse=True))
    return out


def cv_predictions(d: Design, family: str, lam: float, k: int, seed: int) -> np.ndarray:
    """Out-of-fold forecasts of ``fit(family, lam)`` under grouped ``k``-fold CV."""
    pred = np.empty(d.outcome.size)
    for test in group_folds(d.groups, k, seed):
        train = np.setdiff1d(np.arange(d.outcome.size), test)
        theta = fit(d.subset(train), lam, family)
        pred[test] = predict_design(theta, d.subset(test))
    return pred


def select_and_fit(
    d: Design,
    *,
    inner_k: int = 5,
    seed: int = 2024,
    lambdas: Sequence[float] = LAMBDA_GRID,
    families: Sequence[str] = SHIPPED_FAMILIES,
) -> tuple[tuple[str, float], np.ndarray, dict[str, float]]:
    """
    Choose (family, lambda) by grouped inner CV on ``d``, then refit it on all of ``d``.

    Returns ((family, lambda), parameters, {"family@lambda": CV MAE}). A more complex choice must
    beat the simplest one within 1e-9 to be taken (order of :func:`configs`), so ties go to the
    compromise model.
    """
    scores: dict[str, float] = {}
    best: tuple[str, float] = ("compromise", math.inf)
    best_s = math.inf
    for fam, lam in configs(lambdas, families):
        pred = cv_predictions(d, fam, lam, inner_k, seed)
        s = float(np.mean(np.abs(pred - d.outcome)))
        scores[f"{fam}@{lam:g}"] = s
        if s < best_s - 1e-9:
            best, best_s = (fam, lam), s
    return best, fit(d, best[1], best[0]), scores


def nested_cv(
    d: Design,
    *,
    outer_k: int = 10,
    inner_k: int = 5,
    seed: int = 2024,
    families: Sequence[str] = SHIPPED_FAMILIES,
) -> dict[str, Any]:
    """
    Honest error of the whole procedure (family + lambda selection + fit) by nested CV.

    Outer loop: grouped ``outer_k``-fold by proposal (``outer_k = 0``: leave-one-proposal-out);
    every outer training set runs :func:`select_and_fit` on its own, never seeing the test
    proposals. Returns the out-of-fold predictions, the choice and parameters per fold, and the
    MAE of melian-deu and of the compromise model (THETA0, parameter-free) on the same issues.
    """
    n_groups = np.unique(d.groups).size
    folds = group_folds(d.groups, n_groups if outer_k == 0 else outer_k, seed)
    pred = np.empty(d.outcome.size)
    base = predict_design(THETA0, d)
    per_fold = []
    for test in folds:
        train = np.setdiff1d(np.arange(d.outcome.size), test)
        (fam, lam), theta, _ = select_and_fit(
            d.subset(train), inner_k=inner_k, seed=seed + 1, families=families
        )
        pred[test] = predict_design(theta, d.subset(test))
        per_fold.append(
            {
                "test_groups": sorted({str(g) for g in d.groups[test]}),
                "family": fam,
                "lambda": lam,
                "theta": theta.tolist(),
            }
        )
    return {
        "predictions": pred,
        "mae": float(np.mean(np.abs(pred - d.outcome))),
        "mae_compromise": float(np.mean(np.abs(base - d.outcome))),
        "folds": per_fold,
    }


# --------------------------------------------------------------------------------------------
# The shipped fit and its reports (used by the build recipe, scripts/fit_melian_deu.py).


def dev_design() -> tuple[Design, Path]:
    """The :class:`Design` of every issue with an outcome in the packaged DEU dev file, and its path."""
    path = packaged_path(DEV_FILE)
    issues = read_deu(path, capability="gdp")
    d = build_design(
        [i.problem for i in issues], [i.outcome for i in issues], [i.proposal for i in issues]
    )
    return d, path


def fit_shipped(d: Design) -> np.ndarray:
    """The shipped family (:data:`SHIPPED_FAMILY`) fitted on ``d`` at :data:`SHIPPED_LAMBDA`."""
    return fit(d, SHIPPED_LAMBDA, SHIPPED_FAMILY)


#: The grouped cross-validations reported beside the shipped parameters: (label, k, seed);
#: k = 0 is leave-one-proposal-out.
CV_SPLITS: tuple[tuple[str, int, int], ...] = (
    ("leave-one-proposal-out", 0, 0),
    ("grouped 10-fold", 10, 1),
    ("grouped 10-fold", 10, 2),
    ("grouped 5-fold", 5, 3),
)


def cv_report(d: Design) -> dict[str, object]:
    """
    Grouped CV errors of the shipped fit and of the compromise model on the same issues.

    One row per :data:`CV_SPLITS` entry: MAE of melian-deu (refitted on each training fold),
    MAE of the compromise model (parameter-free) and the relative change, rounded to 4 places.
    """
    base = float(np.mean(np.abs(predict_design(THETA0, d) - d.outcome)))
    rows = {}
    for label, k, seed in CV_SPLITS:
        kk = np.unique(d.groups).size if k == 0 else k
        pred = cv_predictions(d, SHIPPED_FAMILY, SHIPPED_LAMBDA, kk, seed)
        mae = float(np.mean(np.abs(pred - d.outcome)))
        rows[f"{label} (seed {seed})"] = {
            "melian_deu_mae": round(mae, 4),
            "compromise_mae": round(base, 4),
            "relative_change": round(mae / base - 1.0, 4),
        }
    return rows


def selection_procedures(d: Design) -> dict[str, object]:
    """
    Nested CV of the two selection procedures (all families, or compromise vs mean-blend).

    Outer grouped 10-fold and leave-one-proposal-out; about 15 minutes on one core. The numbers
    are in ``research/melian_deu/results/selection_procedures.json``.
    """
    out: dict[str, object] = {}
    for name, fams in (
        ("all families", tuple(FAMILIES)),
        ("compromise or mean-blend", ("compromise", "mean-blend")),
    ):
        for k in (10, 0):
            t0 = time.perf_counter()
            r = nested_cv(d, outer_k=k, families=fams)
            key = f"{name}, outer {'leave-one-proposal-out' if k == 0 else f'grouped {k}-fold'}"
            out[key] = {
                "nested_mae": round(r["mae"], 4),
                "compromise_mae": round(r["mae_compromise"], 4),
                "choices": dict(Counter(f"{f['family']}@{f['lambda']:g}" for f in r["folds"])),
                "seconds": round(time.perf_counter() - t0, 1),
            }
            print(key, out[key], flush=True)
    return out


def main() -> int:
    """Print the shipped fit and its CV report; ``--selection`` also runs the nested CV."""
    import argparse
    import json

    ap = argparse.ArgumentParser(description="melian-deu: shipped fit, CV report, nested CV")
    ap.add_argument(
        "--selection",
        action="store_true",
        help="also the nested CV of the selection procedures (about 15 minutes); writes "
        "research/melian_deu/results/selection_procedures.json",
    )
    args = ap.parse_args()
    d, _ = dev_design()
    theta = fit_shipped(d)
    print("shipped parameters:", theta.tolist())
    print(json.dumps(cv_report(d), indent=2))
    if args.selection:
        out = selection_procedures(d)
        path = Path(__file__).resolve().parent / "results" / "selection_procedures.json"
        path.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
