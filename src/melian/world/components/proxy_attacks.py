"""Attacks by a rival's proxies on the patron's forces and on the state, with a log-linear rate.

Counts per month are Poisson with intensities ``lambda^P_t = G a_P exp(eta_t)`` on the patron's
forces and facilities and ``lambda^S_t = G a_S exp(eta_t)`` on the state, ``eta_t = lever +
sum_i b_i x_i,t`` (an option lever and states of other components bound to ``driver1`` ..
``driver3``, the machinery of :mod:`.event_hazard`), ``a_P`` and ``a_S`` the rates at the as-of
posture (``patron_rate``, ``state_rate``). ``G`` is a per-path campaign intensity, gamma with
mean 1 and variance ``dispersion`` (0: ``G = 1``, plain Poisson counts; otherwise the counts
over a path are negative binomial, as attack campaigns cluster). Each attack on the patron's
forces kills personnel with probability ``lethal_share``; the month has a lethal attack with
probability ``1 - (1 - lethal_share)^N`` given ``N`` attacks. Counts are drawn by inverse CDF
from one uniform per path and month (common random numbers across samples).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import gammaincinv

from melian.world.components.base import (
    ActorSpec,
    EventSpec,
    Finished,
    Kind,
    OutcomeSpec,
    Params,
    SlabStates,
    StateSpec,
    labels,
    poisson_inverse,
    uniforms,
)
from melian.world.components.event_hazard import (
    DRIVER_INPUTS,
    add_drivers,
    driver_effects,
    driver_params,
    param_or_default,
)
from melian.world.results import HistSpec
from melian.world.spec import ParamSpec


class ProxyAttacks(Kind):
    """Attacks by the proxies of a rival (a ``sponsor``) on the patron's forces and on the state.

    The rate is log-linear in an option lever and other components' states; counts cluster in
    campaigns (gamma-mixed Poisson); a share of attacks on the patron's forces is lethal.
    """

    kind = "proxy_attacks"
    title = "Proxy attacks"
    PARAMS = (
        ParamSpec(
            "patron_rate",
            "attacks/month",
            "attacks on the patron's forces and facilities at the as-of posture (lever 0, drivers 0)",
            0,
            None,
        ),
        ParamSpec(
            "state_rate",
            "attacks/month",
            "attacks on the state (its forces, officials, institutions) at the as-of posture",
            0,
            None,
            0.0,
        ),
        ParamSpec(
            "lever",
            "log rate ratio",
            "shift of the log attack rate (set by options, e.g. alignment with the patron)",
            -20,
            20,
            0.0,
        ),
        *driver_params("log rate ratio per unit", "the log attack rate"),
        ParamSpec(
            "dispersion",
            "variance",
            "variance of the per-path campaign intensity (mean 1; 0 = Poisson counts)",
            0,
            10,
            0.0,
        ),
        ParamSpec(
            "lethal_share",
            "fraction",
            "share of attacks on the patron's forces that kill personnel",
            0,
            1,
            0.0,
        ),
    )
    INPUTS = DRIVER_INPUTS
    ACTORS = (
        ActorSpec("sponsor", "the rival that backs the proxies"),
        ActorSpec("patron", "the patron whose forces are attacked", required=False),
    )
    STATES = (
        StateSpec("rate", "attacks/month", "expected attacks this month (both targets)"),
        StateSpec("patron_attacks", "attacks", "attacks on the patron's forces this month"),
        StateSpec("state_attacks", "attacks", "attacks on the state this month"),
        StateSpec("attacks", "attacks", "attacks on both targets this month"),
        StateSpec("lethal", "0/1", "an attack this month killed the patron's personnel"),
    )
    EVENTS = (
        EventSpec(
            "lethal_attack",
            labels(
                "a lethal proxy attack on the patron's forces", "هجوم قاتل للوكلاء على قوات الحليف"
            ),
            "at least one attack on the patron's forces kills personnel over the horizon",
        ),
    )
    OUTCOMES = (
        OutcomeSpec(
            "patron_attacks_total",
            "attacks",
            "higher_worse",
            labels("proxy attacks on the patron's forces", "هجمات الوكلاء على قوات الحليف"),
            "attacks on the patron's forces and facilities over the horizon",
        ),
        OutcomeSpec(
            "state_attacks_total",
            "attacks",
            "higher_worse",
            labels("proxy attacks on the state", "هجمات الوكلاء على الدولة"),
            "attacks on the state over the horizon",
        ),
        OutcomeSpec(
            "lethal_months",
            "months",
            "higher_worse",
            labels("months with a lethal attack on the patron", "أشهر الهجمات القاتلة على الحليف"),
            "months in which an attack on the patron's forces kills personnel",
        ),
    )

    def hist(self, name: str) -> HistSpec:
        """Bins scaled on the nominal rates."""
        H = self.horizon
        if name == "lethal_months":
            return HistSpec(-0.5, H + 0.5, H + 1)
        key = "patron_rate" if name == "patron_attacks_total" else "state_rate"
        return HistSpec(0.0, max(self.nominal.get(key, 0.0), 1.0) * H * 40.0, 8000)

    def start(self, P: Params, n: int, rng: np.random.Generator, tile: int) -> dict[str, Any]:
        """The campaign intensity of each path (one uniform per path, tiled); no attack yet."""

        def g(name: str) -> np.ndarray:
            return param_or_default(ProxyAttacks, P, name, n)

        m = n // tile
        u = rng.random(m)
        u = np.tile(u, tile) if tile > 1 else u
        d = g("dispersion")
        G = np.ones(n)
        pos = d > 0
        if pos.any():  # gamma(shape 1/d, scale d): mean 1, variance d
            a = 1.0 / d[pos]
            G[pos] = gammaincinv(a, u[pos]) / a
        scale = G * np.exp(g("lever"))
        return {
            "lp": g("patron_rate") * scale,
            "ls": g("state_rate") * scale,
            "b": driver_effects(ProxyAttacks, P, n),
            "keep": 1.0 - g("lethal_share"),
            "pat": np.zeros(n),
            "sta": np.zeros(n),
            "lm": np.zeros(n),
        }

    def advance(
        self,
        S: dict[str, Any],
        t0: int,
        k: int,
        inputs: dict[str, Any],
        rng: np.random.Generator,
        tile: int,
    ) -> SlabStates:
        """Rates for the slab; counts by inverse CDF; lethal months."""
        n = S["pat"].shape[0]
        U = uniforms(rng, 3, k, n, tile)
        eta = add_drivers(np.zeros((k, n)), S["b"], inputs)
        with np.errstate(over="ignore"):
            f = np.exp(eta)
        lp, ls = S["lp"] * f, S["ls"] * f
        Np = poisson_inverse(U[0], lp)
        Ns = poisson_inverse(U[1], ls)
        lethal = U[2] < -np.expm1(Np * np.log(np.maximum(S["keep"], 1e-300)))
        S["pat"] += Np.sum(axis=0)
        S["sta"] += Ns.sum(axis=0)
        S["lm"] += lethal.sum(axis=0)
        return {
            "rate": lp + ls,
            "patron_attacks": Np,
            "state_attacks": Ns,
            "attacks": Np + Ns,
            "lethal": lethal,
        }

    def finish(self, S: dict[str, Any], rng: np.random.Generator, tile: int) -> Finished:
        """Attack counts over the horizon; months with a lethal attack; whether one happened."""
        return Finished(
            {
                "patron_attacks_total": S["pat"].copy(),
                "state_attacks_total": S["sta"].copy(),
                "lethal_months": S["lm"].copy(),
            },
            {"lethal_attack": S["lm"] > 0},
        )
