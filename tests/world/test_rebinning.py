"""Outcome quantiles when an option widens a parameter beyond the bins fixed for its nominal value.

An outcome's histogram bins are fixed when the world is prepared, from the nominal (base)
parameter values. An option that sets a wider distribution (here: a transfer's monthly amount from
triangular(0.005, 0.02, 0.05) to triangular(0.02, 0.08, 0.2)) used to pile most of its paths into
the top slot, whose values read as the maximum: p50 = p75 = p95 = max. The accumulator now keeps
the values outside the bins exactly (up to ``MAX_OUTSIDE`` per outcome and option) and reads
quantiles and tail means there from them; beyond that many, the engine bins such an outcome again
over its exact range (a second pass over the same paths). Both whatever the grouping of the paths
into chunks and worker processes.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
import yaml

from melian.scenario.loader import parse_scenario
from melian.world import BLOCK, engine, results, simulate
from melian.world.results import QUANTILES, Accumulator, HistSpec, MetricDef

SYN = Path(__file__).parents[1] / "data" / "scenarios" / "synthetic-world.yaml"
MONTHS = 12  # payments; no stop hazard, no condition: total = 12 x amount on every path
H = 24
PATHS = 2 * BLOCK + 3000  # three blocks, the last one partial


def widened() -> object:
    """The synthetic world with a transfer whose amount option ``ally`` widens fourfold."""
    data = yaml.safe_load(SYN.read_text())
    aid = next(c for c in data["world"]["components"] if c["id"] == "aid")
    aid.pop("inputs")
    aid["parameters"]["amount"] = {
        "dist": "triangular",
        "low": 0.005,
        "mode": 0.02,
        "high": 0.05,
        "unit": "money bn/month",
        "source": "analyst",
        "judgement": True,
    }
    aid["parameters"]["stop_hazard"]["value"] = 0.0
    ally = next(o for o in data["focal"]["options"] if o["id"] == "ally")
    ally["effects"]["aid.amount"] = {
        "set": {"dist": "triangular", "low": 0.02, "mode": 0.08, "high": 0.2},
        "source": "analyst",
        "judgement": True,
    }
    return parse_scenario(yaml.safe_dump(data, allow_unicode=True))


@pytest.fixture(scope="module")
def scenario():
    return widened()


@pytest.fixture(scope="module")
def ens(scenario):
    return simulate(scenario, ["ally", "drift"], paths=PATHS, horizon=H, seed=5, workers=1)


def _threaded(scenario):  # noqa: ANN001, ANN202
    """Both options in one-block chunks on three threads."""
    with ThreadPoolExecutor(3) as ex:
        return simulate(
            scenario,
            ["ally", "drift"],
            paths=PATHS,
            horizon=H,
            seed=5,
            chunk_size=BLOCK,
            executor=ex,
            workers=3,
        )


def raw_totals(scenario, option: str) -> np.ndarray:
    """The transfer totals of every path as the engine draws them (block by block)."""
    prep = engine.prepare(scenario, [option], H)
    out = []
    for b in range(-(-PATHS // BLOCK)):
        n = min(BLOCK, PATHS - b * BLOCK)
        rngs = engine._rngs(prep, 5, option, b)
        out.append(MONTHS * engine.draw_all(prep, option, n, rngs)["aid"]["amount"])
    return np.concatenate(out)


@pytest.mark.parametrize("option", ["ally", "drift"])
def test_quantiles_match_the_raw_draws_within_the_bin_width(scenario, ens, option):
    x = raw_totals(scenario, option)
    m = ens.results[option].metrics["transfers_total"]
    assert m.mean == pytest.approx(x.mean(), rel=1e-9)
    assert (m.min, m.max) == pytest.approx((x.min(), x.max()), rel=1e-12)
    for q in QUANTILES:
        got = m.quantiles[f"p{round(q * 100):02d}"]
        assert abs(got - np.quantile(x, q)) <= m.bin_width, (option, q, got, np.quantile(x, q))
    # the median by hand: triangular(a, c, b) below its mode's share; 12 x the amount
    a, c, b = (0.02, 0.08, 0.2) if option == "ally" else (0.005, 0.02, 0.05)
    fc = (c - a) / (b - a)
    med = (
        a + np.sqrt(0.5 * (b - a) * (c - a)) if fc >= 0.5 else b - np.sqrt(0.5 * (b - a) * (b - c))
    )
    assert m.quantiles["p50"] == pytest.approx(MONTHS * med, abs=0.02)
    assert m.quantiles["p95"] < m.max  # no longer piled at the maximum


def test_bins_are_kept_and_values_outside_read_exactly(scenario, ens):
    """Both options keep the nominal bins; ally's values above them are kept exactly."""
    prep = engine.prepare(scenario, ["drift"], H)
    nominal = next(m.spec for m in prep.metrics if m.name == "transfers_total")
    assert ens.results["drift"].metrics["transfers_total"].bin_width == nominal.width
    assert ens.results["ally"].metrics["transfers_total"].bin_width == nominal.width
    x = np.sort(raw_totals(scenario, "ally"))
    m = ens.results["ally"].metrics["transfers_total"]
    # an exact order statistic (12 x the amount here, a sum of 12 payments in the engine)
    assert m.quantiles["p95"] == pytest.approx(x[int(np.ceil(0.95 * x.size)) - 1], rel=1e-12)
    assert m.quantiles["p95"] > nominal.hi


def test_too_many_values_outside_are_binned_again(scenario, ens, monkeypatch):
    """Beyond MAX_OUTSIDE values outside the bins the option is simulated again and rebinned."""
    monkeypatch.setattr(results, "MAX_OUTSIDE", 100)
    got = simulate(scenario, ["ally", "drift"], paths=PATHS, horizon=H, seed=5, workers=1)
    prep = engine.prepare(scenario, ["ally"], H)
    nominal = next(m.spec for m in prep.metrics if m.name == "transfers_total")
    m = got.results["ally"].metrics["transfers_total"]
    assert m.bin_width > nominal.width
    x = raw_totals(scenario, "ally")
    for q in QUANTILES:
        assert abs(m.quantiles[f"p{round(q * 100):02d}"] - np.quantile(x, q)) <= m.bin_width
    assert _threaded(scenario).to_dict() == got.to_dict()
    assert got.to_dict()["options"]["drift"] == ens.to_dict()["options"]["drift"]


def test_results_do_not_depend_on_chunks_or_workers(scenario, ens):
    ref = ens.to_dict()
    got = _threaded(scenario)
    assert got.to_dict() == ref
    alone = simulate(scenario, ["ally"], paths=PATHS, horizon=H, seed=5, chunk_size=2 * BLOCK)
    assert alone.to_dict()["options"]["ally"] == ref["options"]["ally"]


def test_workers_in_processes_give_the_same_numbers(scenario, ens):
    got = simulate(scenario, ["ally", "drift"], paths=PATHS, horizon=H, seed=5, workers=2)
    assert got.to_dict() == ens.to_dict()


def _normal_accumulator(x: np.ndarray, spec: HistSpec) -> Accumulator:
    m = MetricDef("x", spec, "u", True, "")
    acc = Accumulator([m], [], [], 1, HistSpec(1.0, 2.0, 4, log=True))
    cover = (np.ones(len(x)), np.zeros(len(x), bool))
    for part in np.array_split(x, 3):
        acc.add_block({"x": part}, {}, {}, cover[0][: len(part)], cover[1][: len(part)])
    return acc


def test_accumulator_reads_values_outside_the_bins_exactly():
    """A normal around -1 against bins on [0, 1]: quantiles and CVaR from the exact values."""
    x = np.random.default_rng(3).normal(-1.0, 1.0, 20_000)
    spec = HistSpec(0.0, 1.0, 1000)
    one = _normal_accumulator(x, spec)
    merged = Accumulator(one.metrics, [], [], 1, one.cover_spec)
    for part in np.array_split(x, 5):  # merged from other groupings: the same numbers
        merged.merge(_normal_accumulator(part, spec))
    xs = np.sort(x)
    for acc in (one, merged):
        assert acc.overflowing() == {}
        s = acc.summary("x")
        assert s.quantiles["p05"] == xs[int(np.ceil(0.05 * x.size)) - 1]  # below the bins
        assert abs(s.quantiles["p95"] - np.quantile(x, 0.95)) <= s.bin_width  # inside
        worst = xs[-len(x) // 20 :].mean()  # the top 5%: inside and above the bins
        assert abs(s.cvar95 - worst) <= s.bin_width
    a, b = one.summary("x"), merged.summary("x")  # (the fixed-point sums round per block)
    assert (a.quantiles, a.cvar95, a.min, a.max) == (b.quantiles, b.cvar95, b.min, b.max)


def test_accumulator_bins_values_below_and_above_anew(monkeypatch):
    """Too many values on both sides of the bins: bins covering them, the same paths again."""
    monkeypatch.setattr(results, "MAX_OUTSIDE", 1000)
    rng = np.random.default_rng(3)
    x = rng.normal(-1.0, 1.0, 20_000)
    spec = HistSpec(0.0, 1.0, 1000)
    acc = _normal_accumulator(x, spec)
    assert acc.outside["x"] is None
    cover = (np.ones(len(x)), np.zeros(len(x), bool))
    wide = acc.overflowing()
    assert set(wide) == {"x"}
    assert wide["x"].lo == x.min() and wide["x"].hi > x.max() and wide["x"].nb == spec.nb
    again = Accumulator([MetricDef("x", wide["x"], "u", True, "")], [], [], 1, acc.cover_spec)
    again.add_block({"x": x}, {}, {}, cover[0], cover[1])
    assert again.hist["x"][0] == 0 and again.hist["x"][-1] == 0
    acc.adopt(again)
    assert acc.overflowing() == {}
    s = acc.summary("x")
    for q in QUANTILES:
        assert abs(s.quantiles[f"p{round(q * 100):02d}"] - np.quantile(x, q)) <= s.bin_width
    worst = np.sort(x)[-len(x) // 20 :].mean()
    assert abs(s.cvar95 - worst) <= s.bin_width


def test_covering_bins_on_a_log_scale():
    spec = HistSpec(5.0, 400.0, 80, log=True)
    w = spec.covering(2.0, 900.0)
    assert w.log and w.lo == 2.0 and w.hi > 900.0 and w.nb == 80
    assert spec.covering(-1.0, 10.0).lo == 5.0  # non-positive values stay below the bins
    assert spec.covering(-3.0, 0.0) == spec  # no positive value: nothing to place
