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


def _central_inputs(scenario, c, option):
    """The criterion's problem under ``option`` with its positions and saliences at the central
    experiment: the inputs as written (each explored input is a normal error around its coded
    value clipped to its scale, whose median is the coded value), the focal actor at the
    option's stance where it takes one, clout factors at their median 1."""
    problem = stance_problems(scenario, c)[option]
    return problem, problem.position[:, 0].copy(), problem.salience[:, 0].copy()


def _compromise(problem, x, sal):
    """The compromise forecast (the clout- and salience-weighted mean position) and weights."""
    w = issue_weights(problem)[:, 0] * sal
    present = ~np.isnan(x)
    return float(np.sum(w[present] * x[present]) / np.sum(w[present])), w, present


def test_the_central_experiment_measures_every_criterion_as_the_ranking_does(manas):
    """At the central values the game, forecast and judgement criteria are decide's evidence:
    every explored bargaining input's median is its coded value."""
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
    (the compromise model's weighted mean, computed here from the problem's arrays at the
    central experiment), with dx up to the very value the model reports for the input."""
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
    u = np.full((2, m.k), 0.5)
    u[1, j] = 0.8
    x1 = float(m.values(opt, u)[name][1])  # the value reported for the input
    lo, hi = problem.scale[0]
    assert lo <= x1 <= hi
    got = m.evaluate(opt, u, seed=0)[f"forecast:{c.id}"]
    _, x, sal = _central_inputs(manas, c, opt)
    base, w, present = _compromise(problem, x, sal)
    assert got[0] == pytest.approx(base, abs=1e-9)
    assert got[1] - got[0] == pytest.approx(w[row] * (x1 - x[row]) / np.sum(w[present]), abs=1e-9)


def _scale_of(model, name: str) -> tuple[float, float]:
    """The valid range of a bargaining input: its issue's scale, [0, 1], or (0, inf)."""
    kind = name.split(".")[1]
    if kind == "salience":
        return 0.0, 1.0
    if kind == "clout":
        return 0.0, np.inf
    issue = name.split(".")[2]
    entry = next(e for e in model.context["forecasts"] if e["issue"] == issue)
    lo, hi = next(iter(entry["problems"].values())).scale[0]
    return float(lo), float(hi)


@pytest.mark.parametrize("name", ["manas", "iraq"])
def test_every_sampled_bargaining_input_lies_within_its_scale(name, request):
    """Every value a bargaining input takes, at 2,000 Latin-hypercube experiments and at the
    ends of the quantile range (0 and 1, which PRIM's box limits and the tornado's swing reach),
    lies within its issue's scale (positions), in [0, 1] (saliences) or is positive and finite
    (clout factors), under every option; the model runs at the top end (it refuses a value off
    the scale)."""
    from melian.explore.model import latin_hypercube

    s = request.getfixturevalue(name)
    m = joint_model(s, paths_per_sample=2, horizon=6, reference=4)
    names = [p for p in m.uncertainties if p.startswith(BARGAINING)]
    assert any(".position." in p for p in names) and any(".salience." in p for p in names)
    u = np.vstack([latin_hypercube(m.k, 2000, 1), np.zeros(m.k), np.ones(m.k)])
    for o in m.options:
        vals = m.values(o, u)
        for p in names:
            lo, hi = _scale_of(m, p)
            v = vals[p]
            assert np.all((v >= lo) & (v <= hi)), (o, p, float(v.min()), float(v.max()))
            if ".clout." in p:
                assert np.all(v > 0) and np.all(np.isfinite(v)), (o, p)
    # the model runs at the top of every range at once (at the bottom every salience of an issue
    # may be held at 0, where no weighted outcome exists: a bargaining model refuses it)
    ends = {o: m.evaluate(o, u[-1:], seed=0) for o in m.options[:1]}
    assert all(np.all(np.isfinite(v)) for d in ends.values() for v in d.values())


def test_a_position_draw_follows_the_clipped_normal(manas):
    """The explored draws of a position coded at the end of its scale (0 on 0-100, low
    confidence: a spread of 20) and of a salience near 1 (0.9, spread 0.1) follow a normal around
    the coded value clipped to the scale: the share of 4,000 Latin-hypercube draws exactly at the
    bound is the normal's mass beyond it, Phi(0) = 0.5 and 1 - Phi(1) = 0.159, and the empirical
    CDF inside the scale is the normal's, within 0.026 (the 1% Kolmogorov-Smirnov critical value
    1.63 / sqrt(4000) of iid draws, Massey 1951, which stratified draws meet more easily)."""
    from scipy.stats import norm

    from melian.explore.model import ClippedNormal, latin_hypercube

    m = joint_model(manas, reference=4)
    n = 4000
    u = latin_hypercube(m.k, n, 2)
    vals = m.values(m.options[0], u)
    cases = {
        f"{BARGAINING}position.payment.russia": (0.0, 20.0, 0.0, 100.0, 0.0, 0.5),
        f"{BARGAINING}salience.payment.kyrgyzstan": (0.9, 0.1, 0.0, 1.0, 1.0, 1 - norm.cdf(1.0)),
    }
    tol = 1.63 / np.sqrt(n)
    for p, (mean, sd, lo, hi, bound, mass) in cases.items():
        d = m.distributions[m.options[0]][p]
        assert isinstance(d, ClippedNormal) and d.nominal == mean
        assert (d.mean, d.sd, d.low, d.high) == (mean, sd, lo, hi)
        v = vals[p]
        assert np.all((v >= lo) & (v <= hi))
        assert abs(np.mean(v == bound) - mass) < tol, p
        grid = np.linspace(lo, hi, 201)[:-1]
        ecdf = np.searchsorted(np.sort(v), grid, side="right") / n
        assert np.max(np.abs(ecdf - norm.cdf(grid, mean, sd))) < tol, p


def test_the_reported_tornado_ends_are_on_the_scale_and_are_the_values_used(manas):
    """The tornado's low and high value of every bargaining input lie within its range, and the
    forecast at a position's low end is the compromise forecast with the position at that very
    value (the others at the central experiment): what the tornado reports is what the
    bargaining model was given."""
    from melian.explore.sensitivity import tornado

    m = joint_model(manas, reference=4)
    t = tornado(m, seed=0)
    for key, bars in t.bars.items():
        for b in bars:
            if b["parameter"].startswith(BARGAINING):
                lo, hi = _scale_of(m, b["parameter"])
                assert lo <= b["low_value"] <= hi and lo <= b["high_value"] <= hi, (key, b)
    c = next(c for c in manas.criteria if c.measure.kind == "forecast" and c.measure.target is None)
    opt = m.options[0]
    problem, x, sal = _central_inputs(manas, c, opt)
    name = f"{BARGAINING}position.payment.russia"
    row = problem.actors.index("russia")
    bar = next(b for b in t.bars[f"{opt}/forecast:{c.id}"] if b["parameter"] == name)
    # coded at 0 with a spread of 20: the low swing (10th percentile) is held at 0, the high
    # one is 20 Phi^-1(0.9)
    from scipy.stats import norm

    assert bar["low_value"] == 0.0
    assert bar["high_value"] == pytest.approx(20.0 * norm.ppf(0.9), abs=1e-9)
    assert bar["output_at_low"] == pytest.approx(_compromise(problem, x, sal)[0], abs=1e-9)
    x_high = x.copy()
    x_high[row] = bar["high_value"]
    assert bar["output_at_high"] == pytest.approx(_compromise(problem, x_high, sal)[0], abs=1e-9)


def test_a_switch_over_value_of_a_bargaining_input_is_on_its_scale_and_is_the_value_used(manas):
    """The breaking points report each switch-over value in the input's units: for a bargaining
    input it lies on the input's scale and is the value the model maps the switch-over's
    standardised point to (the value its runs were given)."""
    from scipy.stats import norm

    from melian.explore.breaking import model_breaking_points

    m = joint_model(manas, reference=8)
    bp = model_breaking_points(m, seed=0, reference=8, replications=0)
    found = 0
    for x in bp.switch_overs:
        if not x.input.startswith(BARGAINING):
            continue
        lo, hi = _scale_of(m, x.input)
        j = m.uncertainties.index(x.input)
        for z, v in ((x.low_z, x.low_value), (x.high_z, x.high_value)):
            if z is None:
                continue
            found += 1
            assert lo <= v <= hi
            u = np.full((1, m.k), 0.5)
            u[0, j] = np.clip(norm.cdf(z), 1e-9, 1 - 1e-9)
            assert v == m.values(bp.top, u)[x.input][0]
    assert found >= 1


def test_a_bargaining_value_off_its_scale_is_refused(manas):
    """A position off its issue's scale (the -3.8 of an outside report) or a salience above 1
    handed to the model is refused, not clipped into another value than the one reported."""
    from melian.errors import ModelError
    from melian.explore.joint import joint_function

    m = joint_model(manas, reference=4)
    opt = m.options[0]
    for p, bad in (
        (f"{BARGAINING}position.payment.russia", -3.8),
        (f"{BARGAINING}salience.payment.kyrgyzstan", 1.01),
    ):
        vals = m.values(opt, m.nominal())
        vals[p] = np.array([bad])
        with pytest.raises(ModelError, match="outside its range"):
            joint_function(m.context, opt, vals, 0)


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
