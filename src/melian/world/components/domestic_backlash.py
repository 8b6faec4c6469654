"""Domestic backlash: pressure from parliament, the street and coalition partners, and its events.

A pressure index with memory, in log hazard ratio units,
``B_t = rho B_{t-1} + (1 - rho) D_t + sigma e_t`` with drive ``D_t = lever + sum_i b_i x_i,t``:
``lever`` an option lever (how far the option provokes the factions, the street and the
coalition partners), ``x_i,t`` states of other components bound to ``driver1`` .. ``driver3``
(attacks, strikes, supply cuts; the machinery of :mod:`.event_hazard`), ``e_t`` standard normal
(mobilisation shocks), ``B_{-1}`` the ``initial_pressure``. Two events follow from it:

- a **binding resolution** (a law or binding vote against the option, for example one ordering
  the patron's forces out), once, with monthly hazard ``r_0 exp(a_r B_t)``;
- a **government crisis** (the cabinet falls or the coalition breaks), with monthly hazard
  ``g_0 exp(a_g B_t)`` whenever none is under way; each lasts ``crisis_duration`` months.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from melian.world.components.base import (
    EventSpec,
    Finished,
    Kind,
    OutcomeSpec,
    Params,
    SlabStates,
    StateSpec,
    labels,
    normals,
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


class DomesticBacklash(Kind):
    """Pressure of parliament, street and coalition partners on the government, and what it brings.

    Driven by an option lever and by events of other components (attacks, strikes, supply cuts);
    it may bring a binding resolution against the option and government crises.
    """

    kind = "domestic_backlash"
    title = "Domestic backlash"
    PARAMS = (
        ParamSpec(
            "persistence", "fraction", "monthly memory of the backlash pressure index", 0, 0.999
        ),
        ParamSpec(
            "lever",
            "log hazard ratio",
            "drive of the pressure set by options (how far the option provokes the opposition)",
            -20,
            20,
            0.0,
        ),
        *driver_params(what="the drive of the pressure"),
        ParamSpec(
            "volatility",
            "log hazard ratio/month",
            "standard deviation of the monthly shock to the pressure (mobilisation)",
            0,
            5,
            0.0,
        ),
        ParamSpec(
            "initial_pressure",
            "log hazard ratio",
            "pressure at the as-of date",
            -10,
            10,
            0.0,
        ),
        ParamSpec(
            "resolution_hazard",
            "per month",
            "hazard of a binding resolution against the option at zero pressure",
            0,
            1,
        ),
        ParamSpec(
            "resolution_effect",
            "elasticity",
            "log hazard ratio of the binding resolution per unit of pressure",
            0,
            10,
            1.0,
        ),
        ParamSpec(
            "crisis_hazard",
            "per month",
            "hazard of a government crisis at zero pressure",
            0,
            1,
        ),
        ParamSpec(
            "crisis_effect",
            "elasticity",
            "log hazard ratio of a government crisis per unit of pressure",
            0,
            10,
            1.0,
        ),
        ParamSpec("crisis_duration", "months", "length of a government crisis", 1, 240, 3.0),
    )
    INPUTS = DRIVER_INPUTS
    STATES = (
        StateSpec("pressure", "log hazard ratio", "the backlash pressure index"),
        StateSpec("resolution", "0/1", "a binding resolution has passed by this month"),
        StateSpec("crisis", "0/1", "a government crisis is under way"),
    )
    EVENTS = (
        EventSpec(
            "binding_resolution",
            labels("a binding resolution against the option", "قرار ملزم ضد الخيار"),
            "a binding resolution against the option passes over the horizon",
        ),
        EventSpec(
            "government_crisis",
            labels("a government crisis", "أزمة حكومية"),
            "a government crisis starts at least once over the horizon",
        ),
    )
    OUTCOMES = (
        OutcomeSpec(
            "backlash_mean",
            "log hazard ratio",
            "higher_worse",
            labels("average domestic backlash", "متوسط الضغط الداخلي"),
            "the backlash pressure index averaged over the months of the horizon",
        ),
        OutcomeSpec(
            "crisis_months",
            "months",
            "higher_worse",
            labels("months of government crisis", "أشهر الأزمة الحكومية"),
            "months in which a government crisis is under way",
        ),
    )

    def hist(self, name: str) -> HistSpec:
        """One bin per month; pressure bins on [-10, 10]."""
        H = self.horizon
        if name == "crisis_months":
            return HistSpec(-0.5, H + 0.5, H + 1)
        return HistSpec(-10.0, 10.0, 4000)

    def start(self, P: Params, n: int, rng: np.random.Generator, tile: int) -> dict[str, Any]:
        """The as-of pressure; no resolution, no crisis."""

        def g(name: str) -> np.ndarray:
            return param_or_default(DomesticBacklash, P, name, n)

        return {
            "B": g("initial_pressure"),
            "rho": g("persistence"),
            "lever": g("lever"),
            "b": driver_effects(DomesticBacklash, P, n),
            "sig": g("volatility"),
            "lr": np.log(np.maximum(g("resolution_hazard"), 1e-300)),
            "ar": g("resolution_effect"),
            "lg": np.log(np.maximum(g("crisis_hazard"), 1e-300)),
            "ag": g("crisis_effect"),
            "dur": np.ceil(g("crisis_duration")),
            "res": np.zeros(n, bool),
            "left": np.zeros(n),
            "ever": np.zeros(n, bool),
            "months": np.zeros(n),
            "sum": np.zeros(n),
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
        """Pressure, resolution and crises month by month."""
        n = S["B"].shape[0]
        U = uniforms(rng, 2, k, n, tile)
        drive = add_drivers(np.broadcast_to(S["lever"], (k, n)).copy(), S["b"], inputs)
        drive *= 1.0 - S["rho"]
        if np.any(S["sig"] > 0):
            drive += S["sig"] * normals(rng, k, n, tile)
        B = S["B"]
        for j in range(k):
            B = drive[j] + S["rho"] * B
            drive[j] = B
        S["B"] = B
        with np.errstate(over="ignore"):
            pr = -np.expm1(-np.exp(S["lr"] + S["ar"] * drive))
            pg = -np.expm1(-np.exp(S["lg"] + S["ag"] * drive))
        res = np.empty((k, n), bool)
        crisis = np.empty((k, n), bool)
        for j in range(k):
            S["res"] |= U[0, j] < pr[j]
            res[j] = S["res"]
            hit = (S["left"] <= 0) & (U[1, j] < pg[j])
            S["ever"] |= hit
            S["left"] = np.where(hit, S["dur"], S["left"])
            crisis[j] = S["left"] > 0
            S["left"] = S["left"] - crisis[j]
        S["months"] += crisis.sum(axis=0)
        S["sum"] += drive.sum(axis=0)
        return {"pressure": drive, "resolution": res, "crisis": crisis}

    def finish(self, S: dict[str, Any], rng: np.random.Generator, tile: int) -> Finished:
        """Average pressure and months of crisis; whether a resolution passed, a crisis started."""
        return Finished(
            {"backlash_mean": S["sum"] / float(self.horizon), "crisis_months": S["months"].copy()},
            {"binding_resolution": S["res"].copy(), "government_crisis": S["ever"].copy()},
        )
