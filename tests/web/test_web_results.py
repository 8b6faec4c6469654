"""Result pages are readable (tables and charts of the brief's builders), downloadable as CSV and
Parquet, and the pages speak Arabic from the shared message catalogue."""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from conftest import wait_job, write_scenarios
from fastapi.testclient import TestClient
from jinja2 import Environment
from jinja2.ext import extract_from_ast

from melian.i18n import catalogue
from melian.web import create_app

TEMPLATES = Path(__file__).parents[2] / "src" / "melian" / "web" / "templates"


def run(client, kind: str, params: dict, name: str = "minimal") -> str:
    origin = "user" if name == "minimal" else "builtin"
    body = {"kind": kind, "scenario": {"origin": origin, "name": name}, "params": params}
    r = client.post("/api/runs", json=body)
    assert r.status_code == 202, r.text
    job = wait_job(client, r.json()["id"], timeout=900)
    assert job["status"] == "done", job
    return job["run_id"]


BUILTIN = "iraq-us-2020"


@pytest.fixture(scope="module")
def shared(tmp_path_factory) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """One server with a run of each kind (the analyses take a while: made once)."""
    root = tmp_path_factory.mktemp("results")
    write_scenarios(root / "scenarios")
    app = create_app(f"sqlite:///{root / 'runs.sqlite'}", root / "scenarios", brief_dir=root)
    with TestClient(app, base_url="http://127.0.0.1:8000") as c:
        runs = {
            "forecast": run(c, "forecast", {"models": ["compromise", "median", "bdm"]}),
            "game": run(c, "game", {}, BUILTIN),
            "simulate": run(c, "simulate", {"paths": 200, "horizon": 6, "seed": 3}, BUILTIN),
            "decide": run(c, "decide", {"paths": 100}, BUILTIN),
        }
        yield c, runs


@pytest.fixture
def runs(shared) -> dict[str, str]:
    return shared[1]


@pytest.fixture
def sclient(shared) -> TestClient:
    shared[0].cookies.clear()
    return shared[0]


def tables_of(html: str) -> list[str]:
    return re.findall(r'<table class="grid result-table"[^>]*>(.*?)</table>', html, re.S)


def test_result_pages_show_the_briefs_tables_and_charts_not_json(sclient, runs) -> None:
    expect = {
        "game": ("Equilibria", "The source's claims, checked", "Payoff components"),
        "simulate": ("Risk table",),
        "decide": ("Ranking on the decision-maker's criteria", "Weight stability"),
    }
    for kind, titles in expect.items():
        page = sclient.get(f"/runs/{runs[kind]}")
        assert page.status_code == 200
        html = page.text.replace("&#39;", "'")
        assert '<pre class="json">' not in html
        assert not re.search(r"[{,]\s*&#34;\w+&#34;:", html)  # no JSON object shown
        for title in titles:
            assert title in html, (kind, title)
        assert tables_of(html), kind
        assert 'src="data:image/png;base64,' in html  # the brief's chart
    sim = sclient.get(f"/runs/{runs['simulate']}").text
    # options by name in the risk table, and the fan charts of the declared bands
    assert "Ally with the United States" in sim and "Fan charts" in sim
    game = sclient.get(f"/runs/{runs['game']}").text
    assert "Conditions" in game and "zero-sum" in game and "variable-sum" in game


@pytest.mark.slow
def test_robustness_run_replays_the_briefs_section(sclient) -> None:
    """The explore kind runs the brief's "what would change the recommendation" and its page
    shows that section's tables from the stored results (a few minutes: a quick brief's worth).
    The quick section has PRIM and regret; its breaking points are the full brief's, and the page
    says so."""
    rid = run(sclient, "explore", {"quick": True}, BUILTIN)
    stored = sclient.get(f"/api/runs/{rid}").json()["results"]
    kinds = {k.split("#")[0] for k in stored["results"]}
    # the brief explores the whole decision (every criterion, world, game and bargaining inputs)
    assert kinds >= {"prim@joint", "regret@joint"} and "breaking@joint" not in kinds
    html = sclient.get(f"/runs/{rid}").text.replace("&#39;", "'")
    assert "What would change the recommendation" in html and "Minimax regret choice" in html
    assert "computed in the full brief only" in html
    assert "maximum regret" in html and "Ally with the United States" in html
    assert '<pre class="json">' not in html and tables_of(html)


def test_forecast_page_charts_the_headline_model_by_actor_name(sclient, runs) -> None:
    data = sclient.get(f"/api/runs/{runs['forecast']}").json()["results"]
    headline = data["default_model"] or "compromise"
    html = sclient.get(f"/runs/{runs['forecast']}").text
    # the headline model is marked in the table, its value is the dashed line of the charts
    assert f'<td class="num headline" data-model="{headline}">' in html
    point = data["points"]["presence"][headline]
    assert f"headline forecast <bdi>{point:.4g}</bdi>" in html
    # actors are named, not identified, in the charts' legends
    assert "Big Power" in html and ">big</text>" not in html
    # each model is explained one click away
    for m in data["models"]:
        assert f'href="#model-{m}"' in html and f'<dt id="model-{m}">' in html
    assert re.search(r'<dt id="model-median">.*?</dt><dd>[^<]{20,}</dd>', html, re.S)


def test_chart_palette_has_twelve_distinct_colours() -> None:
    from melian.web.charts import PALETTE, trajectory_svg

    assert len(set(PALETTE)) >= 12
    traj = {f"actor {k}": [float(k), float(k + 1)] for k in range(14)}
    svg = str(trajectory_svg({"issue": "x", "trajectory": traj, "point": 3.0}))
    strokes = re.findall(
        r'<polyline fill="none" stroke="(#[0-9a-f]{6})" stroke-width="1.6"((?: stroke-dasharray="[^"]*")?)',
        svg,
    )
    assert len(strokes) == 14 and len(set(strokes)) == 14  # colour, or colour and dash, differ


def test_every_table_downloads_as_csv_and_parquet(sclient, runs) -> None:
    rid = runs["forecast"]
    stored = sclient.get(f"/api/runs/{rid}").json()["results"]["points"]
    r = sclient.get(f"/runs/{rid}/tables/0.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.headers["content-disposition"] == f'attachment; filename="melian-{rid}-table-0.csv"'
    assert r.headers["x-content-type-options"] == "nosniff"
    frame = pd.read_csv(io.StringIO(r.content.decode("utf-8-sig")))
    row = frame.set_index("Issue").loc["Size of the patron's military presence"]
    assert row["median"] == pytest.approx(stored["presence"]["median"], rel=5e-3)
    p = sclient.get(f"/runs/{rid}/tables/0.parquet")
    assert p.headers["content-type"] == "application/vnd.apache.parquet"
    pq = pd.read_parquet(io.BytesIO(p.content))
    assert list(pq.columns) == list(frame.columns) and pq["median"].dtype == "float64"
    # every number at full precision
    v = pd.read_csv(io.StringIO(sclient.get(f"/runs/{rid}/values.csv").content.decode("utf-8-sig")))
    got = v.set_index("path").loc["points.presence.median", "value"]
    assert got == stored["presence"]["median"]
    vp = pd.read_parquet(io.BytesIO(sclient.get(f"/runs/{rid}/values.parquet").content))
    assert (
        vp.set_index("path").loc["points.presence.median", "value"] == stored["presence"]["median"]
    )
    # all tables of a game run in one zip, with their titles
    z = sclient.get(f"/runs/{runs['game']}/tables.zip?fmt=parquet")
    assert z.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(z.content)) as zf:
        names = zf.namelist()
        index = zf.read("index.csv").decode("utf-8-sig")
        assert "Equilibria" in index
        n = sum(1 for x in names if x.endswith(".parquet"))
        assert n == len(tables_of(sclient.get(f"/runs/{runs['game']}").text)) >= 3
        frames = [pd.read_parquet(io.BytesIO(zf.read(x))) for x in names if x.endswith(".parquet")]
    assert any("Total" in f.columns and f["Total"].dtype == "float64" for f in frames)
    # Arabic tables in Arabic
    ar = sclient.get(f"/runs/{runs['decide']}/tables/0.csv?lang=ar").content.decode("utf-8-sig")
    assert "الخيار" in ar


def test_downloads_refuse_bad_names(sclient, runs) -> None:
    rid = runs["forecast"]
    for url in (
        f"/runs/{rid}/tables/99.csv",
        f"/runs/{rid}/tables/0.exe",
        f"/runs/{rid}/tables/-1.csv",
        f"/runs/{rid}/tables/..%2F..%2Fsecret.csv",
        f"/runs/{rid}/values.txt",
        f"/runs/{rid}/brief.html",  # not a brief run
        f"/runs/{rid}/brief.sh",
        "/runs/..%2F..%2Fsecret/tables/0.csv",
        "/runs/nope/tables/0.csv",
        f"/runs/{rid}/tables.zip?fmt=exe",
    ):
        r = sclient.get(url)
        assert r.status_code in (404, 422), (url, r.status_code)
        assert "top secret" not in r.text
    # the DNS-rebinding guard covers the downloads
    r = sclient.get(f"/runs/{rid}/tables/0.csv", headers={"host": "evil.example"})
    assert r.status_code == 400


def test_brief_run_downloads_its_files(client, web_env) -> None:
    rid = run(client, "brief", {"quick": True})
    page = client.get(f"/runs/{rid}").text
    assert f'href="/runs/{rid}/brief.html"' in page and f'href="/runs/{rid}/brief.json"' in page
    assert "Bottom line up front" in page and tables_of(page)
    h = client.get(f"/runs/{rid}/brief.html")
    assert h.status_code == 200 and h.headers["content-type"].startswith("text/html")
    assert h.headers["content-disposition"].startswith('attachment; filename="brief-minimal-')
    assert "sandbox" in h.headers["content-security-policy"]
    j = client.get(f"/runs/{rid}/brief.json")
    assert j.headers["content-type"] == "application/json" and j.json()["sections"]
    # no PDF was written: it is printed on demand where the server has Chromium
    pdf = client.get(f"/runs/{rid}/brief.pdf")
    if shutil.which("chromium"):
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        assert pdf.headers["content-type"] == "application/pdf"
        assert pdf.headers["content-disposition"].endswith('.pdf"')
        assert not list(web_env["briefs"].glob("*.pdf"))  # nothing left behind
    else:
        assert pdf.status_code == 404
    # a file removed from the brief directory is not served from elsewhere
    name = client.get(f"/api/runs/{rid}").json()["results"]["files"]["html"]
    (web_env["briefs"] / name).unlink()
    assert client.get(f"/runs/{rid}/brief.html").status_code == 404


# --------------------------------------------------------------------------- language
def test_language_switch_sets_rtl_and_is_remembered(client) -> None:
    page = client.get("/?lang=ar")
    assert '<html lang="ar" dir="rtl">' in page.text
    assert "السيناريوهات" in page.text and ">Scenarios<" not in page.text
    assert "melian_lang=ar" in page.headers["set-cookie"]
    assert "httponly" in page.headers["set-cookie"].lower()
    again = client.get("/runs")  # the cookie keeps the choice
    assert '<html lang="ar" dir="rtl">' in again.text and "التشغيلات" in again.text
    # the switch keeps the page's other query parameters
    assert 'href="/runs?lang=en"' in again.text
    back = client.get("/?lang=en")
    assert '<html lang="en" dir="ltr">' in back.text
    client.cookies.set("melian_lang", "xx")
    assert '<html lang="en" dir="ltr">' in client.get("/").text
    bad = client.get('/?lang="><script>')
    assert '<html lang="en" dir="ltr">' in bad.text and "set-cookie" not in bad.headers


def test_arabic_result_page_isolates_numbers_and_ids(sclient, runs) -> None:
    html = sclient.get(f"/runs/{runs['decide']}?lang=ar").text
    assert '<html lang="ar" dir="rtl">' in html
    assert "الترتيب وفق معايير صانع القرار" in html  # the brief's Arabic heading
    cells = re.findall(r"<td>(.*?)</td>", "".join(tables_of(html)))
    assert cells and all(c.startswith("<bdi>") for c in cells)


def test_catalogue_translates_every_page_message() -> None:
    env = Environment()
    missing = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        for _line, _f, msg in extract_from_ast(
            env.parse(path.read_text()), gettext_functions=("_",), babel_style=False
        ):
            text = msg[0] if isinstance(msg, tuple) and msg else msg
            if isinstance(text, str) and (None, text) not in catalogue("ar"):
                missing.append(f"{path.name}: {text!r}")
    # the names given to analysis kinds, statuses and origins (looked up at run time)
    from melian.web.state import KIND_NAMES

    for text in [*KIND_NAMES.values(), "ok", "failed", "builtin", "user"]:
        if (None, text) not in catalogue("ar"):
            missing.append(text)
    assert not missing, "untranslated: " + "; ".join(missing)
    # placeholders survive translation
    for (_ctx, msgid), msgstr in catalogue("ar").items():
        assert set(re.findall(r"%\(\w+\)s", msgid)) == set(re.findall(r"%\(\w+\)s", msgstr))


def test_docs_page_shows_literals_as_code(client) -> None:
    html = client.get("/docs").text
    assert "``" not in html and "<code>forecast</code>" in html


def test_job_and_run_pages_use_the_menus_names(sclient, runs) -> None:
    assert "<h1>Consequences · run" in sclient.get(f"/runs/{runs['simulate']}").text
    assert "<h1>Ranking · run" in sclient.get(f"/runs/{runs['decide']}").text
    runs_page = sclient.get("/runs").text
    assert "<td>Consequences</td>" in runs_page and "<td>Simulate</td>" not in runs_page
