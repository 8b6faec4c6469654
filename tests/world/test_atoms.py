"""Quantiles and CVaR of outcomes with a point mass (an atom) inside the bins.

Outcomes pile up at exact values: 0 months of a cut on most paths, no output lost, a presence
share of exactly 1 (or 0). Linear interpolation inside the bin holding such a point mass used to
spread it over the bin (median cut months 0.06 when 89% of paths have none, a presence share's
median 0.9995 when every path ends at 1). The accumulator now counts the values exactly equal to
0, to 1 and to the bins' lower edge (``HistSpec.atoms``), and a quantile whose rank falls among
them is that value. The answers below are computed by hand.
"""

from __future__ import annotations

import numpy as np
import pytest

from melian.world import BLOCK, simulate
from melian.world.results import QUANTILES, Accumulator, HistSpec, MetricDef, hist_quantile

from .test_rebinning import SYN


def _accumulate(
    x: np.ndarray, spec: HistSpec, parts: int = 3, worst_high: bool = True
) -> Accumulator:
    m = MetricDef("x", spec, "u", worst_high, "")
    acc = Accumulator([m], [], [], 1, HistSpec(1.0, 2.0, 4, log=True))
    for part in np.array_split(x, parts):
        one = np.ones(len(part))
        acc.add_block({"x": part}, {}, {}, one, np.zeros(len(part), bool))
    return acc


def _zeros_and_centres() -> np.ndarray:
    """900 zeros and one value at the centre of each of the 100 bins of [0, 1]."""
    return np.concatenate([np.zeros(900), (np.arange(100) + 0.5) / 100])


def test_median_of_a_mostly_zero_outcome_is_zero():
    spec = HistSpec(0.0, 1.0, 100)
    s = _accumulate(_zeros_and_centres(), spec).summary("x")
    for q in ("p05", "p10", "p25", "p50", "p75", "p90"):  # ranks 50 .. 900: all zeros
        assert s.quantiles[q] == 0.0
    # rank 950: the 49th of the values above 0 (one per bin, bins 1..49 hold ranks 902..949);
    # bin 50 = [0.49, 0.50) holds one value, read at its top: 0.50 (true value 0.495)
    assert s.quantiles["p95"] == pytest.approx(0.50, abs=1e-12)
    assert s.cvar95 == pytest.approx(0.75, abs=1e-12)  # the top 50: 0.505 .. 0.995
    low = _accumulate(_zeros_and_centres(), spec, worst_high=False).summary("x")
    assert low.cvar95 == 0.0  # the worst (lowest) 5%: zeros


def test_hist_quantile_without_atoms_is_unchanged():
    """Without atom counts the bin is read as before: the zeros spread over the first bin."""
    spec = HistSpec(0.0, 1.0, 100)
    acc = _accumulate(_zeros_and_centres(), spec)
    h = acc.hist["x"]
    assert hist_quantile(spec, h, 0.5, 0.0, 0.995) == pytest.approx(0.01 * 500 / 901)
    assert spec.atoms == (0.0,)  # 1.0 is the top edge: in the top slot (kept exactly)


def test_a_share_of_exactly_one_on_every_path():
    spec = HistSpec(0.0, 1.0 + 1e-9, 1000)  # a presence share: 1 in the last bin
    s = _accumulate(np.ones(5000), spec).summary("x")
    assert all(v == 1.0 for v in s.quantiles.values())
    assert s.cvar95 == 1.0
    both = np.concatenate([np.zeros(3000), np.ones(7000)])  # 30% at 0, 70% at 1
    s = _accumulate(both, spec, worst_high=False).summary("x")
    assert [s.quantiles[f"p{round(q * 100):02d}"] for q in QUANTILES] == [0, 0, 0, 1, 1, 1, 1]
    assert s.cvar95 == 0.0


def test_months_quantiles_at_integer_atoms():
    """Counts of months (bins centred on 0 .. 24): 60% none, 30% one, 10% five."""
    spec = HistSpec(-0.5, 24.5, 25)
    x = np.concatenate([np.zeros(600), np.ones(300), np.full(100, 5.0)])
    s = _accumulate(x, spec).summary("x")
    assert s.quantiles["p50"] == 0.0
    assert s.quantiles["p75"] == 1.0
    assert s.quantiles["p90"] == 1.0  # rank 900: the last of the ones
    assert s.quantiles["p95"] == pytest.approx(5.0)  # 5 has no atom count: bin [4.5, 5.5), half
    assert s.cvar95 == pytest.approx(5.0)  # the top 50: bin of 5, its mid-point


def test_atom_at_the_lower_edge_of_log_bins():
    spec = HistSpec(1.0, 1000.0, 60, log=True)
    x = np.concatenate([np.ones(800), np.geomspace(2.0, 900.0, 200)])
    s = _accumulate(x, spec, worst_high=False).summary("x")
    assert s.quantiles["p50"] == 1.0 and s.quantiles["p75"] == 1.0
    assert s.cvar95 == 1.0


def test_atoms_do_not_depend_on_grouping():
    rng = np.random.default_rng(7)
    x = np.where(rng.random(30_001) < 0.6, 0.0, rng.exponential(0.2, 30_001))
    x[rng.random(x.size) < 0.1] = 1.0
    spec = HistSpec(0.0, 2.0, 400)
    ref = _accumulate(x, spec, parts=1).summary("x")
    for parts in (2, 7, 64):
        merged = Accumulator([MetricDef("x", spec, "u", True, "")], [], [], 1, HistSpec(1, 2, 4))
        pieces = [_accumulate(p, spec, parts=1) for p in np.array_split(x, parts)]
        for p in reversed(pieces):  # merged in another order
            merged.merge(p)
        s = merged.summary("x")
        assert (s.quantiles, s.cvar95, s.min, s.max) == (
            ref.quantiles,
            ref.cvar95,
            ref.min,
            ref.max,
        )
    assert ref.quantiles["p50"] == 0.0
    for q in QUANTILES:  # within one bin width of the exact quantile everywhere
        exact = np.quantile(x, q, method="inverted_cdf")
        assert abs(ref.quantiles[f"p{round(q * 100):02d}"] - exact) <= spec.width


def test_simulated_atoms_do_not_depend_on_chunks():
    from melian.scenario.loader import load_scenario

    sc = load_scenario(SYN)
    a = simulate(sc, paths=2 * BLOCK + 100, horizon=12, seed=3, workers=1).to_dict()
    b = simulate(sc, paths=2 * BLOCK + 100, horizon=12, seed=3, workers=1, chunk_size=BLOCK)
    assert a == b.to_dict()
