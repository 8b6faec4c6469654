"""Commodity price model: calibration on monthly history, out-of-sample model choice, simulation.

Four candidate models of the monthly log price ``x_t = log(p_t)`` are fitted on a rolling
window of history that ends at the scenario's as-of date (nothing later is ever read):

``rw``
    Random walk with drift: ``x_t = x_{t-1} + mu + sigma e_t``.
``ar1``
    Mean-reverting log price (discretised Ornstein-Uhlenbeck, Schwartz 1997 "one-factor model"):
    ``x_t = a + phi x_{t-1} + sigma e_t``, fitted by least squares.
``ar1_jump``
    The same with Bernoulli jumps (a discrete-time Merton 1976 jump diffusion): with probability
    ``p`` a month carries a jump ``J ~ N(mu_J, sigma_J^2)``; fitted by maximum likelihood on the
    two-component normal mixture of the residuals.
``ms_ar1``
    Two-regime Markov-switching AR(1) (Hamilton 1989): regime ``s`` has its own intercept and
    volatility, ``x_t = a_s + phi x_{t-1} + sigma_s e_t``, regimes follow a first-order Markov
    chain; fitted by maximum likelihood with the Hamilton filter.

All four are special cases of one representation, :class:`OilModel` (a regime-switching AR(1)
with a jump mixture), so the engine simulates every model with one vectorised code path.

The model is chosen by out-of-sample fit (:func:`select_model`): at origins every six months over
the fifteen years before the as-of date each model is refitted on the window that ends at the
origin; scored are the mean one-month-ahead log predictive density over the following six months
(exact for every model) and the continuous ranked probability score (CRPS, Gneiting & Raftery 2007)
of the twelve-month-ahead log price (by simulation). The model with the highest mean one-month log score is used
(a strictly proper score, computed exactly, without simulation noise) provided its twelve-month
CRPS is within :data:`CRPS_TOLERANCE` (5%) of the best model's (the horizon that matters for the
fiscal accounts); otherwise the model with the lowest twelve-month CRPS is used.
:func:`diagnostics` compares the calibrated model's simulated statistics (volatility,
drawdowns, tail quantiles, persistence of low-price spells) with the history.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import math
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy import optimize, special

from melian.errors import InputError, ModelError, Problem
from melian.util import atomic_write_text

MODEL_KINDS = ("rw", "ar1", "ar1_jump", "ms_ar1")
#: A model's 12-month CRPS may exceed the best by this fraction and still be chosen on log score.
CRPS_TOLERANCE = 0.05


# --------------------------------------------------------------------------- data
@dataclass(frozen=True)
class PriceSeries:
    """A monthly price series: dates (first of month of observation) and prices (money per unit)."""

    dates: tuple[dt.date, ...]
    prices: np.ndarray

    @property
    def log(self) -> np.ndarray:
        """Log prices."""
        return np.log(self.prices)


def _month_end(d: dt.date) -> dt.date:
    """The last day of ``d``'s month."""
    first_next = dt.date(d.year + d.month // 12, d.month % 12 + 1, 1)
    return first_next - dt.timedelta(days=1)


def load_monthly(path: Path, as_of: dt.date | None = None) -> PriceSeries:
    """Read a ``Date,Price`` monthly CSV, keeping only the months complete by ``as_of``.

    Each row is a month's average price, dated ``YYYY-MM-DD`` (any day of the month; the
    shipped files use the 15th) or ``YYYY-MM`` (read as the 15th). A month's average is known
    only once the month is over, so a row is kept when its month ended on or before ``as_of``
    (a row of the cut-off month itself would carry prices from after the cut-off). Raises a
    located :class:`InputError` for an unreadable file or a malformed row.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(
            [Problem(str(path), None, None, "", f"cannot read price data: {exc}")]
        ) from None
    dates: list[dt.date] = []
    prices: list[float] = []
    rows = list(csv.reader(text.splitlines()))
    if not rows or [c.strip().lower() for c in rows[0][:2]] != ["date", "price"]:
        raise InputError([Problem(str(path), 1, 1, "", "expected a header 'Date,Price'")])
    for k, row in enumerate(rows[1:], start=2):
        if not row or not "".join(row).strip():
            continue
        try:
            day = row[0].strip()
            d = dt.date.fromisoformat(f"{day}-15" if len(day) == 7 else day)
            p = float(row[1])
        except (ValueError, IndexError):
            raise InputError(
                [
                    Problem(
                        str(path),
                        k,
                        1,
                        "",
                        f"malformed row {row!r}: expected a date YYYY-MM-DD or YYYY-MM and a price",
                    )
                ]
            ) from None
        if not (math.isfinite(p) and p > 0):
            raise InputError([Problem(str(path), k, 2, "", f"price must be positive (got {p})")])
        if as_of is not None and _month_end(d) > as_of:
            continue
        dates.append(d)
        prices.append(p)
    if len(prices) < 36:
        raise ModelError(
            f"{path}: at least 36 monthly prices up to the as-of date are needed "
            f"(found {len(prices)})"
        )
    return PriceSeries(tuple(dates), np.asarray(prices, dtype=float))


# --------------------------------------------------------------------------- model
@dataclass(frozen=True)
class OilModel:
    """Regime-switching AR(1) of the monthly log price with a Bernoulli jump mixture.

    ``x_t = a[s_t] + phi * x_{t-1} + sigma[s_t] * e_t + B_t * J_t`` with ``e_t ~ N(0, 1)``,
    ``B_t ~ Bernoulli(jump_prob)``, ``J_t ~ N(jump_mean, jump_sd^2)`` and the regime ``s_t`` a
    Markov chain with ``P(s_t = s_{t-1}) = stay[s_{t-1}]``. One regime and no jumps give the
    random walk (``phi = 1``) or the AR(1).
    """

    kind: str
    a: tuple[float, float]
    phi: float
    sigma: tuple[float, float]
    stay: tuple[float, float] = (1.0, 1.0)
    jump_prob: float = 0.0
    jump_mean: float = 0.0
    jump_sd: float = 0.0
    loglik: float = float("nan")
    n_obs: int = 0

    @property
    def regimes(self) -> bool:
        """True if the model switches between two regimes."""
        return self.kind == "ms_ar1"

    @property
    def jumps(self) -> bool:
        """True if the model has jumps."""
        return self.jump_prob > 0.0

    @property
    def long_run_price(self) -> float:
        """Price at the unconditional mean of the log price (nan for a unit root)."""
        if self.phi >= 1.0:
            return float("nan")
        pi0 = self.stationary_regime_probs()[0]
        mean_a = pi0 * self.a[0] + (1 - pi0) * self.a[1] + self.jump_prob * self.jump_mean
        return float(math.exp(mean_a / (1.0 - self.phi)))

    @property
    def half_life_months(self) -> float:
        """Half-life of a deviation of the log price from its long-run mean (months)."""
        if self.phi >= 1.0 or self.phi <= 0.0:
            return float("inf")
        return float(math.log(0.5) / math.log(self.phi))

    def stationary_regime_probs(self) -> tuple[float, float]:
        """Stationary probabilities of the two regimes."""
        if not self.regimes:
            return (1.0, 0.0)
        q0, q1 = 1.0 - self.stay[0], 1.0 - self.stay[1]
        if q0 + q1 <= 0:
            return (0.5, 0.5)
        return (q1 / (q0 + q1), q0 / (q0 + q1))

    def to_dict(self) -> dict[str, object]:
        """Plain data of the model (for reports)."""
        d = asdict(self)
        d["long_run_price"] = self.long_run_price
        d["half_life_months"] = self.half_life_months
        return d

    # -- simulation -----------------------------------------------------------------
    def step(
        self,
        x: np.ndarray,
        regime: np.ndarray | None,
        z: np.ndarray,
        u_regime: np.ndarray | None,
        u_jump: np.ndarray | None,
        z_jump: np.ndarray | None,
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """One month of the model for every path: returns the new log price and regime.

        ``z`` are standard normals, ``u_regime``/``u_jump`` uniforms and ``z_jump`` standard
        normals (only read when the model has regimes/jumps).
        """
        if self.regimes:
            assert regime is not None and u_regime is not None
            stay = np.where(regime == 0, self.stay[0], self.stay[1])
            regime = np.where(u_regime < stay, regime, 1 - regime).astype(np.int8)
            a = np.where(regime == 0, self.a[0], self.a[1])
            sig = np.where(regime == 0, self.sigma[0], self.sigma[1])
            xn = a + self.phi * x + sig * z
        else:
            xn = self.a[0] + self.phi * x + self.sigma[0] * z
        if self.jumps:
            assert u_jump is not None and z_jump is not None
            xn = xn + (u_jump < self.jump_prob) * (self.jump_mean + self.jump_sd * z_jump)
        return xn, regime

    def advance(
        self,
        x: np.ndarray,
        regime: np.ndarray | None,
        z: np.ndarray,
        u_regime: np.ndarray | None,
        u_jump: np.ndarray | None,
        z_jump: np.ndarray | None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """``k`` months of the model for every path at once (the engine's fast path).

        Same recursion as :meth:`step`; arguments are ``(k, n)`` arrays (``z``, ``z_jump``
        standard normals, ``u_*`` uniforms). The regime chain runs month by month on booleans,
        the innovations ``a[s_t] + sigma[s_t] e_t (+ B_t J_t)`` are formed for all months at once
        and the AR(1) recursion ``x_t = phi x_{t-1} + innovation_t`` is two operations a month.
        Returns the log prices ``(k, n)``, the last log price and the regime (bool, True =
        regime 1).
        """
        k, n = z.shape
        if self.regimes:
            assert regime is not None and u_regime is not None
            # r_t = leave0_t XOR (r_{t-1} AND (stay1_t XOR leave0_t)), leave0 = u >= stay0
            leave0 = u_regime >= np.float32(self.stay[0])
            flip = u_regime < np.float32(self.stay[1])
            flip ^= leave0
            R = np.empty((k, n), bool)
            r = regime.astype(bool)
            for j in range(k):
                r = np.bitwise_xor(leave0[j], r & flip[j], out=R[j])
            regime = r.copy()
            X = np.multiply(R, self.sigma[1] - self.sigma[0], dtype=float)
            X += self.sigma[0]
            X *= z
            X += R * (self.a[1] - self.a[0])
            X += self.a[0]
        else:
            X = np.multiply(z, self.sigma[0], dtype=float)
            X += self.a[0]
        if self.jumps:
            assert u_jump is not None and z_jump is not None
            X += (u_jump < self.jump_prob) * (self.jump_mean + self.jump_sd * z_jump.astype(float))
        phi = self.phi
        for j in range(k):
            x = X[j] + phi * x
            X[j] = x
        return X, x, regime

    def simulate(
        self,
        x0: float,
        months: int,
        n: int,
        rng: np.random.Generator,
        regime0: np.ndarray | None = None,
    ) -> np.ndarray:
        """Simulate ``n`` log-price paths of ``months`` months from ``x0`` (shape n x months)."""
        out = np.empty((n, months))
        x = np.full(n, x0)
        regime = (
            (np.zeros(n, np.int8) if regime0 is None else regime0.copy()) if self.regimes else None
        )
        for t in range(months):
            z = rng.standard_normal(n)
            ur = rng.random(n) if self.regimes else None
            uj = rng.random(n) if self.jumps else None
            zj = rng.standard_normal(n) if self.jumps else None
            x, regime = self.step(x, regime, z, ur, uj, zj)
            out[:, t] = x
        return out

    # -- one-step predictive density ------------------------------------------------------
    def filter_regimes(self, x: np.ndarray) -> np.ndarray:
        """Filtered probability of regime 0 after each observation (Hamilton filter)."""
        p0 = np.empty(len(x))
        p = self.stationary_regime_probs()[0]
        p0[0] = p
        for t in range(1, len(x)):
            pr0 = p * self.stay[0] + (1 - p) * (1 - self.stay[1])
            d0 = _npdf(x[t], self.a[0] + self.phi * x[t - 1], self.sigma[0])
            d1 = _npdf(x[t], self.a[1] + self.phi * x[t - 1], self.sigma[1])
            num = pr0 * d0
            den = num + (1 - pr0) * d1
            p = num / den if den > 0 else pr0
            p0[t] = p
        return p0

    def log_predictive(self, x: np.ndarray, start: int) -> np.ndarray:
        """Log density of each ``x[t]`` (t >= start) given ``x[:t]`` under this model."""
        xs, xp = x[start:], x[start - 1 : -1]
        if self.regimes:
            p0 = self.filter_regimes(x)[start - 1 : -1]
            pr0 = p0 * self.stay[0] + (1 - p0) * (1 - self.stay[1])
            d = pr0 * _npdf(xs, self.a[0] + self.phi * xp, self.sigma[0]) + (1 - pr0) * _npdf(
                xs, self.a[1] + self.phi * xp, self.sigma[1]
            )
            return np.log(d)
        m = self.a[0] + self.phi * xp
        if self.jumps:
            d = (1 - self.jump_prob) * _npdf(xs, m, self.sigma[0]) + self.jump_prob * _npdf(
                xs, m + self.jump_mean, math.hypot(self.sigma[0], self.jump_sd)
            )
            return np.log(d)
        return np.log(_npdf(xs, m, self.sigma[0]))


def _npdf(x: np.ndarray | float, m: np.ndarray | float, s: float) -> np.ndarray:
    """Normal density."""
    return np.exp(-0.5 * ((np.asarray(x) - m) / s) ** 2) / (s * math.sqrt(2 * math.pi))


# --------------------------------------------------------------------------- fitting
def fit(kind: str, x: np.ndarray) -> OilModel:
    """Fit one model kind to the log-price series ``x`` (see the module docstring)."""
    if kind not in MODEL_KINDS:
        raise ModelError(f"unknown oil model {kind!r} (known: {', '.join(MODEL_KINDS)})")
    if len(x) < 24:
        raise ModelError(f"the oil model needs at least 24 months of history (got {len(x)})")
    r = np.diff(x)
    n = len(r)
    if kind == "rw":
        mu, sd = float(r.mean()), float(r.std(ddof=1))
        ll = float(np.log(_npdf(r, mu, sd)).sum())
        return OilModel("rw", (mu, mu), 1.0, (sd, sd), loglik=ll, n_obs=n)
    X = np.column_stack([np.ones(n), x[:-1]])
    coef, *_ = np.linalg.lstsq(X, x[1:], rcond=None)
    a, phi = float(coef[0]), float(min(coef[1], 0.9999))
    resid = x[1:] - a - phi * x[:-1]
    sd = float(resid.std(ddof=2))
    if kind == "ar1":
        ll = float(np.log(_npdf(resid, 0.0, sd)).sum())
        return OilModel("ar1", (a, a), phi, (sd, sd), loglik=ll, n_obs=n)
    if kind == "ar1_jump":
        return _fit_jump(x, a, phi, sd)
    return _fit_ms(x, a, phi, sd)


def _fit_jump(x: np.ndarray, a0: float, phi0: float, sd0: float) -> OilModel:
    """Maximum likelihood of the AR(1) with a Bernoulli normal jump mixture."""
    y, xp = x[1:], x[:-1]

    def unpack(th: np.ndarray) -> tuple[float, float, float, float, float, float]:
        return (
            th[0],
            min(th[1], 0.9999),
            math.exp(th[2]),
            float(special.expit(th[3])),
            th[4],
            math.exp(th[5]),
        )

    def nll(th: np.ndarray) -> float:
        a, phi, s, p, mj, sj = unpack(th)
        e = y - a - phi * xp
        d = (1 - p) * _npdf(e, 0.0, s) + p * _npdf(e, mj, math.hypot(s, sj))
        return float(-np.log(np.maximum(d, 1e-300)).sum())

    best = None
    for mj0 in (-0.15, 0.0):
        th0 = np.array([a0, phi0, math.log(sd0 * 0.8), special.logit(0.05), mj0, math.log(sd0 * 2)])
        res = optimize.minimize(
            nll, th0, method="Nelder-Mead", options={"maxiter": 4000, "xatol": 1e-6, "fatol": 1e-8}
        )
        if best is None or res.fun < best.fun:
            best = res
    assert best is not None
    a, phi, s, p, mj, sj = unpack(best.x)
    return OilModel(
        "ar1_jump",
        (a, a),
        phi,
        (s, s),
        jump_prob=p,
        jump_mean=mj,
        jump_sd=sj,
        loglik=-float(best.fun),
        n_obs=len(y),
    )


def _ms_nll(th: np.ndarray, x: np.ndarray) -> float:
    """Negative log-likelihood of the two-regime switching AR(1) (Hamilton filter)."""
    a0, a1, phi = th[0], th[1], min(th[2], 0.9999)
    s0, s1 = math.exp(th[3]), math.exp(th[4])
    q0, q1 = float(special.expit(th[5])), float(special.expit(th[6]))
    y, xp = x[1:], x[:-1]
    d0 = _npdf(y, a0 + phi * xp, s0)
    d1 = _npdf(y, a1 + phi * xp, s1)
    denom = (1 - q0) + (1 - q1)
    p = (1 - q1) / denom if denom > 0 else 0.5
    ll = 0.0
    for t in range(len(y)):
        pr0 = p * q0 + (1 - p) * (1 - q1)
        n0 = pr0 * d0[t]
        den = n0 + (1 - pr0) * d1[t]
        if den <= 1e-300:
            return 1e12
        ll += math.log(den)
        p = n0 / den
    return -ll


def _fit_ms(x: np.ndarray, a0: float, phi0: float, sd0: float) -> OilModel:
    """Maximum likelihood of the two-regime Markov-switching AR(1)."""
    th0 = np.array(
        [
            a0,
            a0 - 0.02,
            phi0,
            math.log(sd0 * 0.7),
            math.log(sd0 * 1.8),
            special.logit(0.95),
            special.logit(0.85),
        ]
    )
    res = optimize.minimize(
        _ms_nll,
        th0,
        args=(x,),
        method="Nelder-Mead",
        options={"maxiter": 6000, "xatol": 1e-6, "fatol": 1e-8},
    )
    th = res.x
    a = (float(th[0]), float(th[1]))
    s = (math.exp(th[3]), math.exp(th[4]))
    q = (float(special.expit(th[5])), float(special.expit(th[6])))
    if s[0] > s[1]:  # regime 0 is the calm one
        a, s, q = (a[1], a[0]), (s[1], s[0]), (q[1], q[0])
    return OilModel(
        "ms_ar1", a, float(min(th[2], 0.9999)), s, stay=q, loglik=-float(res.fun), n_obs=len(x) - 1
    )


# --------------------------------------------------------------------------- scoring
def crps_sample(samples: np.ndarray, y: float) -> float:
    """CRPS of a forecast given by ``samples`` at observation ``y`` (energy-form estimator)."""
    s = np.sort(samples)
    m = len(s)
    term1 = np.abs(s - y).mean()
    # E|X - X'| via the sorted-sample identity sum_i (2i - m - 1) s_i * 2 / m^2
    term2 = float(((2 * np.arange(1, m + 1) - m - 1) * s).sum()) * 2.0 / (m * m)
    return float(term1 - 0.5 * term2)


@dataclass(frozen=True)
class Selection:
    """Out-of-sample comparison of the candidate models and the chosen one."""

    chosen: str
    crps12: dict[str, float]
    log_score1: dict[str, float]
    origins: int
    window_months: int
    criterion: str = (
        "highest mean 1-month log predictive density among the models whose mean "
        "12-month CRPS is within 5% of the best"
    )

    def to_dict(self) -> dict[str, object]:
        """Plain data."""
        return asdict(self)


def select_model(
    x: np.ndarray,
    window: int,
    *,
    n_origins: int = 30,
    step: int = 6,
    sims: int = 2000,
    seed: int = 0,
) -> Selection:
    """Choose the model kind by out-of-sample fit on the history ``x`` (log prices).

    Origins lie every ``step`` months, the last one 12 months before the end of ``x``; at each
    the models are refitted on the ``window`` months ending there. Scores: 12-month-ahead CRPS
    (by ``sims`` simulations) and the mean one-month log predictive density over the next
    ``step`` months.
    """
    last = len(x) - 12
    origins = [o for o in range(last - step * (n_origins - 1), last + 1, step) if o - window >= 0]
    if len(origins) < 5:
        raise ModelError(
            "too little oil price history before the as-of date for an out-of-sample "
            f"model choice (window {window} months, {len(x)} months of data)"
        )
    rng = np.random.default_rng(seed)
    crps: dict[str, list[float]] = {k: [] for k in MODEL_KINDS}
    logs: dict[str, list[float]] = {k: [] for k in MODEL_KINDS}
    for o in origins:
        hist = x[o - window : o]
        for kind in MODEL_KINDS:
            m = fit(kind, hist)
            regime0 = None
            if m.regimes:
                p0 = m.filter_regimes(hist)[-1]
                regime0 = (rng.random(sims) >= p0).astype(np.int8)
            paths = m.simulate(float(hist[-1]), 12, sims, rng, regime0)
            crps[kind].append(crps_sample(paths[:, -1], float(x[o + 11])))
            seg = x[o - window : o + step]
            logs[kind].extend(m.log_predictive(seg, window).tolist())
    c = {k: float(np.mean(v)) for k, v in crps.items()}
    ls = {k: float(np.mean(v)) for k, v in logs.items()}
    best_crps = min(c.values())
    eligible = [k for k in MODEL_KINDS if c[k] <= best_crps * (1 + CRPS_TOLERANCE)]
    chosen = max(eligible, key=ls.__getitem__)
    return Selection(chosen, c, ls, len(origins), window)


# --------------------------------------------------------------------------- diagnostics
def drawdown_stats(
    p: np.ndarray, threshold: float = 0.3, lookback: int = 24
) -> tuple[float, float, float]:
    """(max drawdown, share of months in a low-price spell, mean spell length) of a price path.

    A low-price spell is a run of months in which the price is more than ``threshold`` below its
    maximum over the previous ``lookback`` months.
    """
    p = np.asarray(p, dtype=float)
    run_max = np.maximum.accumulate(p)
    mdd = float(np.max(1 - p / run_max))
    n = len(p)
    trail = np.array([p[max(0, t - lookback) : t + 1].max() for t in range(n)])
    low = p < (1 - threshold) * trail
    spells = _run_lengths(low)
    return mdd, float(low.mean()), float(np.mean(spells)) if spells else 0.0


def _run_lengths(flags: np.ndarray) -> list[int]:
    """Lengths of the runs of True in a boolean vector."""
    out: list[int] = []
    k = 0
    for f in flags:
        if f:
            k += 1
        elif k:
            out.append(k)
            k = 0
    if k:
        out.append(k)
    return out


def statistics(logp: np.ndarray) -> dict[str, float]:
    """Calibration statistics of one log-price path (history or simulation)."""
    r = np.diff(logp)
    r12 = logp[12:] - logp[:-12]
    mdd, low_share, spell = drawdown_stats(np.exp(logp))
    return {
        "vol_annual": float(r.std(ddof=1) * math.sqrt(12)),
        "ret_q01": float(np.quantile(r, 0.01)),
        "ret_q05": float(np.quantile(r, 0.05)),
        "ret_q95": float(np.quantile(r, 0.95)),
        "ret_q99": float(np.quantile(r, 0.99)),
        "kurtosis": float(((r - r.mean()) ** 4).mean() / r.var() ** 2),
        "ret12_q05": float(np.quantile(r12, 0.05)),
        "ret12_q95": float(np.quantile(r12, 0.95)),
        "max_drawdown": mdd,
        "low_spell_share": low_share,
        "low_spell_mean_months": spell,
        "acf1_abs_returns": float(np.corrcoef(np.abs(r[1:]), np.abs(r[:-1]))[0, 1]),
    }


@dataclass(frozen=True)
class Diagnostic:
    """One calibration statistic: history value and the model's simulated distribution."""

    name: str
    history: float
    model_median: float
    model_q05: float
    model_q95: float

    @property
    def within(self) -> bool:
        """True if the history value lies inside the model's 5-95% band."""
        return self.model_q05 <= self.history <= self.model_q95


def diagnostics(
    model: OilModel, x: np.ndarray, *, sims: int = 400, seed: int = 1
) -> list[Diagnostic]:
    """Compare the statistics of history ``x`` with those of ``sims`` simulated histories.

    Each simulated history starts at ``x[0]`` and has the same length as ``x``; for every
    statistic of :func:`statistics` the history value is set beside the model's median and
    5-95% range across simulations.
    """
    rng = np.random.default_rng(seed)
    paths = model.simulate(float(x[0]), len(x) - 1, sims, rng)
    paths = np.column_stack([np.full(sims, x[0]), paths])
    hist = statistics(x)
    sim_stats = [statistics(p) for p in paths]
    out = []
    for k, v in hist.items():
        vals = np.array([s[k] for s in sim_stats])
        vals = vals[np.isfinite(vals)]
        out.append(
            Diagnostic(
                k,
                v,
                float(np.median(vals)),
                float(np.quantile(vals, 0.05)),
                float(np.quantile(vals, 0.95)),
            )
        )
    return out


# --------------------------------------------------------------------------- calibration
@dataclass(frozen=True)
class OilCalibration:
    """The oil model used by the engine: chosen kind, fitted on the window ending at as-of."""

    model: OilModel
    selection: Selection
    last_date: dt.date
    last_price: float
    window_months: int
    regime0_prob: float = 1.0
    alternatives: dict[str, OilModel] = field(default_factory=dict)

    def to_json(self) -> str:
        """Exact JSON form of the calibration (for the disk cache; see :meth:`from_json`)."""
        return json.dumps(
            {
                "model": asdict(self.model),
                "selection": asdict(self.selection),
                "last_date": self.last_date.isoformat(),
                "last_price": self.last_price,
                "window_months": self.window_months,
                "regime0_prob": self.regime0_prob,
                "alternatives": {k: asdict(v) for k, v in self.alternatives.items()},
            }
        )

    @staticmethod
    def from_json(text: str) -> OilCalibration:
        """The calibration written by :meth:`to_json`."""
        d = json.loads(text)

        def model(m: dict[str, Any]) -> OilModel:
            return OilModel(
                m["kind"],
                tuple(m["a"]),
                m["phi"],
                tuple(m["sigma"]),  # type: ignore[arg-type]
                tuple(m["stay"]),
                m["jump_prob"],
                m["jump_mean"],  # type: ignore[arg-type]
                m["jump_sd"],
                m["loglik"],
                m["n_obs"],
            )

        return OilCalibration(
            model(d["model"]),
            Selection(**d["selection"]),
            dt.date.fromisoformat(d["last_date"]),
            d["last_price"],
            d["window_months"],
            d["regime0_prob"],
            {k: model(v) for k, v in d["alternatives"].items()},
        )

    def to_dict(self) -> dict[str, object]:
        """Plain data."""
        return {
            "model": self.model.to_dict(),
            "selection": self.selection.to_dict(),
            "last_date": self.last_date.isoformat(),
            "last_price": self.last_price,
            "window_months": self.window_months,
            "regime0_prob": self.regime0_prob,
        }


#: Bump when the candidate models, their fitting or the selection rule change (cache key).
CALIBRATION_VERSION = 1
#: Settings of :func:`select_model` used by :func:`calibrate` (part of the cache key).
SELECTION_SETTINGS = {"n_origins": 30, "step": 6, "sims": 2000, "seed": 0}
_MEMO: dict[str, OilCalibration] = {}


def cache_key(data: bytes, as_of: dt.date, window_years: float, kind: str | None) -> str:
    """Key of a calibration: SHA-256 of the dataset content, as-of date and model settings.

    The settings are the candidate models, the CRPS tolerance, the selection settings, the
    calibration version and the numpy/scipy versions (optimiser results may differ between them).
    """
    import scipy

    parts = [
        hashlib.sha256(data).hexdigest(),
        as_of.isoformat(),
        repr(float(window_years)),
        str(kind),
        ",".join(MODEL_KINDS),
        repr(CRPS_TOLERANCE),
        json.dumps(SELECTION_SETTINGS, sort_keys=True),
        str(CALIBRATION_VERSION),
        np.__version__,
        scipy.__version__,
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


def cache_dir() -> Path | None:
    """Directory of the on-disk calibration cache, or None if disabled.

    ``$MELIAN_CACHE_DIR`` if set (an empty value disables the disk cache), else the user's
    cache directory (platformdirs) ``.../melian/world``.
    """
    env = os.environ.get("MELIAN_CACHE_DIR")
    if env is not None:
        return Path(env) / "world" if env else None
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("melian")) / "world"


def calibrate(
    path: str, as_of: dt.date, window_years: float, kind: str | None = None
) -> OilCalibration:
    """Calibrate the oil model on the monthly file ``path`` up to ``as_of`` (cached).

    With ``kind`` None the model kind is chosen by :func:`select_model`; the chosen model is then
    fitted on the last ``window_years`` years before ``as_of``. Results are memoised in the
    process and stored on disk (:func:`cache_dir`, one JSON file per :func:`cache_key`, written
    atomically); a stored calibration is the exact result of a fresh one (floats round-trip
    exactly through JSON), and an unreadable cache file is ignored and rewritten.
    """
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(
            [Problem(str(path), None, None, "", f"cannot read price data: {exc}")]
        ) from None
    key = cache_key(data, as_of, window_years, kind)
    hit = _MEMO.get(key)
    if hit is not None:
        return hit
    root = cache_dir()
    file = root / f"oil-calibration-{key}.json" if root is not None else None
    cal = None
    if file is not None and file.is_file():
        try:
            cal = OilCalibration.from_json(file.read_text(encoding="utf-8"))
        except (OSError, ValueError, KeyError, TypeError):
            cal = None
    if cal is None:
        cal = _calibrate(path, as_of, window_years, kind)
        if file is not None:
            _write_atomic(file, cal.to_json())
    _MEMO[key] = cal
    return cal


def _write_atomic(file: Path, text: str) -> None:
    """Write ``text`` to ``file`` atomically (best effort: a cache write may fail silently)."""
    try:
        atomic_write_text(file, text)
    except OSError:
        pass


def _calibrate(
    path: str, as_of: dt.date, window_years: float, kind: str | None = None
) -> OilCalibration:
    """The uncached calibration (see :func:`calibrate`)."""
    series = load_monthly(Path(path), as_of)
    x = series.log
    window = int(round(window_years * 12))
    if window < 36 or window > len(x):
        raise ModelError(
            f"oil calibration window of {window} months is not within "
            f"[36, {len(x)}] (months of history up to {as_of})"
        )
    sel = select_model(x, window, **SELECTION_SETTINGS)
    chosen = kind or sel.chosen
    hist = x[-window:]
    alts = {k: fit(k, hist) for k in MODEL_KINDS}
    model = alts[chosen]
    p0 = float(model.filter_regimes(hist)[-1]) if model.regimes else 1.0
    return OilCalibration(model, sel, series.dates[-1], float(series.prices[-1]), window, p0, alts)
