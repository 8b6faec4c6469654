"""The public Python API: its namespace, its real signatures, the README example, light import."""

from __future__ import annotations

import inspect
import re
import subprocess
import sys
from pathlib import Path

import pytest

import melian

ROOT = Path(__file__).resolve().parents[1]

PUBLIC = {
    "InputError",
    "MelianError",
    "ModelError",
    "analyse_game",
    "build_brief",
    "explore_scenario",
    "forecast",
    "forecast_all",
    "levers",
    "load_scenario",
    "make_brief",
    "parse_scenario",
    "predictive",
    "rank",
    "scenarios",
    "simulate",
    "write_brief",
}


def test_public_namespace_is_guarded() -> None:
    """Adding or removing a public name is a decision: change this test with it."""
    assert set(melian.__all__) == PUBLIC
    assert len(melian.__all__) == len(set(melian.__all__))
    for name in melian.__all__:
        assert getattr(melian, name) is not None


def test_analysis_kinds_are_each_one_module_and_public() -> None:
    import importlib

    from melian import analysis

    assert analysis.KINDS == (
        "forecast",
        "game",
        "simulate",
        "explore",
        "rank",
        "brief",
        "advise",
        "predictive",
    )
    for kind in analysis.KINDS:
        mod = importlib.import_module(f"melian.analysis.{kind}")
        assert mod.__all__, kind
        public = {
            name
            for name in melian.__all__
            if getattr(getattr(melian, name), "__module__", "") == mod.__name__
        }
        assert public, f"melian exposes nothing of melian.analysis.{kind}"


@pytest.mark.parametrize(
    "name",
    [
        "forecast",
        "forecast_all",
        "analyse_game",
        "simulate",
        "explore_scenario",
        "rank",
        "make_brief",
        "build_brief",
        "predictive",
    ],
)
def test_real_signatures_and_numpydoc(name: str) -> None:
    """No ``(*args, **kwargs) -> Any`` wrappers: typed parameters, a return type, numpydoc."""
    fn = getattr(melian, name)
    sig = inspect.signature(fn)
    kinds = {p.kind for p in sig.parameters.values()}
    assert inspect.Parameter.VAR_POSITIONAL not in kinds
    assert inspect.Parameter.VAR_KEYWORD not in kinds
    assert sig.return_annotation not in (inspect.Signature.empty, "Any")
    assert all(p.annotation is not inspect.Parameter.empty for p in sig.parameters.values())
    doc = inspect.getdoc(fn) or ""
    assert "Parameters\n----------" in doc and "Returns\n-------" in doc
    for p in sig.parameters:
        assert re.search(rf"^{p}\b", doc, re.M), f"{name}: parameter {p} undocumented"


def test_import_melian_is_light() -> None:
    """``import melian`` loads no numpy, scipy, pandas, pydantic or sqlalchemy."""
    code = (
        "import sys, melian; heavy = ('numpy', 'scipy', 'pandas', 'pydantic', 'sqlalchemy');"
        "print(','.join(sorted({m.split('.')[0] for m in sys.modules} & set(heavy))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == ""


def test_sub_packages_stay_reachable() -> None:
    import melian.brief.render  # noqa: F401
    import melian.explore.sensitivity  # noqa: F401

    assert inspect.ismodule(melian.explore) and inspect.ismodule(melian.brief)
    assert callable(melian.explore_scenario) and callable(melian.make_brief)
    with pytest.raises(AttributeError):
        melian.no_such_name  # noqa: B018


def readme_example() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert blocks, "the README has no Python example"
    return blocks[0]


@pytest.mark.parametrize("scenario_id", melian.scenarios())
def test_readme_python_example_runs_on_every_builtin_scenario(scenario_id: str) -> None:
    """The README's example, with its scenario id replaced by each built-in scenario."""
    code = readme_example()
    ids = re.findall(r'load_scenario\("([^"]+)"\)', code)
    assert ids, "the README example loads no scenario"
    env: dict[str, object] = {}
    exec(compile(code.replace(ids[0], scenario_id), "README.md", "exec"), env)  # noqa: S102
    f = env["f"]
    assert set(f.point()) == {i.id for i in env["s"].issues}
    frame = env["f"].to_frame()
    assert list(frame.columns) == ["model", "issue", "round", "actor", "position"]


def test_smp_forecast_on_the_builtin_scenario_uses_the_per_issue_fallback() -> None:
    """Missing positions: SMP runs issue by issue by default, refuses with 'error'."""
    from melian.errors import ModelError

    s = melian.load_scenario("iraq-us-2020")
    f = melian.forecast(s, model="smp")
    assert "by_issue" in f.extra
    with pytest.raises(ModelError, match="position"):
        melian.forecast(s, model="smp", missing_positions="error")


def test_version_is_the_package_metadata() -> None:
    """``melian.__version__`` (read at start-up without importlib.metadata) is the version the
    installed package declares (pyproject.toml reads it from melian._version)."""
    from importlib.metadata import version

    from melian.manifest import melian_version

    assert melian.__version__ == version("melian") == melian_version()


def test_write_brief_takes_a_string_directory(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    """The README's ``melian.write_brief(b, "briefs")``: a str directory is created and written
    (here without the PDF, ``pdf=False``; the brief's HTML rendering is stubbed to stay fast)."""
    from types import SimpleNamespace

    import melian.brief.render as render

    monkeypatch.setattr(render, "render_html", lambda b: "<html>brief</html>")
    brief = SimpleNamespace(
        scenario=SimpleNamespace(id="stub"), lang="en", to_dict=lambda: {"scenario": "stub"}
    )
    out = tmp_path / "briefs" / "nested"
    paths = melian.write_brief(brief, str(out), pdf=False)  # type: ignore[arg-type]
    assert paths["html"] == out / "brief-stub.html" and paths["html"].read_text() != ""
    assert paths["json"].is_file() and "pdf" not in paths


def test_the_readme_says_how_briefs_are_written() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert 'melian.write_brief(b, "briefs")' in text
    assert "pdf=False" in text and "chromium" in text.lower()
