"""The closed-form quantiles equal scipy.stats' to the bit (they replace it on the hot path)."""

from __future__ import annotations

import numpy as np
import pytest

from melian.scenario.schema import Distribution

U = np.concatenate(
    [np.random.default_rng(0).random(20_000), [0.0, 1e-12, 1e-9, 0.5, 1 - 1e-9, 1.0]]
)


@pytest.mark.parametrize(
    "spec",
    [
        {"dist": "uniform", "low": -3.0, "high": 3.3},
        {"dist": "triangular", "low": 1.2, "mode": 1.5, "high": 2.5},
        {"dist": "triangular", "low": 0.1, "mode": 0.1, "high": 0.4},
        {"dist": "triangular", "low": 0.0, "mode": 1.0, "high": 1.0},
        {"dist": "normal", "mean": -1.0, "sd": 12.5},
        {"dist": "lognormal", "mu": 1.3, "sigma": 0.2},
    ],
)
def test_closed_form_quantiles_are_scipys(spec):
    d = Distribution(**spec)
    q = np.clip(U, 1e-9, 1 - 1e-9)
    np.testing.assert_array_equal(d.ppf(U), np.asarray(d._frozen().ppf(q), dtype=float))
    assert d.ppf(0.5).shape == ()


def test_bounded_kinds_keep_the_truncated_scipy_quantiles():
    d = Distribution(dist="normal", mean=0.0, sd=1.0, low=-0.5, high=2.0)
    assert d._closed_ppf(np.array([0.5])) is None
    x = d.ppf(U)
    assert x.min() >= -0.5 and x.max() <= 2.0
