"""Retaliation by a rival supplier: a supply the state depends on is cut or cut back.

A named ``supplier`` provides a share ``d`` (``dependence``) of a good the state depends on (for
example electricity, as power and as gas for power stations). The supplier starts a cut in month
``t`` with probability ``1 - exp(-h_t)``, ``log h_t = log h_0 + lever + sum_i b_i x_i,t``: ``h_0``
the ``cut_hazard`` at the as-of posture, ``lever`` an option lever (options set it: alignment with
the supplier's rival raises it), ``x_i,t`` states of other components bound to ``driver1`` ..
``driver3`` (the machinery of :mod:`.event_hazard`). A cut withholds the share ``c``
(``cut_share``: 1 = cut off, less = cut back) of the supplier's flow for ``cut_duration`` months;
cuts may recur once one has ended. A share ``r`` (``replacement_share``) of what is withheld is
replaced from other sources at a public cost; the rest is missing:

- shortfall (share of the state's whole supply missing) ``s_t = d c (1 - r) cut_t``;
- public spending on replacement ``e_t = budget_cost c r cut_t`` (money bn/month; a budget reads
  it as ``extra_cost`` through its ``disruptions`` input);
- output lost ``l_t = output_cost c (1 - r) cut_t`` (money bn/month).

``budget_cost`` and ``output_cost`` are per month for the supplier's *whole* flow.
"""

from __future__ import annotations

from typing import Any

import numpy as np

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
    uniforms,
)
from melian.world.components.event_hazard import (
    DRIVER_INPUTS,
    driver_effects,
    driver_params,
    monthly_hazard,
    param_or_default,
)
from melian.world.results import HistSpec
from melian.world.spec import ParamSpec


class SupplyCut(Kind):
    """A rival supplier cuts or cuts back a supply the state depends on (energy, power, water).

    The cut hazard is log-linear in an option lever and in other components' states; cuts cost
    the state a share of its supply, public money for what is replaced and output for what is not.
    """

    kind = "supply_cut"
    title = "Supply cut by a rival supplier"
    PARAMS = (
        ParamSpec(
            "dependence",
            "fraction",
            "share of the state's supply of the good that the supplier provides at the as-of date",
            0,
            1,
        ),
        ParamSpec(
            "cut_hazard",
            "per month",
            "hazard that the supplier starts a cut, at the as-of posture (lever 0, drivers 0)",
            0,
            10,
        ),
        ParamSpec(
            "lever",
            "log hazard ratio",
            "shift of the log cut hazard (set by options, e.g. alignment with the supplier's rival)",
            -20,
            20,
            0.0,
        ),
        *driver_params(what="the log cut hazard"),
        ParamSpec(
            "cut_share",
            "fraction",
            "share of the supplier's flow withheld during a cut (1 = cut off, less = cut back)",
            0,
            1,
        ),
        ParamSpec("cut_duration", "months", "length of a cut", 1, 240),
        ParamSpec(
            "replacement_share",
            "fraction",
            "share of the withheld flow replaced from other sources",
            0,
            1,
            0.0,
        ),
        ParamSpec(
            "budget_cost",
            "money bn/month",
            "public spending per month to replace the supplier's whole flow",
            0,
            None,
            0.0,
        ),
        ParamSpec(
            "output_cost",
            "money bn/month",
            "output lost per month when the supplier's whole flow is missing and not replaced",
            0,
            None,
            0.0,
        ),
    )
    INPUTS = DRIVER_INPUTS
    ACTORS = (ActorSpec("supplier", "the actor that supplies the good and may cut it"),)
    STATES = (
        StateSpec("cut", "0/1", "a cut is under way this month"),
        StateSpec("shortfall", "fraction", "share of the state's whole supply missing this month"),
        StateSpec("extra_cost", "money bn/month", "public spending on replacing the withheld flow"),
        StateSpec("output_loss", "money bn/month", "output lost to the shortfall"),
        StateSpec("hazard", "per month", "the monthly cut hazard"),
    )
    EVENTS = (
        EventSpec(
            "supply_cut",
            labels("the supplier cuts the supply", "قطع المورّد للإمدادات"),
            "the supplier starts a cut at least once over the horizon",
        ),
    )
    OUTCOMES = (
        OutcomeSpec(
            "shortfall_mean",
            "fraction",
            "higher_worse",
            labels("average share of the supply missing", "متوسط نسبة النقص في الإمدادات"),
            "share of the state's whole supply missing, averaged over the months of the horizon",
        ),
        OutcomeSpec(
            "cut_months",
            "months",
            "higher_worse",
            labels("months of supply cuts", "أشهر قطع الإمدادات"),
            "months in which a cut is under way",
        ),
        OutcomeSpec(
            "supply_output_loss",
            "money bn",
            "higher_worse",
            labels("output lost to supply cuts", "الناتج المفقود بسبب قطع الإمدادات"),
            "output lost to the shortfall over the horizon",
        ),
        OutcomeSpec(
            "supply_replacement_cost",
            "money bn",
            "higher_worse",
            labels("public cost of replacing the supply", "الكلفة العامة لتعويض الإمدادات"),
            "public spending on replacing the withheld flow over the horizon",
        ),
    )

    def hist(self, name: str) -> HistSpec:
        """Bins: shares in [0, 1], one bin per month, money up to the whole horizon's cost."""
        H = self.horizon
        if name == "shortfall_mean":
            return HistSpec(0.0, 1.0, 2000)
        if name == "cut_months":
            return HistSpec(-0.5, H + 0.5, H + 1)
        key = "output_cost" if name == "supply_output_loss" else "budget_cost"
        return HistSpec(0.0, max(self.nominal.get(key, 0.0), 0.01) * H * 1.5, 4000)

    def start(self, P: Params, n: int, rng: np.random.Generator, tile: int) -> dict[str, Any]:
        """No cut under way."""

        def g(name: str) -> np.ndarray:
            return param_or_default(SupplyCut, P, name, n)

        c, r = g("cut_share"), g("replacement_share")
        return {
            "logh": np.log(np.maximum(g("cut_hazard"), 1e-300)) + g("lever"),
            "b": driver_effects(SupplyCut, P, n),
            "dur": g("cut_duration"),
            "short": g("dependence") * c * (1.0 - r),
            "spend": g("budget_cost") * c * r,
            "lose": g("output_cost") * c * (1.0 - r),
            "left": np.zeros(n),
            "ever": np.zeros(n, bool),
            "months": np.zeros(n),
            "sum_short": np.zeros(n),
            "sum_spend": np.zeros(n),
            "sum_lose": np.zeros(n),
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
        """Cut hazard for the slab; cuts start and end month by month."""
        n = S["left"].shape[0]
        u = uniforms(rng, 1, k, n, tile)[0]
        h, p = monthly_hazard(S, k, n, inputs)
        cut = np.empty((k, n), bool)
        for j in range(k):
            hit = (S["left"] <= 0) & (u[j] < p[j])
            S["ever"] |= hit
            S["left"] = np.where(hit, np.ceil(S["dur"]), S["left"])
            cut[j] = S["left"] > 0
            S["left"] = S["left"] - cut[j]
        m = cut.sum(axis=0)
        S["months"] += m
        S["sum_short"] += m * S["short"]
        S["sum_spend"] += m * S["spend"]
        S["sum_lose"] += m * S["lose"]
        return {
            "cut": cut,
            "shortfall": cut * S["short"],
            "extra_cost": cut * S["spend"],
            "output_loss": cut * S["lose"],
            "hazard": h,
        }

    def finish(self, S: dict[str, Any], rng: np.random.Generator, tile: int) -> Finished:
        """Mean shortfall, months of cuts, money lost and spent; whether a cut happened."""
        return Finished(
            {
                "shortfall_mean": S["sum_short"] / float(self.horizon),
                "cut_months": S["months"].copy(),
                "supply_output_loss": S["sum_lose"].copy(),
                "supply_replacement_cost": S["sum_spend"].copy(),
            },
            {"supply_cut": S["ever"].copy()},
        )
