"""
melian-deu: melian's forecaster for EU legislative bargaining, fitted on DEU data only.

A procedure-aware generalisation of the compromise model (Thomson, Stokman, Achen & Koenig,
*The European Union Decides*, 2006; Achen 2006 "Institutional realism and bargaining models"):

    O = alpha * sum_i w_i x_i / sum_i w_i + (1 - alpha) * mean_i x_i,
    w_i = c_i^a * s_i^b * exp(k_{r(i), p})

over the actors i with a position x_i, capability c_i and salience s_i in [0, 1]. ``r(i)`` is the
actor's institutional role (Commission, Parliament or Council member) and ``p`` the legislative
procedure (codecision COD vs consultation CNS): ``k`` shifts the weight of the Commission and of
the Parliament separately under each procedure, the idea of procedure-aware institutional
weights in the EU-bargaining literature (the Parliament is a co-legislator under codecision and
only consulted under consultation; Tsebelis & Garrett 2000; Thomson 2011 *Resolving Controversy
in the European Union*). Members of the Council have k = 0. ``a`` sets how much capability
counts and ``b`` how sharply salience discriminates; ``alpha`` blends the weighted mean with the
unweighted mean of the positions (every actor with a position counts equally). With
(a, b, k, alpha) = (0, 1, 0, 1) the model is the salience-weighted mean, the best-known
compromise baseline on DEU.

The shipped model frees only ``alpha`` (family "mean-blend"): every richer family (capability
and salience exponents, procedure-aware institutional weights) and every data-driven choice
among families did worse than the compromise model under nested cross-validation grouped by
proposal, so they are kept for analysis only (docs/models/melian-deu.md has the numbers).

The parameters are fitted by minimising mean absolute error plus a ridge penalty
``lam * ||theta - theta_0||^2`` that shrinks them toward that compromise model, with ``lam``
and the family of free parameters (:data:`FAMILIES`) chosen by cross-validation grouped by
proposal; see :func:`fit`, :func:`select_and_fit` and
``scripts/fit_melian_deu.py``. The frozen coefficients live in
``melian/data/deu/melian-deu-params.json`` with their provenance; docs/models/melian-deu.md
reports the honest (nested) cross-validated errors and the limits.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
from scipy.optimize import minimize

from melian.bargaining.base import BargainingProblem, Forecast, IssueForecast
from melian.bargaining.registry import ModelSpec, register
from melian.errors import ModelError

#: Names of the parameters, in the order of the vector theta.
PARAM_NAMES: tuple[str, ...] = (
    "a_capability",
    "b_salience",
    "k_commission_cod",
    "k_commission_cns",
    "k_parliament_cod",
    "k_parliament_cns",
    "alpha_blend",
)
#: The compromise model (salience-weighted mean) that the ridge penalty shrinks toward.
THETA0 = np.array([0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0])
#: Bounds that keep the fit interpretable (|k| <= 3: an institution's weight within e^-3..e^3).
BOUNDS = np.array(
    [[-1.0, 2.0], [0.0, 4.0], [-3.0, 3.0], [-3.0, 3.0], [-3.0, 3.0], [-3.0, 3.0], [0.0, 1.0]]
)

_COMMISSION_NAMES = frozenset({"com", "commission", "european commission", "ec"})
_PARLIAMENT_NAMES = frozenset({"ep", "parliament", "european parliament"})
_MEMBER_STATES = frozenset(
    "at be bg cy cz de dk ee el es fi fr hr hu ie it lt lu lv mt nl pl pt ro se si sk uk gr cr bu".split()
)


def institution_roles(problem: BargainingProblem) -> np.ndarray:
    """
    Role of each actor: 1 Commission, 2 Parliament, 0 other (Council member or unknown).

    Uses ``problem.meta["institutions"]`` (``{"commission": code, "parliament": code}``, as set by
    :func:`melian.bargaining.deu.read_deu`) when present, else the actor names.
    """
    inst = problem.meta.get("institutions") or {}
    com = {str(inst["commission"]).lower()} if "commission" in inst else _COMMISSION_NAMES
    ep = {str(inst["parliament"]).lower()} if "parliament" in inst else _PARLIAMENT_NAMES
    roles = np.zeros(problem.n_actors, dtype=int)
    for i, a in enumerate(problem.actors):
        name = a.lower()
        if name in com:
            roles[i] = 1
        elif name in ep:
            roles[i] = 2
    return roles


def procedure_of(problem: BargainingProblem) -> str:
    """
    ``"COD"`` for codecision / ordinary legislative procedure, ``"CNS"`` for consultation,
    ``""`` when the problem's meta does not say.
    """
    proc = str(problem.meta.get("procedure", "")).strip().upper()
    if proc in ("COD", "CODECISION", "OLP", "ORDINARY"):
        return "COD"
    if proc in ("CNS", "CONSULTATION"):
        return "CNS"
    return ""


def looks_legislative(problem: BargainingProblem) -> bool:
    """
    True when ``problem`` looks like EU legislative bargaining (melian-deu's domain).

    Either its meta names a legislative procedure or Council voting rule (``procedure`` /
    ``voting_rule`` keys, as DEU problems carry), or its actors include the Commission or the
    Parliament together with at least two EU member states (two-letter codes such as ``de``,
    ``fr``, or ``p``-prefixed DEU column names).
    """
    meta = problem.meta or {}
    if procedure_of(problem) or str(meta.get("voting_rule", "")).strip().upper().startswith(
        ("QMV", "UNAN")
    ):
        return True
    names = [a.lower() for a in problem.actors]
    has_inst = any(n in _COMMISSION_NAMES or n in _PARLIAMENT_NAMES for n in names)
    states = sum(
        1 for n in names if n in _MEMBER_STATES or (n[:1] == "p" and n[1:] in _MEMBER_STATES)
    )
    return has_inst and states >= 2


def issue_weights(
    theta: np.ndarray,
    cap: np.ndarray,
    sal: np.ndarray,
    roles: np.ndarray,
    cod: np.ndarray | bool,
    known_proc: np.ndarray | bool = True,
) -> np.ndarray:
    """
    Weights w = c^a s^b exp(k_{role, procedure}) (vectorised over any leading shape).

    ``cod`` is True under codecision; where the procedure is unknown (``known_proc`` False) the
    institutions' k is the mean of the COD and CNS values. Capabilities <= 0 and saliences 0 give
    weight 0 (0^0 is taken as 1 for b = 0 or a = 0, numpy's convention).
    """
    a, b, kc_cod, kc_cns, ke_cod, ke_cns = (float(t) for t in theta[:6])
    cod = np.asarray(cod, dtype=bool)
    known = np.asarray(known_proc, dtype=bool)
    kc = np.where(known, np.where(cod, kc_cod, kc_cns), 0.5 * (kc_cod + kc_cns))
    ke = np.where(known, np.where(cod, ke_cod, ke_cns), 0.5 * (ke_cod + ke_cns))
    with np.errstate(divide="ignore", invalid="ignore"):
        cpow = np.where(cap > 0, np.power(np.where(cap > 0, cap, 1.0), a), 0.0)
        spow = np.power(sal, b) if b != 0 else np.ones_like(sal)
    k = np.where(roles == 1, kc, np.where(roles == 2, ke, 0.0))
    return cpow * spow * np.exp(k)


def predict_one(problem: BargainingProblem, theta: np.ndarray, k: int = 0) -> float:
    """
    melian-deu's point forecast for issue ``k`` of ``problem`` with parameters ``theta``.

    The forecast is ``alpha * weighted mean + (1 - alpha) * unweighted mean`` of the present
    actors' positions (``alpha`` = ``theta[6]``; a convex blend of the compromise model and the
    plain mean). When every weight is zero (every present actor has salience 0) the weighted
    mean falls back to the unweighted mean, the compromise model's limit for equal saliences.
    """
    pos = np.asarray(problem.position, dtype=float)[:, k]
    present = ~np.isnan(pos)
    if not present.any():
        raise ModelError(f"melian-deu: issue {problem.issues[k]!r}: no actor holds a position")
    cap = np.asarray(problem.capability, dtype=float)[present]
    sal = np.asarray(problem.salience, dtype=float)[present, k]
    if np.any(np.isnan(sal)) or np.any(sal < 0) or np.any(~np.isfinite(cap)):
        raise ModelError(f"melian-deu: issue {problem.issues[k]!r}: bad salience or capability")
    proc = procedure_of(problem)
    w = issue_weights(
        theta, cap, sal, institution_roles(problem)[present], proc == "COD", proc != ""
    )
    x = pos[present]
    tot = float(np.sum(w))
    mean = float(np.mean(x))
    weighted = float(np.dot(w, x) / tot) if tot > 0 else mean
    alpha = float(theta[6])
    return alpha * weighted + (1.0 - alpha) * mean


# --------------------------------------------------------------------------------------------
# Fitting: padded design arrays over many one-issue problems, MAE + ridge, grouped CV.


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


def group_folds(groups: np.ndarray, k: int, seed: int) -> list[np.ndarray]:
    """
    Split issue indices into ``k`` folds so that each group (proposal) lies in one fold.

    The unique groups (sorted) are shuffled with ``numpy.random.default_rng(seed)`` and dealt
    round-robin to the folds (GroupKFold-like; ``k`` >= number of groups gives leave-one-group-
    out). Returns the test indices of each fold; no group appears in two folds.
    """
    uniq = np.unique(groups)
    if k < 2:
        raise ValueError("group_folds needs k >= 2")
    k = min(k, uniq.size)
    order = np.random.default_rng(seed).permutation(uniq.size)
    fold_of = {uniq[j]: f % k for f, j in enumerate(order)}
    assign = np.array([fold_of[g] for g in groups])
    return [np.flatnonzero(assign == f) for f in range(k)]


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
# Frozen parameters and the registered model.

PARAMS_FILE = "melian-deu-params.json"


@lru_cache(maxsize=1)
def frozen_params() -> dict[str, Any]:
    """The frozen parameter file ``melian/data/deu/melian-deu-params.json`` (parsed once)."""
    path = resources.files("melian").joinpath("data", "deu", PARAMS_FILE)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(
            f"melian-deu: cannot read its frozen parameters {PARAMS_FILE}: {exc}"
        ) from None


def frozen_theta() -> np.ndarray:
    """The frozen parameter vector (order :data:`PARAM_NAMES`)."""
    p = frozen_params()["params"]
    return np.array([float(p[name]) for name in PARAM_NAMES])


def run(problem: BargainingProblem, **params: float) -> Forecast:
    """
    Forecast every issue of ``problem`` with melian-deu (frozen parameters unless overridden).

    Each issue is forecast on its own (one-dimensional, static). Keyword arguments named as in
    :data:`PARAM_NAMES` override the frozen values.
    """
    base = dict(zip(PARAM_NAMES, frozen_theta().tolist(), strict=True))
    unknown = set(params) - set(base)
    if unknown:
        raise ModelError(f"melian-deu has no parameter(s) {', '.join(sorted(unknown))}")
    base.update({k: float(v) for k, v in params.items()})
    theta = np.array([base[n] for n in PARAM_NAMES])
    if problem.n_actors == 0 or problem.n_issues == 0:
        raise ModelError(f"melian-deu: problem {problem.name!r} has no actors or no issues")
    pos = np.asarray(problem.position, dtype=float)
    out = []
    for k, issue in enumerate(problem.issues):
        point = predict_one(problem, theta, k)
        out.append(IssueForecast(issue=issue, point=point, trajectory=pos[:, k][None, :].copy()))
    return Forecast(model="melian-deu", params=base, actors=problem.actors, issues=out, rounds=0)


def _defaults() -> dict[str, float]:
    try:
        return dict(zip(PARAM_NAMES, frozen_theta().tolist(), strict=True))
    except ModelError:
        return dict(zip(PARAM_NAMES, THETA0.tolist(), strict=True))


SPEC = register(
    ModelSpec(
        name="melian-deu",
        run=run,
        summary=(
            "Procedure-aware compromise model for EU legislation: weighted mean with weights "
            "c^a s^b and separate Commission/Parliament weights under codecision and "
            "consultation, fitted on DEU (1996-2000) by grouped cross-validation"
        ),
        citation=(
            "melian; builds on the compromise model of Thomson, Stokman, Achen & Koenig (2006) "
            "The European Union Decides, and DEU III (Arregui & Perarnaud 2021)"
        ),
        multidimensional=False,
        defaults=_defaults(),
    )
)
