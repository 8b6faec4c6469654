"""A commodity priced in thousands (an ounce of gold) gets bins around its own level: the fan
chart and the price's quantiles are the oil case's times the factor, not clipped at 1,000."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from melian.scenario import load_scenario
from melian.world import simulate
from melian.world.components.commodity_price import decade_scale

HERE = Path(__file__).parent / "data"
PACKAGED = Path(__file__).parents[2] / "src" / "melian" / "data"


def test_decade_scale_by_hand():
    assert decade_scale(40.0) == 1.0 and decade_scale(99.9) == 1.0  # oil: bins 1 .. 1,000
    assert decade_scale(1700.0) == 100.0  # gold: bins 100 .. 100,000
    assert decade_scale(9.5) == pytest.approx(0.1)
    assert decade_scale(0.0) == 1.0 and decade_scale(float("nan")) == 1.0


def test_a_price_thirty_times_higher_gives_thirty_times_the_bands(tmp_path):
    src = PACKAGED / "oil" / "brent-monthly-eia.csv"
    base = tmp_path / "base"
    scaled = tmp_path / "scaled"
    for d, factor in ((base, 1.0), (scaled, 30.0)):
        (d / "oil").mkdir(parents=True)
        shutil.copy(HERE / "world-test.yaml", d / "world-test.yaml")
        shutil.copytree(PACKAGED / "security", d / "security")
        lines = src.read_text().splitlines()
        rows = [lines[0]] + [
            f"{ln.split(',')[0]},{float(ln.split(',')[1]) * factor!r}" for ln in lines[1:]
        ]
        (d / "oil" / "brent-monthly-eia.csv").write_text("\n".join(rows) + "\n")
    runs = {}
    for d in (base, scaled):
        s = load_scenario(d / "world-test.yaml")
        opt = s.focal.options[0].id
        runs[d.name] = simulate(s, options=[opt], paths=4000, horizon=36, seed=3).results[opt]
    b, x = runs["base"].bands["brent"], runs["scaled"].bands["brent"]
    for q in ("p05", "p50", "p95"):
        ratio = np.asarray(x[q]) / np.asarray(b[q])
        # log bins of 3 decades / 1,500 bins: a relative resolution of 0.46% in each
        assert np.all(np.abs(ratio / 30.0 - 1.0) < 0.01), (q, ratio.min(), ratio.max())
    assert np.max(x["p95"]) > 1000.0  # the oil bins' top, which clipped such prices before
    med = {k: r.metrics["brent_mean"].quantiles["p50"] for k, r in runs.items()}
    assert med["scaled"] == pytest.approx(30.0 * med["base"], rel=0.01)
