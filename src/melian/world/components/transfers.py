"""Transfers between actors: aid, rent for access or basing, loans and grants.

A payer pays ``amount`` a month from month ``start_months`` for ``months`` months (0: to the
horizon). A share ``loan_share`` of each payment is a loan, owed with interest ``rate`` (a
year). Payments stop for good when, during the term, the payer ends them (monthly hazard
``stop_hazard``) or any component bound as ``conditions`` has reported its event (state
``occurred``). On a path where ``amount`` is 0 (a partner that pays nothing outside some
option) the transfer never starts, so it cannot end early: ``transfer_stopped`` is not recorded
there (probability 0), although ``running`` still follows the hazard. Conditions tied to
options are the options' effects on these parameters (for example rent raised or ended under an
option); conditions tied to events are the ``conditions`` inputs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from melian.world.components.base import (
    ActorSpec,
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
    prob,
    uniforms,
)
from melian.world.results import HistSpec
from melian.world.spec import ParamSpec


class Transfers(Kind):
    """Payments from a named actor (``payer``) to the state: aid, rent, loans, grants.

    Exposes the money paid to the budget each month (``to_budget``), whether payments still
    run, and the debt of the loan part.
    """

    kind = "transfers"
    title = "Transfers between actors"
    PARAMS = (
        ParamSpec("amount", "money bn/month", "payment per month while the transfer runs", 0, None),
        ParamSpec("start_months", "months", "months before the first payment", 0, 600, default=0.0),
        ParamSpec(
            "months",
            "months",
            "number of monthly payments (0 = to the horizon)",
            0,
            600,
            default=0.0,
        ),
        ParamSpec(
            "loan_share", "fraction", "share of each payment that is a loan", 0, 1, default=0.0
        ),
        ParamSpec("rate", "fraction/year", "interest on the loan part", 0, 1, default=0.0),
        ParamSpec(
            "stop_hazard",
            "per month",
            "hazard that the payer ends the transfer for good",
            0,
            1,
            default=0.0,
        ),
    )
    INPUTS = (
        InputSpec(
            "conditions",
            ("occurred",),
            "events (event_hazard components) whose occurrence ends the transfer",
            many=True,
            required=False,
        ),
    )
    ACTORS = (
        ActorSpec("payer", "the actor that pays"),
        ActorSpec("payee", "the actor paid (default: the focal actor)", required=False),
    )

    @classmethod
    def actor_problems(cls, actors: Mapping[str, str], focal: str) -> list[tuple[str, str]]:
        """Payments *to* the focal state only: its budget counts them as inflows."""
        out = []
        if actors.get("payer") == focal:
            out.append(
                (
                    "payer",
                    f"the payer is the focal actor {focal!r}: transfers are payments to the "
                    "focal state (its budget and reserves count them as inflows); model a "
                    "payment by the focal state as a cost, e.g. a lower external financing or "
                    "a higher spending of the economy or budget component",
                )
            )
        payee = actors.get("payee")
        if payee is not None and payee != focal:
            out.append(
                (
                    "payee",
                    f"the payee {payee!r} is not the focal actor {focal!r}: transfers are "
                    "payments to the focal state",
                )
            )
        return out

    STATES = (
        StateSpec("to_budget", "money bn/month", "money paid this month"),
        StateSpec("running", "0/1", "the transfer still runs"),
        StateSpec("debt", "money bn", "debt of the loan part"),
    )
    EVENTS = (
        EventSpec(
            "transfer_stopped",
            labels("the transfer ending early", "توقف التحويلات مبكراً"),
            "the payer ends the transfer, or a condition ends it, before its term (never on a "
            "path where the amount is 0: a transfer that pays nothing does not start)",
        ),
    )
    OUTCOMES = (
        OutcomeSpec(
            "transfers_total",
            "money bn",
            "higher_better",
            labels("transfers received", "التحويلات المستلمة"),
            "money received over the horizon",
        ),
        OutcomeSpec(
            "transfer_debt_end",
            "money bn",
            "higher_worse",
            labels("debt for transfers at the horizon", "ديون التحويلات في نهاية الأفق"),
            "debt owed for the loan part at the horizon",
        ),
    )

    def __init__(self, cid: str, setup: Setup) -> None:
        """Bins from the nominal amount."""
        super().__init__(cid, setup)
        self.top = max(self.nominal.get("amount", 0.0), 0.01) * self.horizon * 3.0

    def hist(self, name: str) -> HistSpec:
        """Linear bins up to three times the nominal total."""
        return HistSpec(0.0, self.top, 4000)

    def start(self, P: Params, n: int, rng: np.random.Generator, tile: int) -> dict[str, Any]:
        """Transfer running, nothing paid."""

        def g(name: str) -> np.ndarray:
            d = self.param(name).default
            return full(P[name] if name in P else float(d), n)  # type: ignore[arg-type]

        months = g("months")
        return {
            "amount": full(P["amount"], n),
            "pays": full(P["amount"], n) > 0.0,
            "t_start": g("start_months"),
            "t_end": np.where(months > 0, g("start_months") + months, np.inf),
            "loan": g("loan_share"),
            "m": 1.0 + g("rate") / 12.0,
            "stop": prob(g("stop_hazard")),
            "on": np.ones(n, bool),
            "stopped": np.zeros(n, bool),
            "debt": np.zeros(n),
            "total": np.zeros(n),
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
        """Payments month by month."""
        n = S["on"].shape[0]
        u = uniforms(rng, 1, k, n, tile)[0]
        pay = np.empty((k, n))
        run = np.empty((k, n), bool)
        debt = np.empty((k, n))
        conds = inputs.get("conditions", [])
        for j in range(k):
            t = t0 + j
            in_term = (t >= S["t_start"]) & (t < S["t_end"])
            ended = (u[j] < S["stop"]) & in_term
            for c in conds:
                ended |= np.asarray(c["occurred"][j], bool) & in_term
            # a transfer that pays nothing on a path (amount 0) never starts: ending it is no event
            S["stopped"] |= ended & S["on"] & S["pays"]
            S["on"] &= ~ended
            run[j] = S["on"]
            pay[j] = np.where(S["on"] & in_term, S["amount"], 0.0)
            S["debt"] = S["debt"] * S["m"] + S["loan"] * pay[j]
            debt[j] = S["debt"]
            S["total"] += pay[j]
        return {"to_budget": pay, "running": run, "debt": debt}

    def finish(self, S: dict[str, Any], rng: np.random.Generator, tile: int) -> Finished:
        """Totals and whether the transfer ended early."""
        return Finished(
            {"transfers_total": S["total"].copy(), "transfer_debt_end": S["debt"].copy()},
            {"transfer_stopped": S["stopped"].copy()},
        )
