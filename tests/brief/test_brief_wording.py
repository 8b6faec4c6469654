"""What the brief says is true of what it computed: "first on every criterion" only when it is;
no sampled share printed as a certainty; the ranking's and the robustness analysis's top options
named, and their disagreement said; the horizon of every world figure; one standard error of a
share; no "source's view" without views and no Python in the prose; signposts by display name,
and none from a negative breakeven; no share of sampled inputs computed from none, no nan; two
components of one kind told apart; units from the world. Canned or tiny inputs, each test fast."""

from __future__ import annotations

import math
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import test_brief_change as canned

from melian.analysis.brief import RUNNERS
from melian.brief import levers
from melian.brief.base import Section, Settings, judgement
from melian.brief.change import change_section, input_name, plain_note, share_se, view_name
from melian.brief.consequences import _breakeven, consequence_judgements, consequences_section
from melian.brief.likelihood import percent_text
from melian.brief.sections import (
    _ranking_notes,
    conclusions,
    first_on,
    signposts_note,
    tied_first_on,
)
from melian.scenario import load_scenario
from melian.scenario.schema import Scenario

DATA = Path(__file__).parents[1] / "data" / "scenarios"
SRC = Path(__file__).parents[2] / "src" / "melian" / "brief"


def _synthetic(**changes: Any) -> Scenario:  # noqa: ANN401
    data = load_scenario(DATA / "synthetic-world.yaml").model_dump(
        mode="json", exclude_unset=True, by_alias=True
    )
    for k, v in changes.items():
        v(data) if callable(v) else data.__setitem__(k, v)
    return Scenario.model_validate(data)


def _change(s: Scenario, view: str | None, lang: str = "en") -> Section:
    """The robustness section of ``s`` on the canned explore results of ``view``."""
    s._view = view
    return change_section(s, lang, canned.SETTINGS, canned._runners(), lambda m, f: None)


# ---------------------------------------------------------------- 1. "first on every criterion"
def _ranking(matrix: dict[str, dict[str, float]]) -> dict[str, Any]:
    return {
        "options": list(matrix),
        "criteria": [{"id": "a", "direction": "max"}, {"id": "b", "direction": "min"}],
        "matrix": matrix,
    }


def test_first_on_every_criterion_only_when_it_is() -> None:
    s = _synthetic()
    d = _ranking({"ally": {"a": 3, "b": 1}, "exit": {"a": 2, "b": 2}})
    assert first_on(d, "ally") == ["a", "b"]
    assert _ranking_notes(s, "en", "ally", ["A", "B"], 2, {}, None) == [
        "'Ally with the big power' is first on every criterion taken alone."
    ]
    d = _ranking({"ally": {"a": 3, "b": 5}, "exit": {"a": 2, "b": 2}})
    assert first_on(d, "ally") == ["a"]
    (text,) = _ranking_notes(s, "en", "ally", ["A"], 2, {}, None)
    assert "first on 1 of 2 criteria taken alone (A)" in text
    # the robustness analysis speaks of the weighted criteria, never of "every criterion"
    sec = _change(_synthetic(), None)
    (j,) = sec.data["judgements"]
    assert "every criterion" not in j["text"]
    assert "best option on the weighted sum of the criteria" in j["text"]
    assert "in 75% of the sampled futures" in j["text"]
    assert "every criterion" not in sec.data["tables"][0]["columns"][1]


def test_a_tie_at_the_top_is_not_a_lead() -> None:
    s = _synthetic()
    # a: ally and exit both 3 (an exact tie); b (a cost): ally 1 leads
    d = _ranking({"ally": {"a": 3, "b": 1}, "exit": {"a": 3, "b": 2}, "drift": {"a": 1, "b": 4}})
    assert first_on(d, "ally") == ["b"]
    assert tied_first_on(d, "ally") == {"a": ["exit"]}
    # the criterion's indifference threshold, when the ranking gives one: 2.9 is within 0.2 of 3
    d = _ranking({"ally": {"a": 3, "b": 1}, "exit": {"a": 2.9, "b": 2}, "drift": {"a": 1, "b": 4}})
    assert first_on(d, "ally") == ["a", "b"]  # no threshold in the dict: the rounding tolerance
    d["criteria"][0]["indifference_threshold"] = 0.2
    assert first_on(d, "ally") == ["b"] and tied_first_on(d, "ally") == {"a": ["exit"]}
    # exit is 0.1 behind: within the threshold, it is tied for first too, not second
    assert tied_first_on(d, "exit") == {"a": ["ally"]} and first_on(d, "exit") == []
    # the sentences: a tie never makes "first on every criterion"
    first, tie = _ranking_notes(
        s, "en", "ally", ["B"], 2, {}, None, ties={"A": ["'Demand withdrawal'"]}
    )
    assert "first on 1 of 2 criteria taken alone (B)" in first
    assert "every criterion" not in first
    assert tie.startswith("It is tied for first, not ahead, on 1 more")
    assert tie.endswith("(a tie is not a lead): A, with 'Demand withdrawal'.")
    (_, tie_ar) = _ranking_notes(s, "ar", "ally", ["B"], 2, {}, None, ties={"A": ["«x»"]})
    assert "متعادل" in tie_ar and "«x»" in tie_ar


def test_the_brief_says_which_criteria_do_not_discriminate() -> None:
    from melian.brief.sections import ranking_section
    from melian.decide import rank

    s = _synthetic()
    # security within Monte Carlo error (0.300 against 0.298, declared threshold 0.01), and the
    # ranking sovereignty's alone (exit 5 first); sovereignty: exit leads
    ev = {
        "security": {"ally": 0.298, "exit": 0.300, "drift": 0.299},
        "sovereignty": {"ally": 2, "exit": 5, "drift": 3},
    }
    runners = SimpleNamespace(rank=lambda sc, **_: rank(sc, ev, thresholds={"security": 0.01}))
    for lang, word in (("en", "No option differs from another on Security"), ("ar", "لا يختلف")):
        sec = ranking_section(s, lang, canned.SETTINGS, {}, runners, lambda m, f: None)
        assert sec.data["non_discriminating"] == ["security"]
        assert sec.data["top"] == "exit"
        assert sec.data["first_on"] == ["sovereignty"]
        # the non-discriminating criterion is said once, not again as a tie
        assert sec.data["tied_first_on"] == {}
        (flat,) = [p for p in sec.data["paragraphs"] if word in p]  # one plain sentence
        assert flat.endswith(("the same value there.", "القيمة نفسها فيه."))
        # the criteria table shows the declared threshold
        crit = sec.data["tables"][2]
        assert crit["rows"][0][-1] == "0.01" and crit["rows"][1][-1] == "–"
    # without the threshold (plain numbers: the rounding tolerance) security counts
    plain = SimpleNamespace(rank=lambda sc, **_: rank(sc, ev))
    sec = ranking_section(s, "en", canned.SETTINGS, {}, plain, lambda m, f: None)
    assert sec.data["non_discriminating"] == [] and not any(
        "No option differs" in p for p in sec.data["paragraphs"]
    )


# ---------------------------------------------------------------- 2. no certainty printed
@pytest.mark.parametrize(
    ("p", "n", "text"),
    [
        (1.0, None, ">99%"),
        (0.0, None, "<1%"),
        (0.996, None, ">99%"),
        (0.004, None, "<1%"),
        (0.37, None, "37%"),
        (1.0, 256, ">98.8%"),  # none of 256 futures flips: the 95% bound is 1.2%
        (0.0, 256, "<1.2%"),
        (0.0, 20_000, "<1%"),
    ],
)
def test_a_share_of_all_or_none_is_not_a_certainty(p: float, n: int | None, text: str) -> None:
    assert percent_text(p, n) == text


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_judgements_never_print_100_or_0_percent(lang: str) -> None:
    assert judgement(1.0, "x", lang, "", 256)["probability"] == ">98.8%"
    assert judgement(0.0, "x", lang, "", 2000)["probability"] == "<1%"
    assert judgement(0.9999, "x", lang)["probability"] == ">99%"


# ---------------------------------------------------------------- 3. the two top options
def _ranking_section(top: str) -> Section:
    return Section(id="ranking", data={"top": top, "raw": {"primary": "topsis-minmax"}})


def test_the_bottom_line_says_when_ranking_and_robustness_disagree() -> None:
    s = _synthetic(x=lambda d: d["focal"].pop("recommended"))
    rb = _change(s, None)  # the robustness analysis: 'ally' first, not best in 25%
    bluf, _, _ = conclusions(s, "en", {"ranking": _ranking_section("exit"), "robustness": rb})
    text = " ".join(bluf)
    assert bluf[0].startswith("On the decision-maker's criteria the best option is 'Demand")
    assert "The two analyses of this brief put different options first" in text
    assert "puts 'Demand withdrawal' first" in text
    assert "puts 'Ally with the big power' first, best in 75.0% of the 100 sampled futures" in text
    assert "central values" in text and "sampled future" in text
    assert "the top option" not in text
    assert "'Ally with the big power' is not the best option" in text
    same, _, _ = conclusions(s, "en", {"ranking": _ranking_section("ally"), "robustness": rb})
    assert not any("two analyses" in line for line in same)


# ---------------------------------------------------------------- 4. horizons
def test_every_world_figure_states_its_horizon(tiny: Settings) -> None:
    from melian.brief.sections import ranking_section

    s = _synthetic()
    cq = Section(id="consequences", data={"horizon": 24})
    rk = ranking_section(s, "en", tiny, {"consequences": cq}, RUNNERS, lambda m, f: None)
    assert rk.ok
    months = rk.data["horizon"]
    assert months == 120  # the ranking passes no horizon: the world model's default
    title, evidence, crit = (tb["title"] for tb in rk.data["tables"][:3])
    assert f"world-model criteria over {months} months" in title
    assert f"world-model criteria over {months} months" in evidence
    world_row = next(r for r in rk.data["tables"][2]["rows"] if r[0] == "Security")
    assert world_row[3].endswith(f"over {months} months")
    text = " ".join(rk.data["paragraphs"])
    assert f"measured over {months} months" in text and "look 24 months ahead" in text
    # the robustness figures too: its section and its judgement's basis
    rb = _change(s, None)
    assert "over 120 months" in rb.data["paragraphs"][0]
    assert rb.data["judgements"][0]["basis"].endswith("over 120 months")


# ---------------------------------------------------------------- 5. one standard error
def test_one_standard_error_of_the_share_everywhere(monkeypatch) -> None:
    real = canned._explore

    def with_se(s, method, **kw):
        res = real(s, method, **kw)
        if method == "prim":
            res.data["base_rate_se"] = 0.061  # the futures' and the paths' error together
        return res

    monkeypatch.setattr(canned, "_explore", with_se)
    s = _synthetic()
    rb = _change(s, None)
    assert share_se(rb.data["prim"]) == pytest.approx(0.061)
    assert rb.data["tables"][0]["rows"][0][5] == "25.0% ± 6.1"
    bluf, _, _ = conclusions(s, "en", {"robustness": rb})
    line = next(x for x in bluf if "sampled futures" in x)
    assert "25.0% of 100 sampled futures" in line
    assert "(± 6.1 points: one standard error" in line
    # without the ensemble's own error, the binomial one of the futures
    assert share_se({"base_rate": 0.25, "experiments": 100}) == pytest.approx(0.0433, abs=1e-4)


# ---------------------------------------------------------------- 6. views, and no Python
@pytest.mark.parametrize("lang", ["en", "ar"])
def test_no_source_view_without_views(lang: str) -> None:
    s = _synthetic()
    assert not s.views
    assert (
        view_name(s, "source", lang)
        == {"en": "the scenario as written", "ar": "السيناريو كما هو مكتوب"}[lang]
    )
    sec = _change(s, None, lang)
    text = " ".join([*sec.data["paragraphs"], *(tb["title"] for tb in sec.data["tables"])])
    assert "source's" not in text and "رأي المصدر" not in text
    # one view: its name is not repeated in front of every sentence
    assert not any(p.startswith(view_name(s, "source", lang)) for p in sec.data["paragraphs"])
    with_views = canned._with_view()
    if with_views.focal.recommended is not None:
        assert view_name(with_views, "source", "en") == "the source's view"
    # views but no source recommendation (an analyst's own encoding): not "the source's"
    unsourced = with_views.model_copy(
        update={"focal": with_views.focal.model_copy(update={"recommended": None})}
    )
    assert view_name(unsourced, "source", "en") == "the scenario as written"


def test_explore_notes_lose_their_python() -> None:
    note = (
        "judgement uncertainty: 25 judged parameter(s) explored over spreads set by their "
        "confidence (documented defaults; judgements=False for the source's values as written)"
    )
    assert plain_note(note).endswith("set by their confidence (documented defaults)")
    note = "bargaining inputs: 15 position(s), spreads set by their confidence (melian.bargaining.uncertainty)"
    assert plain_note(note) == "bargaining inputs: 15 position(s), spreads set by their confidence"


# ---------------------------------------------------------------- 7. signposts
def _with_driver(data: dict[str, Any]) -> None:
    closure = data["world"]["components"][0]
    closure["inputs"] = {"driver1": "aid.received"}
    closure["parameters"]["effect1"] = {
        "value": -1.2,
        "unit": "log hazard ratio per unit",
        "source": "analyst",
    }


def test_signposts_name_inputs_by_their_display_names() -> None:
    s = _synthetic(x=_with_driver)
    assert input_name(s, "closure.base_hazard", "en") == (
        "Closure of the base: hazard when every driver is 0 and no lever"
    )
    effect = input_name(s, "closure.effect1", "en")
    assert (
        effect.startswith("Closure of the base: effect on") and "Rent for basing rights" in effect
    )
    assert "Big Power" in input_name(s, "game.influence.big", "en")
    assert input_name(s, "not.a.path", "en") == "not.a.path"
    br = dict(canned.CANNED[None][0])
    br["switch_overs"] = [canned._switch("closure.base_hazard", -1.0, None, "exit")]
    canned.CANNED["named"] = (br, 0.2)
    try:
        sec = _change(s, "named")
    finally:
        del canned.CANNED["named"]
    (sp,) = sec.data["signposts"]
    assert (
        sp.startswith("Closure of the base: hazard when every driver is 0") and "closure." not in sp
    )


class _Ens:
    def label(self, name: str, lang: str) -> str:
        return {"cover": "covering price", "price": "price"}[name]


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_a_negative_breakeven_sets_no_signpost(lang: str) -> None:
    s = _synthetic()
    declared = {
        "cover": {"kind": "outcome", "unit": "USD/t", "role": "breakeven"},
        "price": {"kind": "band", "unit": "USD/t"},
    }
    r = {"payroll_breakeven": {"p50": -35.3}}
    paras, signposts = _breakeven(
        s, lang, _Ens(), declared, "ally", "cover", declared["cover"], r, None
    )
    assert not signposts and "-35.3" in paras[0] and "USD/t" in paras[0]
    r = {"payroll_breakeven": {"p50": 40.0}}
    paras, signposts = _breakeven(
        s, lang, _Ens(), declared, "ally", "cover", declared["cover"], r, None
    )
    assert len(signposts) == 1 and "40" in signposts[0] and "USD/t" in signposts[0]


def test_an_empty_signposts_heading_says_why() -> None:
    rb = Section(id="robustness", data={"views": {"source": {"breaking": None}}})
    note = signposts_note("en", {"robustness": rb}, [])
    assert note.startswith("No signposts in this brief") and "full brief only" in note
    assert signposts_note("en", {"robustness": rb}, ["x"]) == ""
    assert "لا مؤشرات" in signposts_note("ar", {}, [])


# ---------------------------------------------------------------- 8. whom to persuade
def _lever_result(draws: int) -> Any:  # noqa: ANN401
    gains = {"a": SimpleNamespace(mean=1.5), "b": SimpleNamespace(mean=math.nan)}
    target = SimpleNamespace(
        actor="big",
        kind="position",
        gains=gains,
        robustness=SimpleNamespace(models_helped=1.0, runs_helped=0.75),
    )
    return SimpleNamespace(
        models=["a", "b"],
        targets=[target],
        draws=draws,
        notes=[],
        sentences=lambda lang: [],
        to_dict=lambda: {},
        name=lambda actor, lang: "Big Power",
    )


@pytest.mark.parametrize("draws", [0, 8])
def test_no_share_of_sampled_inputs_from_none_and_no_nan(monkeypatch, draws: int) -> None:
    monkeypatch.setattr(levers, "advise", lambda *a, **k: _lever_result(draws))
    settings = Settings.make(quick=draws == 0, seed=1)
    sec = levers.levers_section(_synthetic(), "en", settings, lambda m, f: None)
    (tb,) = sec.data["tables"]
    cells = " ".join(c for r in tb["rows"] for c in r)
    assert "nan" not in cells and tb["rows"][0][2] == "–"
    note = " ".join(sec.data["notes"])
    if draws == 0:
        assert len(tb["columns"]) == 4 and "over 0 sampled" not in note
        assert "central inputs only" in note
    else:
        assert len(tb["columns"]) == 5 and tb["rows"][0][4] == "75%"
        assert "over 8 sampled inputs" in note


# ---------------------------------------------------------------- 9. two components of one kind
def _two_transfers(data: dict[str, Any]) -> None:
    comps = data["world"]["components"]
    renamed = {"transfers_total": "loans", "transfer_debt_end": "loan_debt"}
    renamed["transfer_stopped"] = "loans_stopped"
    aid2 = {**comps[1], "id": "aid2", "name": "Loans from the rival", "names": renamed}
    comps.insert(2, aid2)
    comps[-1]["inputs"] = {"transfers": ["aid", "aid2"]}


def test_judgements_on_two_components_of_one_kind_name_the_component(tiny: Settings) -> None:
    s = _synthetic(x=_two_transfers)
    cq = consequences_section(s, "en", tiny, RUNNERS, lambda m, f: None)
    labels = [v for v in cq.data["events"].values() if "Rent for basing" in v or "Loans" in v]
    assert len(labels) == 2 and len(set(labels)) == 2
    texts = [j["text"] for j in consequence_judgements(s, "en", cq, "ally")]
    assert len(texts) == len(set(texts))


# ---------------------------------------------------------------- 10. units from the world
def test_the_brief_hard_codes_no_unit() -> None:
    """Units come from the world's results; the only unit strings in the brief's code are the
    keys of the Arabic translation table (:data:`melian.brief.i18n.UNITS`)."""
    from melian.brief import i18n

    for path in SRC.glob("*.py"):
        code = path.read_text()
        if path.name == "i18n.py":
            start = code.index("UNITS: dict[str, str] = {")
            code = code[:start] + code[code.index("}", start) :]
        found = re.findall(r"[\"'][^\"'\n]*\b(money|bn|/unit)\b[^\"'\n]*[\"']", code)
        assert not found, (path.name, found)
    assert i18n.unit_text("USD/t", "ar") == "USD/t"
