"""End-to-end tests in a real headless Chromium (Debian's /usr/bin/chromium via Playwright).

The server runs on a free loopback port in a thread; the browser opens a scenario, edits a
position in the table, runs a forecast, watches the progress page hand over to the run, and sees
the forecast change. It also checks that invalid edits are shown in place, that a hostile actor
name never runs as script, that no request leaves the local server, and that a page on another
origin cannot start an analysis.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import yaml
from conftest import MINIMAL, write_scenarios

from melian.bargaining.adapters import problem_from_scenario
from melian.bargaining.registry import MODELS
from melian.scenario import parse_scenario
from melian.web import create_app

CHROMIUM = os.environ.get("MELIAN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = pytest.mark.browser
playwright_sync = pytest.importorskip(
    "playwright.sync_api", reason="Playwright for Python is not installed"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[dict]:
    import uvicorn

    root = tmp_path_factory.mktemp("e2e")
    write_scenarios(root / "scenarios")
    app = create_app(
        f"sqlite:///{root / 'runs.sqlite'}", root / "scenarios", brief_dir=root / "briefs"
    )
    port = _free_port()
    srv = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    th = threading.Thread(target=srv.run, daemon=True)
    th.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        assert time.monotonic() < deadline and th.is_alive(), "server did not start"
        time.sleep(0.05)
    yield {"url": f"http://127.0.0.1:{port}", "port": port, "app": app}
    srv.should_exit = True
    th.join(timeout=30)


@pytest.fixture(scope="module")
def browser() -> Iterator:
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        pytest.skip(f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium)")
    with playwright_sync.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, server) -> Iterator:
    ctx = browser.new_context()
    pg = ctx.new_page()
    pg.set_default_timeout(30_000)
    seen: dict[str, list] = {"requests": [], "errors": []}
    pg.on("request", lambda r: seen["requests"].append(r.url))
    pg.on("pageerror", lambda e: seen["errors"].append(str(e)))
    pg.on("console", lambda m: seen["errors"].append(m.text) if m.type == "error" else None)
    pg.seen = seen
    yield pg
    ctx.close()
    foreign = [
        u
        for u in seen["requests"]
        if not u.startswith(server["url"] + "/") and not u.startswith("http://localhost:")
    ]
    assert foreign == [], f"requests left the local server: {foreign}"


def expected_point(big_presence: float) -> float:
    data = yaml.safe_load(MINIMAL.read_text())
    data["issues"][0]["positions"][1]["position"] = big_presence
    s = parse_scenario(yaml.safe_dump(data))
    return MODELS["compromise"].run(problem_from_scenario(s)).point()["presence"]


def run_forecast_from_table(page) -> float:
    """Click Run on the open scenario page; wait for the run page; read compromise/presence."""
    page.click("#run")
    page.wait_for_url("**/runs/*", timeout=60_000)
    cell = page.locator('#points tr[data-issue="presence"] td[data-model="compromise"]')
    return float(cell.inner_text())


def test_edit_position_run_forecast_and_see_it_change(page, server) -> None:
    page.goto(server["url"] + "/")
    page.click("text=minimal")
    page.wait_for_url("**/scenarios/user/minimal")
    cell = page.get_by_label("position of big on presence")
    assert cell.input_value() == "60.0"
    before = run_forecast_from_table(page)
    assert before == pytest.approx(expected_point(60.0), rel=1e-5)
    assert page.locator("#run-status").inner_text() == "ok"
    first_run = page.url.rsplit("/", 1)[1]

    page.goto(server["url"] + "/scenarios/user/minimal")
    page.get_by_label("position of big on presence").fill("95")
    after = run_forecast_from_table(page)
    assert after == pytest.approx(expected_point(95.0), rel=1e-5)
    assert after > before + 1.0

    # compare the two runs
    page.click(f"#compare-links a:has-text('{first_run}')")
    page.wait_for_url("**/compare?*")
    # what changed, by name: the edited position, and the forecast row of its issue
    rows = page.locator("#compare-points tr", has_text="Size of the patron")
    assert rows.count() == 1
    changed = page.locator("#inputs-changes").inner_text()
    assert "Big Power · position" in changed and "95" in changed
    assert page.seen["errors"] == []


def test_progress_page_shows_progress(page, server) -> None:
    page.goto(server["url"] + "/scenarios/user/minimal")
    page.click("#run")
    # the job page (or, if the forecast was already done, the run page) must be reached
    page.wait_for_url("**/runs/*", timeout=60_000)
    jobs = [u for u in page.seen["requests"] if "/api/jobs/" in u or "/jobs/" in u]
    assert jobs, "the progress page was never shown"
    assert page.seen["errors"] == []


def test_invalid_edit_is_shown_in_place(page, server) -> None:
    page.goto(server["url"] + "/scenarios/user/minimal")
    page.get_by_label("salience of rival on presence").fill("250")
    page.get_by_label("position of small on aid").fill("lots")
    page.click("#check")
    alert = page.locator("#problems")
    assert "valid number" in alert.inner_text()
    bad_cell = page.locator("td.error", has=page.get_by_label("position of small on aid"))
    assert bad_cell.count() == 1
    assert page.get_by_label("position of small on aid").input_value() == "lots"
    page.get_by_label("position of small on aid").fill("70")
    page.click("#check")
    assert "salience scale" in page.locator("#problems").inner_text()
    page.get_by_label("salience of rival on presence").fill("25")
    page.click("#check")
    assert "is valid" in page.locator("#message").inner_text()


def test_hostile_names_do_not_execute(page, server) -> None:
    page.goto(server["url"] + "/")
    page.goto(server["url"] + "/scenarios/user/hostile")
    assert page.evaluate("window.__pwned === undefined")
    assert "<script>window.__pwned = 1</script>" in page.locator("#actors").inner_text()
    run_forecast_from_table(page)
    assert page.evaluate("window.__pwned === undefined")


def test_other_origin_cannot_start_an_analysis(page, server) -> None:
    jobs = server["app"].state.jobs
    before = len(jobs.jobs)
    # http://localhost:PORT is a different origin from http://127.0.0.1:PORT
    page.goto(f"http://localhost:{server['port']}/briefs/")
    # a CORS-preflighted JSON request, and a "simple" one that needs no preflight
    statuses = page.evaluate(
        """async (target) => {
        const body = JSON.stringify({kind: "forecast",
                                     scenario: {origin: "user", name: "minimal"}});
        const out = [];
        for (const type of ["application/json", "text/plain"]) {
            try {
                const r = await fetch(target + "/api/runs", {method: "POST", mode: "no-cors",
                    headers: {"Content-Type": type}, body: body});
                out.push(r.status);
            } catch (e) { out.push(-1); }
        }
        return out; }""",
        server["url"],
    )
    assert all(s in (0, -1, 403) for s in statuses), statuses
    page.evaluate(
        """(target) => {
        const f = document.createElement("form");
        f.method = "POST"; f.action = target + "/scenarios/user/minimal";
        const i = document.createElement("input"); i.name = "action"; i.value = "run";
        f.appendChild(i); document.body.appendChild(f); f.submit(); }""",
        server["url"],
    )
    page.wait_for_load_state()
    assert len(jobs.jobs) == before


def test_write_the_brief_and_follow_the_link(page, server) -> None:
    page.goto(server["url"] + "/scenarios/user/minimal")
    assert page.locator("#brief_quick").is_checked()
    assert not page.locator("#brief_pdf").is_checked()
    page.click("#write-brief")
    page.wait_for_url("**/jobs/*")
    link = page.locator("#job-outputs a").first
    link.wait_for(timeout=120_000)
    name = link.inner_text()
    assert name.startswith("brief-minimal-") and name.endswith(".html")
    assert page.locator("#job-run a").count() == 1
    link.click()
    page.wait_for_url(f"**/briefs/{name}")
    assert "A minimal two-patron dialogue" in page.title()
    assert page.locator("img").count() > 0
    assert page.seen["errors"] == []
