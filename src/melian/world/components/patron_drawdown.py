"""The patron's presence: a declared drawdown or build-up whatever the state does, and abandonment.

The presence index (1 = the patron's forces and commitment at the as-of date) follows the
patron's declared trend from 1 toward the level ``f`` (``floor``) at ``g`` (``drawdown_rate``, a
share of the as-of presence per year), after a notice period of ``d`` months (``start_months``,
default 0). With ``s_t = max(t + 1 - d, 0)`` the months of the trend by month ``t``:

- a drawdown (``f <= 1``): ``plan_t = max(f, 1 - g s_t / 12)``;
- a build-up (``f > 1``): ``plan_t = min(f, 1 + g s_t / 12)``.

So the presence stays at 1 for the first ``d`` months and then follows the undelayed path shifted
by ``d``; with ``d = 0`` the trend starts in the first month (the model before the notice
period, bit for bit). Options change ``g``, ``f`` and ``d`` through their effects. The patron
abandons the state (or is made to leave) in month ``t`` with
probability ``1 - exp(-h_t)``, ``log h_t = log h_0 + lever + sum_i b_i x_i,t`` (``h_0`` the
``abandon_hazard``, the drivers being states of other components bound to ``driver1`` ..
``driver3``: the machinery of :mod:`.event_hazard`). From the month ``tau`` of abandonment the
presence moves linearly to ``min(a, plan_t)`` (``a`` the ``abandoned_level``) over
``exit_months``: ``presence_t = plan_t + (min(a, plan_t) - plan_t) clip((t - tau + 1) / E, 0,
1)``. Abandonment happens once. An armed threat reads the presence as the partner's support
(capped there by its own declared transition, so a build-up above 1 does not raise it).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from melian.scenario.schema import support_bounds
from melian.world.components.base import (
    ActorSpec,
    BandSpec,
    EventSpec,
    Finished,
    Kind,
    OutcomeSpec,
    Params,
    Setup,
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

#: Upper end of the declared level ``floor`` (index, 1 = as-of): a build-up to 100 times the
#: as-of presence at most (a larger value is likely a count written for an index).
MAX_LEVEL = 100.0
#: Bins of the presence per unit of the index (1,000 on [0, 1], as before build-ups).
BINS_PER_UNIT = 1000


class PatronDrawdown(Kind):
    """The patron's presence and commitment: a declared trend (a drawdown, or a build-up when
    the declared level is above the as-of presence, after an optional notice period) and an
    abandonment hazard.

    The trend runs whatever the state chooses (options may slow, hasten or delay it through their
    effects); abandonment, an event whose hazard is log-linear in an option lever and in other
    components' states, takes the presence down to a low level.
    """

    kind = "patron_drawdown"
    title = "Patron drawdown and abandonment"
    PARAMS = (
        ParamSpec(
            "drawdown_rate",
            "fraction/year",
            "change of the presence per year toward floor, as a share of the as-of presence "
            "(declared trend: a decline, or a rise when floor is above 1)",
            0,
            12,
        ),
        ParamSpec(
            "floor",
            "index (1 = as-of)",
            "presence at which the declared trend stops: below 1 a drawdown to this level, "
            "above 1 a build-up to it",
            0,
            MAX_LEVEL,
        ),
        ParamSpec(
            "start_months",
            "months",
            "notice period: months before the declared trend begins (the presence stays at "
            "the as-of level until then)",
            0,
            600,
            0.0,
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
    ACTORS = (ActorSpec("patron", "the patron whose presence declines or grows"),)
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

    def __init__(self, cid: str, setup: Setup) -> None:
        """Bins up to the highest level the declared trend can reach under any option."""
        super().__init__(cid, setup)
        self.top = _highest_level(cid, setup)

    def hist(self, name: str) -> HistSpec:
        """Index bins on [0, 1] (1,000 bins), or on [0, top] for a build-up to ``top``."""
        if self.top <= 1.0:
            return HistSpec(0.0, 1.0 + 1e-9, BINS_PER_UNIT)
        return HistSpec(0.0, self.top + 1e-9, math.ceil(BINS_PER_UNIT * self.top))

    def start(self, P: Params, n: int, rng: np.random.Generator, tile: int) -> dict[str, Any]:
        """Full as-of presence; not abandoned."""

        def g(name: str) -> np.ndarray:
            return param_or_default(PatronDrawdown, P, name, n)

        return {
            "logh": np.log(np.maximum(g("abandon_hazard"), 1e-300)) + g("lever"),
            "b": driver_effects(PatronDrawdown, P, n),
            "rate": g("drawdown_rate"),
            "floor": g("floor"),
            "delay": g("start_months"),
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
        plan = _plan(S["rate"], S["floor"], S["delay"], tt)
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


def _plan(rate: np.ndarray, level: np.ndarray, delay: np.ndarray, tt: np.ndarray) -> np.ndarray:
    """The declared trend in months ``tt`` (a column): from 1 toward ``level`` at ``rate`` a year
    after ``delay`` months (see the module docstring), ``(len(tt), paths)``.

    Without a delay and without a build-up the operations are those of the model before either
    (``max(level, 1 - rate (t + 1) / 12)``), so its numbers are unchanged bit for bit.
    """
    s = tt + 1.0
    if np.any(delay > 0.0):
        s = np.maximum(s - delay, 0.0)
    step = rate * s / 12.0
    plan = np.maximum(level, 1.0 - step)
    up = level > 1.0
    if np.any(up):
        plan = np.where(up, np.minimum(level, 1.0 + step), plan)
    return plan


def _highest_level(cid: str, setup: Setup) -> float:
    """The highest presence the component can reach: 1, or the largest ``floor`` a path can draw
    under any option of the scenario (its nominal value when there is no scenario).
    """
    top = max(1.0, setup.nominal.get("floor", 1.0))
    scenario = setup.scenario
    if scenario is None:
        return top
    for option in scenario.option_ids:
        d = scenario.parameters_for(option).get(f"{cid}.floor")
        if d is not None:
            hi = support_bounds(d)[2]
            if math.isfinite(hi):
                top = max(top, min(hi, MAX_LEVEL))
    return top
