"""The built-in scenario ``kyrgyzstan-manas-2009``: sources, the fact sheet's numbers, and that
every model forecasts every issue and the game solves (issue 13, deliverable 6).

Reference values: COW NMC v7.0 CINC for 2008 (the shipped ``nmc-v7.csv``), ATOP v5.1 obligations
for 2008 (the shipped ``atop51-dyads-manas-states-2000-2018.csv``) and the fact sheet's section 4
(positions, saliences on 0-1, clouts 0-100 per issue).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import re
from importlib import resources

import numpy as np
import pytest
from typer.testing import CliRunner

from melian.bargaining import forecast_all, model_names
from melian.cli import app
from melian.games.solve import gambit_regret
from melian.games.sweep import context
from melian.scenario import builtin_ids, load_scenario
from melian.scenario.capability import capabilities, issue_clouts
from melian.scenario.schema import Scenario

SID = "kyrgyzstan-manas-2009"
AS_OF = dt.date(2009, 2, 4)
STATES = {
    "kyrgyzstan": 703,
    "us": 2,
    "russia": 365,
    "china": 710,
    "kazakhstan": 705,
    "uzbekistan": 704,
    "tajikistan": 702,
}
ISSUES = ("manas-presence", "payment", "legal-status", "alignment")
OPTIONS = ("close-take-package", "keep-base", "renegotiate", "broker-via-moscow", "procedure")
# fact sheet section 4: (judged position, salience, clout) of a few actors
FACT_SHEET = {
    ("manas-presence", "kyrgyzstan"): (45, 0.9, 90),
    ("manas-presence", "us"): (85, 0.75, 60),
    ("manas-presence", "russia"): (10, 0.7, 60),
    ("payment", "kyrgyzstan"): (75, 0.9, 50),
    ("payment", "us"): (40, 0.5, 90),
    ("legal-status", "us"): (85, 0.6, 70),
    ("legal-status", "kenesh"): (25, 0.4, 30),
    ("alignment", "russia"): (10, 0.8, 70),
    ("alignment", "kyrgyzstan"): (35, 0.7, 80),
}
runner = CliRunner()


@pytest.fixture(scope="module")
def s() -> Scenario:
    return load_scenario(SID)


def _data(name: str) -> str:
    return str(resources.files("melian.data").joinpath("capabilities", name))


def _date(text: str | None) -> dt.date | None:
    m = re.match(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", text or "")
    return dt.date(int(m[1]), int(m[2] or 1), int(m[3] or 1)) if m else None


def test_listed_and_dated(s: Scenario) -> None:
    assert SID in builtin_ids()
    assert s.metadata.as_of == AS_OF and s.metadata.seed == 20090204
    assert s.metadata.titles.get("ar")


def test_no_source_after_the_cut_off(s: Scenario) -> None:
    """Statements and reports are dated on or before 4 Feb 2009 (datasets cover earlier years
    and were released later, as declared in their notes)."""
    for key, src in s.sources.items():
        if src.kind in ("dataset", "judgement"):
            continue
        day = _date(src.date)
        assert day is not None and day <= AS_OF, key


def test_every_number_is_sourced_or_judged(s: Scenario) -> None:
    for iss in s.issues:
        assert iss.status_quo is not None and iss.status_quo.source in s.sources
        for p in iss.positions:
            assert p.source in s.sources
            assert p.judgement and p.confidence and p.note, (iss.id, p.actor)
    for a in s.actors:
        assert a.capability is not None and a.capability.source in s.sources
        if a.capability.judgement:
            assert a.capability.confidence, a.id
        assert a.clout is not None and a.clout.judgement and a.clout.confidence, a.id
    for name, par in s.game.parameters.items():
        assert par.source in s.sources and (par.judgement or par.source != "judgement"), name
    for th in s.relations.threats:
        assert th.judgement and th.confidence, th


def test_fact_sheet_positions_saliences_and_clouts(s: Scenario) -> None:
    assert tuple(i.id for i in s.issues) == ISSUES
    assert (s.salience_scale.min, s.salience_scale.max) == (0, 1)
    clouts = issue_clouts(s)
    for (iss, actor), (pos, sal, clout) in FACT_SHEET.items():
        p = next(p for p in s.issue(iss).positions if p.actor == actor)
        assert (p.position, p.salience, clouts[iss][actor]) == (pos, sal, clout), (iss, actor)
    # payment scale: US$ 2m a point; the status quo 32 is the $63m of base-related spending
    pay = s.issue("payment")
    per_point = (pay.scale.unit.at_max - pay.scale.unit.at_min) / (pay.scale.max - pay.scale.min)
    assert per_point == 2.0
    assert abs(pay.status_quo.value * per_point - 63) <= 1
    assert s.issue("manas-presence").status_quo.value == 75  # status quo ante, bill pending


def test_material_capability_is_cinc_2008(s: Scenario) -> None:
    nmc = {
        (int(r["ccode"]), int(r["year"])): float(r["cinc"])
        for r in csv.DictReader(open(_data("nmc-v7.csv")))
        if r["year"] == "2008" and r["cinc"]
    }
    caps = capabilities(s)
    for aid, code in STATES.items():
        assert caps[aid] == pytest.approx(nmc[(code, 2008)], rel=1e-12), aid
    # the NATO allies at Manas: France + Spain
    assert caps["nato-allies"] == pytest.approx(nmc[(220, 2008)] + nmc[(230, 2008)], abs=1e-7)
    assert caps["us"] / caps["kyrgyzstan"] > 400  # material power: no bargaining weight
    # clout at the table: the US and Russia do not dwarf the host on its own base
    clouts = issue_clouts(s)["manas-presence"]
    assert clouts["kyrgyzstan"] > clouts["us"] == clouts["russia"]


def test_alliances_are_atop_2008(s: Scenario) -> None:
    code_of = STATES
    flags = ("defense", "offense", "neutrality", "nonaggression", "consultation")
    cols = ("atop_defense", "atop_offense", "atop_neutral", "atop_nonagg", "atop_consul")
    atop = {}
    for r in csv.DictReader(open(_data("atop51-dyads-manas-states-2000-2018.csv"))):
        if r["year"] == "2008":
            atop[(int(r["ccode1"]), int(r["ccode2"]))] = tuple(r[c] == "1" for c in cols)
    encoded = {}
    for al in s.relations.alliances:
        if al.a in code_of and al.b in code_of:
            encoded[(code_of[al.a], code_of[al.b])] = tuple(getattr(al, f) for f in flags)
            assert al.source == "atop51"
    for (c1, c2), f in encoded.items():
        assert atop[(c1, c2)] == f and atop[(c2, c1)] == f
    among = {k for k in atop if k[0] in code_of.values() and k[1] in code_of.values()}
    assert {k for k in among if k[0] < k[1]} == {tuple(sorted(k)) for k in encoded}
    # the NATO allies: France (220) and Spain (230) each have defence ties with the US
    nato = next(al for al in s.relations.alliances if {al.a, al.b} == {"us", "nato-allies"})
    assert nato.defense and atop[(2, 220)][0] and atop[(2, 230)][0]


def test_options_as_commentators_described_them(s: Scenario) -> None:
    assert tuple(s.option_ids) == OPTIONS
    assert s.focal.actor == "kyrgyzstan" and s.focal.recommended is None
    assert [o.id for o in s.focal.options if o.status_quo] == ["procedure"]
    close, keep = s.option("close-take-package"), s.option("keep-base")
    assert close.stance["manas-presence"] == 0 and keep.stance["manas-presence"] == 75
    assert close.alignment["russia"] > close.alignment["us"]
    assert keep.alignment["us"] > keep.alignment["russia"]


def test_world_declares_only_what_the_case_needs(s: Scenario) -> None:
    from melian.world import check

    kinds = {c.kind for c in s.world.components}
    assert kinds == {"event_hazard", "transfers", "economy"}
    assert check(s) == []
    payers = {c.id: c.actors.get("payer") for c in s.world.components if c.kind == "transfers"}
    assert payers == {
        "base-payments": "us",
        "us-programmes": "us",
        "russian-grant": "russia",
        "russian-credit": "russia",
    }
    # $63m a year through the base, $87m of other programmes, $150m grant, $300m credit
    par = s.parameters()
    assert par["base-payments.amount"].value * 12 == pytest.approx(0.063)
    assert par["us-programmes.amount"].value * 12 == pytest.approx(0.087)
    assert (par["russian-grant.amount"].value, par["russian-credit.amount"].value) == (0.15, 0.3)
    assert par["russian-credit.rate"].value == 0.0075
    assert all(c.measure.kind != "world" for c in s.criteria)
    assert sum(c.weight for c in s.criteria) == pytest.approx(1.0)


def test_simulate_runs_and_levers_order_closure(s: Scenario) -> None:
    from melian.world import simulate

    ens = simulate(s, paths=2000, horizon=24, workers=1)
    p = {o: ens.results[o].probabilities["base_closure"] for o in OPTIONS}
    assert p["keep-base"] < p["renegotiate"] < p["procedure"] < p["close-take-package"]
    assert p["broker-via-moscow"] > p["procedure"]


def test_every_issue_forecast_by_every_model(s: Scenario) -> None:
    fcs = forecast_all(s)
    assert list(fcs) == model_names()
    for name, f in fcs.items():
        pts = f.point()
        assert set(pts) == set(ISSUES), name
        for iss, v in pts.items():
            assert math.isfinite(v) and 0 <= v <= 100, (name, iss, v)


@pytest.mark.parametrize("framing", ["zero-sum", "variable-sum"])
def test_game_solves_and_is_verified(s: Scenario, framing: str) -> None:
    ctx = context(s, framing)
    d = ctx.data
    assert d.all_players == ("kyrgyzstan", "us", "russia")
    assert d.options == OPTIONS
    assert ctx.ef.root.kind == "chance" and len(ctx.ef.root.children) == 4  # two shocks
    r = ctx.roles
    assert d.options[r.ally] == "keep-base"
    assert d.options[r.defect] == d.options[r.pivot] == "close-take-package"
    assert ctx.spe
    game = ctx.ef.to_gambit()
    for e in ctx.spe:
        assert e.max_deviation_gain <= 1e-9
        assert gambit_regret(ctx.ef, e.strategy, game) <= 1e-9


def test_decide_values_every_criterion_with_and_without_the_world(s: Scenario) -> None:
    from melian.analysis.rank import evidence
    from melian.scenario.schema import World

    bare = s.model_copy(update={"world": World()})
    for scen in (s, bare):
        ev = evidence(scen, paths=500)
        for c in scen.criteria:
            assert set(ev.values[c.id]) == set(OPTIONS), c.id
            assert all(np.isfinite(v) for v in ev.values[c.id].values()), c.id


def test_cli_forecast_and_game() -> None:
    res = runner.invoke(app, ["forecast", SID, "--model", "all", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert not data["errors"] and len(data["forecasts"]) == len(model_names())
    res = runner.invoke(app, ["game", SID, "--json", "--points", "0", "--form", "extensive"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["solution"]["spe"]
