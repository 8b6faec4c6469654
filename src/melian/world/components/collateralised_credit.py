"""Collateralised credit: a credit line from a named lender, repaid from pledged exports.

Each month ``d_t = min(max(L - drawn, 0), c)`` is disbursed (``L`` the line, ``c`` the monthly
cap); the debt accrues interest ``r/12`` and the value of the pledged volume
``min(v_p, volume_t) * unit value_t`` repays it first (``pledged_t = min(value of pledge, debt
due)``). A share ``b`` of each disbursement relieves the budget; the rest is project spending
tied to the lender.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from melian.world.components.base import (
    ActorSpec,
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
    money_scale,
)
from melian.world.results import HistSpec
from melian.world.spec import ParamSpec


class CollateralisedCredit(Kind):
    """A credit line from a named lender, drawn for projects and repaid from pledged exports.

    Reads the exports it is secured on (``exports``: volume, base volume and unit value).
    Exposes the export value withheld to repay the lender (``pledged``), the disbursement, the
    part of it that relieves the budget and the tied project spending, and the debt.
    """

    kind = "collateralised_credit"
    title = "Collateralised credit"
    PARAMS = (
        ParamSpec("credit_line", "money bn", "total credit line (drawn for projects)", 0, None),
        ParamSpec(
            "disbursement", "money bn/month", "most of the line disbursed in a month", 0, None
        ),
        ParamSpec(
            "budget_share",
            "fraction",
            "share of a disbursement that relieves the budget (the rest is tied project spending)",
            0,
            1,
        ),
        ParamSpec("rate", "fraction/year", "interest rate on the credit", 0, 1),
        ParamSpec(
            "collateral_volume",
            "million units/day",
            "exports pledged to repay the credit while any is owed",
            0,
            50,
        ),
    )
    INPUTS = (InputSpec("exports", ("volume", "base_volume", "unit_value"), "the pledged exports"),)
    ACTORS = (ActorSpec("lender", "the actor that lends"),)
    STATES = (
        StateSpec("pledged", "money bn/month", "export value withheld to repay the lender"),
        StateSpec("pledged_volume", "million units/day", "volume pledged (before disruptions)"),
        StateSpec("disbursed", "money bn/month", "disbursement"),
        StateSpec("to_budget", "money bn/month", "part of the disbursement relieving the budget"),
        StateSpec("project", "money bn/month", "tied project spending"),
        StateSpec("debt", "money bn", "debt owed to the lender"),
    )
    OUTCOMES = (
        OutcomeSpec(
            "collateralised_debt_end",
            "money bn",
            "higher_worse",
            labels("collateralised debt at the horizon", "الدين المضمون في نهاية الأفق"),
            "debt owed to the lender at the horizon",
        ),
    )

    def __init__(self, cid: str, setup: Setup) -> None:
        """Bins of the debt outcome from the nominal money stocks of the scenario."""
        super().__init__(cid, setup)
        self.scale = money_scale(self.nominal, ("credit_line",), self.horizon)

    def hist(self, name: str) -> HistSpec:
        """Linear bins of the debt."""
        return HistSpec(0.0, self.scale, 8000)

    def start(self, P: Params, n: int, rng: np.random.Generator, tile: int) -> dict[str, Any]:
        """No debt and nothing drawn at the as-of date."""
        return {
            "debt": np.zeros(n),
            "drawn": np.zeros(n),
            "m": 1.0 + full(P["rate"], n) / 12.0,
            "line": full(P["credit_line"], n),
            "cap": full(P["disbursement"], n),
            "share": full(P["budget_share"], n),
            "collateral": full(P["collateral_volume"], n),
            "active": bool(np.any(np.asarray(P["credit_line"]) > 0)),
            "zero": np.zeros(n),
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
        """Disbursements, repayments from pledged exports and debt, month by month."""
        ex = inputs["exports"]
        vol = ex["volume"]
        n = vol.shape[1]
        if not S["active"]:
            z = np.zeros((k, n))
            return {
                "pledged": z,
                "pledged_volume": z,
                "disbursed": z,
                "to_budget": z,
                "project": z,
                "debt": np.broadcast_to(S["debt"], (k, n)),
            }
        collat = np.minimum(np.broadcast_to(S["collateral"], vol.shape), vol)
        collat *= ex["unit_value"]
        pledged = np.empty_like(collat)
        disb = np.empty_like(collat)
        debt = np.empty_like(collat)
        for j in range(k):
            due = S["debt"] * S["m"]
            np.minimum(collat[j], due, out=pledged[j])
            np.maximum(S["line"] - S["drawn"], S["zero"], out=disb[j])
            np.minimum(disb[j], S["cap"], out=disb[j])
            S["drawn"] = S["drawn"] + disb[j]
            due -= pledged[j]
            due += disb[j]
            S["debt"] = due
            debt[j] = due
        return {
            "pledged": pledged,
            # read by a budget in the first month only (its payroll-covering price)
            "pledged_volume": np.minimum(S["collateral"], ex["base_volume"][:1]),
            "disbursed": disb,
            "to_budget": S["share"] * disb,
            "project": (1.0 - S["share"]) * disb,
            "debt": debt,
        }

    def finish(self, S: dict[str, Any], rng: np.random.Generator, tile: int) -> Finished:
        """Debt at the horizon."""
        return Finished({"collateralised_debt_end": S["debt"].copy()})
