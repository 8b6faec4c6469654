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

This module holds only the predictor and its frozen parameters. The parameters were fitted by
minimising mean absolute error plus a ridge penalty ``lam * ||theta - theta_0||^2`` that
shrinks them toward that compromise model, with ``lam`` and the family of free parameters
chosen by cross-validation grouped by proposal. The fitting and cross-validation code is
research, kept apart from the product in ``research/melian_deu/`` (``fitting.py``); the build
recipe of the frozen file is ``python -m scripts.fit_melian_deu`` (``--check`` rebuilds it and
compares bytes). The frozen coefficients live in ``melian/data/deu/melian-deu-params.json``
with their provenance; docs/models/melian-deu.md reports the honest (nested) cross-validated
errors and the limits.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np

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

_COMMISSION_NAMES = frozenset({"com", "commission", "european commission", "ec"})
_PARLIAMENT_NAMES = frozenset({"ep", "parliament", "european parliament"})
#: Names that identify the legislature in the name test of :func:`looks_legislative`.
_LEGISLATIVE_PARLIAMENT = frozenset({"ep", "european parliament"})
_MEMBER_STATES = frozenset(
    "at be bg cy cz de dk ee el es fi fr hr hu ie it lt lu lv mt nl pl pt ro se si sk uk gr cr bu".split()
)


def institution_roles(problem: BargainingProblem) -> np.ndarray:
    """
    Role of each actor: 1 Commission, 2 Parliament, 0 other (Council member or unknown).

    Uses ``problem.meta["institutions"]`` (``{"commission": code, "parliament": code}``, as set by
    :func:`melian.bargaining.io.deu.read_deu`) when present, else the actor names.
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
    ``voting_rule`` keys, as DEU problems carry), or its actors include both legislative
    institutions, the Commission and the European Parliament (``com``/``ep`` or their full
    names; a bare ``parliament`` is more often a national one), together with at least two EU
    member states (two-letter codes such as ``de``, ``fr``, or ``p``-prefixed DEU column names).
    A dialogue among member states, or with a national parliament as a faction, is not
    legislative bargaining.
    """
    meta = problem.meta or {}
    if procedure_of(problem) or str(meta.get("voting_rule", "")).strip().upper().startswith(
        ("QMV", "UNAN")
    ):
        return True
    names = [a.lower() for a in problem.actors]
    has_inst = any(n in _COMMISSION_NAMES for n in names) and any(
        n in _LEGISLATIVE_PARLIAMENT for n in names
    )
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
