"""The brief is driven by what the scenario declares: consequences, risk table, judgements and
signposts come from the world's declared outcomes, events and bands (and their labels); a scenario
without a world omits consequences and says so; the game's propositions are attributed to a source
only where the scenario cites one; a failed section fails the brief (no file written) unless a
partial brief is asked for, which then says loudly what is missing. Built at very low fidelity."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from melian.analysis.brief import RUNNERS, build_brief
from melian.brief import BriefIncompleteError
from melian.brief.base import Runners
from melian.errors import ModelError
from melian.scenario import load_scenario
from melian.scenario.schema import Scenario

DATA = Path(__file__).parents[1] / "data" / "scenarios"
#: Words about one kind of economy or one case that the brief must not utter on its own.
FOREIGN = re.compile(
    r"\b(oil|crude|brent|barrel|bbl|opec|budget|payroll|salary|salaries|arrears|waiver|dinar|"
    r"iraq|iran|militia)\b|differs from the source|source's claims|source's recommendation|"
    r"نفط|رواتب|موازنة|إعفاء",
    re.IGNORECASE,
)


def brief_text(res) -> str:
    """The brief's HTML without its inline images (base64 can spell any short word: '+OIL+')."""
    return re.sub(r"data:[^\"')\s]+", "", res.paths["html"].read_text())


def _economy_only() -> Scenario:
    """The synthetic world reduced to one non-commodity economy component, no recommendation."""
    data = load_scenario(DATA / "synthetic-world.yaml").model_dump(
        mode="json", exclude_unset=True, by_alias=True
    )
    data["metadata"]["id"] = "economy-only"
    data["focal"].pop("recommended")
    comps = [c for c in data["world"]["components"] if c["kind"] == "economy"]
    comps[0].pop("inputs", None)
    comps[0]["parameters"]["growth"] = {
        "dist": "triangular",
        "low": 0.0,
        "mode": 0.03,
        "high": 0.06,
        "unit": "fraction/year",
        "source": "analyst",
        "judgement": True,
    }
    data["world"]["components"] = comps
    for o in data["focal"]["options"]:
        o["effects"] = {}
    data["focal"]["options"][0]["effects"] = {
        "economy.external_financing": {"set": 0.09, "source": "analyst", "judgement": True}
    }
    data["criteria"][0]["measure"] = {
        "kind": "world",
        "metric": "economy_reserves_end",
        "stat": "mean",
    }
    return Scenario.model_validate(data)


def _no_world() -> Scenario:
    data = _economy_only().model_dump(mode="json", exclude_unset=True, by_alias=True)
    data["metadata"]["id"] = "no-world"
    data["world"] = {}
    for o in data["focal"]["options"]:
        o["effects"] = {}
    data["criteria"] = [c for c in data["criteria"] if c["measure"]["kind"] != "world"]
    return Scenario.model_validate(data)


@pytest.fixture(scope="module")
def briefs(tmp_path_factory, tiny):
    out = tmp_path_factory.mktemp("declared")
    made = {}
    for name, s in (("economy", _economy_only()), ("none", _no_world())):
        for lang in ("en", "ar"):
            made[name, lang] = build_brief(s, out, lang=lang, settings=tiny, pdf=False)
    return made


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_economy_only_world_speaks_of_its_declared_outcomes(briefs, lang):
    res = briefs["economy", lang]
    b = res.brief
    assert not b.failures, b.failures
    cq = b.sections["consequences"]
    assert cq.ok
    table = cq.data["tables"][0]
    first_cells = [r[0] for r in table["rows"]]
    # every declared event and outcome of the economy kind, by its declared label
    want = {
        "en": ["an output shock", "a reserve crisis", "average output growth"],
        "ar": ["صدمة اقتصادية", "أزمة احتياطيات", "متوسط نمو الناتج"],
    }[lang]
    for w in want:
        assert any(w in c for c in first_cells), (w, first_cells)
    # one fan chart per declared band (output index)
    assert len(cq.charts) == 1
    html = brief_text(res)
    assert not FOREIGN.search(html), FOREIGN.search(html)
    # no recommendation: the bottom line compares with none
    assert not any("source recommends" in line or "يوصي المصدر" in line for line in b.bluf)
    assert "records no recommendation" in b.bluf[0] or "لا يسجّل السيناريو توصية" in b.bluf[0]
    game = b.sections["game"]
    assert game.data["claims_source"] is None
    assert "Alliance-theory propositions" in html or "قضايا نظرية التحالفات" in html


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_no_world_omits_consequences_cleanly(briefs, lang):
    res = briefs["none", lang]
    b = res.brief
    assert not b.failures, b.failures
    # its one criterion is a judged score per option: nothing the ranking reads is uncertain, so
    # there is no change of the ranking to explore (the game's payoff, which no criterion reads,
    # is not passed off as the ranking), and the brief says why
    assert set(b.skipped) == {"consequences", "robustness"}
    html = brief_text(res)
    says = {"en": "declares no world model", "ar": "لا يصرّح السيناريو بنموذج للعالم"}[lang]
    assert says in html
    nothing = {
        "en": "declares no uncertain input that the ranking",
        "ar": "لا يصرّح السيناريو بأي مدخل غير مؤكد",
    }[lang]
    assert nothing in html
    assert 'id="incomplete"' not in html
    assert b.sections["forecast"].ok and b.sections["ranking"].ok
    assert not FOREIGN.search(html)


def test_arabic_brief_has_no_english_headers(briefs):
    html = brief_text(briefs["economy", "ar"])
    heads = re.findall(r"<th[^>]*>([^<]*)</th>", html)
    # table headers are Arabic, numbers or model/method names; none of the old English ones
    for word in ("id", "measure", "key", "address", "date", "kind", "parent", "total"):
        assert word not in [h.strip().lower() for h in heads], word


def test_claims_attributed_to_a_source_only_where_cited(tmp_path):
    s = load_scenario(DATA / "synthetic-world.yaml")  # recommends 'ally', sourced 'analyst'
    from melian.brief.sections import claims_source

    assert claims_source(s) is None  # recommending an option is not arguing the propositions
    assert claims_source(_economy_only()) is None
    assert claims_source(load_scenario("iraq-us-2020")) == "seed"  # game.claims_source


def _broken_runners() -> Runners:
    def game(_s):
        raise ModelError("the payoff model diverged")

    fields = {f: getattr(RUNNERS, f) for f in RUNNERS.__dataclass_fields__}
    fields["game"] = game
    return Runners(**fields)


def test_a_failed_section_fails_the_brief_and_writes_nothing(tmp_path, monkeypatch, tiny):
    import melian.analysis.brief as ab

    monkeypatch.setattr(ab, "RUNNERS", _broken_runners())
    s = _no_world()
    with pytest.raises(BriefIncompleteError, match=r"section 'game' failed: the payoff model"):
        ab.build_brief(s, tmp_path / "strict", settings=tiny, pdf=False)
    assert not (tmp_path / "strict").exists() or not list((tmp_path / "strict").iterdir())
    res = ab.build_brief(s, tmp_path / "partial", settings=tiny, pdf=False, allow_partial=True)
    assert res.brief.failures == {"game": "the payoff model diverged"}
    html = brief_text(res)
    assert 'id="incomplete"' in html and "the payoff model diverged" in html


def test_cli_exits_2_naming_the_failed_section_and_writes_nothing(tmp_path):
    """minimal.yaml's world predates the component kinds: its consequences cannot be computed."""
    from typer.testing import CliRunner

    from melian.cli import app

    out = tmp_path / "briefs"
    res = CliRunner().invoke(
        app,
        [
            "brief",
            str(DATA / "minimal.yaml"),
            "--quick",
            "--no-pdf",
            "--no-save",
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 2, res.output
    assert "section 'consequences' failed" in res.output
    assert "Traceback" not in res.output
    assert not out.exists() or not list(out.iterdir())


#: What the Manas scenario itself never says; the brief must not say it either.
NOT_MANAS = re.compile(
    r"\b(oil|crude|brent|barrel|bbl|opec|payroll|salary|salaries|arrears|dinar|militia)\b|"
    r"differs from the source|source's claims|source's recommendation|source recommends|"
    r"نفط|رواتب|يوصي المصدر|ادعاءات المصدر",
    re.IGNORECASE,
)


@pytest.fixture(scope="module")
def manas(tmp_path_factory, tiny):
    out = tmp_path_factory.mktemp("manas")
    s = load_scenario("kyrgyzstan-manas-2009")
    text = s.model_dump_json()
    assert not NOT_MANAS.search(text)  # the words below are the brief's, not the scenario's
    return {lang: build_brief(s, out, lang=lang, settings=tiny, pdf=False) for lang in ("en", "ar")}


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_manas_brief_reads_right_for_its_case(manas, lang):
    res = manas[lang]
    b = res.brief
    assert not b.failures and not b.skipped, (b.failures, b.skipped)
    html = brief_text(res)
    assert not NOT_MANAS.search(html), NOT_MANAS.search(html)
    generated = " ".join(
        [*b.bluf, *(j["text"] for j in b.judgements), *b.signposts]
        + [c for tb in b.sections["consequences"].data["tables"] for r in tb["rows"] for c in r]
    )
    assert not re.search(r"\bbudget\b|موازنة|ميزانية", generated, re.IGNORECASE)
    # its declared events speak for it: the base closing, the route cut, rationing
    events = {"en": "the base closing to US forces", "ar": "إغلاق القاعدة أمام القوات الأمريكية"}[
        lang
    ]
    assert events in generated
    # no recommendation: the game checks alliance-theory propositions; what would change the
    # ranking is explored on the whole decision (game, forecast and judged criteria together)
    assert b.sections["game"].data["claims_source"] is None
    assert b.sections["robustness"].data["on"] == "joint"
    # the headline forecast is the ensemble's distribution, with intervals per issue
    pred = b.sections["forecast"].data["predictive"]
    assert len(pred["issues"]) == 4
    for it in pred["issues"]:
        lo95, hi95 = it["intervals"]["95"]
        lo50, hi50 = it["intervals"]["50"]
        assert lo95 <= lo50 <= it["median"] <= hi50 <= hi95
