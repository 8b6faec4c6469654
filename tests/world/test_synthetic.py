"""A synthetic world with analytic answers (tests/data/scenarios/synthetic-world.yaml).

Three components in the spirit of SALib's test functions: an event with a constant hazard
(``event_hazard``), a rent paid by a patron that stops on the event or at the payer's will
(``transfers``) and an economy with deterministic growth whose reserves receive the rent
(``economy``). Every checked quantity has a closed form (the fixture's header); simulated means
are compared within 4.5 Monte Carlo standard errors, deterministic ones to rounding.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from melian.scenario import load_scenario
from melian.world import declared, simulate

SCEN = Path(__file__).parents[1] / "data" / "scenarios" / "synthetic-world.yaml"
N, H = 65_536, 24
HAZ = {"ally": 0.02, "drift": 0.02, "exit": 0.06}
AMOUNT = {"ally": 0.8, "drift": 0.5, "exit": 0.5}
STOP = 0.01


@pytest.fixture(scope="module")
def ens():
    return simulate(load_scenario(SCEN), paths=N, horizon=H, seed=11, workers=1)


def close(sim: float, exact: float, sd: float, n: int = N) -> bool:
    return abs(sim - exact) <= 4.5 * sd / math.sqrt(n) + 1e-9


@pytest.mark.parametrize("opt", ["ally", "drift", "exit"])
def test_event_probability_and_months(ens, opt):
    r = ens.results[opt]
    h = HAZ[opt]
    p = 1 - math.exp(-h * H)
    assert close(r.probabilities["base_closure"], p, math.sqrt(p * (1 - p)))
    months = sum(1 - math.exp(-h * (t + 1)) for t in range(H))
    m = r.metrics["event_months"]
    assert close(m.mean, months, m.sd)


@pytest.mark.parametrize("opt", ["ally", "drift", "exit"])
def test_transfers(ens, opt):
    r = ens.results[opt]
    rate = STOP + HAZ[opt]
    total = AMOUNT[opt] * sum(math.exp(-rate * t) for t in range(1, 13))
    m = r.metrics["transfers_total"]
    assert close(m.mean, total, m.sd)
    p = 1 - math.exp(-12 * rate)
    assert close(r.probabilities["transfer_stopped"], p, math.sqrt(p * (1 - p)))
    # no interest: the debt is the loan share of what was paid, path by path (so in mean)
    assert r.metrics["transfer_debt_end"].mean == pytest.approx(0.5 * m.mean, rel=1e-6)


@pytest.mark.parametrize("opt", ["ally", "drift", "exit"])
def test_economy(ens, opt):
    r = ens.results[opt]
    g = r.metrics["output_growth"]
    assert g.mean == pytest.approx(0.03, abs=1e-9) and g.sd < 1e-9
    assert r.probabilities["output_shock"] == 0.0
    gap = 0.1 * sum(1.03 ** (t / 12) for t in range(1, H + 1))
    exact = 2.0 + H * 0.05 - gap + r.metrics["transfers_total"].mean
    assert r.metrics["economy_reserves_end"].mean == pytest.approx(exact, rel=1e-6)
    idx = r.bands["output_index"]["mean"]
    np.testing.assert_allclose(idx, 1.03 ** (np.arange(1, H + 1) / 12), rtol=1e-4)


def test_declared_labels_and_directions():
    s = load_scenario(SCEN)
    d = {x.name: x for x in declared(s)}
    assert d["base_closure"].labels == {"en": "the base closing", "ar": "إغلاق القاعدة"}
    assert d["transfers_total"].direction == "higher_better"
    assert d["transfer_debt_end"].direction == "higher_worse"
    assert set(d["output_index"].labels) == {"en", "ar"}
