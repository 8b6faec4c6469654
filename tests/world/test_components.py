"""Each component kind in isolation, against values computed by hand.

Every kind is built outside any scenario (``Kind(id, Setup(...))``), given fixed parameters and
fixed inputs, and advanced; the expected numbers are worked out in the comments.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from melian.world.components import KINDS
from melian.world.components.base import LANGUAGES, Setup, uniforms
from melian.world.components.collateralised_credit import CollateralisedCredit
from melian.world.components.commodity_budget import CommodityBudget
from melian.world.components.commodity_exports import DAYS, CommodityExports
from melian.world.components.economy import Economy
from melian.world.components.event_hazard import EventHazard
from melian.world.components.fragmentation import Fragmentation
from melian.world.components.sanctions import Sanctions
from melian.world.components.transfers import Transfers


def make(K, P, horizon=12):
    return K("c", Setup(None, horizon, {k: float(v) for k, v in P.items()}, {}, {}, {}, {}))  # type: ignore[arg-type]


def rng(seed=0):
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(1, 2))))


def test_every_kind_declares_what_the_engine_and_the_brief_need():
    for name, K in KINDS.items():
        assert K.kind == name and K.title and K.__doc__
        for p in K.PARAMS:
            assert p.unit and p.meaning
            assert p.low is None or p.high is None or p.low <= p.high
        for o in K.OUTCOMES:
            assert o.direction in ("higher_worse", "higher_better")
            assert set(o.labels) == set(LANGUAGES) and all(o.labels.values())
        for e in list(K.EVENTS) + list(K.BANDS):
            assert set(e.labels) == set(LANGUAGES)
        states = {s.name for s in K.STATES}
        assert {b.name for b in K.BANDS} <= states
        assert K.describe()["kind"] == name


def test_exports_volume_ramp_and_value():
    # q = 2, u = 4, quota 2 months, ramp 4 months: volume 2 + 2 clip((t + 1 - 2) / 4, 0, 1)
    # t = 0, 1 -> 2; t = 2 -> 2.5; t = 3 -> 3; t = 5 -> 4; value = vol DAYS (50 - 5) / 1000
    P = dict(
        realised_discount=5.0,
        quota_volume=2.0,
        quota_months=2.0,
        recovery_months=4.0,
        unconstrained_volume=4.0,
    )
    c = make(CommodityExports, P)
    S = c.start(P, 1, rng(), 1)
    price = np.full((6, 1), 50.0)
    loss = np.zeros((6, 1))
    loss[4] = 0.25
    st = c.advance(
        S, 0, 6, {"price": {"price": price}, "disruptions": [{"export_loss": loss}]}, rng(), 1
    )
    np.testing.assert_allclose(st["base_volume"][:, 0], [2, 2, 2.5, 3.0, 3.5, 4.0])
    assert st["volume"][4, 0] == pytest.approx(3.5 * 0.75)
    assert st["unit_value"][0, 0] == pytest.approx(45 * DAYS / 1000)
    assert st["value"][3, 0] == pytest.approx(3.0 * 45 * 30.4375 / 1000)


def test_collateralised_credit_by_hand():
    # line 1.0, 0.4 a month, 1% a month, pledge 0.1 mb/d worth 1.0 a month per mb/d -> 0.1
    # m0: due 0 -> pledged 0, disbursed 0.4, debt 0.4
    # m1: due 0.404 -> pledged 0.1, disbursed 0.4, debt 0.704
    # m2: due 0.71104 -> pledged 0.1, disbursed min(0.2, 0.4), debt 0.81104
    P = dict(credit_line=1.0, disbursement=0.4, budget_share=0.25, rate=0.12, collateral_volume=0.1)
    c = make(CollateralisedCredit, P)
    S = c.start(P, 1, rng(), 1)
    ex = {
        "volume": np.full((3, 1), 3.0),
        "base_volume": np.full((3, 1), 3.0),
        "unit_value": np.ones((3, 1)),
    }
    st = c.advance(S, 0, 3, {"exports": ex}, rng(), 1)
    np.testing.assert_allclose(st["pledged"][:, 0], [0.0, 0.1, 0.1])
    np.testing.assert_allclose(st["disbursed"][:, 0], [0.4, 0.4, 0.2])
    np.testing.assert_allclose(st["debt"][:, 0], [0.4, 0.704, 0.81104])
    np.testing.assert_allclose(st["to_budget"][:, 0], [0.1, 0.1, 0.05])
    assert c.finish(S, rng(), 1).outcomes["collateralised_debt_end"][0] == pytest.approx(0.81104)


def budget_params(**kw):
    P = dict(
        export_revenue_share=1.0,
        other_revenue=0.2,
        other_revenue_growth=0.0,
        payroll=1.0,
        payroll_growth=0.0,
        running_costs=0.0,
        investment_spending=0.0,
        treasury_cash=0.1,
        reserves=10.0,
        import_leakage=0.5,
        domestic_debt=0.0,
        domestic_rate=0.0,
        domestic_borrowing_cap=0.15,
        domestic_debt_limit=100.0,
        external_debt=0.0,
        external_rate=0.0,
        external_amortisation=0.0,
        external_access=0.0,
        external_borrowing_cap=0.0,
        external_debt_limit=0.0,
        grants=0.0,
        devaluation_trigger=0.0,
        devaluation_size=0.2,
        salary_crisis_months=1.0,
    )
    P.update(kw)
    return P


def test_budget_month_by_hand():
    # path 0: exports 1.0 + other 0.2 = 1.2 > payroll 1 -> surplus 0.2 to the treasury;
    #   reserves 10 + 1.0 (export revenue) - 0.5 x 1 (import leakage of payroll) = 10.5
    # path 1: exports 0.5 + 0.2 = 0.7: short 0.3 -> treasury 0.1, domestic 0.15, arrears 0.05
    P = budget_params()
    c = make(CommodityBudget, P, horizon=1)
    S = c.start(P, 2, rng(), 1)
    ex = {
        "value": np.array([[1.0, 0.5]]),
        "base_volume": np.ones((1, 2)),
        "discount": np.zeros(2),
    }
    st = c.advance(S, 0, 1, {"exports": ex}, rng(), 1)
    np.testing.assert_allclose(S["treasury"], [0.3, 0.0])
    np.testing.assert_allclose(S["domestic_debt"], [0.0, 0.15])
    np.testing.assert_allclose(S["arrears"], [0.0, 0.05], atol=1e-12)
    np.testing.assert_allclose(st["salary_stress"][0], [0.0, 0.05], atol=1e-12)
    # path 1 reserves: 10 + 0.5 - 0.5 x paid payroll 0.95 = 10.025
    np.testing.assert_allclose(S["reserves"], [10.5, 10.025])
    f = c.finish(S, rng(), 1)
    assert f.outcomes["arrears_months"].tolist() == [0.0, 1.0]
    # breakeven: price b with (b - 0) x 1 mb/d x DAYS / 1000 + 0.2 = 1.0
    assert f.outcomes["payroll_breakeven"][0] == pytest.approx(0.8 * 1000 / DAYS)


def test_budget_devaluation_once_below_the_trigger():
    P = budget_params(reserves=1.0, devaluation_trigger=2.0, domestic_debt=12.0)
    c = make(CommodityBudget, P, horizon=2)
    S = c.start(P, 1, rng(), 1)
    ex = {"value": np.full((2, 1), 2.0), "base_volume": np.ones((2, 1)), "discount": np.zeros(1)}
    c.advance(S, 0, 2, {"exports": ex}, rng(), 1)
    # the 20% devaluation divides local-currency debt by 1.2, once
    assert S["domestic_debt"][0] == pytest.approx(10.0) and S["devalued"][0]


def test_sanctions_waiver_lapse_probability():
    # waiver runs 2 months; lapse hazard 0.1, never restored, no sanctions:
    # P(lapsed by month k) = 1 - exp(-0.1 (k - 2)) for k = 12 months
    P = dict(
        waiver_months_remaining=2.0,
        waiver_lapse_hazard=0.1,
        waiver_restore_hazard=0.0,
        waiver_lapse_cost=0.3,
        sanctions_hazard=0.0,
        militia_elasticity=1.0,
        sanctions_lift_hazard=0.0,
        revenue_blocked=0.5,
        extra_discount=2.0,
    )
    n = 100_000
    c = make(Sanctions, P)
    S = c.start(P, n, rng(), 1)
    st = c.advance(S, 0, 12, {}, rng(), 1)
    p = 1 - math.exp(-0.1 * 10)
    assert st["lapsed"][-1].mean() == pytest.approx(p, abs=4.5 * math.sqrt(p * (1 - p) / n))
    assert not st["lapsed"][:2].any() and not st["active"].any()
    np.testing.assert_allclose(st["fx_cost"], st["lapsed"] * 0.3)


def test_fragmentation_hazard_with_constant_drive():
    # support 0 all along: F_t = a (1 - rho^(t + 1)); P(no crisis) = exp(-sum h0 exp(F_t))
    P = dict(
        fragmentation_hazard=0.01,
        pressure_persistence=0.5,
        exit_pressure=1.0,
        crisis_pressure=0.0,
        salary_pressure=0.0,
    )
    n, k = 100_000, 12
    c = make(Fragmentation, P)
    S = c.start(P, n, rng(), 1)
    st = c.advance(S, 0, k, {"support": {"support": np.zeros((k, n))}}, rng(), 1)
    F = [1.0 * (1 - 0.5 ** (t + 1)) for t in range(k)]
    np.testing.assert_allclose(st["pressure"][:, 0], F)
    p = 1 - math.exp(-sum(0.01 * math.exp(f) for f in F))
    got = c.finish(S, rng(), 1).events["fragmentation"].mean()
    assert got == pytest.approx(p, abs=4.5 * math.sqrt(p * (1 - p) / n))


def test_event_hazard_log_linear_in_drivers_and_lever():
    # log h = log 0.01 + lever 0.5 + 2 x driver 0.3 -> h = 0.01 e^1.1; P(by 12) = 1 - exp(-12 h)
    P = dict(base_hazard=0.01, lever=0.5, effect1=2.0)
    n, k = 100_000, 12
    c = make(EventHazard, P)
    S = c.start(P, n, rng(), 1)
    st = c.advance(S, 0, k, {"driver1": {"value": np.full((k, n), 0.3)}}, rng(), 1)
    h = 0.01 * math.exp(1.1)
    np.testing.assert_allclose(st["hazard"][:, 0], h)
    p = 1 - math.exp(-12 * h)
    assert st["occurred"][-1].mean() == pytest.approx(p, abs=4.5 * math.sqrt(p * (1 - p) / n))
    # absorbing (duration 0): active from the month it happens to the end
    np.testing.assert_array_equal(st["active"], st["occurred"])


def test_event_hazard_duration_and_repeat():
    # hazard so large that the event starts whenever it can: duration 2, repeat -> on, on, off..
    P = dict(base_hazard=10.0, duration=2.0, repeat=1.0)
    c = make(EventHazard, P)
    S = c.start(P, 1, rng(), 1)
    st = c.advance(S, 0, 6, {}, rng(), 1)
    assert st["active"][:, 0].tolist() == [True, True, True, True, True, True]
    P["repeat"] = 0.0
    c = make(EventHazard, P)
    S = c.start(P, 1, rng(), 1)
    st = c.advance(S, 0, 6, {}, rng(), 1)
    assert st["active"][:, 0].tolist() == [True, True, False, False, False, False]


def test_transfers_loan_and_term():
    # 0.5 a month from month 1 for 3 months, half a loan at 12%/year (1%/month):
    # debt: m1 0.25, m2 0.25 x 1.01 + 0.25 = 0.5025, m3 0.5025 x 1.01 + 0.25 = 0.757525,
    # m4 0.757525 x 1.01 = 0.76510025
    P = dict(amount=0.5, start_months=1.0, months=3.0, loan_share=0.5, rate=0.12)
    c = make(Transfers, P)
    S = c.start(P, 1, rng(), 1)
    st = c.advance(S, 0, 5, {}, rng(), 1)
    np.testing.assert_allclose(st["to_budget"][:, 0], [0, 0.5, 0.5, 0.5, 0])
    np.testing.assert_allclose(st["debt"][:, 0], [0, 0.25, 0.5025, 0.757525, 0.76510025])
    f = c.finish(S, rng(), 1)
    assert f.outcomes["transfers_total"][0] == pytest.approx(1.5)
    assert not f.events["transfer_stopped"][0]


def test_economy_deterministic_path():
    # 12 months at 10%/year, no shocks or volatility: output x 1.1; reserves 5 - 12 x 0.2 x
    # growth-scaled gap + 12 x 0.1 financing
    P = dict(
        output=100.0,
        growth=0.1,
        growth_volatility=0.0,
        shock_hazard=0.0,
        shock_size=0.0,
        reserves=5.0,
        external_gap=0.2,
        external_financing=0.1,
        reserve_floor=0.0,
    )
    c = make(Economy, P)
    S = c.start(P, 1, rng(), 1)
    st = c.advance(S, 0, 12, {}, rng(), 1)
    assert st["output"][-1, 0] == pytest.approx(110.0)
    gap = sum(0.2 * 1.1 ** ((t + 1) / 12) for t in range(12))
    assert st["reserves"][-1, 0] == pytest.approx(5.0 - gap + 1.2)
    assert c.finish(S, rng(), 1).outcomes["output_growth"][0] == pytest.approx(0.1)


def test_uniforms_are_tiled():
    U = uniforms(rng(), 2, 3, 8, 4)
    np.testing.assert_array_equal(U[..., :2], U[..., 2:4])
