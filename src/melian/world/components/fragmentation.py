"""Regional fragmentation pressure: an index with memory and the hazard of a crisis.

``F_t = rho F_{t-1} + (1 - rho) (a_exit (1 - c_t) + a_crisis crisis_t + a_salary min(stress_t, 3))``
(``c_t`` the support read as ``support``, ``crisis_t`` the crisis indicator read as ``crisis``,
``stress_t`` the payroll arrears in months of payroll read as ``stress``; a term is absent when
its input is not bound); a fragmentation crisis starts with monthly probability
``1 - exp(-h0 exp(F_t))`` and is recorded once.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from melian.world.components.base import (
    EventSpec,
    Finished,
    InputSpec,
    Kind,
    Params,
    SlabStates,
    StateSpec,
    labels,
    uniforms,
)
from melian.world.spec import ParamSpec


class Fragmentation(Kind):
    """Pressure of regions for separation or autonomy, and the hazard of a fragmentation crisis.

    Driven by the departure of a partner (``support``), security crises (``crisis``) and unpaid
    salaries (``stress``), each optional.
    """

    kind = "fragmentation"
    title = "Regional fragmentation"
    PARAMS = (
        ParamSpec(
            "fragmentation_hazard",
            "per month",
            "hazard of a fragmentation crisis at zero pressure",
            0,
            1,
        ),
        ParamSpec(
            "pressure_persistence", "fraction", "monthly memory of the pressure index", 0, 0.999
        ),
        ParamSpec(
            "exit_pressure",
            "log hazard ratio",
            "pressure when the partner's support is 0 (regions that want the partner to stay)",
            -10,
            10,
        ),
        ParamSpec(
            "crisis_pressure", "log hazard ratio", "pressure during a security crisis", -10, 10
        ),
        ParamSpec(
            "salary_pressure",
            "log hazard ratio per month of arrears",
            "pressure per month of payroll owed (capped at 3 months)",
            -10,
            10,
        ),
    )
    INPUTS = (
        InputSpec("support", ("support",), "the partner's support (1 = as of)", required=False),
        InputSpec("crisis", ("crisis",), "a security crisis indicator", required=False),
        InputSpec("stress", ("salary_stress",), "payroll arrears in months", required=False),
    )
    STATES = (StateSpec("pressure", "log hazard ratio", "the fragmentation pressure index"),)
    EVENTS = (
        EventSpec(
            "fragmentation",
            labels("a fragmentation crisis", "أزمة تفكك"),
            "a fragmentation crisis starts at least once",
        ),
    )

    def start(self, P: Params, n: int, rng: np.random.Generator, tile: int) -> dict[str, Any]:
        """No pressure, no crisis."""
        return {"P": P, "F": np.zeros(n), "frag": np.zeros(n, bool)}

    def advance(
        self,
        S: dict[str, Any],
        t0: int,
        k: int,
        inputs: dict[str, Any],
        rng: np.random.Generator,
        tile: int,
    ) -> SlabStates:
        """Pressure month by month; the hazard for the whole slab."""
        P = S["P"]
        n = S["F"].shape[0]
        u = uniforms(rng, 1, k, n, tile)[0]
        rho = P["pressure_persistence"]
        drive = np.zeros((k, n))
        if "stress" in inputs:
            drive += np.minimum(inputs["stress"]["salary_stress"], 3.0) * P["salary_pressure"]
        if "crisis" in inputs:
            drive += P["crisis_pressure"] * inputs["crisis"]["crisis"]
        if "support" in inputs:
            drive += P["exit_pressure"] * (1.0 - inputs["support"]["support"])
        drive *= 1.0 - rho
        F = S["F"]
        for j in range(k):
            F = drive[j] + rho * F
            drive[j] = F
        S["F"] = F
        out = drive.copy()
        drive += np.log(np.maximum(P["fragmentation_hazard"], 1e-300))
        with np.errstate(over="ignore"):
            h = np.exp(drive).astype(np.float32)
        S["frag"] |= (u < -np.expm1(-h, out=h)).any(axis=0)
        return {"pressure": out}

    def finish(self, S: dict[str, Any], rng: np.random.Generator, tile: int) -> Finished:
        """Whether a fragmentation crisis started."""
        return Finished(events={"fragmentation": S["frag"].copy()})
