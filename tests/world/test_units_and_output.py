"""Declared units and component names in the world's results; the simulate table; result keys;
the early end of a transfer that never starts.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from melian.brief.i18n import unit_text
from melian.scenario import load_scenario
from melian.scenario.loader import parse_scenario
from melian.world import declared, read_ensemble_dict, simulate
from melian.world.components import KINDS
from melian.world.results import OptionResult, Summary
from melian.world.units import component_words, infer, localise

SYN = Path(__file__).parents[1] / "data" / "scenarios" / "synthetic-world.yaml"


def synthetic(edit=None) -> object:  # noqa: ANN001
    """The synthetic world, edited as plain data by ``edit`` (if given)."""
    data = yaml.safe_load(SYN.read_text())
    if edit is not None:
        edit(data)
    return parse_scenario(yaml.safe_dump(data, allow_unicode=True))


def comp(data: dict, cid: str) -> dict:
    return next(c for c in data["world"]["components"] if c["id"] == cid)


def two_rents(data: dict) -> None:
    """Units in the scenario's words, and a second transfer (a partner paying only under exit)."""
    for c in data["world"]["components"]:
        for p in c["parameters"].values():
            if str(p.get("unit", "")).startswith("money bn"):
                p["unit"] = p["unit"].replace("money bn", "XX bn")
    rent2 = json.loads(json.dumps(comp(data, "aid")))
    rent2.update(id="aid2", name="Second partner's rent")
    rent2.pop("inputs")
    rent2["names"] = {
        "transfers_total": "aid2_total",
        "transfer_debt_end": "aid2_debt_end",
        "transfer_stopped": "aid2_stopped",
    }
    rent2["parameters"]["amount"] = {"value": 0.0, "unit": "YY bn/month", "source": "analyst"}
    rent2["parameters"]["stop_hazard"]["value"] = 0.05
    data["world"]["components"].append(rent2)
    exit_ = next(o for o in data["focal"]["options"] if o["id"] == "exit")
    exit_["effects"]["aid2.amount"] = {"set": 0.3, "source": "analyst", "judgement": True}


@pytest.fixture(scope="module")
def ens():
    return simulate(synthetic(two_rents), paths=4000, horizon=24, seed=3, workers=1)


def test_infer_and_localise():
    assert infer("money bn/month", "XX bn/month") == {"money bn": "XX bn"}
    assert infer("money bn", " XX  bn ") == {"money bn": "XX bn"}
    assert infer("money/unit", "XX/t") == {"money/unit": "XX/t"}
    assert infer("money bn/month", "XX m a month") == {}  # does not fit around the word
    assert infer("months", "months") == {} and infer("money bn", None) == {}
    two = infer("money bn/month per million units/day", "XX bn/month per kt/d")
    assert two == {"money bn": "XX bn", "million units/day": "kt/d"}
    words = {"money bn": "XX bn", "money/unit": "XX/t"}
    assert localise("money bn/year", words) == "XX bn/year"
    assert localise("log money/unit", words) == "log XX/t"
    assert localise("money bn", {}) == "money bn" and localise("months", words) == "months"


def test_results_carry_the_declared_units_and_component_names(ens):
    d = ens.to_dict()
    dec = d["declared"]
    assert dec["transfers_total"]["unit"] == "XX bn"  # from the component's own amount
    assert dec["aid2_total"]["unit"] == "YY bn"  # its own unit, not the scenario's majority
    assert dec["economy_reserves_end"]["unit"] == "XX bn"
    assert dec["transfers_total"]["component_name"] == "Rent for basing rights"
    assert dec["economy_reserves_end"]["component_name"] == "economy"  # no name: its id
    r = d["options"]["ally"]
    assert r["metrics"]["transfers_total"]["unit"] == "XX bn"
    assert ens.results["ally"].metrics["aid2_total"].unit == "YY bn"
    f = ens.to_frame()
    units = f.groupby("variable")["unit"].first()
    assert units["transfers_total"] == "XX bn" and units["base_closure"] == "probability"
    assert units["output_index"] == "index (1 = as of)"


def test_units_stay_generic_without_declarations_and_arabic_passes_declared_units():
    s = load_scenario(SYN)
    dec = {x.name: x for x in declared(s)}
    assert dec["transfers_total"].unit == "money bn"  # the fixture declares "money bn/month"
    # a declared unit is carried verbatim in Arabic; the generic word keeps its translation
    assert unit_text("XX bn", "ar") == "XX bn"
    assert unit_text("money bn", "ar") != "money bn"


def test_a_price_without_a_money_parameter_takes_the_scenario_price_unit():
    s = load_scenario(Path(__file__).parent / "data" / "world-test.yaml")
    words = component_words(list(s.world.components), KINDS)
    price = next(c.id for c in s.world.components if c.kind == "commodity_price")
    dec = {x.name: x for x in declared(s)}
    band = next(x for x in dec.values() if x.component == price and x.kind == "band")
    assert band.unit == words[price]["money/unit"] != "money/unit"


def test_a_transfer_that_never_starts_does_not_end_early(ens):
    # aid2 pays nothing except under exit; its stop hazard (5%/month) runs all the same
    assert ens.results["ally"].probabilities["aid2_stopped"] == 0.0
    assert ens.results["drift"].probabilities["aid2_stopped"] == 0.0
    assert 0.3 < ens.results["exit"].probabilities["aid2_stopped"] < 0.6  # 1 - exp(-12 x 0.05)


def test_keys_that_do_not_apply_are_left_out_and_old_keys_read(ens):
    d = ens.to_dict()
    assert "oil_model" not in d and "price_model" not in d
    assert "reference_payroll_price" not in d and "attack_calibration" not in d
    old = {**d, "oil_model": {}, "reference_payroll_price": None, "attack_calibration": {}}
    assert read_ensemble_dict(old) == d
    stored = {**d, "oil_model": {"last_price": 1.0}}
    assert read_ensemble_dict(stored)["price_model"] == {"last_price": 1.0}
    assert "oil_model" not in read_ensemble_dict(stored)


def test_simulate_table_names_components_prints_digits(tmp_path):
    from melian.cli import app

    data = yaml.safe_load(SYN.read_text())
    two_rents(data)
    comp(data, "economy")["parameters"]["growth"]["value"] = 0.0321
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
    res = CliRunner().invoke(
        app,
        ["simulate", str(tmp_path / "s.yaml"), "--paths", "500", "--horizon", "12"],
        env={"COLUMNS": "300"},
    )
    assert res.exit_code == 0, res.output
    out = res.stdout
    assert "P(the transfer ending early) [Rent for basing rights]" in out
    assert "P(the transfer ending early) [Second partner's rent]" in out
    assert "transfers received [Rent for basing rights] (XX bn)" in out
    assert "0.0321 / 0.0321" in out  # a fraction keeps its digits (was 0.0 / 0.0)


def _summary(p05: float, p50: float, p95: float) -> Summary:
    qs = {"p05": p05, "p10": p05, "p25": p50, "p50": p50, "p75": p50, "p90": p95, "p95": p95}
    return Summary("payroll_breakeven", "XX/t", "", p50, 1.0, qs, p95, p05, p95, 0.05, True)


def test_breakeven_line_ranges_and_negative_prices():
    from melian.cli.simulate import _breakeven_line, _fmt

    cover = {"price": float("nan"), "bin_centres": [], "arrears_probability": []}
    neg = OptionResult("a", 10, {}, {}, {}, _summary(-35.3, -2.0, 11.9), cover)
    line = _breakeven_line("a", neg, 45.0)
    assert "-35.3-11.9" not in line and "-35.3" not in line  # no negative price, no dashes
    assert "p50 none needed (other revenue already covers the payroll" in line
    assert "[none needed; 11.9] XX/t" in line and "threshold 45 XX/t" in line
    pos = OptionResult("b", 10, {}, {}, {}, _summary(40.5, 52.25, 61.0), {**cover, "price": 50.0})
    line = _breakeven_line("b", pos, None)
    assert "p50 52.25, p05 to p95 [40.5; 61] XX/t" in line and "= 0.5) 50 XX/t" in line
    assert _fmt(0.060123) == "0.06012" and _fmt(12345.6) == "12,346" and _fmt(None) == "n/a"


def test_a_money_unit_unlike_the_others_is_a_located_warning(tmp_path):
    """One amount written in millions among amounts in billions is added as it is: validate
    warns at that parameter's unit (the scenario stays valid), naming both writings."""
    from pathlib import Path

    from melian.analysis.validate import validate
    from melian.scenario import load_scenario
    from melian.world.components import KINDS
    from melian.world.units import unit_conflicts

    src = Path(__file__).parents[1] / "data" / "scenarios" / "synthetic-world.yaml"
    text = (
        src.read_text(encoding="utf-8")
        .replace("money bn/month, source: analyst", "XX bn/month, source: analyst")
        .replace("money bn/year", "XX bn/year")
        .replace("unit: money bn,", "unit: XX bn,")
    )
    old = "amount: {value: 0.5, unit: XX bn/month"
    assert text.count(old) == 1
    p = tmp_path / "mixed.yaml"
    p.write_text(text.replace(old, "amount: {value: 500, unit: XX m/month"), encoding="utf-8")
    s = load_scenario(p)
    assert unit_conflicts(list(s.world.components), KINDS) == [
        (1, "amount", "money bn", "XX m", "XX bn")
    ]
    v = validate(s)
    assert v.valid
    (w,) = [w for w in v.warnings if "unit" in w.path]
    assert w.path == "world.components[1].parameters.amount.unit"
    line = 1 + p.read_text(encoding="utf-8")[: p.read_text().index("value: 500")].count("\n")
    assert w.line == line
    assert "'XX m'" in w.message and "'XX bn'" in w.message
    # one unit throughout: no warning
    p.write_text(text, encoding="utf-8")
    assert unit_conflicts(list(load_scenario(p).world.components), KINDS) == []
