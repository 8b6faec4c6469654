"""Render the brief: a self-contained HTML file (inline CSS, charts and, for Arabic, fonts) and a PDF.

The PDF is printed from the HTML by headless Chromium (Debian's ``chromium``), which shapes Arabic
right to left with the embedded Noto Naskh Arabic font. Files are written atomically: a failed
run leaves no partial brief.
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import tempfile
from importlib import resources
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from melian.brief.assemble import Brief
from melian.brief.i18n import t
from melian.errors import MelianError
from melian.jsonio import dumps
from melian.util import atomic_write_bytes, atomic_write_text


def _env() -> Environment:
    env = Environment(
        loader=PackageLoader("melian.brief", "templates"),
        autoescape=select_autoescape(["html", "j2"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


def _font_face() -> str:
    root = resources.files("melian.brief").joinpath("fonts")
    css = []
    for name, weight in (("NotoNaskhArabic-Regular.ttf", 400), ("NotoNaskhArabic-Bold.ttf", 700)):
        data = base64.b64encode(root.joinpath(name).read_bytes()).decode("ascii")
        css.append(
            "@font-face{font-family:'Noto Naskh Arabic';"
            f"font-weight:{weight};src:url(data:font/ttf;base64,{data}) format('truetype');}}"
        )
    return "\n".join(css)


def render_html(brief: Brief) -> str:
    """The brief as one self-contained HTML document."""
    lang = brief.lang
    tpl = _env().get_template("brief.html.j2")
    return tpl.render(
        b=brief,
        s=brief.scenario,
        lang=lang,
        dir="rtl" if lang == "ar" else "ltr",
        t=lambda key: t(key, lang),
        font_face=_font_face() if lang == "ar" else "",
    )


def chromium_path() -> str | None:
    """Path of a Chromium/Chrome executable, if one is installed."""
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        p = shutil.which(name)
        if p:
            return p
    return None


def html_to_pdf(html_path: Path, pdf_path: Path, timeout: float = 120.0) -> None:
    """Print ``html_path`` to ``pdf_path`` with headless Chromium (atomic; MelianError on failure)."""
    exe = chromium_path()
    if exe is None:
        raise MelianError(
            "cannot write the PDF: no chromium found (install Debian's 'chromium' "
            "package, or run scripts/system-deps.sh); the HTML brief was written"
        )
    with tempfile.TemporaryDirectory(prefix="melian-pdf-") as tmp:
        out = Path(tmp) / "brief.pdf"
        cmd = [
            exe,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-quic",
            f"--user-data-dir={tmp}/profile",
            "--no-pdf-header-footer",
            "--run-all-compositor-stages-before-draw",
            f"--print-to-pdf={out}",
            html_path.resolve().as_uri(),
        ]
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise MelianError(f"chromium did not print the PDF within {timeout:.0f} s") from None
        if proc.returncode != 0 or not out.exists() or out.stat().st_size == 0:
            tail = proc.stderr.decode(errors="replace").strip().splitlines()[-3:]
            raise MelianError("chromium failed to print the PDF: " + " | ".join(tail))
        atomic_write_bytes(pdf_path, out.read_bytes())


def write_brief(
    brief: Brief, out_dir: str | os.PathLike[str], *, pdf: bool = True
) -> dict[str, Path]:
    """Write ``brief-<scenario>[-ar].html`` (+ ``.pdf`` and ``.json``) into ``out_dir``.

    ``out_dir`` is a path or a string (created if needed); ``pdf=True`` (the default) prints the
    PDF with headless Chromium, ``pdf=False`` writes the HTML and JSON only.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"brief-{brief.scenario.id}" + ("" if brief.lang == "en" else f"-{brief.lang}")
    paths = {"html": out_dir / f"{stem}.html", "json": out_dir / f"{stem}.json"}
    atomic_write_text(paths["html"], render_html(brief))
    atomic_write_text(paths["json"], dumps(brief.to_dict()) + "\n")
    if pdf:
        paths["pdf"] = out_dir / f"{stem}.pdf"
        html_to_pdf(paths["html"], paths["pdf"])
    return paths
