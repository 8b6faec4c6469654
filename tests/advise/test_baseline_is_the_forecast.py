"""The levers' baseline is the forecast the other sections show.

Both built-in scenarios have clout that differs by issue and actors without a position on some
issue. KTAB's SMP and melian-deu weigh an actor by one number, so the forecast runs them issue by
issue with each issue's clout; the exchange model accepts missing positions and runs jointly with
every actor. The counterfactual runs used to group SMP's issues by the actors holding positions
(with one clout per actor) and to drop from a joint block every actor missing one position, so
the levers' "consensus forecast" matched none of the forecast table's numbers.
"""

from __future__ import annotations

import pytest

import melian
from melian.bargaining import forecast_all


@pytest.mark.parametrize("scenario", ["iraq-us-2020", "kyrgyzstan-manas-2009"])
def test_levers_baseline_equals_the_forecast(scenario: str) -> None:
    s = melian.load_scenario(scenario)
    models = ["smp", "exchange", "melian-deu", "compromise"]
    got = melian.levers(s, models=models).to_dict()["baseline"]
    want = forecast_all(s, models)
    for m in models:
        points = {i.issue: i.point for i in want[m].issues}
        assert got[m]["outcome"] == pytest.approx(points, abs=1e-6), m
