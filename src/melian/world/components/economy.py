"""A non-commodity economy: output growth with shocks, external financing and reserves.

Monthly ``log Y_t = log Y_{t-1} + log(1 + g) / 12 + (s / sqrt 12) e_t - d_t``, ``e_t`` standard normal,
``d_t = shock_size`` in a month a shock starts (monthly hazard ``shock_hazard``, ``1 - exp(-h)``),
``Y_0 = output`` (money bn a year). Reserves: ``R_t = max(R_{t-1} - gap_t + financing + sum
transfers_t, 0)`` with the external gap ``external_gap`` (money bn a month, the current-account
deficit at the as-of date) growing with output, ``external_financing`` a month, and transfers received (inputs
``transfers``: ``to_budget``). A reserve crisis is reserves below ``reserve_floor``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from melian.world.components.base import (
    BandSpec,
    EventSpec,
    Finished,
    InputSpec,
    Kind,
    OutcomeSpec,
    Params,
    Setup,
    SlabStates,
    StateSpec,
    full,
    labels,
    normals,
    prob,
    uniforms,
)
from melian.world.results import HistSpec
from melian.world.spec import ParamSpec


class Economy(Kind):
    """Output, growth shocks, the external gap, external financing and reserves of an economy."""

    kind = "economy"
    title = "Economy (non-commodity)"
    PARAMS = (
        ParamSpec("output", "money bn/year", "output (GDP) at the as-of date", 0, None),
        ParamSpec("growth", "fraction/year", "trend growth of real output", -0.5, 1),
        ParamSpec(
            "growth_volatility", "fraction/year", "sd of annual growth around the trend", 0, 1
        ),
        ParamSpec("shock_hazard", "per month", "hazard of an output shock", 0, 1),
        ParamSpec("shock_size", "fraction", "share of output lost in a shock", 0, 1),
        ParamSpec("reserves", "money bn", "foreign reserves at the as-of date", 0, None),
        ParamSpec(
            "external_gap",
            "money bn/month",
            "current-account deficit to finance at the as-of date (negative: surplus)",
            -1000,
            1000,
        ),
        ParamSpec("external_financing", "money bn/month", "external financing available", 0, None),
        ParamSpec("reserve_floor", "money bn", "reserves below which there is a crisis", 0, None),
    )
    INPUTS = (
        InputSpec(
            "transfers",
            ("to_budget",),
            "transfers received (aid, rent, loans)",
            many=True,
            required=False,
        ),
    )
    STATES = (
        StateSpec("output", "money bn/year", "output (annual rate)"),
        StateSpec("reserves", "money bn", "foreign reserves"),
        StateSpec("output_index", "index (1 = as of)", "output relative to the as-of date"),
    )
    EVENTS = (
        EventSpec(
            "output_shock", labels("an output shock", "صدمة اقتصادية"), "a shock at least once"
        ),
        EventSpec(
            "reserve_crisis",
            labels("a reserve crisis", "أزمة احتياطيات"),
            "reserves fall below the floor at least once",
        ),
    )
    OUTCOMES = (
        OutcomeSpec(
            "output_growth",
            "fraction/year",
            "higher_better",
            labels("average output growth", "متوسط نمو الناتج"),
            "average annual growth of output over the horizon",
        ),
        OutcomeSpec(
            "economy_reserves_end",
            "money bn",
            "higher_better",
            labels("reserves at the horizon", "الاحتياطيات في نهاية الأفق"),
            "foreign reserves at the horizon",
        ),
        OutcomeSpec(
            "economy_reserves_min",
            "money bn",
            "higher_better",
            labels("lowest reserves", "أدنى الاحتياطيات"),
            "lowest foreign reserves over the horizon",
        ),
    )
    BANDS = (
        BandSpec(
            "output_index",
            "index (1 = as of)",
            labels("output", "الناتج"),
            "output relative to the as-of date",
        ),
    )

    def __init__(self, cid: str, setup: Setup) -> None:
        """Bins from the nominal reserves."""
        super().__init__(cid, setup)
        self.scale = 4.0 * max(self.nominal.get("reserves", 0.0), 1.0) + 10.0

    def hist(self, name: str) -> HistSpec:
        """Bins of each outcome and band."""
        if name == "output_growth":
            return HistSpec(-0.5, 0.5, 4000)
        if name == "output_index":
            return HistSpec(0.0, 5.0, 1000)
        return HistSpec(0.0, self.scale, 4000)

    def start(self, P: Params, n: int, rng: np.random.Generator, tile: int) -> dict[str, Any]:
        """State at the as-of date."""
        R = full(P["reserves"], n).copy()
        return {
            "y0": full(P["output"], n),
            "x": np.zeros(n),
            "g": np.log1p(full(P["growth"], n)) / 12.0,
            "s": full(P["growth_volatility"], n) / math.sqrt(12.0),
            "p": prob(P["shock_hazard"]),
            "d": full(P["shock_size"], n),
            "R": R,
            "Rmin": R.copy(),
            "gap": full(P["external_gap"], n),
            "fin": full(P["external_financing"], n),
            "floor": full(P["reserve_floor"], n),
            "shock": np.zeros(n, bool),
            "crisis": np.zeros(n, bool),
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
        """Output and reserves month by month."""
        n = S["x"].shape[0]
        z = normals(rng, k, n, tile)
        u = uniforms(rng, 1, k, n, tile)[0]
        inflow = np.zeros((k, n))
        for tr in inputs.get("transfers", []):
            inflow += tr["to_budget"]
        X = np.empty((k, n))
        R = np.empty((k, n))
        for j in range(k):
            hit = u[j] < S["p"]
            S["shock"] |= hit
            S["x"] = S["x"] + S["g"] + S["s"] * z[j] - hit * S["d"]
            X[j] = S["x"]
            gap = S["gap"] * np.exp(S["x"])
            S["R"] = np.maximum(S["R"] - gap + S["fin"] + inflow[j], 0.0)
            S["crisis"] |= S["R"] < S["floor"]
            R[j] = S["R"]
        np.minimum(S["Rmin"], R.min(axis=0), out=S["Rmin"])
        idx = np.exp(X)
        return {"output": S["y0"] * idx, "reserves": R, "output_index": idx}

    def finish(self, S: dict[str, Any], rng: np.random.Generator, tile: int) -> Finished:
        """Average growth, reserves, shocks and crises."""
        return Finished(
            {
                "output_growth": np.expm1(S["x"] * 12.0 / self.horizon),
                "economy_reserves_end": S["R"].copy(),
                "economy_reserves_min": S["Rmin"].copy(),
            },
            {"output_shock": S["shock"].copy(), "reserve_crisis": S["crisis"].copy()},
        )
