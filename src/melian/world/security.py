"""Security: insurgent attack intensity, territorial crises, militia pressure.

Insurgent attacks (the fact sheet's ISIS counts) are a doubly stochastic Poisson process: the
monthly intensity is ``lambda_t = lambda_0 * exp(z_t + b_c * (1 - c_t)) * k^(-b_k)`` where
``lambda_0`` is the rate at the as-of date calibrated on the attack-count dataset
(:func:`calibrate_attacks`: a Poisson regression of period counts on a log-linear time trend,
evaluated at the as-of date), ``z_t`` an AR(1) deviation of the log intensity
(``security.attack_persistence``, ``security.attack_volatility``), ``c_t`` the support of the
international coalition (1 at the as-of date, moving linearly to ``security.coalition_support``
over ``security.withdrawal_months``), ``b_c`` = ``security.coalition_attack_effect`` and ``k`` the
capacity of the state's forces relative to the as-of date (``security.force_capacity``, elasticity
``security.capacity_attack_effect``).

A territorial crisis (a Mosul-2014-type loss of territory) starts with monthly probability
``1 - exp(-h_t)``, ``h_t = h_0 * (lambda_t / lambda_0)^e * exp(b_h * (1 - c_t))``, and lasts
``security.crisis_duration`` months, cutting exports and adding spending (see
:mod:`melian.world.fiscal`). Attacks of militias on the patron's forces have intensity
``security.militia_attack_rate * security.militia_pressure``; the pressure index also raises
the hazard of sanctions (:mod:`melian.world.politics`).
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from melian.errors import InputError, ModelError, Problem
from melian.world.spec import ParamSpec

PARAMS: tuple[ParamSpec, ...] = (
    ParamSpec(
        "security.attack_volatility",
        "log points/month",
        "standard deviation of the monthly innovation of the log attack intensity",
        0,
        5,
    ),
    ParamSpec(
        "security.attack_persistence",
        "AR(1) coefficient",
        "monthly persistence of the deviation of the log attack intensity",
        0,
        0.999,
    ),
    ParamSpec(
        "security.coalition_support",
        "index 0-1",
        "support of the international coalition "
        "reached after the transition (1 = as at the as-of date, 0 = none)",
        0,
        1,
    ),
    ParamSpec(
        "security.withdrawal_months",
        "months",
        "months over which coalition support moves to its new level",
        0,
        600,
    ),
    ParamSpec(
        "security.coalition_attack_effect",
        "log ratio",
        "increase of the log attack intensity when coalition support goes from 1 to 0",
        -5,
        5,
    ),
    ParamSpec(
        "security.force_capacity",
        "index (1 = as-of)",
        "capacity of the state's own forces relative to the as-of date",
        0.05,
        20,
    ),
    ParamSpec(
        "security.capacity_attack_effect",
        "elasticity",
        "elasticity of attack intensity with respect to force capacity (intensity ~ capacity^-e)",
        0,
        10,
    ),
    ParamSpec(
        "security.crisis_hazard",
        "per month",
        "hazard of a territorial crisis at as-of conditions",
        0,
        1,
    ),
    ParamSpec(
        "security.attack_crisis_elasticity",
        "elasticity",
        "elasticity of the crisis hazard with respect to attack intensity",
        0,
        10,
    ),
    ParamSpec(
        "security.coalition_crisis_effect",
        "log hazard ratio",
        "increase of the log crisis hazard when coalition support goes from 1 to 0",
        -5,
        10,
    ),
    ParamSpec("security.crisis_duration", "months", "length of a territorial crisis", 1, 240),
    ParamSpec(
        "security.crisis_export_loss",
        "fraction",
        "share of crude exports lost during a crisis",
        0,
        1,
    ),
    ParamSpec(
        "security.crisis_cost", "US$ bn/month", "extra public spending during a crisis", 0, None
    ),
    ParamSpec(
        "security.militia_pressure",
        "index (1 = as-of)",
        "pressure of militias aligned with the regional rival on the patron's presence",
        0,
        20,
    ),
    ParamSpec(
        "security.militia_attack_rate",
        "attacks/month",
        "militia attacks on the patron's forces and facilities at as-of pressure",
        0,
        None,
    ),
)


@dataclass(frozen=True)
class AttackCalibration:
    """Poisson log-linear trend fit of period attack counts, evaluated at the as-of date."""

    rate: float  # attacks per month at the as-of date
    se_log_rate: float
    trend_per_month: float
    fitted: tuple[float, ...]
    observed: tuple[int, ...]

    def to_dict(self) -> dict[str, object]:
        """Plain data."""
        return {
            "rate": self.rate,
            "se_log_rate": self.se_log_rate,
            "trend_per_month": self.trend_per_month,
            "fitted": list(self.fitted),
            "observed": list(self.observed),
        }


def _months(a: dt.date, b: dt.date) -> float:
    """Length in months between two dates (365.25 / 12 days a month)."""
    return (b - a).days / (365.25 / 12)


def calibrate_attacks(path: Path, as_of: dt.date) -> AttackCalibration:
    """Fit ``count_i ~ Poisson(exposure_i * exp(b0 + b1 * mid_i))`` by Newton's method.

    ``exposure_i`` is the period length in months and ``mid_i`` its midpoint in months relative
    to ``as_of``, so ``exp(b0)`` is the monthly rate at the as-of date. Only periods ending on or
    before ``as_of`` are used.
    """
    try:
        rows = list(csv.DictReader(path.read_text(encoding="utf-8").splitlines()))
    except OSError as exc:
        raise InputError(
            [Problem(str(path), None, None, "", f"cannot read attack counts: {exc}")]
        ) from None
    expo, mid, cnt = [], [], []
    for k, r in enumerate(rows, start=2):
        try:
            a = dt.date.fromisoformat(r["start"].strip())
            b = dt.date.fromisoformat(r["end"].strip())
            c = int(r["attacks"])
        except (KeyError, ValueError, AttributeError):
            raise InputError(
                [
                    Problem(
                        str(path),
                        k,
                        1,
                        "",
                        "expected columns start,end,attacks with ISO dates and an integer count",
                    )
                ]
            ) from None
        if b > as_of:
            continue
        if b < a or c < 0:
            raise InputError(
                [Problem(str(path), k, 1, "", "period end before start or negative count")]
            )
        e = _months(a, b + dt.timedelta(days=1))
        expo.append(e)
        mid.append(_months(as_of, a) + e / 2)
        cnt.append(c)
    if len(cnt) < 2 or sum(cnt) == 0:
        raise ModelError(
            f"{path}: at least two periods with attacks before the as-of date are "
            "needed to calibrate the attack intensity"
        )
    E, M, Y = np.array(expo), np.array(mid), np.array(cnt, dtype=float)
    b = np.array([math.log(Y.sum() / E.sum()), 0.0])
    X = np.column_stack([np.ones_like(M), M])
    for _ in range(50):
        mu = E * np.exp(X @ b)
        grad = X.T @ (Y - mu)
        H = X.T @ (X * mu[:, None])
        delta = np.linalg.solve(H, grad)
        b = b + delta
        if np.max(np.abs(delta)) < 1e-12:
            break
    mu = E * np.exp(X @ b)
    cov = np.linalg.inv(X.T @ (X * mu[:, None]))
    return AttackCalibration(
        float(math.exp(b[0])),
        float(math.sqrt(cov[0, 0])),
        float(b[1]),
        tuple(float(v) for v in mu),
        tuple(int(v) for v in cnt),
    )


@dataclass
class SecurityState:
    """Per-path security state (``z`` log-intensity deviation, months of crisis left)."""

    z: np.ndarray
    crisis_left: np.ndarray
    ever_crisis: np.ndarray
    attack_sum: np.ndarray
    const: dict[str, Any] | None = None


def initial_state(n: int) -> SecurityState:
    """State at the as-of date."""
    return SecurityState(np.zeros(n), np.zeros(n, np.int16), np.zeros(n, bool), np.zeros(n))


def coalition(P: dict[str, np.ndarray | float], t: np.ndarray | int) -> np.ndarray | float:
    """Coalition support in month(s) ``t``: linear from 1 to the target over the withdrawal months.

    ``t`` may be a column of months (shape ``(k, 1)``); the result broadcasts against paths.
    """
    target, T = P["security.coalition_support"], P["security.withdrawal_months"]
    frac = np.clip((np.asarray(t) + 1.0) / np.maximum(np.asarray(T, dtype=float), 1e-9), 0.0, 1.0)
    return 1.0 + (target - 1.0) * frac


def advance(
    S: SecurityState,
    P: dict[str, np.ndarray | float],
    t0: int,
    k: int,
    lam0: np.ndarray | float,
    eps: np.ndarray,
    u: np.ndarray,
) -> tuple[np.ndarray, np.ndarray | float, np.ndarray]:
    """Months ``t0 .. t0 + k - 1`` for every path (vectorised over months where possible).

    ``eps`` are standard normals and ``u`` uniforms, both of shape ``(k, n)``. Returns the attack
    intensity ``lambda_t`` (``(k, n)``), coalition support ``c_t`` (broadcastable to
    ``(k, n)``) and the crisis-active indicator (``(k, n)`` bool). The log-intensity deviation
    ``z`` is the only recursion besides the crisis clock; the intensity and the crisis hazard
    are computed for all ``k`` months at once: ``log rel = z + b_c (1 - c) - b_k log k``,
    ``lambda = lambda_0 exp(log rel)``, ``h = h_0 exp(e log rel + b_h (1 - c))``.
    """
    n = eps.shape[1]
    if S.const is None:  # per-path constants, computed once per block
        e = P["security.attack_crisis_elasticity"]
        S.const = {
            "vol": np.asarray(P["security.attack_volatility"], dtype=float),
            "cap": -P["security.capacity_attack_effect"] * np.log(P["security.force_capacity"]),
            "e": None if (isinstance(e, float) and e == 1.0) else e,
            "logh0": np.log(np.maximum(P["security.crisis_hazard"], 1e-300)),
            "dur": np.broadcast_to(
                np.asarray(P["security.crisis_duration"]).astype(np.int16), (n,)
            ).copy(),
        }
    K = S.const
    c = coalition(P, np.arange(t0, t0 + k, dtype=float)[:, None])
    rho = P["security.attack_persistence"]
    Z = np.multiply(eps, K["vol"], dtype=float)
    z = S.z
    for j in range(k):  # AR(1) deviation of the log intensity
        z = Z[j] + rho * z
        Z[j] = z
    S.z = z.copy()
    Z += P["security.coalition_attack_effect"] * (1.0 - c) + K["cap"]  # log relative intensity
    lam = np.exp(Z)
    lam *= lam0
    logh = Z if K["e"] is None else Z * K["e"]
    logh = logh + (K["logh0"] + P["security.coalition_crisis_effect"] * (1.0 - c))
    with np.errstate(over="ignore"):  # h = inf means certain start
        h = np.exp(logh).astype(np.float32)
    cand = u < -np.expm1(-h, out=h)  # a crisis would start this month (if none is running)
    # crisis clock: months of crisis left (0 = idle); a start sets it to the duration
    dur = K["dur"]
    left = S.crisis_left
    active = np.empty((k, n), bool)
    start = np.empty(n, bool)
    add = np.empty(n, np.int16)
    for j in range(k):
        np.equal(left, 0, out=start)
        start &= cand[j]
        S.ever_crisis |= start
        np.multiply(start, dur, out=add)
        left += add
        np.greater(left, 0, out=active[j])
        left -= active[j]
    S.attack_sum += lam.sum(axis=0)
    return lam, c, active


def militia_total(P: dict[str, np.ndarray | float], months: int, n: int) -> np.ndarray:
    """Expected militia attacks over ``months`` months (intensity rate x pressure, constant)."""
    return np.broadcast_to(
        np.asarray(
            P["security.militia_attack_rate"] * P["security.militia_pressure"] * float(months),
            dtype=float,
        ),
        (n,),
    )
