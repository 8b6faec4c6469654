"""The whole decision as one exploratory model: world, game and bargaining inputs together."""

from __future__ import annotations

import numpy as np
import pytest

from melian.analysis.rank import evidence
from melian.bargaining.base import issue_weights
from melian.decide.evidence import stance_problems
from melian.explore import explore
from melian.explore.joint import BARGAINING, joint_model
from melian.explore.judgements import model_ranges, with_judgement_uncertainty
from melian.explore.model import utility
from melian.explore.world import world_function
from melian.scenario import load_scenario


@pytest.fixture(scope="module")
def manas():
    s = load_scenario("kyrgyzstan-manas-2009")
    return with_judgement_uncertainty(s, ranges=model_ranges(s))[0]


@pytest.fixture(scope="module")
def iraq():
    s = load_scenario("iraq-us-2020")
    return with_judgement_uncertainty(s, ranges=model_ranges(s))[0]


@pytest.fixture(scope="module")
def iraq_model(iraq):
    return joint_model(iraq, paths_per_sample=2, horizon=6, reference=4)


def test_the_joint_ensemble_varies_world_game_and_judgement_inputs_together(iraq_model, iraq):
    """One experiment sets world parameters, game parameters and bargaining inputs at once, and
    every criterion of the scenario is an outcome with its weight."""
    m = iraq_model
    kinds = {
        "world": [p for p in m.uncertainties if not p.startswith(("game.", BARGAINING))],
        "game": [p for p in m.uncertainties if p.startswith("game.")],
        "bargaining": [p for p in m.uncertainties if p.startswith(BARGAINING)],
    }
    assert all(kinds.values()), {k: len(v) for k, v in kinds.items()}
    # the judged effects of the options are among the world inputs (widened by confidence)
    assert len(kinds["world"]) > len(load_scenario("iraq-us-2020").uncertain_parameters())
    assert sum(m.weights.values()) == pytest.approx(sum(c.weight for c in iraq.criteria))
    assert len(m.weights) == len(iraq.criteria)
    assert set(m.bounds) == set(m.weights)


def test_the_central_experiment_measures_every_criterion_as_the_ranking_does(manas):
    """At the central values the game, forecast and judgement criteria are decide's evidence."""
    m = joint_model(manas, reference=4)
    ev = evidence(manas)
    u = m.nominal()
    for o in m.options:
        got = m.evaluate(o, u, seed=0)
        for c in manas.criteria:
            kind = c.measure.kind
            name = {"game": f"game:{c.measure.metric}"}.get(kind, f"{kind}:{c.id}")
            assert got[name][0] == pytest.approx(ev.values[c.id][o], abs=1e-12), (o, c.id)


def test_a_bargaining_input_moves_its_forecast_by_the_compromise_formula(manas):
    """Moving one actor's position on a forecast issue moves the criterion by w_i s_i dx / sum w s
    (the compromise model's weighted mean, computed here from the problem's arrays)."""
    m = joint_model(manas, reference=4)
    c = next(c for c in manas.criteria if c.measure.kind == "forecast" and c.measure.target is None)
    issue = str(c.measure.issue)
    opt = m.options[0]
    problem = stance_problems(manas, c)[opt]
    focal = manas.focal.actor
    row = next(
        i
        for i, a in enumerate(problem.actors)
        if a != focal and f"{BARGAINING}position.{issue}.{a}" in m.uncertainties
    )
    name = f"{BARGAINING}position.{issue}.{problem.actors[row]}"
    j = m.uncertainties.index(name)
    dist = m.distributions[opt][name]
    u = np.full((2, m.k), 0.5)
    u[1, j] = 0.8
    x1 = float(dist.ppf(0.8))
    lo, hi = problem.scale[0]
    x1 = min(max(x1, lo), hi)
    got = m.evaluate(opt, u, seed=0)[f"forecast:{c.id}"]
    x = problem.position[:, 0]
    w = issue_weights(problem)[:, 0] * problem.salience[:, 0]
    present = ~np.isnan(x)
    base = np.sum(w[present] * x[present]) / np.sum(w[present])
    assert got[0] == pytest.approx(base, abs=1e-9)
    assert got[1] - got[0] == pytest.approx(w[row] * (x1 - x[row]) / np.sum(w[present]), abs=1e-9)


def test_the_world_runs_once_per_distinct_row_with_the_same_results(iraq_model, iraq):
    """Experiments that differ only in game or bargaining inputs share one world simulation, and
    the world outcomes equal the world model's at those parameter values (common random numbers)."""
    m = iraq_model
    rng = np.random.default_rng(3)
    u = np.full((4, m.k), 0.5)
    world = [j for j, p in enumerate(m.uncertainties) if not p.startswith(("game.", BARGAINING))]
    other = [j for j in range(m.k) if j not in world]
    u[1:, other] = rng.random((3, len(other)))  # rows 0-3 share the world's inputs
    u[3, world] = rng.random(len(world))  # row 3 does not
    opt = m.recommended
    import melian.explore.world as world_module

    simulated = []
    real = world_module.world_function

    def counted(ctx, option, samples, seed):
        simulated.append(len(next(iter(samples.values()))))
        return real(ctx, option, samples, seed)

    world_module.world_function = counted
    try:
        got = m.evaluate(opt, u, seed=11)
    finally:
        world_module.world_function = real
    assert simulated == [2]  # rows 0-2 share one simulation, row 3 has its own
    vals = m.values(opt, u)
    ctx = {"scenario": iraq, "paths": 2, "horizon": 6}
    names = [m.uncertainties[j] for j in world]
    want = world_function(ctx, opt, {p: vals[p] for p in names}, 11)
    for k, v in want.items():
        if k in got:
            np.testing.assert_array_equal(got[k], np.asarray(v))
    assert got["p_security_crisis"][0] == got["p_security_crisis"][1] == got["p_security_crisis"][2]


@pytest.mark.parametrize("name", ["iraq", "manas"])
def test_every_option_at_once_equals_one_option_at_a_time(name, request):
    """The joint model simulates every option's world together (``batch``): the same numbers, per
    path too, as one call per option; distinct-row sharing included (rows 0 and 1 share their
    world inputs)."""
    s = request.getfixturevalue(name)
    m = joint_model(s, paths_per_sample=3, horizon=6, reference=4)
    assert m.batch is not None
    u = np.random.default_rng(5).random((6, m.k))
    u[1] = u[0]
    u[1, [j for j, p in enumerate(m.uncertainties) if p.startswith(("game.", BARGAINING))]] = 0.3
    for per_path in (False, True):
        mm = m
        if per_path:
            from dataclasses import replace

            ctx = {**m.context, "per_path": True, "path_outcomes": tuple(m.weights)}
            mm = replace(m, context=ctx)
        together = mm.evaluate_options(mm.options, u, 9)
        for o in mm.options:
            alone = mm.evaluate(o, u, 9)
            assert list(alone) == list(together[o])
            for k, v in alone.items():
                np.testing.assert_array_equal(together[o][k], v, err_msg=f"{o} {k}")


def test_an_experiments_utility_does_not_depend_on_the_rest_of_the_ensemble(manas):
    """With the model's fixed normalisation, the utilities of the first futures are the same
    whether they are ranked alone or inside a larger ensemble."""
    m = joint_model(manas, reference=8)
    u = np.random.default_rng(5).random((40, m.k))
    small = {o: m.evaluate(o, u[:5], 0) for o in m.options}
    large = {o: m.evaluate(o, u, 0) for o in m.options}
    us, ul = utility(m, small), utility(m, large)
    for o in m.options:
        np.testing.assert_allclose(us[o], ul[o][:5], rtol=0, atol=1e-12)


def test_without_judgement_uncertainty_the_bargaining_inputs_stay_as_written():
    s = load_scenario("kyrgyzstan-manas-2009")
    m = joint_model(s, bargaining=False, reference=4)
    assert not [p for p in m.uncertainties if p.startswith(BARGAINING)]
    assert all(p.startswith("game.") for p in m.uncertainties)


def test_explore_runs_on_the_joint_model_by_default():
    s = load_scenario("kyrgyzstan-manas-2009")
    r = explore(s, "regret", samples=16, scheduler="synchronous").to_dict()
    notes = " ".join(r["settings"].get("notes", []))
    assert "joint ensemble" in notes
    # regret on every criterion and on the utility that ranks the options on all of them
    assert set(r["regret"]) == {
        "utility",
        "game:economy",
        "game:autonomy",
        "game:security",
        "forecast:base-payment",
        "forecast:jurisdiction",
        "judgement:energy",
    }
    assert set(r["regret"]["utility"]) == set(s.option_ids)


def test_the_reference_normalisation_is_computed_once_per_model(manas, monkeypatch):
    """The brief explores each view three times on the same model: the reference ensemble that
    fixes the normalisation is run once, and the bounds are the same."""
    import melian.explore.joint as joint

    calls = []
    real = joint.with_reference_bounds

    def counted(*a, **k):
        calls.append(1)
        return real(*a, **k)

    monkeypatch.setattr(joint, "with_reference_bounds", counted)
    monkeypatch.setattr(joint, "_BOUNDS", {})
    bare = joint_model(manas, reference=0)
    first = joint.with_fixed_normalisation(bare, seed=3, reference=8)
    second = joint.with_fixed_normalisation(joint_model(manas, reference=0), seed=3, reference=8)
    assert len(calls) == 1 and first.bounds == second.bounds and first.bounds
    joint.with_fixed_normalisation(bare, seed=4, reference=8)  # another seed: another ensemble
    assert len(calls) == 2
