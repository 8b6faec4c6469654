"""Tests of the optional borrowing-law mechanism of melian.world (fiscal.borrowing_law_*)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from melian.errors import InputError
from melian.scenario import load_scenario, parse_scenario
from melian.world import BLOCK, engine, evaluate, simulate
from melian.world.components.commodity_budget import LAW_PARAMS

FLOWS = (
    "sources",
    "uses",
    "payroll_paid",
    "domestic_borrowing",
    "external_borrowing",
    "new_arrears",
)

SCEN = Path(__file__).parent / "data" / "world-test.yaml"
TEXT = SCEN.read_text()
DEFAULTS = {
    "borrowing_law_hazard": "{value: 1.0, source: judgement}",
    "borrowing_authorised": "{value: 0.0, source: judgement}",
    "borrowing_tranche": "{value: 0.0, source: judgement}",
}


def with_law(extra: dict[str, str], file: str = "law.yaml") -> tuple[str, object]:
    """The test scenario's text with ``extra`` fiscal parameters added, and its parse."""
    lines = "".join(f"        {k}: {v}\n" for k, v in extra.items())
    text, n = re.subn(
        r"(\n        domestic_debt_limit:[^\n]*\n)", lambda m: m.group(1) + lines, TEXT, count=1
    )
    assert n == 1
    return text, parse_scenario(text, file)


def law(h: float, authorised: float = 0.0, tranche: float = 3.0) -> object:
    """The test scenario with a fixed hazard, initial envelope and tranche."""
    return with_law(
        {
            "borrowing_law_hazard": f"{{value: {h}, source: judgement}}",
            "borrowing_authorised": f"{{value: {authorised}, source: judgement}}",
            "borrowing_tranche": f"{{value: {tranche}, source: judgement}}",
        }
    )[1]


def run(scenario, opt: str = "drift", n: int = 2000, horizon: int = 48, seed: int = 1):
    """run_paths with recorded flows on ``n`` paths."""
    prep = engine.prepare(scenario, [opt], horizon)
    rngs = engine._rngs(prep, seed, opt, 0)
    P = engine.draw_all(prep, opt, n, rngs)
    r = engine.run_paths(prep, P, n, rngs, record=True)
    r["flows"] = r["state"]["fiscal"]["record"]
    return r


def dumps(ens) -> str:
    return json.dumps(ens.to_dict(), sort_keys=True)


@pytest.fixture(scope="module")
def base():
    return load_scenario(SCEN)


def test_explicit_defaults_reproduce_the_model_bit_for_bit(base):
    """Absent parameters and parameters declared at their defaults give identical results."""
    explicit = with_law(DEFAULTS)[1]
    kw = dict(paths=BLOCK + 500, horizon=36, seed=7, workers=1)
    assert dumps(simulate(base, **kw)) == dumps(simulate(explicit, **kw))
    # the mechanism really ran (it is skipped only when no parameter is declared)
    r0, r1 = run(base), run(explicit)
    assert "authorised" not in r0["flows"][0] and "authorised" in r1["flows"][0]
    for a, b in zip(r0["flows"], r1["flows"], strict=True):
        for k in FLOWS:
            np.testing.assert_array_equal(a[k], b[k])
    e0 = evaluate(base, "drift", {"fiscal.payroll": np.array([3.5, 4.5])}, 300, 24, seed=2)
    e1 = evaluate(explicit, "drift", {"fiscal.payroll": np.array([3.5, 4.5])}, 300, 24, seed=2)
    for k in e0:
        np.testing.assert_array_equal(e0[k], e1[k])


def test_hazard_one_equals_no_envelope_whatever_the_tranche(base):
    """With h = 1 a law passes whenever needed and covers the need: borrowing is unchanged."""
    r0 = run(base)
    for authorised, tranche in ((0.0, 0.5), (2.0, 7.0)):
        r1 = run(law(1.0, authorised, tranche))
        for a, b in zip(r0["flows"], r1["flows"], strict=True):
            for k in FLOWS:
                np.testing.assert_array_equal(a[k], b[k])
            assert not b["borrowing_blocked"].any()


def test_hazard_zero_caps_borrowing_at_the_envelope_and_arrears_grow(base):
    r0 = run(base)
    r = run(law(0.0, authorised=2.0))
    dom = np.array([f["domestic_borrowing"] for f in r["flows"]])
    assert dom.sum(axis=0).max() <= 2.0 + 1e-9
    assert np.array([f["borrowing_blocked"] for f in r["flows"]]).any()
    for key in ("arrears_months", "max_salary_stress"):
        assert (r["outcomes"][key] >= r0["outcomes"][key] - 1e-9).mean() > 0.99
        assert r["outcomes"][key].mean() > r0["outcomes"][key].mean()


def test_arrears_fall_as_the_hazard_rises(base):
    means = [run(law(h))["outcomes"]["arrears_months"].mean() for h in (0.0, 0.2, 0.5, 1.0)]
    assert means == sorted(means, reverse=True) and means[0] > means[-1]


def test_envelope_accounting(base):
    """The envelope falls by what is borrowed and rises only by laws of at least the tranche.

    (Without devaluation, which would scale the dinar envelope down.)
    """
    tranche = 3.0
    s = law(0.4, authorised=1.0, tranche=tranche)
    s = s.model_copy(deep=True)
    comp = s.world.component("fiscal")
    comp.parameters["devaluation_size"] = comp.parameters["devaluation_size"].model_copy(
        update={"dist": "fixed", "value": 0.0, "low": None, "high": None, "mode": None}
    )
    assert s.parameters()["fiscal.devaluation_size"].nominal == 0.0
    r = run(s)
    prev = np.full(2000, 1.0)
    laws = 0
    for f in r["flows"]:
        before_law = prev - f["domestic_borrowing"]
        passed = f["authorised"] > before_law + 1e-9
        laws += int(passed.sum())
        np.testing.assert_allclose(
            f["authorised"][~passed], np.maximum(before_law[~passed], 0), atol=1e-9
        )
        assert (f["authorised"][passed] - before_law[passed] >= tranche - 1e-9).all()
        assert (f["borrowing_blocked"][passed] == 0).all()
        assert (f["authorised"] >= 0).all()
        prev = f["authorised"]
    assert laws > 0


def test_accounts_balance_with_the_mechanism(base):
    """Sources = uses in every month and path, for every option, with laws that bind."""
    s = law(0.3, authorised=0.5, tranche=2.0)
    for opt in s.option_ids:
        r = run(s, opt, n=1000, horizon=60)
        for fl in r["flows"]:
            src, use = fl["sources"], fl["uses"]
            np.testing.assert_allclose(src, use, rtol=0, atol=1e-9 * np.maximum(1, src.max()))
            for k in FLOWS:
                assert (fl[k] >= -1e-9).all(), k


def test_identical_whatever_chunks_and_workers_with_uncertain_law_parameters():
    s = with_law(
        {
            "borrowing_law_hazard": "{dist: uniform, low: 0.2, high: 0.8, source: judgement}",
            "borrowing_authorised": "{value: 0.0, source: judgement}",
            "borrowing_tranche": "{dist: uniform, low: 1.0, high: 4.0, source: judgement}",
        }
    )[1]
    kw = dict(options=["drift", "ally-us"], paths=2 * BLOCK + 333, horizon=24, seed=3)
    a = simulate(s, chunk_size=BLOCK, workers=1, **kw)
    b = simulate(s, chunk_size=10 * BLOCK, workers=1, **kw)
    c = simulate(s, chunk_size=1, workers=2, **kw)
    d = simulate(s, options=["drift"], paths=kw["paths"], horizon=24, seed=3)
    assert dumps(a) == dumps(b) == dumps(c)
    assert json.dumps(a.to_dict()["options"]["drift"]) == json.dumps(
        d.to_dict()["options"]["drift"]
    )


def test_new_draws_leave_the_other_streams_unchanged(base):
    """Uncertain law parameters and law uniforms come from their own streams: the main
    generator's draws (every other parameter, oil, security, politics) are unchanged."""
    s = law(0.5)
    s2 = with_law(
        {
            "borrowing_law_hazard": "{dist: uniform, low: 0.2, high: 0.8, source: judgement}",
            "borrowing_tranche": "{value: 3.0, source: judgement}",
        }
    )[1]
    prep0, prep1 = engine.prepare(base, ["drift"], 24), engine.prepare(s2, ["drift"], 24)
    P0 = engine.draw_all(prep0, "drift", 500, engine._rngs(prep0, 4, "drift", 0))
    P1 = engine.draw_all(prep1, "drift", 500, engine._rngs(prep1, 4, "drift", 0))
    for c, got in P0.items():
        for k, v in got.items():
            np.testing.assert_array_equal(v, P1[c][k])
    h = np.asarray(P1["fiscal"]["borrowing_law_hazard"])
    assert h.shape == (500,) and 0.2 <= h.min() and h.max() <= 0.8
    r0, r1 = run(base, horizon=24), run(s, horizon=24)
    for key in ("brent_mean", "attacks_total", "militia_attacks_total"):
        np.testing.assert_array_equal(r0["outcomes"][key], r1["outcomes"][key])
    assert r1["outcomes"]["arrears_months"].sum() > r0["outcomes"]["arrears_months"].sum()


@pytest.mark.parametrize(
    ("name", "value", "field"),
    [
        ("borrowing_law_hazard", "{value: -0.1, source: judgement}", "value"),
        ("borrowing_law_hazard", "{value: 1.5, source: judgement}", "value"),
        ("borrowing_law_hazard", "{dist: uniform, low: 0.5, high: 1.2, source: judgement}", "dist"),
        ("borrowing_law_hazard", "{dist: normal, mean: 0.5, sd: 0.1, source: judgement}", "dist"),
        ("borrowing_tranche", "{value: -2.0, source: judgement}", "value"),
        ("borrowing_authorised", "{dist: discrete, values: [-1, 2], source: judgement}", "values"),
    ],
)
def test_bad_values_are_located(name, value, field):
    """Values that can leave a parameter's range are found over the distribution's support."""
    text = re.sub(
        r"(\n        domestic_debt_limit:[^\n]*\n)",
        lambda m: m.group(1) + f"        {name}: {value}\n",
        TEXT,
        count=1,
    )
    probs = [p for p in engine.check(parse_scenario(text, "bad.yaml")) if name in p.path]
    assert len(probs) == 1
    k = [c.id for c in parse_scenario(text, "bad.yaml").world.components].index("fiscal")
    assert probs[0].path == f"world.components[{k}].parameters.{name}"
    assert f"fiscal.{name} must be" in probs[0].message
    with pytest.raises(InputError, match=f"fiscal.{name} must be"):
        simulate(parse_scenario(text, "bad.yaml"), paths=10, horizon=2)


def test_law_parameters_are_optional():
    for spec in LAW_PARAMS:
        assert not spec.required and spec.default is not None


def test_law_parameters_are_optional_and_others_still_required(base):
    engine.prepare(base, ["drift"], 12)  # none declared: fine
    text = re.sub(r"\n        payroll:[^\n]*\n", "\n", TEXT, count=1)
    with pytest.raises(InputError, match="fiscal.payroll"):
        engine.prepare(parse_scenario(text), ["drift"], 12)


def test_builtin_scenario_declares_the_mechanism_with_sources():
    s = load_scenario("iraq-us-2020")
    params = s.parameters()
    for spec in LAW_PARAMS:
        par = params[f"fiscal.{spec.path}"]
        assert par.source in s.sources
    assert params["fiscal.borrowing_law_hazard"].judgement
    assert params["fiscal.borrowing_law_hazard"].confidence is not None
