"""Cases outside the built-in ones: a wanted event, non-commodity inflows, a patron build-up.

Outside analysts found three kinds assuming the built-in case: ``event_hazard`` events were always
harmful, ``commodity_budget`` reserves had no foreign currency but the commodity's and declared
transfers, and ``patron_drawdown`` could neither grow nor wait. Each extension is optional and its
default reproduces the model before it bit for bit (checked on the built-in scenarios with the
new fields declared at their defaults); the numbers here are worked out by hand in the comments.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from melian.cli import app
from melian.explore.world import world_directions
from melian.scenario import load_scenario, parse_scenario
from melian.scenario.schema import Parameter
from melian.world import BLOCK, check, declared, engine, outcome_directions, simulate
from melian.world.components import KINDS, base
from melian.world.components.base import Setup
from melian.world.components.commodity_budget import CommodityBudget
from melian.world.components.patron_drawdown import PatronDrawdown
from tests.scenario_text import edited, line_of

DATA = Path(__file__).parents[1] / "data" / "scenarios"
SYN = DATA / "synthetic-world.yaml"
SYN_TEXT = SYN.read_text(encoding="utf-8")
WORLD_TEST = Path(__file__).parent / "data" / "world-test.yaml"
WORLD_TEXT = WORLD_TEST.read_text(encoding="utf-8")
LOCATED = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): (?P<path>\S+): (?P<msg>.+)$")


def make(K, P, horizon=12):
    return K("c", Setup(None, horizon, {k: float(v) for k, v in P.items()}, {}, {}, {}, {}))  # type: ignore[arg-type]


def rng(seed=0):
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(5, 6))))


def dumps(ens) -> str:
    return json.dumps(ens.to_dict(), sort_keys=True)


def validate(tmp_path: Path, text: str) -> tuple[int, list[str], Path]:
    p = tmp_path / "case.yaml"
    p.write_text(text, encoding="utf-8")
    res = CliRunner().invoke(app, ["scenarios", "validate", str(p)])
    return res.exit_code, res.stderr.splitlines(), p


def with_defaults(name: str, params: dict[str, tuple[str, float, str]]):
    """Built-in scenario ``name`` with the optional parameters ``{component: (parameter, value,
    unit)}`` declared (at their defaults)."""
    s = load_scenario(name).model_copy(deep=True)
    src = next(iter(s.sources))
    for cid, (pname, value, unit) in params.items():
        s.world.component(cid).parameters[pname] = Parameter(value=value, unit=unit, source=src)
    return s


# ============================================================================ wanted events
WANTED = (
    "      name: Closure of the base\n",
    "      name: Closure of the base\n      desirable: true\n",
)


def test_an_event_is_to_be_avoided_unless_declared_desirable():
    s = load_scenario(SYN)
    d = {x.name: x for x in declared(s)}
    assert d["base_closure"].direction == "higher_worse"
    assert d["event_months"].direction == "higher_worse"
    dirs = outcome_directions(s)
    assert dirs["p_base_closure"] == "min" and dirs["event_months"] == "min"

    w = parse_scenario(edited(SYN_TEXT, WANTED), "wanted.yaml")
    assert check(w) == []
    d = {x.name: x for x in declared(w)}
    # the (renamed) event and the months it is active are benefits; labels are unchanged
    assert d["base_closure"].direction == "higher_better"
    assert d["event_months"].direction == "higher_better"
    assert d["base_closure"].labels["en"] == "the base closing"
    dirs = outcome_directions(w)
    assert dirs["p_base_closure"] == "max" and dirs["event_months"] == "max"
    # the other components keep their kinds' directions
    assert dirs["transfers_total"] == "max" and dirs["transfer_debt_end"] == "min"
    assert dirs["p_transfer_stopped"] == "min"


def test_a_desirable_event_is_a_benefit_where_a_direction_is_read():
    w = parse_scenario(edited(SYN_TEXT, WANTED), "wanted.yaml")
    s = load_scenario(SYN)
    # exploration: a metric no criterion measures takes the declared direction
    assert world_directions(w, ["p_base_closure", "event_months"]) == {
        "p_base_closure": "max",
        "event_months": "max",
    }
    assert world_directions(s, ["p_base_closure", "event_months"]) == {
        "p_base_closure": "min",
        "event_months": "min",
    }
    kw = dict(options=["drift"], paths=4000, horizon=24, seed=3, workers=1)
    a, b = simulate(s, **kw), simulate(w, **kw)
    # the simulation itself is the same: the same probability and months
    ra, rb = a.results["drift"], b.results["drift"]
    assert ra.probabilities == rb.probabilities
    assert ra.metrics["event_months"].mean == rb.metrics["event_months"].mean
    # the brief and decide read the direction from the declarations
    assert b.to_dict()["declared"]["base_closure"]["direction"] == "higher_better"
    assert b.to_dict()["declared"]["event_months"]["direction"] == "higher_better"
    assert a.to_dict()["declared"]["base_closure"]["direction"] == "higher_worse"
    # the CVaR's tail is the worst 5%: for a wanted event, the fewest months. With h = 0.02 the
    # event never happens in 24 months on exp(-0.48) = 62% of paths: the low tail is all 0
    assert rb.metrics["event_months"].to_dict()["cvar_tail"] == "low"
    assert rb.metrics["event_months"].cvar95 == 0.0
    assert ra.metrics["event_months"].to_dict()["cvar_tail"] == "high"
    assert ra.metrics["event_months"].cvar95 > 20  # the 5% whose event came earliest


def test_only_kinds_whose_events_can_be_wanted_accept_desirable(tmp_path: Path):
    assert KINDS["event_hazard"].DESIRABLE == ("event", "event_months")
    assert [k for k, K in KINDS.items() if K.DESIRABLE] == ["event_hazard"]
    text = edited(
        SYN_TEXT,
        ("      name: Rent for basing rights\n", "      name: Rent for basing rights\n"
         "      desirable: true\n"),
    )  # fmt: skip
    code, err, p = validate(tmp_path, text)
    assert code == 2 and len(err) == 1, err
    m = LOCATED.match(err[0])
    assert m and m["path"] == "world.components[1].desirable"
    assert int(m["line"]) == line_of(p, "desirable: true")
    assert "transfers 'aid' cannot be declared desirable" in m["msg"]
    assert "only the events of event_hazard can be wanted" in m["msg"]


def test_a_desirable_that_is_not_true_or_false_is_located(tmp_path: Path):
    text = edited(
        SYN_TEXT,
        ("      name: Closure of the base\n", "      name: Closure of the base\n"
         "      desirable: perhaps\n"),
    )  # fmt: skip
    code, err, p = validate(tmp_path, text)
    assert code == 2
    m = LOCATED.match(err[0])
    assert m and m["path"] == "world.components[0].desirable"
    assert int(m["line"]) == line_of(p, "desirable: perhaps")
    assert "boolean" in m["msg"] and "perhaps" in m["msg"]
    code, err, _ = validate(tmp_path, edited(SYN_TEXT, WANTED))
    assert code == 0, err


# ============================================================================ non-commodity inflows
BUDGET = dict(
    export_revenue_share=1.0,
    other_revenue=0.2,
    other_revenue_growth=0.0,
    payroll=1.0,
    payroll_growth=0.0,
    running_costs=0.1,
    investment_spending=0.1,
    treasury_cash=0.1,
    reserves=10.0,
    import_leakage=0.5,
    domestic_debt=1.0,
    domestic_rate=0.05,
    domestic_borrowing_cap=0.15,
    domestic_debt_limit=100.0,
    external_debt=2.0,
    external_rate=0.04,
    external_amortisation=0.1,
    external_access=0.0,
    external_borrowing_cap=0.0,
    external_debt_limit=0.0,
    grants=0.0,
    devaluation_trigger=0.0,
    devaluation_size=0.2,
    salary_crisis_months=1.0,
)


def budget_run(P: dict[str, float], months: int = 12) -> tuple[dict, np.ndarray]:
    """The budget over ``months`` months in slabs of 3 on three paths whose exports fall short,
    cover and exceed the payroll (1.0, 0.5 and 1.5 a month): its final state and reserves."""
    c = make(CommodityBudget, P, horizon=months)
    S = c.start(P, 3, rng(), 1)
    RS = []
    for t0 in range(0, months, 3):
        ex = {
            "value": np.tile([1.0, 0.5, 1.5], (3, 1)),
            "base_volume": np.ones((3, 3)),
            "discount": np.zeros(3),
        }
        RS.append(c.advance(S, t0, 3, {"exports": ex}, rng(), 1)["reserves"])
    return S, np.concatenate(RS)


@pytest.mark.parametrize("numpy_only", [True, False])
def test_a_constant_inflow_raises_the_reserves_by_n_times_it(numpy_only, monkeypatch):
    # the inflow reaches the reserves only: after n months they are n x 0.3 higher, the
    # budget's accounts (arrears, debt, treasury) are unchanged; both the numpy months and
    # the compiled kernel
    monkeypatch.setattr(base, "NUMPY_ONLY", numpy_only)
    S0, R0 = budget_run(BUDGET)
    S1, R1 = budget_run(dict(BUDGET, non_commodity_inflow=0.3))
    assert (R0 > 0).all()  # never floored at 0: the difference is exact
    n = np.arange(1, 13)[:, None]
    np.testing.assert_allclose(R1 - R0, 0.3 * n * np.ones((1, 3)), rtol=0, atol=1e-12)
    for key in ("arrears", "treasury", "domestic_debt", "external_debt"):
        np.testing.assert_array_equal(S0[key], S1[key])
    # declared at its default, 0: the same numbers bit for bit
    S2, R2 = budget_run(dict(BUDGET, non_commodity_inflow=0.0))
    np.testing.assert_array_equal(R0, R2)


def test_the_inflow_is_not_scaled_by_a_devaluation():
    # reserves 1 below the trigger 2: devalued in month 0 (local spending x 1/1.2); the
    # inflow, in foreign currency, still adds exactly 0.3 a month
    P = dict(BUDGET, reserves=1.0, devaluation_trigger=2.0)
    S0, R0 = budget_run(P, months=6)
    S1, R1 = budget_run(dict(P, non_commodity_inflow=0.3), months=6)
    assert S0["devalued"].all() and S1["devalued"].all()
    assert (R0 > 0).all()
    np.testing.assert_allclose(
        R1 - R0, 0.3 * np.arange(1, 7)[:, None] * np.ones((1, 3)), atol=1e-12
    )


def world_test_with(line: str):
    """The budget test scenario with ``line`` added to its fiscal parameters."""
    text = edited(
        WORLD_TEXT,
        ("        grants: {value: 0.0,", f"        {line}\n        grants: {{value: 0.0,"),
    )
    return text, parse_scenario(text, "inflow.yaml")


def test_inflow_through_the_engine_by_hand():
    # without devaluation (size 0: the trigger changes nothing) and on paths whose reserves are
    # never floored, reserves_end rises by exactly horizon x inflow and nothing else changes
    def no_devaluation(s):
        s = s.model_copy(deep=True)
        comp = s.world.component("fiscal")
        comp.parameters["devaluation_size"] = comp.parameters["devaluation_size"].model_copy(
            update={"dist": "fixed", "value": 0.0, "low": None, "high": None, "mode": None}
        )
        return s

    s0 = no_devaluation(load_scenario(WORLD_TEST))
    s1 = no_devaluation(
        world_test_with(
            "non_commodity_inflow: {value: 0.25, unit: US$ bn/month, source: judgement}"
        )[1]
    )
    H, n = 24, 2000
    out = []
    for s in (s0, s1):
        prep = engine.prepare(s, ["drift"], H)
        rngs = engine._rngs(prep, 5, "drift", 0)
        out.append(engine.run_paths(prep, engine.draw_all(prep, "drift", n, rngs), n, rngs))
    r0, r1 = (o["outcomes"] for o in out)
    kept = r0["reserves_min"] > 0
    assert kept.mean() > 0.5
    np.testing.assert_allclose(
        r1["reserves_end"][kept] - r0["reserves_end"][kept], H * 0.25, rtol=0, atol=1e-9
    )
    for key in ("arrears_months", "debt_end", "max_salary_stress", "brent_mean"):
        np.testing.assert_array_equal(r0[key], r1[key])


def test_inflow_values_are_validated_and_located(tmp_path: Path):
    text, s = world_test_with(
        "non_commodity_inflow: {value: -0.5, unit: US$ bn/month, source: judgement}"
    )
    (prob,) = [p for p in check(s) if "non_commodity_inflow" in p.path]
    k = [c.id for c in s.world.components].index("fiscal")
    assert prob.path == f"world.components[{k}].parameters.non_commodity_inflow"
    assert "fiscal.non_commodity_inflow must be >= 0 (money bn/month); got -0.5" in prob.message
    code, err, p = validate(tmp_path, text)
    assert code == 2
    (m,) = [m for m in map(LOCATED.match, err) if m and "non_commodity_inflow" in m["path"]]
    assert int(m["line"]) == line_of(p, "non_commodity_inflow: {value: -0.5")


# ============================================================================ patron build-up, notice
def presence(P: dict[str, float], months: int, drivers: list[float] | None = None) -> np.ndarray:
    """The presence of one path over ``months`` months, advanced in slabs of 3 as the engine
    does (a driver, if given, forces abandonment where it is 1)."""
    c = make(PatronDrawdown, P, horizon=months)
    S = c.start(P, 1, rng(), 1)
    out = []
    for t0 in range(0, months, 3):
        k = min(3, months - t0)
        inputs = {}
        if drivers is not None:
            inputs = {"driver1": {"value": np.asarray(drivers[t0 : t0 + k], float)[:, None]}}
        out.append(c.advance(S, t0, k, inputs, rng(), 1)["presence"][:, 0])
    return np.concatenate(out), c.finish(S, rng(), 1)


def test_a_build_up_from_one_thousand_to_three_thousand():
    # 1,000 troops at the as-of date = 1, target 3,000 = 3; 0.6 a year = 0.05 (50 troops) a
    # month: presence 1 + 0.05 (t + 1) until it reaches 3 at month t = 39, then 3
    P = dict(drawdown_rate=0.6, floor=3.0, abandon_hazard=0.0)
    got, f = presence(P, 60)
    assert got[0] * 1000 == pytest.approx(1050)
    assert got[11] * 1000 == pytest.approx(1600)  # month 12: 1,000 + 12 x 50
    assert got[38] * 1000 == pytest.approx(2950)
    np.testing.assert_allclose(got[39:], 3.0)
    # mean over 60 months: (sum_{s=1..40} (1 + 0.05 s) + 20 x 3) / 60 = (40 + 41 + 60) / 60
    assert f.outcomes["presence_mean"][0] == pytest.approx(141 / 60)
    assert f.outcomes["presence_end"][0] == pytest.approx(3.0)


def test_abandonment_during_a_build_up_by_hand():
    # build-up 0.05 a month toward 3; abandonment forced in month 2, exit over 4 months to 0.5:
    # t=2: plan 1.15 -> 1.15 + (0.5 - 1.15)/4 = 0.9875; t=3: 1.2 - 0.7/2 = 0.85;
    # t=4: 1.25 - 0.75 x 3/4 = 0.6875; then 0.5
    P = dict(
        drawdown_rate=0.6,
        floor=3.0,
        abandon_hazard=1e-30,
        effect1=100.0,
        exit_months=4.0,
        abandoned_level=0.5,
    )
    got, f = presence(P, 8, drivers=[0, 0, 1, 0, 0, 0, 0, 0])
    np.testing.assert_allclose(got, [1.05, 1.1, 0.9875, 0.85, 0.6875, 0.5, 0.5, 0.5])
    assert f.events["abandonment"][0]


@pytest.mark.parametrize(
    "trend",
    [
        dict(drawdown_rate=0.6, floor=0.5),  # drawdown to half
        dict(drawdown_rate=0.6, floor=3.0),  # build-up to three times
        dict(drawdown_rate=1.2, floor=0.0),  # full withdrawal within 10 months
    ],
)
def test_a_notice_period_delays_the_trend_by_its_months(trend):
    # a 6-month notice period: the presence stays at 1 for 6 months, then follows the undelayed
    # trend shifted by 6 months
    P = dict(trend, abandon_hazard=0.0)
    now, _ = presence(P, 36)
    later, f = presence(dict(P, start_months=6.0), 36)
    np.testing.assert_array_equal(later[:6], 1.0)
    np.testing.assert_allclose(later[6:], now[:-6], rtol=0, atol=1e-12)
    assert f.outcomes["presence_mean"][0] == pytest.approx((6 + now[:-6].sum()) / 36)
    # declared at its default, 0: the same numbers bit for bit
    np.testing.assert_array_equal(presence(dict(P, start_months=0.0), 36)[0], now)


PATRON = """    - id: patron
      kind: patron_drawdown
      name: The big power's forces
      actors: {patron: big}
      parameters:
        drawdown_rate: {value: 0.6, unit: fraction/year, source: analyst, judgement: true}
        floor: {value: 3.0, unit: index (1 = as-of), source: analyst, judgement: true}
        abandon_hazard: {value: 0.0, unit: per month, source: analyst, judgement: true}
        start_months: {value: 6, unit: months, source: analyst, judgement: true}
"""


def synthetic_with_patron(*edits: tuple[str, str]):
    text = edited(SYN_TEXT, ("game:\n", PATRON + "game:\n"), *edits)
    return text, parse_scenario(text, "patron.yaml")


def test_a_delayed_build_up_through_the_engine():
    # no abandonment: every path has presence 1 for 6 months, then 1 + 0.05 (t + 1 - 6):
    # at month 24, 1 + 0.05 x 18 = 1.9; mean (6 + sum_{s=1..18} (1 + 0.05 s)) / 24 = 32.55 / 24.
    # Under option ally the build-up goes to 5 (bins widened up to the highest level)
    _, s = synthetic_with_patron(
        (
            "        aid.amount: {set: 0.8, source: analyst, judgement: true}\n",
            "        aid.amount: {set: 0.8, source: analyst, judgement: true}\n"
            "        patron.floor: {set: 5.0, source: analyst, judgement: true}\n"
            "        patron.drawdown_rate: {set: 12.0, source: analyst, judgement: true}\n",
        )
    )
    assert check(s) == []
    e = simulate(s, options=["drift", "ally"], paths=3000, horizon=24, seed=2, workers=1)
    m = e.results["drift"].metrics
    assert m["presence_end"].mean == pytest.approx(1.9)
    assert m["presence_end"].max == pytest.approx(1.9)
    assert m["presence_end"].quantiles["p50"] == pytest.approx(1.9, abs=m["presence_end"].bin_width)
    assert m["presence_mean"].mean == pytest.approx(32.55 / 24)
    assert m["presence_end"].bin_width == pytest.approx(5 / 5000, rel=1e-6)
    # ally: 1 a month (12 a year) from month 7, capped at 5 from month 10 on
    a = e.results["ally"].metrics
    assert a["presence_end"].quantiles["p50"] == pytest.approx(5.0, abs=a["presence_end"].bin_width)
    assert a["presence_mean"].mean == pytest.approx((6 + 2 + 3 + 4 + 5 * 15) / 24)
    band = e.results["drift"].bands["presence"]["mean"]
    np.testing.assert_allclose(band[:6], 1.0, atol=1e-6)
    assert band[-1] == pytest.approx(1.9, abs=1e-3)


def test_identical_whatever_chunks_and_workers_with_uncertain_new_parameters():
    _, s = synthetic_with_patron(
        (
            "        start_months: {value: 6,",
            "        start_months: {dist: uniform, low: 0, high: 12,",
        ),
        (
            "        abandon_hazard: {value: 0.0,",
            "        abandon_hazard: {value: 0.01,",
        ),
    )
    kw = dict(options=["drift", "exit"], paths=2 * BLOCK + 333, horizon=24, seed=3)
    a = simulate(s, chunk_size=BLOCK, workers=1, **kw)
    b = simulate(s, chunk_size=10 * BLOCK, workers=1, **kw)
    c = simulate(s, chunk_size=1, workers=2, **kw)
    assert dumps(a) == dumps(b) == dumps(c)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("floor: {value: 300.0,", "patron.floor must be [0, 100]"),
        ("start_months: {value: -1,", "patron.start_months must be [0, 600]"),
    ],
)
def test_patron_values_are_validated_and_located(tmp_path: Path, line: str, message: str):
    name = line.split(":")[0]
    old = next(ln for ln in PATRON.splitlines() if ln.strip().startswith(name + ":"))
    old = old.strip().split(" unit:")[0]
    text, _ = synthetic_with_patron((old, line))
    code, err, p = validate(tmp_path, text)
    assert code == 2
    (m,) = [m for m in map(LOCATED.match, err) if m and m["path"].endswith("." + name)]
    assert m["path"] == f"world.components[3].parameters.{name}"
    assert int(m["line"]) == line_of(p, line)
    assert message in m["msg"]


# ============================================================================ built-ins unchanged
def test_builtin_with_the_new_parameters_at_their_defaults_is_unchanged():
    # iraq-us-2020 has a budget and a patron (kyrgyzstan-manas-2009 has neither kind)
    s = load_scenario("iraq-us-2020")
    explicit = with_defaults(
        "iraq-us-2020",
        {
            "fiscal": ("non_commodity_inflow", 0.0, "US$ bn/month"),
            "us_presence": ("start_months", 0.0, "months"),
        },
    )
    assert "fiscal.non_commodity_inflow" in explicit.parameters()
    kw = dict(paths=3000, horizon=36, seed=11, workers=1)
    assert dumps(simulate(s, **kw)) == dumps(simulate(explicit, **kw))


def test_an_event_hazard_without_labels_is_labelled_by_its_component_name():
    """An event hazard's event is what its component stands for: without ``labels`` its English
    label is the component's name, not the kind's generic "the event"; ``labels`` still win, and
    other kinds' events keep their own labels."""
    plain = parse_scenario(
        edited(
            SYN_TEXT, ("        event: {en: the base closing, ar: إغلاق القاعدة}\n", "")
        ).replace("      labels:\n      parameters:\n", "      parameters:\n"),
        "plain.yaml",
    )
    d = {x.name: x for x in declared(plain)}
    assert d["base_closure"].labels["en"] == "Closure of the base"
    assert d["base_closure"].labels["ar"] == "الحدث"  # no translation of the name is declared
    labelled = {x.name: x for x in declared(load_scenario(SYN))}
    assert labelled["base_closure"].labels["en"] == "the base closing"
    assert d["transfer_stopped"].labels == labelled["transfer_stopped"].labels


def test_a_component_can_turn_an_outcome_s_direction():
    """An importer's price: ``directions: {price_mean: higher_worse}`` on the price component
    makes the average price a cost where a direction is read (declarations, exploration, the
    CVaR's tail: the high one); a name the kind does not have is a located error."""
    from melian.world.components.commodity_price import CommodityPrice

    assert CommodityPrice.direction("price_mean") == "higher_better"
    base = load_scenario(WORLD_TEST)
    cid = next(c.id for c in base.world.components if c.kind == "commodity_price")
    d0 = {x.local: x for x in declared(base) if x.component == cid}
    assert d0["price_mean"].direction == "higher_better"
    old = "      names: {price_mean: brent_mean, price: brent}\n"
    turned = parse_scenario(
        edited(WORLD_TEXT, (old, old + "      directions: {price_mean: higher_worse}\n")),
        "importer.yaml",
    )
    assert check(turned) == []
    d = {x.local: x for x in declared(turned) if x.component == cid}
    assert d["price_mean"].direction == "higher_worse"
    assert outcome_directions(turned)["brent_mean"] == "min"
    assert outcome_directions(base)["brent_mean"] == "max"
    bad = parse_scenario(
        edited(WORLD_TEXT, (old, old + "      directions: {price_men: higher_worse}\n")),
        "bad.yaml",
    )
    (p,) = check(bad)
    assert p.path.endswith(".directions.price_men")
    assert "no outcome or event 'price_men'" in p.message and "price_mean" in p.message
