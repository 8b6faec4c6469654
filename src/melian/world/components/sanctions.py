"""Sanctions and an exemption (waiver), imposed by a named actor on a named flow.

A two-chain Markov model. The exemption in force at the as-of date runs ``waiver_months_remaining``
months; afterwards it lapses with monthly hazard ``waiver_lapse_hazard`` and, once lapsed, is
restored with ``waiver_restore_hazard``; while lapsed it costs ``waiver_lapse_cost`` a month in
foreign currency. Sanctions start with hazard ``sanctions_hazard * pressure^e`` (``pressure`` the
proxy-pressure index of the components read as ``pressure``, 1 when none; ``e`` =
``militia_elasticity``) and are lifted with ``sanctions_lift_hazard``; while sanctioned the
exemption is lapsed, a share ``revenue_blocked`` of export revenue is blocked, exports sell at an
extra discount and external borrowing is closed. Monthly probabilities are ``1 - exp(-h)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from melian.world.components.base import (
    ActorSpec,
    EventSpec,
    Finished,
    InputSpec,
    Kind,
    Params,
    SlabStates,
    StateSpec,
    labels,
    prob,
    uniforms,
)
from melian.world.spec import ParamSpec


class Sanctions(Kind):
    """Sanctions by a named actor (``imposer``) on a named flow, with an exemption that may lapse.

    Exposes whether sanctions are in force, whether the exemption has lapsed, the share of
    export revenue blocked, the extra export discount, the foreign-currency cost of the lapsed
    exemption and whether external borrowing is closed.
    """

    kind = "sanctions"
    title = "Sanctions and exemption"
    PARAMS = (
        ParamSpec(
            "waiver_months_remaining",
            "months",
            "months left on the exemption (waiver) in force at the as-of date",
            0,
            600,
        ),
        ParamSpec(
            "waiver_lapse_hazard",
            "per month",
            "hazard that the exemption is not renewed once the current one has run",
            0,
            1,
        ),
        ParamSpec(
            "waiver_restore_hazard", "per month", "hazard that a lapsed exemption is restored", 0, 1
        ),
        ParamSpec(
            "waiver_lapse_cost",
            "money bn/month",
            "foreign-currency cost of replacing the exempted flow (or of penalties) while the "
            "exemption is lapsed",
            0,
            None,
        ),
        ParamSpec(
            "sanctions_hazard",
            "per month",
            "hazard that the imposer sanctions the state, at as-of pressure",
            0,
            1,
        ),
        ParamSpec(
            "militia_elasticity",
            "elasticity",
            "elasticity of the sanctions hazard with respect to the pressure index read",
            0,
            10,
        ),
        ParamSpec("sanctions_lift_hazard", "per month", "hazard that sanctions are lifted", 0, 1),
        ParamSpec(
            "revenue_blocked",
            "fraction",
            "share of export revenue blocked (frozen accounts) under sanctions",
            0,
            1,
        ),
        ParamSpec(
            "extra_discount", "money/unit", "extra discount on exports sold under sanctions", 0, 100
        ),
    )
    INPUTS = (
        InputSpec(
            "pressure",
            ("pressure",),
            "the pressure index that raises the sanctions hazard",
            required=False,
        ),
    )
    ACTORS = (
        ActorSpec("imposer", "the actor imposing the sanctions"),
        ActorSpec("target", "the actor sanctioned (default: the focal actor)", required=False),
    )
    STATES = (
        StateSpec("active", "0/1", "sanctions are in force"),
        StateSpec("lapsed", "0/1", "the exemption has lapsed"),
        StateSpec("revenue_blocked", "fraction", "share of export revenue blocked"),
        StateSpec("price_discount", "money/unit", "extra discount on exports"),
        StateSpec("fx_cost", "money bn/month", "foreign-currency cost of the lapsed exemption"),
        StateSpec("external_closed", "0/1", "external borrowing is closed"),
    )
    EVENTS = (
        EventSpec("sanctions", labels("sanctions", "العقوبات"), "sanctions at least once"),
        EventSpec(
            "waiver_lapse",
            labels("the exemption lapsing", "انتهاء الإعفاء"),
            "the exemption lapses at least once",
        ),
    )

    def start(self, P: Params, n: int, rng: np.random.Generator, tile: int) -> dict[str, Any]:
        """Exemption in force, no sanctions; transition probabilities (float32)."""
        z = np.zeros(n, bool)
        return {
            "P": P,
            "s": z.copy(),
            "w": z.copy(),
            "ever_s": z.copy(),
            "ever_w": z.copy(),
            "lift": prob(P["sanctions_lift_hazard"]),
            "lapse": prob(P["waiver_lapse_hazard"]),
            "restore": prob(P["waiver_restore_hazard"]),
            "end": np.asarray(P["waiver_months_remaining"], dtype=float),
            "start": None,
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
        """Both two-state chains as ``x_t = start_t XOR (x_{t-1} AND (stay_t XOR start_t))``."""
        P = S["P"]
        n = S["s"].shape[0]
        if S["start"] is None:
            pr = inputs.get("pressure")
            h = P["sanctions_hazard"]
            if pr is not None:
                h = h * np.power(pr["pressure"], P["militia_elasticity"])
            S["start"] = prob(h)
        U = uniforms(rng, 2, k, n, tile)
        u_w, u_s = U[0], U[1]
        starts = u_s < S["start"]
        flip_s = u_s >= S["lift"]
        flip_s ^= starts
        after = np.arange(t0, t0 + k, dtype=float)[:, None] >= S["end"]
        lapses = u_w < S["lapse"]
        lapses &= after
        flip_w = u_w >= S["restore"]
        flip_w ^= lapses
        sanc = np.empty((k, n), bool)
        lapsed = np.empty((k, n), bool)
        s, w = S["s"], S["w"]
        for j in range(k):
            s = np.bitwise_xor(starts[j], s & flip_s[j], out=sanc[j])
            w = np.bitwise_xor(lapses[j], w & flip_w[j], out=lapsed[j])
            w |= s
        S["s"], S["w"] = s.copy(), w.copy()
        S["ever_s"] |= sanc.any(axis=0)
        S["ever_w"] |= lapsed.any(axis=0)
        any_s = bool(sanc.any())
        zero = np.zeros((1, n))
        return {
            "active": sanc,
            "lapsed": lapsed,
            "revenue_blocked": sanc * P["revenue_blocked"] if any_s else zero,
            "price_discount": sanc * P["extra_discount"] if any_s else zero,
            "fx_cost": lapsed * P["waiver_lapse_cost"],
            "external_closed": sanc,
        }

    def finish(self, S: dict[str, Any], rng: np.random.Generator, tile: int) -> Finished:
        """Whether sanctions came and the exemption lapsed on each path."""
        return Finished(
            events={"sanctions": S["ever_s"].copy(), "waiver_lapse": S["ever_w"].copy()}
        )
