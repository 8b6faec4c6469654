"""Authoring a dialogue from the web form (issue 17, item 1): round trip, plain problems at
their fields, rows added and removed, saving, spreadsheets, and the analyses a scenario can run."""

from __future__ import annotations

import csv
import io
import re

import pytest
import yaml
from conftest import wait_job

from melian.scenario.loader import content_hash, load_scenario, parse_scenario, to_data
from melian.web import authoring as au
from melian.web.sheets import effects_table, grid_table, to_csv, to_xlsx
from melian.world.components import KINDS

ORIGIN = {"Origin": "http://127.0.0.1:8000"}


@pytest.mark.parametrize(
    "ref", ["iraq-us-2020", "kyrgyzstan-manas-2009", "tests/data/scenarios/minimal.yaml"]
)
def test_form_round_trip_keeps_the_scenario_exactly(ref) -> None:
    s = load_scenario(ref)
    data = to_data(s)
    back, fm = au.form_to_data(au.data_to_form(data), data, KINDS)
    s2 = au.validate_form_data(back, fm, KINDS)
    assert s2 is not None and fm.count == 0
    assert content_hash(s2) == content_hash(s)


def _fill(base: dict, **changes: str) -> dict:
    form = au.data_to_form(base)
    form.update(changes)
    return form


def test_problems_are_in_plain_words_beside_their_fields() -> None:
    s = load_scenario("tests/data/scenarios/minimal.yaml")
    data = to_data(s)
    # big is actor row 1, presence issue row 0; small row 0, aid row 1
    form = _fill(data, **{"sal.0.1": "250", "pos.1.0": "lots", "act.2.name": ""})
    back, fm = au.form_to_data(form, data, KINDS)
    assert au.validate_form_data(back, fm, KINDS) is None
    # all three problems are found in one pass, in the reader's words
    assert fm.errors["pos.1.0"] == ["must be a number (got 'lots')"]
    assert fm.labels["pos.1.0"] == "Position of Small State on Economic support"
    assert any("salience scale" in m for m in fm.errors["sal.0.1"])
    assert fm.labels["sal.0.1"].startswith("Salience of Big Power on")
    assert fm.errors["act.2.name"] == ["is required"]
    text = " ".join(m for msgs in fm.errors.values() for m in msgs)
    assert "Input should" not in text and "issues[" not in text


def test_blank_page_then_add_rows_and_save(client, web_env) -> None:
    r = client.get("/author/new")
    assert r.status_code in (200, 422) and 'id="author-form"' in r.text
    form = {k: v for k, v in _scrape(r.text).items()}
    form["action"] = "add:act"
    r = client.post("/author/new", data=form, headers=ORIGIN)
    assert 'name="act.0.id"' in r.text and "autofocus" in r.text
    form = _scrape(r.text)
    form.update(
        {
            "meta.id": "two-by-two",
            "meta.title": "Two by two",
            "act.0.id": "a",
            "act.0.name": "Alpha",
            "act.0.clout": "60",
            "act.1.id": "b",
            "act.1.name": "Beta",
            "act.1.kind": "state",
            "act.1.at_table": "on",
            "act.1.clout": "40",
            "act.1.source": "analyst",
            "iss.0.id": "tax",
            "iss.0.name": "Tax",
            "iss.0.min": "0",
            "iss.0.max": "100",
            "iss.0.low": "none",
            "iss.0.high": "high",
            "iss.0.source": "analyst",
            "pos.0.0": "20",
            "sal.0.0": "80",
            "pos.0.1": "70",
            "sal.0.1": "50",
            "_save_name": "two",
            "action": "save",
        }
    )
    r = client.post("/author/new", data=form, headers=ORIGIN, follow_redirects=False)
    assert r.status_code == 303, r.text[:3000]
    assert r.headers["location"] == "/author/user/two?saved=1"
    s = parse_scenario((web_env["scenarios"] / "two.yaml").read_text())
    assert [a.name for a in s.actors] == ["Alpha", "Beta"]
    assert s.issues[0].positions[1].position == 70
    # the analyses page offers the forecast and says why the others cannot run
    page = client.get("/scenarios/user/two/analyses").text
    assert 'id="run-forecast"' in page and 'id="run-simulate"' not in page
    assert "no world components" in page and "no criteria" in page


def _scrape(html: str) -> dict[str, str]:
    """The values an HTML form would post (inputs, selected options, checked boxes)."""
    form: dict[str, str] = {}
    for m in re.finditer(r"<input ([^>]*)>", html):
        attrs = dict(re.findall(r'(\w[\w-]*)="([^"]*)"', m.group(1)))
        if "name" not in attrs or attrs.get("type") in ("file", "submit"):
            continue
        if attrs.get("type") == "checkbox":
            if "checked" in m.group(1).split():
                form[attrs["name"]] = "on"
            continue
        form[attrs["name"]] = attrs.get("value", "")
    for m in re.finditer(r'<select [^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        sel = re.search(r'<option value="([^"]*)" selected', m.group(2))
        first = re.search(r'<option value="([^"]*)"', m.group(2))
        form[m.group(1)] = sel.group(1) if sel else (first.group(1) if first else "")
    for m in re.finditer(r'<textarea [^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        form[m.group(1)] = m.group(2)
    return {k: v.replace("&#39;", "'").replace("&amp;", "&") for k, v in form.items()}


def test_remove_an_actor_removes_its_positions(client) -> None:
    form = _scrape(client.get("/author/user/minimal").text)
    form["action"] = "del:act.2"  # the regional rival
    html = client.post("/author/user/minimal", data=form, headers=ORIGIN).text
    assert 'name="act.2.id"' not in html and 'name="pos.0.2"' not in html
    # the rival is still named by the game and the options: said in words, the page stays usable
    assert "unknown actor &#39;rival&#39;" in html


def test_saving_refuses_a_file_changed_since_it_was_opened(client, web_env) -> None:
    form = _scrape(client.get("/author/user/minimal").text)
    path = web_env["scenarios"] / "minimal.yaml"
    data = yaml.safe_load(path.read_text())
    data["metadata"]["title"] = "Changed elsewhere"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    form.update({"action": "save", "_save_name": "minimal", "_overwrite": "on"})
    r = client.post("/author/user/minimal", data=form, headers=ORIGIN, follow_redirects=False)
    assert r.status_code == 422 and "was changed since you opened it" in r.text
    assert "Changed elsewhere" in path.read_text()
    # an invalid form is never written
    form.update({"sal.0.0": "900", "_save_name": "other"})
    r = client.post("/author/user/minimal", data=form, headers=ORIGIN, follow_redirects=False)
    assert r.status_code == 422 and not (web_env["scenarios"] / "other.yaml").exists()


def test_grid_and_effects_spreadsheets_round_trip(client) -> None:
    s = load_scenario("tests/data/scenarios/minimal.yaml")
    data = to_data(s)
    rows = list(csv.reader(io.StringIO(client.get("/author/user/minimal/grid.csv").text[1:])))
    assert rows == [[str(c) if c is not None else "" for c in r] for r in grid_table(data)]
    assert rows[0][:4] == ["actor", "actor name", "presence: position", "presence: salience"]
    # an analyst edits the xlsx and imports it back
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(client.get("/author/user/minimal/grid.xlsx").content))
    ws = wb.active
    assert ws.cell(row=3, column=3).value == 60  # big on presence
    ws.cell(row=3, column=3).value = 95
    buf = io.BytesIO()
    wb.save(buf)
    form = _scrape(client.get("/author/user/minimal").text)
    form["action"] = "import:grid"
    files = {"sheet": ("grid.xlsx", buf.getvalue(), "application/octet-stream")}
    html = client.post("/author/user/minimal", data=form, files=files, headers=ORIGIN).text
    assert 'name="pos.0.1" value="95"' in html
    effects = effects_table(data)
    assert ["exit", "Demand withdrawal", "sanctions.probability", "multiply", 3.0] in effects
    assert ["ally", "Ally with the big power", "fiscal.aid", "set (distribution)", None] in effects
    table = [["option", "option name", "parameter", "operation", "value"]]
    table.append(["exit", "", "sanctions.probability", "multiply", "4"])
    form["action"] = "import:effects"
    files = {"sheet": ("e.csv", to_csv(table), "text/csv")}
    html = client.post("/author/user/minimal", data=form, files=files, headers=ORIGIN).text
    assert re.search(r'name="eff\.1\.\d+\.value" value="4"', html)
    assert to_xlsx(effects, "effects")[:2] == b"PK"


def test_failed_job_lists_its_problems_grouped(client) -> None:
    r = client.post(
        "/api/runs",
        json={
            "kind": "simulate",
            "scenario": {"origin": "user", "name": "minimal"},
            "params": {"paths": 100, "horizon": 2},
        },
        headers=ORIGIN,
    )
    job = wait_job(client, r.json()["id"])
    assert job["status"] == "failed" and len(job["problems"]) > 10
    html = client.get(f"/jobs/{job['id']}").text
    assert 'id="job-problems"' in html
    assert "World component &#39;fiscal&#39; (commodity_budget)" in html
    assert re.search(r"needs \d+ parameter\(s\): export_revenue_share", html)
    assert 'href="/author/user/minimal#f-comp-1-p-export_revenue_share"' in html
    # the list is short: one line for the missing parameters of each component
    assert html.count("<li>") < 15


def test_analyses_form_runs_with_its_parameters_and_a_view(client, web_env) -> None:
    data = yaml.safe_load((web_env["scenarios"] / "minimal.yaml").read_text())
    data["metadata"]["id"] = "viewed"
    data["views"] = [
        {
            "id": "hawk",
            "name": "A hawk",
            "overrides": [
                {"path": "issues/presence/positions/big/position", "value": 95, "source": "analyst"}
            ],
        }
    ]
    (web_env["scenarios"] / "viewed.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    page = client.get("/scenarios/user/viewed/analyses").text
    assert '<option value="hawk">' in page and 'id="p-forecast-models"' in page
    points = {}
    for view in ("", "hawk"):
        form = {"kind": "forecast", "forecast.models": "compromise", "forecast.view": view}
        r = client.post(
            "/scenarios/user/viewed/analyses", data=form, headers=ORIGIN, follow_redirects=False
        )
        assert r.status_code == 303, r.text[:2000]
        job = wait_job(client, r.headers["location"].rsplit("/", 1)[1])
        run = client.get(f"/api/runs/{job['run_id']}").json()
        assert run["manifest"]["params"]["models"] == ["compromise"]
        assert run["manifest"]["params"].get("view") == (view or None)
        points[view] = run["results"]["points"]["presence"]["compromise"]
    assert points["hawk"] > points[""] + 1.0
    # bad parameters are refused in plain words, nothing is started
    form = {"kind": "simulate", "simulate.paths": "10"}
    r = client.post("/scenarios/user/viewed/analyses", data=form, headers=ORIGIN)
    assert r.status_code == 422 and "must be at least 100" in r.text
    # an analysis the scenario cannot run is not started, even when asked by hand
    form = {"kind": "simulate", "simulate.paths": "100"}
    r = client.post("/scenarios/user/viewed/analyses", data=form, headers=ORIGIN)
    assert r.status_code == 422 and "the world model needs this parameter" in r.text
    assert client.get("/api/runs?kind=simulate").json() == []


def test_live_check_gives_problems_by_field(client) -> None:
    form = _scrape(client.get("/author/user/minimal").text)
    form.update({"sal.0.1": "250", "pos.1.0": "lots"})
    r = client.post("/author/user/minimal/check", data=form, headers=ORIGIN)
    assert r.status_code == 200
    out = r.json()
    assert out["valid"] is False and out["count"] == 2
    assert out["errors"]["f-pos-1-0"] == ["must be a number (got 'lots')"]
    assert "salience scale" in out["errors"]["f-sal-0-1"][0]
    assert client.post("/author/new/check", data={}, headers=ORIGIN).json()["valid"] is False
    r = client.post("/author/user/minimal/check", data=form, headers={"Origin": "http://x.example"})
    assert r.status_code == 403
