"""Accessibility and narrow screens, in a real headless Chromium (Debian's, via Playwright).

Every page of the app, in English and in Arabic, is checked with axe-core (the copy that
axe-playwright-python ships, MPL-2.0) and must have no violation of impact "serious" or
"critical"; at 420 px wide no page may scroll sideways (wide tables scroll inside their own
keyboard-focusable region); the main controls can be reached and used with the keyboard alone.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator

import pytest
from conftest import wait_job, write_scenarios
from fastapi.testclient import TestClient

from melian.web import create_app

CHROMIUM = os.environ.get("MELIAN_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

pytestmark = pytest.mark.browser
playwright_sync = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
axe_sync = pytest.importorskip("axe_playwright_python.sync_playwright", reason="no axe-core")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[dict]:
    """A server with one run of each kind, and the list of its pages."""
    import uvicorn

    root = tmp_path_factory.mktemp("a11y")
    write_scenarios(root / "scenarios")
    app = create_app(
        f"sqlite:///{root / 'runs.sqlite'}", root / "scenarios", brief_dir=root / "briefs"
    )
    runs: dict[str, str] = {}
    with TestClient(app, base_url="http://127.0.0.1:8000") as c:
        for key, kind, name, params in (
            ("forecast", "forecast", ("user", "minimal"), {"models": ["compromise", "bdm"]}),
            ("forecast2", "forecast", ("user", "minimal"), {"models": ["compromise", "bdm"]}),
            ("game", "game", ("builtin", "iraq-us-2020"), {}),
            ("simulate", "simulate", ("builtin", "iraq-us-2020"), {"paths": 100, "horizon": 6}),
            ("decide", "decide", ("builtin", "iraq-us-2020"), {"paths": 100}),
        ):
            body = {
                "kind": kind,
                "scenario": {"origin": name[0], "name": name[1]},
                "params": params,
            }
            if key == "forecast2":
                body["edits"] = {
                    "positions": [{"issue": "presence", "actor": "big", "position": 80}]
                }
            job = wait_job(c, c.post("/api/runs", json=body).json()["id"], timeout=300)
            assert job["status"] == "done", job
            runs[key] = job["run_id"]
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
    pages = [
        "/",
        "/runs",
        "/briefs/",
        "/docs",
        "/scenarios/user/minimal",
        "/scenarios/builtin/iraq-us-2020",
        "/scenarios/user/minimal/advise?draws=0",
        "/author/new",  # authoring: a blank dialogue, a user's and a built-in's
        "/author/user/minimal",
        "/author/builtin/iraq-us-2020",
        f"/compare?a={runs['forecast']}&b={runs['forecast2']}",
        "/scenarios/user/nothing-here",  # the error page
        *(f"/runs/{r}" for r in runs.values()),
    ]
    yield {"url": f"http://127.0.0.1:{port}", "pages": pages, "runs": runs}
    srv.should_exit = True
    th.join(timeout=30)


@pytest.fixture(scope="module")
def browser() -> Iterator:
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        pytest.skip(f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium)")
    with playwright_sync.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


def serious(page) -> list[str]:
    """axe-core's serious and critical violations on the open page, one line each."""
    result = axe_sync.Axe().run(page)
    out = []
    for v in result.response["violations"]:
        if v.get("impact") in ("serious", "critical"):
            targets = [str(n.get("target")) for n in v.get("nodes", [])][:3]
            out.append(f"{v['id']} ({v['impact']}): {v['help']} at {targets}")
    return out


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_every_page_has_no_serious_accessibility_violation(browser, site, lang) -> None:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    page.set_default_timeout(120_000)
    problems = {}
    for path in site["pages"]:
        sep = "&" if "?" in path else "?"
        page.goto(site["url"] + path + f"{sep}lang={lang}")
        assert page.locator("html").get_attribute("lang") == lang
        assert page.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
        found = serious(page)
        if found:
            problems[path] = found
    ctx.close()
    assert not problems, "\n".join(f"{p}: {v}" for p, vs in problems.items() for v in vs)


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_no_page_scrolls_sideways_at_420_px(browser, site, lang) -> None:
    ctx = browser.new_context(viewport={"width": 420, "height": 900})
    page = ctx.new_page()
    page.set_default_timeout(120_000)
    wide = {}
    for path in site["pages"]:
        sep = "&" if "?" in path else "?"
        page.goto(site["url"] + path + f"{sep}lang={lang}")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 420:
            wide[path] = width
    # the actor table of a scenario with eleven actors fits or scrolls in its own region
    page.goto(site["url"] + "/scenarios/builtin/iraq-us-2020")
    box = page.locator("#actors").locator("xpath=..").bounding_box()
    ctx.close()
    assert not wide, f"pages wider than 420 px: {wide}"
    assert box is not None and box["width"] <= 420


def test_keyboard_alone_reaches_the_menu_language_and_downloads(browser, site) -> None:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    page.goto(site["url"] + f"/runs/{site['runs']['game']}?lang=en")
    # the first Tab shows the skip link, which moves focus to the content
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    assert page.evaluate("document.activeElement.getBoundingClientRect().width") > 10
    page.keyboard.press("Enter")
    # following the link updates the URL asynchronously: wait for it (a loaded machine lags)
    page.wait_for_url("**#main", timeout=10_000)
    assert page.url.endswith("#main")
    # Tab reaches the language switch; Enter follows it
    page.goto(site["url"] + "/?lang=en")
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('hreflang')") == "ar":
            break
    else:
        raise AssertionError("the language switch cannot be reached with Tab")
    page.keyboard.press("Enter")
    page.wait_for_url("**lang=ar")
    assert page.locator("html").get_attribute("dir") == "rtl"
    # a wide table's scrolling region takes the focus (so it can scroll with the arrow keys)
    page.goto(site["url"] + f"/runs/{site['runs']['game']}?lang=en")
    region = page.locator(".table-wrap").first
    region.focus()
    assert page.evaluate("document.activeElement.classList.contains('table-wrap')")
    ctx.close()
