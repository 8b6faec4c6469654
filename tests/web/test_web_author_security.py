"""The authoring forms and spreadsheet uploads keep the web app's guards (issue 17 acceptance):
origin and host checks, body limits, no script from names, no path escape, no zip bomb, and no
formula in an exported spreadsheet."""

from __future__ import annotations

import io
import zipfile

import pytest
import yaml
from conftest import HOSTILE_NAME, MINIMAL
from test_web_author import _scrape

from melian.errors import InputError
from melian.web.sheets import read_table, safe_cell, to_csv, to_xlsx

ORIGIN = {"Origin": "http://127.0.0.1:8000"}


@pytest.mark.parametrize(
    "path",
    ["/author/new", "/author/user/minimal", "/scenarios/user/minimal/analyses"],
)
def test_cross_origin_posts_are_refused(client, web_env, path) -> None:
    before = sorted(p.name for p in web_env["scenarios"].iterdir())
    for headers in ({"Origin": "http://evil.example"}, {"Sec-Fetch-Site": "cross-site"}):
        r = client.post(
            path, data={"action": "save", "_save_name": "x", "kind": "forecast"}, headers=headers
        )
        assert r.status_code == 403
    assert client.get("/api/runs").json() == []
    assert sorted(p.name for p in web_env["scenarios"].iterdir()) == before
    assert client.get("/author/new", headers={"Host": "evil.example"}).status_code == 400


def test_oversize_form_and_upload_are_refused(client) -> None:
    r = client.post("/author/new", data={"meta.title": "x" * 300_000}, headers=ORIGIN)
    assert r.status_code == 413
    files = {"sheet": ("grid.csv", b"actor,name\n" * 30_000, "text/csv")}
    r = client.post("/author/user/minimal", data={"action": "import:grid"}, files=files)
    assert r.status_code == 413


def _zip_bomb() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (60 * 1024 * 1024))
    return buf.getvalue()


def test_zip_bomb_and_malformed_xlsx_are_refused(client) -> None:
    bomb = _zip_bomb()
    assert len(bomb) < 200_000  # passes the body limit: the zip guard must stop it
    with pytest.raises(InputError, match="zip bomb"):
        read_table(bomb, "bomb.xlsx")
    with pytest.raises(InputError, match="not a readable xlsx"):
        read_table(b"PK\x03\x04" + b"\x00garbage" * 50, "bad.xlsx")
    with pytest.raises(InputError, match="not a readable xlsx"):
        read_table(_not_a_workbook(), "empty.xlsx")
    form = _scrape(client.get("/author/user/minimal").text)
    form["action"] = "import:grid"
    files = {"sheet": ("bomb.xlsx", bomb, "application/octet-stream")}
    r = client.post("/author/user/minimal", data=form, files=files, headers=ORIGIN)
    assert r.status_code in (200, 422) and "zip bomb guard" in r.text
    with pytest.raises(InputError, match="binary|NUL|UTF-8"):
        read_table(b"actor,x\n\x00\x01\x02", "nul.csv")


def _not_a_workbook() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("hello.txt", "not a workbook")
    return buf.getvalue()


def test_exported_spreadsheets_hold_no_formula(client, web_env) -> None:
    data = yaml.safe_load(MINIMAL.read_text())
    names = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)", "ok"]
    for a, nm in zip(data["actors"], names, strict=False):
        a["name"] = nm
    data["metadata"]["id"] = "formulas"
    (web_env["scenarios"] / "formulas.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    text = client.get("/author/user/formulas/grid.csv").content.decode("utf-8-sig")
    cells = [line.split(",", 2)[1] for line in text.splitlines()[1:]]
    assert cells[0].startswith("\"'=HYPERLINK") and cells[1] == "'+1+1" and cells[2] == "'-2+3"
    assert cells[3] == "'@SUM(A1)" and cells[4] == "ok"
    assert safe_cell(-5.0) == -5.0  # numbers are left alone
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(client.get("/author/user/formulas/grid.xlsx").content))
    column = [c.value for c in wb.active["B"][1:]]
    assert all(not str(v).startswith(("=", "+", "-", "@")) for v in column)
    assert all(c.data_type == "s" for c in wb.active["B"][1:])
    assert to_csv([["=1+1"]]).decode("utf-8-sig").strip() == "'=1+1"
    assert load_workbook(io.BytesIO(to_xlsx([["=1+1"]], "t"))).active["A1"].data_type == "s"


def test_hostile_names_are_escaped_on_the_authoring_pages(client) -> None:
    html = client.get("/author/user/hostile").text
    assert HOSTILE_NAME not in html and "&lt;script&gt;" in html
    assert "<script>window.__pwned" not in html
    html = client.get("/scenarios/user/hostile/analyses").text
    assert "<script>window.__pwned" not in html
    form = _scrape(client.get("/author/user/minimal").text)
    form["action"] = "import:grid"
    bad = b"actor,name\n<script>alert(1)</script>,x\n"
    files = {"sheet": ("<img src=x onerror=alert(1)>.csv", bad, "text/csv")}
    html = client.post("/author/user/minimal", data=form, files=files, headers=ORIGIN).text
    assert "<script>alert(1)</script>" not in html and "<img src=x" not in html
    assert "unknown actor" in html


def test_no_path_escape_from_the_authoring_pages(client, web_env) -> None:
    (web_env["root"] / "outside.yaml").write_text(MINIMAL.read_text())
    for name in ("..%2Foutside", "%2E%2E%2Foutside", "a%00b"):
        assert client.get(f"/author/user/{name}").status_code in (404, 422)
        assert client.get(f"/author/user/{name}/grid.csv").status_code in (404, 422)
    # a dataset file outside melian's data is refused by the scenario rules, and nothing is saved
    form = _scrape(client.get("/author/user/minimal").text)
    form.update({"comp.0.d.prices": "../../secret.txt", "action": "save", "_save_name": "esc"})
    r = client.post("/author/user/minimal", data=form, headers=ORIGIN, follow_redirects=False)
    assert r.status_code == 422 and not (web_env["scenarios"] / "esc.yaml").exists()
    form.update({"_save_name": "../escape", "comp.0.d.prices": ""})
    r = client.post("/author/user/minimal", data=form, headers=ORIGIN, follow_redirects=False)
    assert r.status_code == 422 and not (web_env["root"] / "escape.yaml").exists()
