"""The ``brief`` analysis of the web app: the decision brief written from a (possibly edited)
scenario in the background, published under a unique safe name in the brief directory, served
at /briefs/NAME, and saved as a run in the store; a failing job leaves no file behind."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from conftest import wait_job

from melian.brief.render import chromium_path
from melian.errors import MelianError, StoreError
from melian.web import analyses, jobs

BUILTIN = {"origin": "builtin", "name": "iraq-us-2020"}
MINIMAL_REF = {"origin": "user", "name": "minimal"}
MINIMAL_TITLE = "A minimal two-patron dialogue"
SAFE_NAME = re.compile(r"^brief-[A-Za-z0-9_.\-]+\.(html|json|pdf)$")
#: Edit big's position on 'presence' (60 in minimal.yaml).
EDITS = {"positions": [{"issue": "presence", "actor": "big", "position": 95}]}


def listing(directory: Path) -> set[str]:
    """Every path under ``directory`` (hidden ones too), relative."""
    return {p.relative_to(directory).as_posix() for p in directory.rglob("*")}


def start(client, params: dict, scenario: dict = MINIMAL_REF, **extra) -> dict:  # noqa: B006
    r = client.post(
        "/api/runs", json={"kind": "brief", "scenario": scenario, "params": params, **extra}
    )
    assert r.status_code == 202, r.text
    return r.json()


def check_served_brief(client, name: str, title: str) -> str:
    """The brief is served at /briefs/NAME as self-contained HTML with inline charts."""
    assert SAFE_NAME.match(name), name
    r = client.get(f"/briefs/{name}")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "sandbox" in r.headers["content-security-policy"]
    text = r.text
    assert html.escape(title, quote=False) in text
    sources = re.findall(r"""\bsrc\s*=\s*["']([^"']*)""", text)
    assert sources, "the brief has no charts"
    assert all(s.startswith("data:") for s in sources), [s[:40] for s in sources]
    assert "data:image/png;base64," in text
    assert not re.search(r"""(href|src)\s*=\s*["'](https?:)?//""", text)
    return text


def test_kinds_include_brief_with_its_parameters(client) -> None:
    kinds = {k["kind"]: k for k in client.get("/api/kinds").json()}
    props = kinds["brief"]["params_schema"]["properties"]
    assert set(props) == {"quick", "lang", "pdf", "seed", "view"}
    assert props["quick"]["default"] is True and props["pdf"]["default"] is False
    assert props["lang"]["enum"] == ["en", "ar"]


def test_builtin_brief_is_written_served_and_stored(client, web_env) -> None:
    briefs: Path = web_env["briefs"]
    job = start(client, {"quick": True}, BUILTIN)
    done = wait_job(client, job["id"], timeout=300)
    assert done["status"] == "done", done
    outputs = done["outputs"]
    assert [Path(n).suffix for n in outputs] == [".html", ".json"]
    name = outputs[0]
    assert name.startswith("brief-iraq-us-2020-") and done["run_id"] in name
    assert (briefs / name).is_file()
    check_served_brief(client, name, "Iraq-US Strategic Dialogue")
    assert name in {b["path"] for b in client.get("/api/briefs").json()}

    run = client.get(f"/api/runs/{done['run_id']}").json()
    assert run["kind"] == "brief" and run["status"] == "ok"
    assert run["scenario_id"] == "iraq-us-2020"
    assert run["results"]["files"] == {"html": name, "json": outputs[1]}
    assert run["results"]["bluf"] and set(run["results"]["sections"]) >= {"forecast", "game"}
    assert run["manifest"]["command"] == "web brief"
    assert run["manifest"]["params"]["quick"] is True
    assert run["manifest"]["params"]["pdf"] is False
    kinds = {r["id"]: r["kind"] for r in client.get("/api/runs?kind=brief").json()}
    assert kinds[done["run_id"]] == "brief"

    # the job page links the brief (no redirect), and so does the run page
    page = client.get(f"/jobs/{job['id']}", follow_redirects=False)
    assert page.status_code == 200 and f'href="/briefs/{name}"' in page.text
    assert f'href="/briefs/{name}"' in client.get(f"/runs/{done['run_id']}").text


def test_edited_scenario_two_jobs_give_two_files(client, web_env) -> None:
    briefs: Path = web_env["briefs"]
    first = start(client, {}, edits=EDITS)
    second = start(client, {"seed": 11}, edits=EDITS)
    a, b = (wait_job(client, j["id"], timeout=120) for j in (first, second))
    assert a["status"] == b["status"] == "done", (a, b)
    assert a["outputs"][0] != b["outputs"][0] and a["run_id"] != b["run_id"]
    for job in (a, b):
        name = job["outputs"][0]
        assert name.startswith("brief-minimal-")
        check_served_brief(client, name, MINIMAL_TITLE)
        run = client.get(f"/api/runs/{job['run_id']}").json()
        assert run["kind"] == "brief" and "position: 95" in run["inputs"]
        assert run["manifest"]["params"]["quick"] is True  # the web's default
    assert not [p for p in listing(briefs) if p.startswith(".")]


def test_arabic_brief(client) -> None:
    done = wait_job(client, start(client, {"lang": "ar"})["id"], timeout=120)
    assert done["status"] == "done", done
    name = done["outputs"][0]
    assert name.startswith("brief-minimal-ar-")
    text = client.get(f"/briefs/{name}").text
    assert 'dir="rtl"' in text and 'lang="ar"' in text


def test_brief_from_the_scenario_page_form(client) -> None:
    r = client.post(
        "/scenarios/user/minimal",
        data={"action": "brief", "brief_quick": "on", "brief_lang": "en", "pos-0-1": "80"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"].startswith("/jobs/")
    job_id = r.headers["location"].rsplit("/", 1)[1]
    done = wait_job(client, job_id, timeout=120)
    assert done["status"] == "done", done
    run = client.get(f"/api/runs/{done['run_id']}").json()
    assert "position: 80" in run["inputs"] and run["manifest"]["params"]["pdf"] is False
    page = client.get(f"/jobs/{job_id}")
    assert f'href="/briefs/{done["outputs"][0]}"' in page.text
    form = client.get("/scenarios/user/minimal").text
    assert 'id="write-brief"' in form and 'name="brief_lang"' in form


def test_bad_parameters_are_refused(client) -> None:
    r = client.post(
        "/api/runs", json={"kind": "brief", "scenario": MINIMAL_REF, "params": {"lang": "fr"}}
    )
    assert r.status_code == 422 and r.json()["problems"][0]["path"] == "params.lang"
    r = client.post(
        "/api/runs", json={"kind": "brief", "scenario": MINIMAL_REF, "params": {"out": "/etc"}}
    )
    assert r.status_code == 422


def test_queue_limit_applies(client, monkeypatch) -> None:
    monkeypatch.setattr(jobs, "MAX_PENDING", 0)
    r = client.post("/api/runs", json={"kind": "brief", "scenario": MINIMAL_REF})
    assert r.status_code == 429


def test_missing_chromium_fails_clearly_and_writes_nothing(client, web_env, monkeypatch) -> None:
    briefs: Path = web_env["briefs"]
    before = listing(briefs)
    monkeypatch.setattr("melian.brief.render.chromium_path", lambda: None)
    done = wait_job(client, start(client, {"pdf": True})["id"])
    assert done["status"] == "failed"
    assert "no chromium" in done["error"] and "without PDF" in done["error"]
    assert done["outputs"] == [] and listing(briefs) == before
    run = client.get(f"/api/runs/{done['run_id']}").json()
    assert run["status"] == "failed" and "no chromium" in run["results"]["error"]


def test_failure_after_rendering_leaves_no_partial_file(client, web_env, monkeypatch) -> None:
    briefs: Path = web_env["briefs"]
    before = listing(briefs)

    def broken_pdf(html_path: Path, pdf_path: Path, timeout: float = 120.0) -> None:
        assert html_path.is_file()  # the HTML was rendered, in a private directory
        raise MelianError("chromium failed to print the PDF: test")

    monkeypatch.setattr("melian.brief.render.chromium_path", lambda: "/bin/true")
    monkeypatch.setattr("melian.brief.render.html_to_pdf", broken_pdf)
    done = wait_job(client, start(client, {"pdf": True})["id"], timeout=120)
    assert done["status"] == "failed" and "chromium failed" in done["error"]
    assert listing(briefs) == before


def test_existing_file_is_never_overwritten(client, web_env, monkeypatch) -> None:
    briefs: Path = web_env["briefs"]
    monkeypatch.setattr(jobs, "new_run_id", lambda: "20200101-000000-fixed000")
    taken = briefs / "brief-minimal-20200101-000000-fixed000.json"
    taken.write_text("{}")
    before = listing(briefs)
    done = wait_job(client, start(client, {})["id"], timeout=120)
    assert done["status"] == "failed" and "already exists" in done["error"]
    assert taken.read_text() == "{}" and listing(briefs) == before


def test_unsaved_run_removes_its_files(client, web_env, monkeypatch) -> None:
    briefs: Path = web_env["briefs"]
    before = listing(briefs)
    store = client.app.state.store

    def refuse(*args, **kwargs):
        raise StoreError("database is locked (test)")

    monkeypatch.setattr(store, "save_run", refuse)
    done = wait_job(client, start(client, {})["id"], timeout=120)
    assert done["status"] == "failed" and "could not save the run" in done["error"]
    assert done["outputs"] == [] and listing(briefs) == before


@pytest.mark.parametrize(
    ("sid", "lang", "rid", "expected"),
    [
        ("minimal", "en", "20200101-000000-abc", "brief-minimal-20200101-000000-abc"),
        ("iraq-us-2020", "ar", "r1", "brief-iraq-us-2020-ar-r1"),
        ("../../etc/passwd", "en", "x", "brief-etc-passwd-x"),
        ("a/b\\c d\x00e", "ar", "../r", "brief-a-b-c-d-e-ar-r"),
        ("...", "en", "", "brief-x-x"),
    ],
)
def test_brief_file_stem_is_sanitised(sid: str, lang: str, rid: str, expected: str) -> None:
    stem = analyses.brief_stem(sid, lang, rid)
    assert stem == expected
    assert re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*", stem) and "/" not in stem


@pytest.mark.skipif(chromium_path() is None, reason="no chromium to print the PDF")
def test_pdf_brief(client, web_env) -> None:
    done = wait_job(client, start(client, {"pdf": True})["id"], timeout=240)
    assert done["status"] == "done", done
    pdf = [n for n in done["outputs"] if n.endswith(".pdf")]
    assert len(pdf) == 1 and (web_env["briefs"] / pdf[0]).read_bytes().startswith(b"%PDF")
    r = client.get(f"/briefs/{pdf[0]}")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
