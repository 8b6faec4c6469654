"""The game solved at many points at once equals the game built and solved at each point."""

from __future__ import annotations

import numpy as np
import pytest

from melian.explore.judgements import model_ranges, with_judgement_uncertainty
from melian.explore.model import scenario_uncertainties
from melian.games.batch import focal_outcomes
from melian.games.payoffs import game_data, with_parameters
from melian.games.sweep import context
from melian.scenario import load_scenario


def _one_point(scenario, framing, names, point):
    """The reference path: build both forms and backward-induce at one point (melian.games)."""
    base = game_data(scenario, framing)
    ctx = context(scenario, framing, dict(zip(names, point, strict=True)), base=base)
    spe = ctx.spe[0]
    focal = ctx.data.focal
    comps = sorted(next(iter(ctx.leaves.values()))[focal])
    values = {
        opt: {c: ctx.expected(spe, k, focal, c) for c in comps}
        for k, opt in enumerate(ctx.data.options)
    }
    return values, spe.strategy.get(ctx.prefix(0))


@pytest.mark.parametrize("sid", ["iraq-us-2020", "kyrgyzstan-manas-2009"])
@pytest.mark.parametrize("framing", ["zero-sum", "variable-sum"])
def test_batched_game_equals_the_game_at_each_point(sid, framing):
    """At 12 sampled points (every judged game parameter widened) and the nominal one, every
    option's expected total and components, and the focal actor's choice, agree to 1e-12."""
    s = load_scenario(sid)
    s, _ = with_judgement_uncertainty(s, ranges=model_ranges(s))
    names, dists = scenario_uncertainties(s)
    names = tuple(p for p in names if p.startswith("game."))
    rec = s.option_ids[0]
    u = np.vstack([np.full(len(names), 0.5), np.random.default_rng(7).random((12, len(names)))])
    vals = np.column_stack([dists[rec][p].ppf(u[:, j]) for j, p in enumerate(names)])
    keys = [p[len("game.") :] for p in names]
    data = with_parameters(game_data(s, framing), None, framing)
    got = focal_outcomes(data, {k: vals[:, j] for j, k in enumerate(keys)})
    for i in range(len(vals)):
        want, chosen = _one_point(s, framing, keys, vals[i])
        for opt, comps in want.items():
            for c, v in comps.items():
                assert got.values[opt][c][i] == pytest.approx(v, abs=1e-12), (i, opt, c)
            assert got.chosen[opt][i] == (1.0 if opt == chosen else 0.0), (i, opt)


def test_batched_game_keeps_the_first_equilibrium_on_ties():
    """Where two of a responder's replies give it the same payoff (a tie), the batch takes the
    first, as the listed first subgame-perfect equilibrium does."""
    s = load_scenario("iraq-us-2020")
    data = game_data(s)
    # no cost of hostility or support and no stake: several replies tie for some responders
    zero = {
        k: np.zeros(3)
        for k in data.base_params
        if k.startswith(("support_cost", "hostility_cost", "contest_stake"))
    }
    got = focal_outcomes(data, zero)
    point = [0.0] * len(zero)
    ties = context(s, data.framing, dict.fromkeys(zero, 0.0), base=data)
    assert len(ties.spe) > 1  # the case does have tied replies
    want, chosen = _one_point(s, data.framing, list(zero), point)
    for opt, comps in want.items():
        for c, v in comps.items():
            assert got.values[opt][c][0] == pytest.approx(v, abs=1e-12)
        assert got.chosen[opt][0] == (1.0 if opt == chosen else 0.0)
