"""Acceptance of issue 17 in Debian's Chromium: author a small dialogue from a blank page, run
every analysis from the analyses page, and open its brief, in English and in Arabic (the page
language chosen with ``?lang=``, kept in a cookie; the brief written in that language).

The dialogue has two actors, two issues, two options, one world component, a game and two
criteria; it
is written only through the authoring form (buttons, fields, the actor x issue grid), saved, and
analysed. Fixtures (server in a thread, Chromium through Playwright, no request leaving the
machine) are those of ``test_web_browser``.
"""

from __future__ import annotations

import pytest
from test_web_browser import browser, page, server  # noqa: F401 - fixtures

from melian.scenario.loader import parse_scenario

pytestmark = pytest.mark.browser

GRID = {  # (actor row, issue row): (position, salience)
    (0, 0): ("20", "80"),
    (1, 0): ("70", "50"),
    (0, 1): ("60", "40"),
    (1, 1): ("30", "60"),
}


def serious_violations(pg) -> list[str]:
    """axe-core's serious and critical violations on the open page (none if axe is missing)."""
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:  # the accessibility check is an extra of the dev environment
        return []
    found = Axe().run(pg).response["violations"]
    return [
        f"{v['id']}: {v['nodes'][0]['target']}"
        for v in found
        if v["impact"] in ("serious", "critical")
    ]


def _fill(pg, values: dict[str, str]) -> None:
    for selector, value in values.items():
        pg.fill(selector, value)


def author_dialogue(pg, url: str, name: str, lang: str) -> None:
    """Write the dialogue from a blank page, through the form only, and save it as ``name``."""
    pg.goto(url + f"/author/new?lang={lang}")  # the language is kept in a cookie from here
    assert pg.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
    _fill(pg, {"#f-meta-id": name, "#f-meta-title": "An authored dialogue"})
    for k, (aid, nm, clout) in enumerate((("a", "Alpha", "60"), ("b", "Beta", "40"))):
        pg.click("#add-act")
        _fill(pg, {f"#f-act-{k}-id": aid, f"#f-act-{k}-name": nm, f"#f-act-{k}-clout": clout})
    for k, (iid, nm, sq) in enumerate((("tax", "Tax", "50"), ("aid", "Aid", ""))):
        pg.click("#add-iss")
        _fill(
            pg,
            {
                f"#f-iss-{k}-id": iid,
                f"#f-iss-{k}-name": nm,
                f"#f-iss-{k}-low": "none",
                f"#f-iss-{k}-high": "a great deal",
                f"#f-iss-{k}-sq": sq,
            },
        )
    pg.click("#check")  # the grid now has a row per actor and a column per issue
    for (a, i), (pos, sal) in GRID.items():  # by actor row and issue row
        _fill(pg, {f"#f-pos-{i}-{a}": pos, f"#f-sal-{i}-{a}": sal})
    pg.select_option("#new-kind", "event_hazard")
    pg.click("#add-comp")
    _fill(
        pg,
        {
            "#f-comp-0-id": "crisis",
            "#f-comp-0-name": "Crisis",
            "#f-comp-0-p-base_hazard": "uniform 0.03 0.08",
        },
    )
    for k, (oid, nm) in enumerate((("deal", "Make a deal"), ("wait", "Wait"))):
        pg.click("#add-opt")
        _fill(pg, {f"#f-opt-{k}-id": oid, f"#f-opt-{k}-name": nm})
    pg.check("#f-opt-1-status_quo")
    pg.select_option("#f-focal-actor", "a")
    pg.click("#add-eff-0")
    pg.fill("#f-eff-0-0-param", "crisis.lever")
    pg.select_option("#f-eff-0-0-op", "add")
    pg.fill("#f-eff-0-0-value", "-1")
    pg.click("#check")  # the game section lists the actors
    pg.select_option("#f-game-patron", "b")
    pg.check("#f-game-player-1")
    pg.fill("#f-game-resp-1", "support: Support\ndisengage: Disengage")
    pg.click("#add-crit")
    _fill(pg, {"#f-crit-0-id": "safety", "#f-crit-0-name": "Safety", "#f-crit-0-weight": "0.6"})
    pg.select_option("#f-crit-0-direction", "min")
    pg.select_option("#f-crit-0-mkind", "world")
    pg.fill("#f-crit-0-metric", "event")
    pg.select_option("#f-crit-0-stat", "probability")
    pg.click("#add-crit")
    _fill(pg, {"#f-crit-1-id": "pride", "#f-crit-1-name": "Pride", "#f-crit-1-weight": "0.4"})
    _fill(pg, {"#f-crit-1-s-0": "2", "#f-crit-1-s-1": "4"})
    with pg.expect_navigation(timeout=60_000):  # the checked form is a new page (a loaded
        pg.click("#check")  # machine lags): read its status only once it has loaded
    assert pg.locator("#status.ok").count() == 1, pg.locator("#problems").inner_text()
    pg.fill("#save-name", name)
    pg.click("#save")
    pg.wait_for_url(f"**/author/user/{name}?saved=1")


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_author_a_dialogue_from_blank_run_every_analysis_and_open_its_brief(
    page,  # noqa: F811
    server,  # noqa: F811
    lang,
) -> None:
    url = server["url"]
    name = f"authored-{lang}"
    author_dialogue(page, url, name, lang)
    assert page.locator("#message").count() == 1
    assert serious_violations(page) == []
    s = parse_scenario(page.request.get(url + f"/api/scenarios/user/{name}").text())
    assert [a.name for a in s.actors] == ["Alpha", "Beta"]
    assert [i.id for i in s.issues] == ["tax", "aid"]
    assert s.issues[0].positions[1].position == 70 and s.issues[1].positions[0].salience == 40
    assert [o.id for o in s.focal.options] == ["deal", "wait"]
    assert s.focal.options[0].effects["crisis.lever"].add == -1
    assert s.world.components[0].parameters["base_hazard"].dist == "uniform"
    assert [(c.id, c.weight) for c in s.criteria] == [("safety", 0.6), ("pride", 0.4)]
    assert s.game.patron == "b"
    assert [r.id for r in s.game.responses["b"]] == ["support", "disengage"]

    # usable at 420 px: nothing but the scrollable grid is wider than the screen
    page.set_viewport_size({"width": 420, "height": 800})
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= 430, wide
    page.set_viewport_size({"width": 1280, "height": 900})

    page.click("#analyses-link")
    page.wait_for_url(f"**/scenarios/user/{name}/analyses")
    assert page.locator("fieldset.blocked").count() == 0  # every analysis is offered
    assert serious_violations(page) == []
    for kind, params in (
        ("forecast", {}),
        ("game", {}),
        ("simulate", {"#p-simulate-paths": "300", "#p-simulate-horizon": "6"}),
        ("decide", {"#p-decide-paths": "300", "#p-decide-horizon": "6"}),
    ):
        page.goto(url + f"/scenarios/user/{name}/analyses")
        _fill(page, params)
        page.click(f"#run-{kind}")
        page.wait_for_url("**/runs/*", timeout=120_000)
        assert page.locator("#run-status").get_attribute("class").endswith("ok"), kind
    page.goto(url + f"/scenarios/user/{name}/analyses")
    page.select_option("#p-brief-lang", lang)
    page.click("#run-brief")
    page.wait_for_url("**/jobs/*")
    link = page.locator("#job-outputs a").first
    link.wait_for(timeout=240_000)
    assert link.inner_text().startswith(f"brief-{name}-")
    link.click()
    page.wait_for_url(f"**/briefs/brief-{name}-*")
    assert "An authored dialogue" in page.title()
    assert page.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
    assert page.seen["errors"] == []


def test_problems_show_beside_their_field_as_you_type(page, server) -> None:  # noqa: F811
    page.goto(server["url"] + "/author/user/minimal")
    url = page.url
    cell = page.get_by_label("salience of Regional Rival on Size of the patron's military presence")
    cell.fill("250")
    cell.press("Tab")  # leaving the field checks the whole form on the server
    msg = page.locator("td.error span.msg").first
    msg.wait_for(timeout=15_000)
    assert "salience scale" in msg.inner_text() and page.url == url
    assert page.locator("#status").inner_text() == "1 problem(s)"
    cell.fill("25")
    cell.press("Enter")  # Enter submits the form's first button: Check
    page.wait_for_load_state()
    assert page.locator("td.error").count() == 0
    assert page.seen["errors"] == []
