"""Armed threat: attacks calibrated on an event-count file, territorial crises, proxy attacks.

Attacks are a doubly stochastic Poisson process with monthly intensity
``lambda_t = lambda_0 exp(z_t + b_c (1 - c_t)) k^(-b_k)``: ``lambda_0`` the rate at the as-of
date from a Poisson regression with a log-linear trend on the event-count file (not
extrapolated), ``z_t`` an AR(1) log deviation, ``c_t`` the support of the partner's forces (1 at
the as-of date, linear to ``coalition_support`` over ``withdrawal_months``), ``k`` the state's
force capacity. A crisis (loss of territory) starts with monthly probability ``1 - exp(-h_t)``,
``h_t = h_0 (lambda_t / lambda_0)^e exp(b_h (1 - c_t))``, lasts ``crisis_duration`` months, and
while it lasts cuts exports by ``crisis_export_loss`` and costs ``crisis_cost`` a month. Attacks
of proxies on the partner's forces have intensity ``militia_attack_rate * militia_pressure``.
With the optional input ``support`` bound (a patron's presence, :mod:`.patron_drawdown`),
``c_t`` is the lesser of the declared transition and that presence.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np

from melian.errors import InputError, Problem
from melian.world import security
from melian.world.components.base import (
    BandSpec,
    DatasetSpec,
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
    normals,
    poisson_inverse,
    ramp,
    uniforms,
)
from melian.world.results import HistSpec
from melian.world.spec import ParamSpec


class ArmedThreat(Kind):
    """An armed group's attacks on the state, the crises they can bring, and proxy attacks.

    Calibrated on an event-count file (``events``: CSV 'start,end,attacks'); exposes the attack
    intensity, the partner's support, the crisis indicator with its export loss and extra cost,
    and the proxy pressure index (sanctions may read it).
    """

    kind = "armed_threat"
    title = "Armed threat"
    PARAMS = (
        ParamSpec(
            "attack_volatility",
            "log points/month",
            "standard deviation of the monthly innovation of the log attack intensity",
            0,
            5,
        ),
        ParamSpec(
            "attack_persistence",
            "AR(1) coefficient",
            "monthly persistence of the deviation of the log attack intensity",
            0,
            0.999,
        ),
        ParamSpec(
            "coalition_support",
            "index 0-1",
            "support of the international coalition "
            "reached after the transition (1 = as at the as-of date, 0 = none)",
            0,
            1,
        ),
        ParamSpec(
            "withdrawal_months",
            "months",
            "months over which coalition support moves to its new level",
            0,
            600,
        ),
        ParamSpec(
            "coalition_attack_effect",
            "log ratio",
            "increase of the log attack intensity when coalition support goes from 1 to 0",
            -5,
            5,
        ),
        ParamSpec(
            "force_capacity",
            "index (1 = as-of)",
            "capacity of the state's own forces relative to the as-of date",
            0.05,
            20,
        ),
        ParamSpec(
            "capacity_attack_effect",
            "elasticity",
            "elasticity of attack intensity with respect to force capacity (intensity ~ capacity^-e)",
            0,
            10,
        ),
        ParamSpec(
            "crisis_hazard",
            "per month",
            "hazard of a territorial crisis at as-of conditions",
            0,
            1,
        ),
        ParamSpec(
            "attack_crisis_elasticity",
            "elasticity",
            "elasticity of the crisis hazard with respect to attack intensity",
            0,
            10,
        ),
        ParamSpec(
            "coalition_crisis_effect",
            "log hazard ratio",
            "increase of the log crisis hazard when coalition support goes from 1 to 0",
            -5,
            10,
        ),
        ParamSpec("crisis_duration", "months", "length of a territorial crisis", 1, 240),
        ParamSpec(
            "crisis_export_loss",
            "fraction",
            "share of crude exports lost during a crisis",
            0,
            1,
        ),
        ParamSpec(
            "crisis_cost", "money bn/month", "extra public spending during a crisis", 0, None
        ),
        ParamSpec(
            "militia_pressure",
            "index (1 = as-of)",
            "pressure of militias aligned with the regional rival on the patron's presence",
            0,
            20,
        ),
        ParamSpec(
            "militia_attack_rate",
            "attacks/month",
            "militia attacks on the patron's forces and facilities at as-of pressure",
            0,
            None,
        ),
    )
    INPUTS = (
        InputSpec(
            "support",
            ("support",),
            "the partner's presence (1 = as of); the support is the lesser of the declared "
            "transition and this",
            required=False,
        ),
    )
    DATASETS = (DatasetSpec("events", "event (attack) counts per period, CSV 'start,end,attacks'"),)
    STATES = (
        StateSpec("attack_intensity", "attacks/month", "expected attacks this month"),
        StateSpec("support", "index 0-1", "support of the partner's forces (1 = as of)"),
        StateSpec("crisis", "0/1", "a crisis is under way"),
        StateSpec("export_loss", "fraction", "share of exports lost to the crisis"),
        StateSpec("extra_cost", "money bn/month", "extra public spending on the crisis"),
        StateSpec("pressure", "index (1 = as of)", "proxy pressure on the partner's presence"),
    )
    EVENTS = (
        EventSpec(
            "security_crisis",
            labels("a security crisis (loss of territory)", "أزمة أمنية (فقدان أراضٍ)"),
            "a crisis starts at least once over the horizon",
        ),
    )
    OUTCOMES = (
        OutcomeSpec(
            "attacks_total",
            "attacks",
            "higher_worse",
            labels("attacks over the horizon", "الهجمات خلال الأفق"),
            "attacks over the horizon",
        ),
        OutcomeSpec(
            "militia_attacks_total",
            "attacks",
            "higher_worse",
            labels("proxy attacks on the partner", "هجمات الوكلاء على الشريك"),
            "proxy attacks on the partner's forces over the horizon",
        ),
    )
    BANDS = (
        BandSpec(
            "attack_intensity",
            "attacks/month",
            labels("expected attacks per month", "الهجمات المتوقعة شهرياً"),
            "expected attacks per month",
        ),
    )

    def __init__(self, cid: str, setup: Setup) -> None:
        """Calibrate the as-of attack rate on the ``events`` dataset."""
        super().__init__(cid, setup)
        as_of: dt.date = setup.scenario.metadata.as_of
        msg = as_of_problem(setup.datasets["events"], as_of, cid)
        if msg is not None:
            raise InputError([Problem(setup.scenario.id, None, None, "metadata.as_of", msg)])
        self.cal = security.calibrate_attacks(setup.datasets["events"], as_of)

    def calibration(self) -> dict[str, Any]:
        """The Poisson trend fit."""
        return self.cal.to_dict()

    def hist(self, name: str) -> HistSpec:
        """Bins scaled on the calibrated rate (and the proxy rate)."""
        H = self.horizon
        if name == "attacks_total":
            return HistSpec(0.0, self.cal.rate * H * 30.0, 8000)
        if name == "militia_attacks_total":
            return HistSpec(0.0, max(self.nominal["militia_attack_rate"], 1.0) * H * 40.0, 8000)
        return HistSpec(0.0, self.cal.rate * 30.0, 1500)

    def start(self, P: Params, n: int, rng: np.random.Generator, tile: int) -> dict[str, Any]:
        """Initial rate (calibration uncertainty drawn per path), no crisis."""
        m = n // tile
        e = rng.standard_normal(m)
        lam0 = self.cal.rate * np.exp(self.cal.se_log_rate * (np.tile(e, tile) if tile > 1 else e))
        el = P["attack_crisis_elasticity"]
        return {
            "P": P,
            "lam0": lam0,
            "z": np.zeros(n),
            "left": np.zeros(n, np.int16),
            "ever": np.zeros(n, bool),
            "sum": np.zeros(n),
            "vol": np.asarray(P["attack_volatility"], dtype=float),
            "cap": -P["capacity_attack_effect"] * np.log(P["force_capacity"]),
            "e": None if (isinstance(el, float) and el == 1.0) else el,
            "logh0": np.log(np.maximum(P["crisis_hazard"], 1e-300)),
            "dur": full(P["crisis_duration"], n).astype(np.int16),
            "loss": P["crisis_export_loss"],
            "cost": P["crisis_cost"],
            "pressure": full(P["militia_pressure"], n),
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
        """Intensity, crisis hazard and crisis clock of months ``t0 .. t0 + k - 1``."""
        P = S["P"]
        n = S["z"].shape[0]
        eps = normals(rng, k, n, tile)
        u = uniforms(rng, 1, k, n, tile)[0]
        tt = np.arange(t0, t0 + k, dtype=float)[:, None]
        c = 1.0 + (P["coalition_support"] - 1.0) * ramp(tt, P["withdrawal_months"])
        if "support" in inputs:  # the partner's own presence caps the support
            c = np.minimum(c, inputs["support"]["support"])
        rho = P["attack_persistence"]
        Z = np.multiply(eps, S["vol"], dtype=float)
        z = S["z"]
        for j in range(k):  # AR(1) deviation of the log intensity
            z = Z[j] + rho * z
            Z[j] = z
        S["z"] = z.copy()
        Z += P["coalition_attack_effect"] * (1.0 - c) + S["cap"]  # log relative intensity
        lam = np.exp(Z)
        lam *= S["lam0"]
        logh = Z if S["e"] is None else Z * S["e"]
        logh = logh + (S["logh0"] + P["coalition_crisis_effect"] * (1.0 - c))
        with np.errstate(over="ignore"):  # h = inf means certain start
            h = np.exp(logh).astype(np.float32)
        cand = u < -np.expm1(-h, out=h)
        dur = S["dur"]
        left = S["left"]
        active = np.empty((k, n), bool)
        st = np.empty(n, bool)
        add = np.empty(n, np.int16)
        for j in range(k):
            np.equal(left, 0, out=st)
            st &= cand[j]
            S["ever"] |= st
            np.multiply(st, dur, out=add)
            left += add
            np.greater(left, 0, out=active[j])
            left -= active[j]
        S["sum"] += lam.sum(axis=0)
        any_c = bool(active.any())
        return {
            "attack_intensity": lam,
            "support": np.broadcast_to(c, (k, n)) if np.ndim(c) < 2 else c,
            "crisis": active,
            "export_loss": active * S["loss"] if any_c else np.zeros((1, n)),
            "extra_cost": active * S["cost"] if any_c else np.zeros((1, n)),
            "pressure": S["pressure"],
        }

    def finish(self, S: dict[str, Any], rng: np.random.Generator, tile: int) -> Finished:
        """Attack counts, Poisson given each path's summed intensity, by inverse CDF from one
        uniform per path (so common random numbers hold across tiled samples).
        """
        m = S["z"].shape[0] // tile

        def rep(a: np.ndarray) -> np.ndarray:
            return np.tile(a, tile) if tile > 1 else a

        P = S["P"]
        u_att = rep(rng.random(m))
        u_mil = rep(rng.random(m))
        n = S["z"].shape[0]
        mil = np.broadcast_to(
            np.asarray(
                P["militia_attack_rate"] * P["militia_pressure"] * float(self.horizon), float
            ),
            (n,),
        )
        return Finished(
            {
                "attacks_total": poisson_inverse(u_att, S["sum"]),
                "militia_attacks_total": poisson_inverse(u_mil, mil),
            },
            {"security_crisis": S["ever"].copy()},
        )


def as_of_problem(path: Path, as_of: dt.date, cid: str) -> str | None:
    """
    What is wrong when the event-count file has too few periods before ``as_of`` (None: fine).

    The attack intensity is fitted on the periods that end on or before the as-of date
    (:func:`melian.world.security.calibrate_attacks`), at least two of them with events. The
    message names the file's coverage and the as-of date from which it would calibrate.
    """
    try:
        rows = list(csv.DictReader(Path(path).read_text(encoding="utf-8").splitlines()))
        periods = sorted(
            (dt.date.fromisoformat(r["start"].strip()), dt.date.fromisoformat(r["end"].strip()),
             int(r["attacks"]))
            for r in rows
        )  # fmt: skip
    except (OSError, KeyError, ValueError, AttributeError):
        return None  # the calibration reports the unreadable file, located
    with_events = [b for _, b, c in periods if c > 0]
    if sum(1 for b in with_events if b <= as_of) >= 2 or not periods:
        return None
    cover = f"{periods[0][0]} to {periods[-1][1]}"
    used = sum(1 for _, b, _ in periods if b <= as_of)
    msg = (
        f"{cid}.events: the attack intensity is fitted on periods that end on or before the "
        f"as-of date {as_of}, at least two of them with events; the file {Path(path).name} "
        f"covers {cover} and has {used} such period(s)"
    )
    if len(with_events) >= 2:
        return msg + (
            f"; give a file that covers the years before {as_of}, or set metadata.as_of to "
            f"{sorted(with_events)[1]} or later"
        )
    return msg + "; give a file with at least two periods of events before the as-of date"
