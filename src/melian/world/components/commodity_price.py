"""Commodity price: a monthly price process calibrated on any monthly price file.

Model (:mod:`melian.world.oil`): four candidate models of the monthly log price (random walk,
AR(1)/Schwartz 1997, AR(1) with Merton 1976 jumps, two-regime Markov-switching AR(1)/Hamilton
1989), fitted on the ``calibration_years`` window ending at the as-of date and chosen by
out-of-sample fit; the simulation starts from the last observation in the filtered regime.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import numpy as np

from melian.errors import InputError, Problem
from melian.world import oil
from melian.world.components.base import (
    BandSpec,
    DatasetSpec,
    Finished,
    Kind,
    OutcomeSpec,
    Params,
    Setup,
    SlabStates,
    StateSpec,
    box_muller,
    labels,
    normals,
    uniforms,
)
from melian.world.results import HistSpec
from melian.world.spec import ParamSpec


def decade_scale(price: float) -> float:
    """A power of ten a tenth of the decade of ``price``: 1 for prices of 10 to 100, 100 for
    1,000 to 10,000 (1 for a price that is not positive and finite). The price's histograms span
    three decades from it, so that the last price sits a decade above their bottom and at least a
    decade below their top, whatever the commodity's unit.
    """
    if not (math.isfinite(price) and price > 0):
        return 1.0
    return float(10.0 ** (math.floor(math.log10(price)) - 1))


class CommodityPrice(Kind):
    """A commodity price (money per unit), calibrated on a monthly price file up to the as-of date.

    The log price follows the model chosen out of sample among a random walk, an AR(1), an
    AR(1) with jumps and a two-regime Markov-switching AR(1) (docs/models/world.md). Exposes the
    price each month; reports its average over the horizon and monthly bands.
    """

    kind = "commodity_price"
    title = "Commodity price"
    PARAMS = (
        ParamSpec(
            "calibration_years",
            "years",
            "length of the price history window, ending at the as-of date, on which the price "
            "model is fitted and chosen",
            3,
            60,
        ),
    )
    STATES = (
        StateSpec("price", "money/unit", "the commodity price this month"),
        StateSpec("log_price", "log money/unit", "its natural logarithm"),
    )
    DATASETS = (DatasetSpec("prices", "monthly prices, CSV 'Date,Price' (money per unit)"),)
    OUTCOMES = (
        OutcomeSpec(
            "price_mean",
            "money/unit",
            "higher_better",
            labels("average commodity price", "متوسط سعر السلعة"),
            "average commodity price over the horizon",
        ),
    )
    BANDS = (
        BandSpec("price", "money/unit", labels("commodity price", "سعر السلعة"), "price", log=True),
    )

    def __init__(self, cid: str, setup: Setup) -> None:
        """Calibrate the price model on the ``prices`` dataset (cached, see :mod:`oil`)."""
        super().__init__(cid, setup)
        as_of = setup.scenario.metadata.as_of
        years = setup.nominal["calibration_years"]
        msg = window_problem(Path(setup.datasets["prices"]), as_of, years, cid)
        if msg is not None:
            k = next(i for i, c in enumerate(setup.scenario.world.components) if c.id == cid)
            path = f"world.components[{k}].parameters.calibration_years"
            raise InputError([Problem(setup.scenario.id, None, None, path, msg)])
        self.cal = oil.calibrate(
            str(setup.datasets["prices"]),
            setup.scenario.metadata.as_of,
            setup.nominal["calibration_years"],
        )
        self.fixed_path: np.ndarray | None = None  # replay: a given monthly price path

    def calibration(self) -> dict[str, Any]:
        """The chosen price model and its fit."""
        return self.cal.to_dict()

    @property
    def last_date(self) -> Any:  # noqa: ANN401
        """Date of the last observation read (the simulation starts the month after)."""
        return self.cal.last_date

    def price_scale(self) -> float:
        """The scale of the price's bins: :func:`decade_scale` of the last observed price."""
        return decade_scale(self.cal.last_price)

    def hist(self, name: str) -> HistSpec:
        """Log-scale bins over three decades, from a tenth of the last price's decade: 1 to
        1,000 money units per unit for a last price of 10 to 100 (a barrel of oil), 100 to
        100,000 for one of 1,000 to 10,000 (an ounce of gold).
        """
        s = self.price_scale()
        return HistSpec(s, 1000.0 * s, 6000 if name == "price_mean" else 1500, log=True)

    def start(self, P: Params, n: int, rng: np.random.Generator, tile: int) -> dict[str, Any]:
        """Last observed log price; the regime drawn from its filtered probability."""
        om = self.cal.model
        m = n // tile
        regime = None
        if om.regimes:
            r = rng.random(m) >= self.cal.regime0_prob
            regime = np.tile(r, tile) if tile > 1 else r
        return {
            "x": np.full(n, math.log(self.cal.last_price)),
            "regime": regime,
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
        """``k`` months of the price model (:meth:`melian.world.oil.OilModel.advance`)."""
        n = S["x"].shape[0]
        om = self.cal.model
        if self.fixed_path is not None:
            price = np.repeat(np.asarray(self.fixed_path[t0 : t0 + k], float)[:, None], n, axis=1)
            X = np.log(price)
        else:
            z = normals(rng, k, n, tile)
            ur = uniforms(rng, 1, k, n, tile)[0] if om.regimes else None
            uj = zj = None
            if om.jumps:
                J = uniforms(rng, 3, k, n, tile)
                uj = J[0]
                zj = box_muller(J[1], J[2])[0]
            X, S["x"], S["regime"] = om.advance(S["x"], S["regime"], z, ur, uj, zj)
            price = np.exp(X)
        S["sum"] += price.sum(axis=0)
        return {"price": price, "log_price": X}

    def finish(self, S: dict[str, Any], rng: np.random.Generator, tile: int) -> Finished:
        """Average price over the horizon."""
        return Finished({"price_mean": S["sum"] / self.horizon})


def _months_before(d: dt.date, months: int) -> dt.date:
    m = d.year * 12 + d.month - 1 - months
    return dt.date(m // 12, m % 12 + 1, 1)


def window_problem(path: Path, as_of: dt.date, years: float, cid: str) -> str | None:
    """
    What is wrong with a calibration window that the price file cannot fill (None: it fits).

    The model is fitted on the ``round(12 * years)`` months ending at ``as_of`` (at least 36)
    and chosen out of sample at origins every ``step`` months back from 12 months before the
    end (:func:`melian.world.oil.select_model`): the five earliest origins need ``window + 12 +
    4 step`` monthly prices up to ``as_of``. The message says which parameter to change and to
    what (or that the file or the as-of date must change when no window fits).
    """
    full = oil.load_monthly(path)  # every row: the coverage the message reports
    upto = [d for d in full.dates if d <= as_of]
    window = int(round(years * 12))
    extra = 12 + 4 * int(oil.SELECTION_SETTINGS["step"])
    have = len(upto)
    if window + extra <= have:
        return None
    cover = f"{full.dates[0]:%Y-%m} to {full.dates[-1]:%Y-%m}"
    span = f"the file {path.name} covers {cover} ({have} months up to {as_of})"
    need = _months_before(as_of, window + extra - 1)
    head = (
        f"{cid}.calibration_years: {years:g} years before {as_of}, with the {extra} months the "
        f"out-of-sample model choice needs before them, need monthly prices from {need:%Y-%m} on; "
    )
    best = have - extra
    if best >= 36:
        return head + f"{span}; set calibration_years to {best // 12} (at most {best / 12:.2f})"
    first_ok = _months_before(as_of, 36 + extra - 1)
    return head + (
        f"{span}; no window fits: the price model needs at least {36 + extra} monthly prices up "
        f"to the as-of date, so give a file that starts by {first_ok:%Y-%m} (or a later "
        "metadata.as_of)"
    )
