"""Commodity exports: a volume path under a production quota, valued at the realised price.

``volume_t = (q + (u - q) clip((t + 1 - Q) / R, 0, 1)) (1 - sum_d loss_d,t)`` million units per
day (``q`` quota volume for ``Q`` months, ramping over ``R`` months to the unconstrained volume
``u``; ``loss`` the export losses of the disruptions read), valued at ``max(price - discount -
sanction discounts, 0)``; ``value_t = volume_t * DAYS * unit price / 1000`` money bn per month.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from melian.world.components.base import (
    InputSpec,
    Kind,
    Params,
    SlabStates,
    StateSpec,
    full,
)
from melian.world.spec import ParamSpec

#: Days per month (365.25 / 12): converts million units per day into units per month.
DAYS = 30.4375


class CommodityExports(Kind):
    """The state's exports of a commodity: volume (quota, ramp, disruption losses) x realised price.

    Reads the commodity price (``price``), the export losses of any disruption (``disruptions``:
    state ``export_loss``, a fraction) and the price discounts of any sanctions on the flow
    (``sanctions``: state ``price_discount``). Exposes the volume, the value per million units a
    day and the gross export value per month.
    """

    kind = "commodity_exports"
    title = "Commodity exports"
    PARAMS = (
        ParamSpec(
            "realised_discount",
            "money/unit",
            "discount of the state's realised export price to the price series",
            0,
            100,
        ),
        ParamSpec(
            "quota_volume",
            "million units/day",
            "export volume while a production quota binds",
            0,
            50,
        ),
        ParamSpec(
            "quota_months",
            "months",
            "months from the start of the simulation during which the quota volume applies",
            0,
            600,
        ),
        ParamSpec(
            "recovery_months",
            "months",
            "months over which exports ramp linearly from the quota volume to the unconstrained "
            "volume",
            0,
            600,
        ),
        ParamSpec(
            "unconstrained_volume", "million units/day", "export volume without a quota", 0, 50
        ),
    )
    INPUTS = (
        InputSpec("price", ("price",), "the commodity price"),
        InputSpec(
            "disruptions",
            ("export_loss",),
            "components whose crises cut exports (share lost)",
            many=True,
            required=False,
        ),
        InputSpec(
            "sanctions",
            ("price_discount",),
            "sanctions that force a discount on the exports",
            many=True,
            required=False,
        ),
    )
    STATES = (
        StateSpec("base_volume", "million units/day", "export volume before disruptions"),
        StateSpec("volume", "million units/day", "export volume after disruptions"),
        StateSpec(
            "unit_value",
            "money bn/month per million units/day",
            "value of one million units a day for a month at the realised price",
        ),
        StateSpec("value", "money bn/month", "gross export value"),
        StateSpec("discount", "money/unit", "the realised discount (per path)"),
    )

    def start(self, P: Params, n: int, rng: np.random.Generator, tile: int) -> dict[str, Any]:
        """Per-path constants."""
        q = full(P["quota_volume"], n)
        return {
            "q": q,
            "dq": full(P["unconstrained_volume"], n) - q,
            "qm": np.asarray(P["quota_months"], float),
            "rm": np.maximum(np.asarray(P["recovery_months"], float), 1e-9),
            "discount": full(P["realised_discount"], n),
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
        """Volumes and values of months ``t0 .. t0 + k - 1``."""
        price = inputs["price"]["price"]
        tt = np.arange(t0, t0 + k, dtype=float)[:, None]
        f = (tt + 1.0 - S["qm"]) / S["rm"]
        f = np.minimum(np.maximum(f, 0.0), 1.0)
        base = np.empty(price.shape)
        np.multiply(f, S["dq"], out=base)
        base += S["q"]
        vol = base
        losses = [d["export_loss"] for d in inputs.get("disruptions", [])]
        if any(np.any(x) for x in losses):
            vol = base.copy()
            for x in losses:
                vol *= 1.0 - x
        per = price - S["discount"]
        for s in inputs.get("sanctions", []):
            if np.any(s["price_discount"]):
                per -= s["price_discount"]
        np.maximum(per, np.broadcast_to(S["zero"], per.shape), out=per)
        per *= DAYS / 1000.0
        return {
            "base_volume": base,
            "volume": vol,
            "unit_value": per,
            "value": vol * per,
            "discount": S["discount"],
        }
