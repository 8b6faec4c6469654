"""The kinds through which an alliance can cost the focal state, each in isolation, by hand.

Supply cut by a rival supplier, proxy attacks, the patron's drawdown and abandonment, domestic
backlash: every kind is built outside any scenario with fixed parameters and synthetic inputs,
and its states and outcomes are compared with values worked out in the comments (Monte Carlo
checks within 4.5 standard errors).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import poisson

from melian.world.components import KINDS
from melian.world.components.base import Setup, poisson_inverse
from melian.world.components.domestic_backlash import DomesticBacklash
from melian.world.components.event_hazard import EventHazard
from melian.world.components.patron_drawdown import PatronDrawdown
from melian.world.components.proxy_attacks import ProxyAttacks
from melian.world.components.supply_cut import SupplyCut

Z = 4.5


def make(K, P, horizon=12):
    return K("c", Setup(None, horizon, {k: float(v) for k, v in P.items()}, {}, {}, {}, {}))  # type: ignore[arg-type]


def rng(seed=0):
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(3, 4))))


def driver(values, n=1):
    return {"value": np.repeat(np.asarray(values, float)[:, None], n, axis=1)}


def near(got, p, n):
    assert got == pytest.approx(p, abs=Z * math.sqrt(p * (1 - p) / n))


def test_registered_with_drivers_shared_with_the_event_hazard():
    for name in ("supply_cut", "proxy_attacks", "patron_drawdown", "domestic_backlash"):
        K = KINDS[name]
        assert {i.role for i in K.INPUTS} == {"driver1", "driver2", "driver3"}
        assert {"lever", "effect1", "effect2", "effect3"} <= {p.path for p in K.PARAMS}
    assert KINDS["supply_cut"].INPUTS is EventHazard.INPUTS


# ----------------------------------------------------------------------------- supply cut
SUPPLY = dict(
    dependence=0.3,
    cut_share=0.5,
    cut_duration=3.0,
    replacement_share=0.2,
    budget_cost=1.0,
    output_cost=2.0,
)


def test_supply_cut_shortfall_and_costs_by_hand():
    # a driver forces a cut in month 0 only (log h = log 1e-30 + 100 x 1), 3 months long:
    # cut [1, 1, 1, 0, 0, 0]; shortfall d c (1 - r) = 0.3 x 0.5 x 0.8 = 0.12 of the whole supply;
    # public cost budget_cost c r = 1.0 x 0.5 x 0.2 = 0.1 a month; output lost 2.0 x 0.5 x 0.8 =
    # 0.8 a month. Over 6 months: mean shortfall 3 x 0.12 / 6 = 0.06, cost 0.3, loss 2.4.
    P = dict(SUPPLY, cut_hazard=1e-30, effect1=100.0)
    c = make(SupplyCut, P, horizon=6)
    S = c.start(P, 1, rng(), 1)
    st = c.advance(S, 0, 6, {"driver1": driver([1, 0, 0, 0, 0, 0])}, rng(), 1)
    assert st["cut"][:, 0].tolist() == [True, True, True, False, False, False]
    np.testing.assert_allclose(st["shortfall"][:, 0], [0.12, 0.12, 0.12, 0, 0, 0])
    np.testing.assert_allclose(st["extra_cost"][:, 0], [0.1, 0.1, 0.1, 0, 0, 0])
    np.testing.assert_allclose(st["output_loss"][:, 0], [0.8, 0.8, 0.8, 0, 0, 0])
    f = c.finish(S, rng(), 1)
    assert f.outcomes["shortfall_mean"][0] == pytest.approx(0.06)
    assert f.outcomes["cut_months"][0] == 3
    assert f.outcomes["supply_replacement_cost"][0] == pytest.approx(0.3)
    assert f.outcomes["supply_output_loss"][0] == pytest.approx(2.4)
    assert f.events["supply_cut"][0]


def test_supply_cut_hazard_log_linear_and_recurrent():
    # h = 0.01 e^(0.5 + 2 x 0.3) = 0.01 e^1.1; a cut lasts the whole 12 months once started, so
    # P(a cut by month 12) = 1 - exp(-12 h)
    P = dict(SUPPLY, cut_hazard=0.01, lever=0.5, effect1=2.0, cut_duration=12.0)
    n, k = 100_000, 12
    c = make(SupplyCut, P)
    S = c.start(P, n, rng(), 1)
    st = c.advance(S, 0, k, {"driver1": driver([0.3] * k, n)}, rng(), 1)
    h = 0.01 * math.exp(1.1)
    np.testing.assert_allclose(st["hazard"][:, 0], h)
    near(st["cut"][-1].mean(), 1 - math.exp(-12 * h), n)
    # cuts recur: a certain start every month with 2-month cuts keeps the supply cut throughout
    P = dict(SUPPLY, cut_hazard=10.0, cut_duration=2.0)
    c = make(SupplyCut, P)
    S = c.start(P, 1, rng(), 1)
    assert c.advance(S, 0, 6, {}, rng(), 1)["cut"][:, 0].all()


# ----------------------------------------------------------------------------- proxy attacks
def test_poisson_inverse_is_the_poisson_quantile():
    u = np.linspace(0.0005, 0.9995, 400)
    for lam in (0.0, 0.3, 2.0, 8.15, 40.0, 300.0, 2500.0):
        np.testing.assert_array_equal(
            poisson_inverse(u, np.full(u.shape, lam)), poisson.ppf(u, lam)
        )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_poisson_inverse_compiled_search_equals_numpy(monkeypatch, seed):
    # the numba kernel performs the numpy search's operations in the same order: equal counts,
    # for small and large means (the Cornish-Fisher start), 0, underflowing terms, u at 0 and
    # next to 1, float32 and float64 uniforms, shapes of several dimensions
    pytest.importorskip("numba")
    from melian.world.components import base

    r = np.random.default_rng(seed)
    lam = np.concatenate(
        [
            np.exp(r.normal(np.log(4.0), 1.5, 6000)),
            [0.0, 1e-300, 1e-9, 14.999999, 15.0, 15.000001, 700.0, 746.0, 800.0, 5000.0, 1e5],
        ]
    )
    u = np.concatenate([r.random(6000), [0.0, 1e-12, 0.5, 0.9999999, 1 - 2**-53] * 2, [0.7]])
    u32 = r.random((3, 2, 1000), dtype=np.float32)
    lam3 = r.exponential(6.0, (3, 2, 1000))
    monkeypatch.setattr(base, "NUMPY_ONLY", True)
    want = [
        base.poisson_inverse(u, lam),
        base.poisson_inverse(u32, lam3),
        base.poisson_inverse(u, 3.0),
    ]
    monkeypatch.setattr(base, "NUMPY_ONLY", False)
    assert base.compiled("poisson_search") is not None
    got = [
        base.poisson_inverse(u, lam),
        base.poisson_inverse(u32, lam3),
        base.poisson_inverse(u, 3.0),
    ]
    for a, b in zip(want, got, strict=True):
        assert a.shape == b.shape
        np.testing.assert_array_equal(a, b)


def test_proxy_attack_rates_log_linear_and_counts():
    # rate = (2 + 1) x exp(ln 1.5 + 0.5 x 2) = 3 x 1.5 e; patron attacks have mean 2 x 1.5 e a month
    P = dict(patron_rate=2.0, state_rate=1.0, lever=math.log(1.5), effect1=0.5)
    n, k = 50_000, 3
    c = make(ProxyAttacks, P, horizon=k)
    S = c.start(P, n, rng(), 1)
    st = c.advance(S, 0, k, {"driver1": driver([2.0] * k, n)}, rng(), 1)
    np.testing.assert_allclose(st["rate"], 3 * 1.5 * math.e)
    lam = 2 * 1.5 * math.e
    got = st["patron_attacks"].mean()
    assert got == pytest.approx(lam, abs=Z * math.sqrt(lam / (n * k)))
    np.testing.assert_array_equal(st["attacks"], st["patron_attacks"] + st["state_attacks"])
    f = c.finish(S, rng(), 1)
    np.testing.assert_array_equal(f.outcomes["patron_attacks_total"], st["patron_attacks"].sum(0))


def test_proxy_attacks_lethal_months_by_thinning():
    # each of N ~ Poisson(2) attacks kills with probability 0.25: P(lethal month) = 1 - exp(-0.5)
    P = dict(patron_rate=2.0, lethal_share=0.25)
    n = 100_000
    c = make(ProxyAttacks, P, horizon=1)
    S = c.start(P, n, rng(), 1)
    st = c.advance(S, 0, 1, {}, rng(), 1)
    near(st["lethal"].mean(), 1 - math.exp(-0.5), n)
    assert not st["lethal"][st["patron_attacks"] == 0].any()
    f = c.finish(S, rng(), 1)
    np.testing.assert_array_equal(f.events["lethal_attack"], st["lethal"][0])


def test_proxy_attack_campaigns_are_negative_binomial():
    # G ~ gamma(mean 1, variance 0.5); total over 12 months at rate 1: mean mu = 12,
    # variance mu + 0.5 mu^2 = 84 (negative binomial)
    P = dict(patron_rate=1.0, dispersion=0.5)
    n = 200_000
    c = make(ProxyAttacks, P, horizon=12)
    S = c.start(P, n, rng(1), 1)
    c.advance(S, 0, 12, {}, rng(2), 1)
    tot = c.finish(S, rng(), 1).outcomes["patron_attacks_total"]
    assert tot.mean() == pytest.approx(12.0, abs=Z * math.sqrt(84 / n))
    assert tot.var() == pytest.approx(84.0, rel=0.05)


# ----------------------------------------------------------------------------- patron
def test_patron_declared_drawdown_to_its_floor():
    # 0.6 a year = 0.05 a month from 1, stopping at 0.5: 0.95, 0.90, ..., 0.55, 0.5, 0.5, 0.5
    P = dict(drawdown_rate=0.6, floor=0.5, abandon_hazard=0.0)
    c = make(PatronDrawdown, P)
    S = c.start(P, 1, rng(), 1)
    st = c.advance(S, 0, 12, {}, rng(), 1)
    want = [0.95, 0.9, 0.85, 0.8, 0.75, 0.7, 0.65, 0.6, 0.55, 0.5, 0.5, 0.5]
    np.testing.assert_allclose(st["presence"][:, 0], want)
    f = c.finish(S, rng(), 1)
    assert f.outcomes["presence_mean"][0] == pytest.approx(sum(want) / 12)
    assert f.outcomes["presence_end"][0] == pytest.approx(0.5)
    assert not f.events["abandonment"][0]


def test_patron_abandonment_exit_by_hand():
    # abandonment forced in month 2; exit over 4 months to 0.1:
    # t=2: 0.85 + (0.1 - 0.85)/4 = 0.6625; t=3: 0.8 - 0.7/2 = 0.45; t=4: 0.75 - 0.65 x 3/4 = 0.2625
    P = dict(
        drawdown_rate=0.6,
        floor=0.5,
        abandon_hazard=1e-30,
        effect1=100.0,
        exit_months=4.0,
        abandoned_level=0.1,
    )
    c = make(PatronDrawdown, P, horizon=8)
    S = c.start(P, 1, rng(), 1)
    a = c.advance(S, 0, 3, {"driver1": driver([0, 0, 1])}, rng(), 1)  # slabs of 3 and 5 months
    b = c.advance(S, 3, 5, {"driver1": driver([0] * 5)}, rng(), 1)
    got = np.concatenate([a["presence"][:, 0], b["presence"][:, 0]])
    np.testing.assert_allclose(got, [0.95, 0.9, 0.6625, 0.45, 0.2625, 0.1, 0.1, 0.1])
    assert np.concatenate([a["abandoned"][:, 0], b["abandoned"][:, 0]]).tolist() == [
        False,
        False,
        *[True] * 6,
    ]
    assert c.finish(S, rng(), 1).events["abandonment"][0]


def test_patron_abandonment_probability():
    # h = 0.02 e^0.3 a month: P(abandoned within 12 months) = 1 - exp(-12 h)
    P = dict(drawdown_rate=0.0, floor=1.0, abandon_hazard=0.02, lever=0.3)
    n = 100_000
    c = make(PatronDrawdown, P)
    S = c.start(P, n, rng(), 1)
    c.advance(S, 0, 12, {}, rng(), 1)
    near(
        c.finish(S, rng(), 1).events["abandonment"].mean(),
        1 - math.exp(-12 * 0.02 * math.exp(0.3)),
        n,
    )


# ----------------------------------------------------------------------------- backlash
def test_backlash_pressure_recursion_by_hand():
    # rho 0.5, lever 1, effect 2 on x = [0, 1, 0, 0]: drive D = [1, 3, 1, 1];
    # B = 0.5 D + 0.5 B_prev from 0: 0.5, 1.75, 1.375, 1.1875
    P = dict(persistence=0.5, lever=1.0, effect1=2.0, resolution_hazard=0.0, crisis_hazard=0.0)
    c = make(DomesticBacklash, P, horizon=4)
    S = c.start(P, 1, rng(), 1)
    st = c.advance(S, 0, 4, {"driver1": driver([0, 1, 0, 0])}, rng(), 1)
    np.testing.assert_allclose(st["pressure"][:, 0], [0.5, 1.75, 1.375, 1.1875])
    f = c.finish(S, rng(), 1)
    assert f.outcomes["backlash_mean"][0] == pytest.approx((0.5 + 1.75 + 1.375 + 1.1875) / 4)
    assert not st["resolution"].any() and not st["crisis"].any()


def test_backlash_resolution_probability():
    # same pressure path; resolution hazard 0.05 e^B: P(by month 4) = 1 - exp(-0.05 sum e^B_t)
    P = dict(
        persistence=0.5,
        lever=1.0,
        effect1=2.0,
        resolution_hazard=0.05,
        resolution_effect=1.0,
        crisis_hazard=0.0,
    )
    n = 100_000
    c = make(DomesticBacklash, P, horizon=4)
    S = c.start(P, n, rng(), 1)
    st = c.advance(S, 0, 4, {"driver1": driver([0, 1, 0, 0], n)}, rng(), 1)
    p = 1 - math.exp(-0.05 * sum(math.exp(b) for b in (0.5, 1.75, 1.375, 1.1875)))
    near(st["resolution"][-1].mean(), p, n)
    np.testing.assert_array_equal(
        st["resolution"][-1], c.finish(S, rng(), 1).events["binding_resolution"]
    )


def test_backlash_government_crisis_duration():
    # rho 0: B = 10 x = [10, 0, ...]; hazard 1e-30 e^(10 B): certain in month 0, nil after;
    # the crisis lasts 3 months
    P = dict(
        persistence=0.0,
        effect1=10.0,
        resolution_hazard=0.0,
        crisis_hazard=1e-30,
        crisis_effect=10.0,
        crisis_duration=3.0,
    )
    c = make(DomesticBacklash, P, horizon=6)
    S = c.start(P, 1, rng(), 1)
    st = c.advance(S, 0, 6, {"driver1": driver([1, 0, 0, 0, 0, 0])}, rng(), 1)
    assert st["crisis"][:, 0].tolist() == [True, True, True, False, False, False]
    f = c.finish(S, rng(), 1)
    assert f.outcomes["crisis_months"][0] == 3 and f.events["government_crisis"][0]


# ----------------------------------------------------------------------------- armed threat
def test_armed_threat_support_is_capped_by_the_patron_presence():
    # declared transition: support 1 throughout (coalition_support 1); the patron's presence
    # [1, 0.5, 0.2] caps it: c = [1, 0.5, 0.2]; with no volatility the intensity moves by
    # exp(b (1 - c)) with b = 0.4: ratios to month 0 = 1, e^0.2, e^0.32
    import datetime as dt
    from pathlib import Path
    from types import SimpleNamespace

    from melian.world.components.armed_threat import ArmedThreat

    events = (
        Path(__file__).parents[2] / "src/melian/data/security/isis-attacks-iraq-ctc-2018-2020.csv"
    )
    scen = SimpleNamespace(metadata=SimpleNamespace(as_of=dt.date(2020, 6, 11)))
    P = dict(
        attack_volatility=0.0,
        attack_persistence=0.5,
        coalition_support=1.0,
        withdrawal_months=1.0,
        coalition_attack_effect=0.4,
        force_capacity=1.0,
        capacity_attack_effect=1.0,
        crisis_hazard=0.0,
        attack_crisis_elasticity=1.0,
        coalition_crisis_effect=0.0,
        crisis_duration=6.0,
        crisis_export_loss=0.0,
        crisis_cost=0.0,
        militia_pressure=1.0,
        militia_attack_rate=1.0,
    )
    setup = Setup(scen, 3, P, {"events": events}, {}, {"support": ["p"]}, {})  # type: ignore[arg-type]
    c = ArmedThreat("security", setup)
    S = c.start(P, 2, rng(), 1)
    st = c.advance(S, 0, 3, {"support": {"support": driver([1.0, 0.5, 0.2], 2)["value"]}}, rng(), 1)
    np.testing.assert_allclose(st["support"][:, 0], [1.0, 0.5, 0.2])
    lam = st["attack_intensity"][:, 0]
    np.testing.assert_allclose(lam / lam[0], [1.0, math.exp(0.2), math.exp(0.32)], rtol=1e-6)
