"""Politics: fragmentation pressure and the sanctions/energy-waiver regime.

Fragmentation (regional demands for separation or a new federal region escalating into a crisis)
is driven by a pressure index with memory,
``F_t = rho F_{t-1} + (1 - rho) (a_exit (1 - c_t) + a_crisis crisis_t + a_salary min(stress_t, 3))``
(``politics.pressure_persistence``, ``politics.exit_pressure``, ``politics.crisis_pressure``,
``politics.salary_pressure``; ``c_t`` coalition support, ``stress_t`` payroll arrears in months of
payroll); a fragmentation crisis starts with monthly probability ``1 - exp(-h0 exp(F_t))``,
``h0`` = ``politics.fragmentation_hazard``, and is recorded once (absorbing).

Sanctions and the energy waiver form a Markov chain. The waiver in force at the as-of date runs
``sanctions.waiver_months_remaining`` months; afterwards it lapses with monthly hazard
``sanctions.waiver_lapse_hazard`` and, once lapsed, is restored with ``sanctions.waiver_restore_hazard``.
Sanctions on the state start with hazard ``sanctions.sanctions_hazard * militia_pressure^e``
(``e`` = ``sanctions.militia_elasticity``) and are lifted with ``sanctions.sanctions_lift_hazard``;
while sanctioned the waiver is lapsed. Options change these hazards through the scenario.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from melian.world.spec import ParamSpec

PARAMS: tuple[ParamSpec, ...] = (
    ParamSpec(
        "politics.fragmentation_hazard",
        "per month",
        "hazard of a fragmentation crisis at zero pressure",
        0,
        1,
    ),
    ParamSpec(
        "politics.pressure_persistence",
        "fraction",
        "monthly memory of the fragmentation pressure index",
        0,
        0.999,
    ),
    ParamSpec(
        "politics.exit_pressure",
        "log hazard ratio",
        "pressure when coalition support is 0 (regions that want the patron to stay)",
        -10,
        10,
    ),
    ParamSpec(
        "politics.crisis_pressure",
        "log hazard ratio",
        "pressure during a territorial security crisis",
        -10,
        10,
    ),
    ParamSpec(
        "politics.salary_pressure",
        "log hazard ratio per month of arrears",
        "pressure per month of payroll owed (capped at 3 months)",
        -10,
        10,
    ),
    ParamSpec(
        "sanctions.waiver_months_remaining",
        "months",
        "months left on the energy-import sanctions waiver in force at the as-of date",
        0,
        600,
    ),
    ParamSpec(
        "sanctions.waiver_lapse_hazard",
        "per month",
        "hazard that the waiver is not renewed once the current one has run",
        0,
        1,
    ),
    ParamSpec(
        "sanctions.waiver_restore_hazard",
        "per month",
        "hazard that a lapsed waiver is restored",
        0,
        1,
    ),
    ParamSpec(
        "sanctions.waiver_lapse_cost",
        "US$ bn/month",
        "foreign-currency cost of replacing "
        "sanctioned energy imports (or penalties) while the waiver is lapsed",
        0,
        None,
    ),
    ParamSpec(
        "sanctions.sanctions_hazard",
        "per month",
        "hazard that the patron imposes sanctions on the state, at as-of militia pressure",
        0,
        1,
    ),
    ParamSpec(
        "sanctions.militia_elasticity",
        "elasticity",
        "elasticity of the sanctions hazard with respect to militia pressure",
        0,
        10,
    ),
    ParamSpec(
        "sanctions.sanctions_lift_hazard", "per month", "hazard that sanctions are lifted", 0, 1
    ),
    ParamSpec(
        "sanctions.revenue_blocked",
        "fraction",
        "share of oil revenue blocked (frozen accounts) under sanctions",
        0,
        1,
    ),
    ParamSpec(
        "sanctions.extra_discount",
        "US$/bbl",
        "extra discount on crude sold under sanctions",
        0,
        100,
    ),
)


@dataclass
class PoliticsState:
    """Per-path political state."""

    pressure: np.ndarray
    fragmented: np.ndarray
    waiver_lapsed: np.ndarray
    sanctioned: np.ndarray
    ever_sanctioned: np.ndarray
    ever_lapsed: np.ndarray
    const: dict[str, Any] | None = None


def initial_state(n: int) -> PoliticsState:
    """State at the as-of date: no pressure, waiver in force, no sanctions."""
    z = np.zeros(n, bool)
    return PoliticsState(np.zeros(n), z.copy(), z.copy(), z.copy(), z.copy(), z.copy())


def advance_sanctions(
    S: PoliticsState, P: dict[str, np.ndarray | float], t0: int, u_w: np.ndarray, u_s: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Months ``t0 .. t0 + k - 1`` of the sanctions and waiver chain (uniforms ``(k, n)``).

    The transition draws are compared with the (float32) transition probabilities for all
    months at once; only the two-state recursions run month by month. Returns the sanctioned
    and waiver-lapsed indicators, ``(k, n)`` bool.
    """
    k, n = u_s.shape
    if S.const is None:  # transition probabilities (float32), computed once per block
        f32 = np.float32

        def prob(h: np.ndarray | float) -> np.ndarray:
            return np.asarray(-np.expm1(-np.asarray(h, dtype=float)), dtype=f32)

        S.const = {
            "start": prob(
                P["sanctions.sanctions_hazard"]
                * np.power(P["security.militia_pressure"], P["sanctions.militia_elasticity"])
            ),
            "lift": prob(P["sanctions.sanctions_lift_hazard"]),
            "lapse": prob(P["sanctions.waiver_lapse_hazard"]),
            "restore": prob(P["sanctions.waiver_restore_hazard"]),
            "waiver_end": np.asarray(P["sanctions.waiver_months_remaining"], dtype=float),
        }
    K = S.const
    p_start, p_lift, p_lapse, p_restore = K["start"], K["lift"], K["lapse"], K["restore"]
    # two-state chains as x_t = start_t XOR (x_{t-1} AND (stay_t XOR start_t))
    starts = u_s < p_start
    flip_s = u_s >= p_lift
    flip_s ^= starts
    after = np.arange(t0, t0 + k, dtype=float)[:, None] >= K["waiver_end"]
    lapses = u_w < p_lapse
    lapses &= after
    flip_w = u_w >= p_restore
    flip_w ^= lapses
    sanc = np.empty((k, n), bool)
    lapsed = np.empty((k, n), bool)
    s, w = S.sanctioned, S.waiver_lapsed
    for j in range(k):
        s = np.bitwise_xor(starts[j], s & flip_s[j], out=sanc[j])
        w = np.bitwise_xor(lapses[j], w & flip_w[j], out=lapsed[j])
        w |= s
    s, w = s.copy(), w.copy()
    S.sanctioned, S.waiver_lapsed = s, w
    S.ever_sanctioned |= sanc.any(axis=0)
    S.ever_lapsed |= lapsed.any(axis=0)
    return sanc, lapsed


def advance_fragmentation(
    S: PoliticsState,
    P: dict[str, np.ndarray | float],
    coalition: np.ndarray | float,
    crisis: np.ndarray,
    stress: np.ndarray,
    u: np.ndarray,
) -> None:
    """Months of fragmentation pressure and hazard for a slab of months (arrays ``(k, n)``).

    ``F_t = rho F_{t-1} + (1 - rho) drive_t`` runs month by month; the drive and the hazard
    ``1 - exp(-h0 exp(F_t))`` are computed for all months at once.
    """
    rho = P["politics.pressure_persistence"]
    drive = np.minimum(stress, 3.0)
    drive *= P["politics.salary_pressure"]
    drive += P["politics.crisis_pressure"] * crisis
    drive += P["politics.exit_pressure"] * (1.0 - coalition)
    drive *= 1.0 - rho
    F = S.pressure
    for j in range(drive.shape[0]):
        F = drive[j] + rho * F
        drive[j] = F
    S.pressure = F
    drive += np.log(np.maximum(P["politics.fragmentation_hazard"], 1e-300))
    with np.errstate(over="ignore"):  # h = inf means certain fragmentation
        h = np.exp(drive).astype(np.float32)
    S.fragmented |= (u < -np.expm1(-h, out=h)).any(axis=0)
