"""The decision brief: every section and chart present, self-contained HTML, PDF pages, Arabic
shaped right to left, hostile names escaped. Built once per module at low fidelity."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from melian.analysis.brief import build_brief
from melian.brief import Settings
from melian.scenario import load_scenario, parse_scenario, to_yaml

TINY = Settings(
    quick=True,
    paths=400,
    horizon=12,
    prim_samples=64,
    explore_paths=4,
    tornado_paths=20,
    breaking_reference=8,
    breaking_replications=2,
    breaking_grid=5,
    breaking_paths=4,
    input_draws=4,
    explore_scheduler="synchronous",
    seed=11,
)
CHROMIUM = os.environ.get("MELIAN_CHROMIUM", "/usr/bin/chromium")
HAVE_CHROMIUM = shutil.which(CHROMIUM) is not None or Path(CHROMIUM).exists()
SECTIONS = (
    "bluf",
    "key-judgements",
    "ranking",
    "forecast",
    "game",
    "consequences",
    "robustness",
    "levers",
    "signposts",
    "assumptions",
    "manifest",
)


@pytest.fixture(scope="module")
def briefs(tmp_path_factory):
    out = tmp_path_factory.mktemp("briefs")
    s = load_scenario("iraq-us-2020")
    en = build_brief(s, out, lang="en", settings=TINY, pdf=HAVE_CHROMIUM)
    ar = build_brief(s, out, lang="ar", settings=TINY, pdf=HAVE_CHROMIUM)
    return {"en": en, "ar": ar}


def _imgs(html: str) -> list[str]:
    return re.findall(r'<img src="([^"]+)"', html)


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_every_section_and_chart_present(briefs, lang):
    res = briefs[lang]
    assert all(sec.ok for sec in res.brief.sections.values()), {
        k: v.error for k, v in res.brief.sections.items() if not v.ok
    }
    html = res.paths["html"].read_text()
    for sid in SECTIONS:
        assert f'id="{sid}"' in html, sid
    imgs = _imgs(html)
    n_charts = sum(len(sec.charts) for sec in res.brief.sections.values())
    # predictive intervals, comparison, shifts, payoffs, a fan chart per declared band, ranking
    assert len(imgs) == n_charts >= 8
    for src in imgs:
        assert src.startswith("data:image/png;base64,")
        png = base64.b64decode(src.split(",", 1)[1])
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 2000
    # self-contained: nothing is loaded from anywhere
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "url(http" not in html
    assert res.brief.judgements and res.brief.bluf and res.brief.signposts


def test_json_results_are_strict_json(briefs):
    data = json.loads(
        briefs["en"].paths["json"].read_text(), parse_constant=lambda c: pytest.fail(c)
    )
    assert data["manifest"]["scenario_id"] == "iraq-us-2020"
    assert data["manifest"]["seed"] == 11
    assert set(data["sections"]) >= {"forecast", "game", "consequences", "robustness", "ranking"}


def test_arabic_brief_is_right_to_left_arabic(briefs):
    html = briefs["ar"].paths["html"].read_text()
    assert '<html lang="ar" dir="rtl">' in html
    assert "الخلاصة أولًا" in html and "Noto Naskh Arabic" in html
    # the generated prose is Arabic too, not only the headings
    assert "يوصي المصدر" in " ".join(briefs["ar"].brief.bluf)
    assert all(re.search("[\u0600-\u06ff]", j["words"]) for j in briefs["ar"].brief.judgements)


@pytest.mark.skipif(not HAVE_CHROMIUM, reason="Debian's chromium is not installed")
@pytest.mark.parametrize("lang", ["en", "ar"])
def test_pdf_pages_render(briefs, lang, tmp_path):
    pdf = briefs[lang].paths["pdf"]
    assert pdf.read_bytes()[:5] == b"%PDF-"
    if shutil.which("pdftoppm") is None:
        pytest.skip("poppler-utils (pdftoppm) is not installed")
    subprocess.run(["pdftoppm", "-png", "-r", "30", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 5
    assert all(p.stat().st_size > 1500 for p in pages)  # not blank
    if lang == "ar" and shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert "الخلاصة" in text  # logical-order Arabic: shaped with a real font, not broken glyphs
        assert not re.search("[\ufe70-\ufeff]", text)  # no presentation-form fallbacks


@pytest.mark.browser
@pytest.mark.skipif(not HAVE_CHROMIUM, reason="Debian's chromium is not installed")
def test_images_load_and_direction_in_chromium(briefs):
    sync = pytest.importorskip("playwright.sync_api")
    with sync.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        try:
            for lang in ("en", "ar"):
                page = browser.new_page()
                requests: list[str] = []
                page.on("request", lambda r, seen=requests: seen.append(r.url))
                page.goto(briefs[lang].paths["html"].resolve().as_uri())
                broken = page.evaluate(
                    "Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0).length"
                )
                total = page.evaluate("document.images.length")
                assert total >= 8 and broken == 0
                direction = page.evaluate("getComputedStyle(document.body).direction")
                assert direction == ("rtl" if lang == "ar" else "ltr")
                assert all(u.startswith(("file:", "data:")) for u in requests), requests
                page.close()
        finally:
            browser.close()


def test_hostile_names_are_escaped(tmp_path):
    s = load_scenario("tests/data/scenarios/minimal.yaml")
    text = to_yaml(s).replace("name: Small State", "name: <script>alert('x')</script>")
    hostile = parse_scenario(text)
    assert hostile.actor("small").name.startswith("<script>")
    from melian.brief.assemble import Brief
    from melian.brief.render import render_html
    from melian.brief.sections import scenario_section
    from melian.manifest import run_manifest

    brief = Brief(
        scenario=hostile,
        lang="en",
        settings=TINY,
        manifest=run_manifest(hostile, command="brief"),
        sections={
            "forecast": scenario_section(hostile, "en"),
            "assumptions": scenario_section(hostile, "en"),
        },
        bluf=["<b>bold</b>"],
        judgements=[],
        signposts=["<img src=x onerror=alert(1)>"],
    )
    html = render_html(brief)
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    assert "<img src=x" not in html and "<b>bold</b>" not in html


def test_brief_result_frame_and_html(briefs):
    """The Brief is a result like the others: JSON-safe dict, tidy numbers, a notebook table."""
    import json

    b = briefs["en"].brief
    json.dumps(b.to_dict(), allow_nan=False)
    frame = b.to_frame()
    assert list(frame.columns) == ["section", "path", "value"] and len(frame) > 0
    assert {"forecast", "ranking"} <= set(frame["section"])
    assert b._repr_html_().startswith("<div>")
