"""The API reference is generated from the numpydoc docstrings with pdoc (docs/api.md), here, so
CI builds it on every run; every public name must be documented in it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import melian
from melian.analysis import KINDS

pdoc = pytest.importorskip("pdoc")

ROOT = Path(__file__).resolve().parents[1]

#: The modules of the reference (the same list as the command in docs/api.md): the public API,
#: the analysis layer and each of its kinds, loading, the serialiser, the errors.
API_MODULES = [
    "melian",
    "melian.analysis",
    *(f"melian.analysis.{kind}" for kind in KINDS),
    "melian.io",
    "melian.jsonio",
    "melian.errors",
]


def test_docs_api_md_builds_the_same_modules() -> None:
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    cmd = re.search(r"pdoc -d numpy -o \S+ ([^\n`]+)", text)
    assert cmd is not None, "docs/api.md has no pdoc command"
    assert cmd.group(1).split() == API_MODULES


def test_api_reference_builds_and_documents_every_public_name(tmp_path: Path) -> None:
    import pdoc.render

    pdoc.render.configure(docformat="numpy")
    pdoc.pdoc(*API_MODULES, output_directory=tmp_path)
    page = (tmp_path / "melian.html").read_text(encoding="utf-8")
    for name in melian.__all__:
        assert f'id="{name}"' in page, f"melian.{name} is not in the API reference"
    for kind in KINDS:
        p = tmp_path / "melian" / "analysis" / f"{kind}.html"
        assert p.exists(), p
        html = p.read_text(encoding="utf-8")
        mod = __import__(f"melian.analysis.{kind}", fromlist=["__all__"])
        for name in mod.__all__:
            assert f'id="{name}"' in html, f"melian.analysis.{kind}.{name} undocumented"
        # numpydoc sections are rendered as sections, not as plain text
        assert 'id="parameters"' in html and 'id="returns"' in html
