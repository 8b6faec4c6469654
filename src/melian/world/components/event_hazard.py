"""A generic event: any named event whose monthly hazard is log-linear in declared drivers.

``log h_t = log h_0 + lever + sum_i b_i x_i,t`` where ``h_0`` is ``base_hazard``, ``lever`` a log
hazard ratio options set through their effects (an option lever), and ``x_i,t`` the states of
other components bound to the inputs ``driver1`` .. ``driver3`` as ``component.state`` with
effects ``effect1`` .. ``effect3``. The event happens in a month with probability
``1 - exp(-h_t)``; once it has happened it stays ``active`` for ``duration`` months (0: for good)
and may happen again when ``repeat`` is 1. Rename the event with ``names: {event: ...}``.

An event is one to avoid unless the component is declared ``desirable: true`` (an investment
agreement signed, reinforcements arriving): then its probability and its months (``event``,
``event_months``) are benefits, higher is better, in the world's declarations and everything that
reads them (exploration, the brief). The simulation is the same either way.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from melian.world.components.base import (
    EventSpec,
    Finished,
    InputSpec,
    Kind,
    OutcomeSpec,
    Params,
    SlabStates,
    StateSpec,
    full,
    labels,
    uniforms,
)
from melian.world.results import HistSpec
from melian.world.spec import ParamSpec

#: Number of driver inputs an event may declare.
DRIVERS = 3


def driver_params(
    unit: str = "log hazard ratio per unit", what: str = "the log hazard"
) -> tuple[ParamSpec, ...]:
    """The optional parameters ``effect1`` .. ``effect3`` of a quantity log-linear in drivers.

    Kinds whose hazard or rate is log-linear in other components' states (the event hazard, a
    supply cut, proxy attacks, a patron's abandonment) declare these with :data:`DRIVER_INPUTS`
    and add the drivers with :func:`add_drivers`.
    """
    return tuple(
        ParamSpec(
            f"effect{i}",
            unit,
            f"effect on {what} of one unit of driver {i}",
            -100,
            100,
            0.0,
        )
        for i in range(1, DRIVERS + 1)
    )


#: The optional inputs ``driver1`` .. ``driver3``: any state, bound as ``component.state``.
DRIVER_INPUTS = tuple(
    InputSpec(
        f"driver{i}", ("*",), f"driver {i}: a state, bound as component.state", required=False
    )
    for i in range(1, DRIVERS + 1)
)


def param_or_default(K: type[Kind], P: Params, name: str, n: int) -> np.ndarray:
    """Parameter ``name`` of kind ``K`` per path: its drawn values, or its default if undeclared."""
    d = K.param(name).default
    return full(P[name] if name in P else float(d), n)  # type: ignore[arg-type]


def driver_effects(K: type[Kind], P: Params, n: int) -> list[np.ndarray]:
    """The per-path effects ``b_1 .. b_3`` of the drivers (0 where undeclared)."""
    return [param_or_default(K, P, f"effect{i}", n) for i in range(1, DRIVERS + 1)]


def add_drivers(out: np.ndarray, b: list[np.ndarray], inputs: dict[str, Any]) -> np.ndarray:
    """``out += sum_i b_i x_i,t`` in place over a slab, for the bound drivers ``x_i`` (k, n)."""
    for i in range(1, DRIVERS + 1):
        x = inputs.get(f"driver{i}")
        if x is not None:
            out += b[i - 1] * np.asarray(x["value"], dtype=float)
    return out


def monthly_hazard(
    S: dict[str, Any], k: int, n: int, inputs: dict[str, Any]
) -> tuple[np.ndarray, np.ndarray]:
    """Hazard ``h`` and probability ``1 - exp(-h)`` (each (k, n)) that the event happens in each
    month of a slab: the log hazard ``S["logh"]`` shifted by the bound drivers
    (:func:`add_drivers`, weights ``S["b"]``).
    """
    logh = add_drivers(np.broadcast_to(S["logh"], (k, n)).copy(), S["b"], inputs)
    with np.errstate(over="ignore"):
        h = np.exp(logh)
    return h, -np.expm1(-h)


class EventHazard(Kind):
    """A named event with a monthly hazard log-linear in option levers and other states (an
    event to avoid, or a wanted one when the component is declared ``desirable``).
    """

    kind = "event_hazard"
    title = "Event with a log-linear hazard"
    PARAMS = (
        ParamSpec("base_hazard", "per month", "hazard when every driver is 0 and no lever", 0, 10),
        ParamSpec(
            "lever", "log hazard ratio", "shift of the log hazard (set by options)", -20, 20, 0.0
        ),
        ParamSpec(
            "duration",
            "months",
            "months the event stays active once it happens (0 = for good)",
            0,
            600,
            0.0,
        ),
        ParamSpec("repeat", "0/1", "1: the event may happen again after it ends", 0, 1, 0.0),
        *driver_params(),
    )
    INPUTS = DRIVER_INPUTS
    DESIRABLE = ("event", "event_months")
    EVENT_IS_COMPONENT = True
    STATES = (
        StateSpec("active", "0/1", "the event is active this month"),
        StateSpec("occurred", "0/1", "the event has happened by this month"),
        StateSpec("hazard", "per month", "the monthly hazard"),
    )
    EVENTS = (EventSpec("event", labels("the event", "الحدث"), "the event happens at least once"),)
    OUTCOMES = (
        OutcomeSpec(
            "event_months",
            "months",
            "higher_worse",
            labels("months with the event active", "أشهر نشاط الحدث"),
            "months in which the event is active",
        ),
    )

    def hist(self, name: str) -> HistSpec:
        """One bin per month."""
        return HistSpec(-0.5, self.horizon + 0.5, self.horizon + 1)

    def start(self, P: Params, n: int, rng: np.random.Generator, tile: int) -> dict[str, Any]:
        """Nothing has happened."""

        def g(name: str) -> np.ndarray:
            return param_or_default(EventHazard, P, name, n)

        return {
            "logh": np.log(np.maximum(full(P["base_hazard"], n), 1e-300)) + g("lever"),
            "b": driver_effects(EventHazard, P, n),
            "dur": g("duration"),
            "repeat": g("repeat") > 0.5,
            "left": np.zeros(n),
            "ever": np.zeros(n, bool),
            "months": np.zeros(n),
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
        """Hazard for the slab; occurrence month by month."""
        n = S["left"].shape[0]
        u = uniforms(rng, 1, k, n, tile)[0]
        h, p = monthly_hazard(S, k, n, inputs)
        active = np.empty((k, n), bool)
        occurred = np.empty((k, n), bool)
        for j in range(k):
            can = (S["left"] <= 0) & (~S["ever"] | S["repeat"])
            hit = can & (u[j] < p[j])
            S["ever"] |= hit
            S["left"] = np.where(hit, np.where(S["dur"] > 0, S["dur"], np.inf), S["left"])
            active[j] = S["left"] > 0
            S["left"] = S["left"] - active[j]
            occurred[j] = S["ever"]
        S["months"] += active.sum(axis=0)
        return {"active": active, "occurred": occurred, "hazard": h}

    def finish(self, S: dict[str, Any], rng: np.random.Generator, tile: int) -> Finished:
        """Whether the event happened, and for how many months it was active."""
        return Finished({"event_months": S["months"].copy()}, {"event": S["ever"].copy()})
