"""The patron's presence: a declared drawdown whatever the state chooses, and abandonment.

The presence index (1 = the patron's forces and commitment at the as-of date) follows the
patron's declared trend ``plan_t = max(f, 1 - g (t + 1) / 12)`` (``g`` the ``drawdown_rate`` per
year, ``f`` the ``floor`` at which the drawdown stops); options change ``g`` and ``f`` through
their effects. The patron abandons the state (or is made to leave) in month ``t`` with
probability ``1 - exp(-h_t)``, ``log h_t = log h_0 + lever + sum_i b_i x_i,t`` (``h_0`` the
``abandon_hazard``, the drivers being states of other components bound to ``driver1`` ..
``driver3``: the machinery of :mod:`.event_hazard`). From the month ``tau`` of abandonment the
presence moves linearly to ``min(a, plan_t)`` (``a`` the ``abandoned_level``) over
``exit_months``: ``presence_t = plan_t + (min(a, plan_t) - plan_t) clip((t - tau + 1) / E, 0,
1)``. Abandonment happens once. An armed threat reads the presence as the partner's support.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from melian.world.components.base import (
    ActorSpec,
    BandSpec,
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


class PatronDrawdown(Kind):
    """The patron's presence and commitment: a declared drawdown trend and an abandonment hazard.

    The trend runs whatever the state chooses (options may slow or hasten it through their
    effects); abandonment, an event whose hazard is log-linear in an option lever and in other
    components' states, takes the presence down to a low level.
    """

    kind = "patron_drawdown"
    title = "Patron drawdown and abandonment"
    PARAMS = (
        ParamSpec(
            "drawdown_rate",
            "fraction/year",
            "decline of the presence per year, as a share of the as-of presence (declared trend)",
            0,
            12,
        ),
        ParamSpec(
            "floor",
            "index (1 = as-of)",
            "presence at which the declared drawdown stops",
            0,
            1,
        ),
        ParamSpec(
            "abandon_hazard",
            "per month",
            "hazard that the patron abandons the state, at the as-of posture (lever 0, drivers 0)",
            0,
            10,
        ),
        ParamSpec(
            "lever",
            "log hazard ratio",
            "shift of the log abandonment hazard (set by options)",
            -20,
            20,
            0.0,
        ),
        *driver_params(what="the log abandonment hazard"),
        ParamSpec(
            "exit_months",
            "months",
            "months over which the presence falls to the abandoned level (0 = at once)",
            0,
            600,
            6.0,
        ),
        ParamSpec(
            "abandoned_level",
            "index (1 = as-of)",
            "presence once the patron has abandoned the state",
            0,
            1,
            0.0,
        ),
    )
    INPUTS = DRIVER_INPUTS
    ACTORS = (ActorSpec("patron", "the patron whose presence declines"),)
    STATES = (
        StateSpec("presence", "index (1 = as-of)", "the patron's presence and commitment"),
        StateSpec("support", "index (1 = as-of)", "the same, read as the partner's support"),
        StateSpec("abandoned", "0/1", "the patron has abandoned the state by this month"),
        StateSpec("hazard", "per month", "the monthly abandonment hazard"),
    )
    EVENTS = (
        EventSpec(
            "abandonment",
            labels("the patron abandons the state", "تخلّي الحليف عن الدولة"),
            "the patron abandons the state (or is made to leave) over the horizon",
        ),
    )
    OUTCOMES = (
        OutcomeSpec(
            "presence_mean",
            "index (1 = as-of)",
            "higher_better",
            labels("the patron's average presence", "متوسط حضور الحليف"),
            "the patron's presence averaged over the months of the horizon",
        ),
        OutcomeSpec(
            "presence_end",
            "index (1 = as-of)",
            "higher_better",
            labels("the patron's presence at the horizon", "حضور الحليف في نهاية الأفق"),
            "the patron's presence in the last month of the horizon",
        ),
    )
    BANDS = (
        BandSpec(
            "presence",
            "index (1 = as-of)",
            labels("the patron's presence", "حضور الحليف"),
            "the patron's presence (1 = as at the as-of date)",
        ),
    )

    def hist(self, name: str) -> HistSpec:
        """Index bins on [0, 1]."""
        return HistSpec(0.0, 1.0 + 1e-9, 1000)

    def start(self, P: Params, n: int, rng: np.random.Generator, tile: int) -> dict[str, Any]:
        """Full as-of presence; not abandoned."""

        def g(name: str) -> np.ndarray:
            return param_or_default(PatronDrawdown, P, name, n)

        return {
            "logh": np.log(np.maximum(g("abandon_hazard"), 1e-300)) + g("lever"),
            "b": driver_effects(PatronDrawdown, P, n),
            "rate": g("drawdown_rate"),
            "floor": g("floor"),
            "exit": g("exit_months"),
            "level": g("abandoned_level"),
            "tau": np.full(n, np.inf),
            "sum": np.zeros(n),
            "last": np.ones(n),
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
        """Abandonment month by month; the presence of the slab."""
        n = S["tau"].shape[0]
        u = uniforms(rng, 1, k, n, tile)[0]
        h, p = monthly_hazard(S, k, n, inputs)
        tt = np.arange(t0, t0 + k, dtype=float)[:, None]
        for j in range(k):
            hit = np.isinf(S["tau"]) & (u[j] < p[j])
            S["tau"] = np.where(hit, t0 + j, S["tau"])
        plan = np.maximum(S["floor"], 1.0 - S["rate"] * (tt + 1.0) / 12.0)
        since = tt - S["tau"] + 1.0  # -inf before abandonment
        gone = np.clip(since / np.maximum(S["exit"], 1e-9), 0.0, 1.0)
        presence = plan + (np.minimum(S["level"], plan) - plan) * gone
        S["sum"] += presence.sum(axis=0)
        S["last"] = presence[-1].copy()
        return {
            "presence": presence,
            "support": presence,
            "abandoned": np.isfinite(S["tau"]) & (S["tau"] <= tt),
            "hazard": h,
        }

    def finish(self, S: dict[str, Any], rng: np.random.Generator, tile: int) -> Finished:
        """Average and final presence; whether the patron abandoned the state."""
        return Finished(
            {"presence_mean": S["sum"] / float(self.horizon), "presence_end": S["last"].copy()},
            {"abandonment": np.isfinite(S["tau"])},
        )
