"""Persisting is the face's decision: ``melian brief`` saves the run (``--no-save`` does not);
building a brief through the analysis layer saves nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import melian.analysis.brief as analysis_brief
from melian.analysis.brief import BriefResult
from melian.cli import app
from melian.store import RunStore

runner = CliRunner()


class FakeBrief:
    """Stands in for a Brief: what the CLI and run_record read of it."""

    bluf = ["bottom line"]
    manifest = {"command": "brief", "seed": 7, "scenario_id": "iraq-us-2020"}
    failures: dict[str, str] = {}  # noqa: RUF012  (a complete brief: no section failed)

    def to_dict(self) -> dict[str, Any]:
        return {"bluf": self.bluf, "sections": {"forecast": {"ok": True}}}


@pytest.fixture
def fake_build(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []

    def build(scenario: Any, out_dir: Any = "briefs", **kw: Any) -> BriefResult:  # noqa: ANN401
        calls.append({"scenario": scenario.id, **kw})
        html = tmp_path / "brief.html"
        html.write_text("<html></html>", encoding="utf-8")
        return BriefResult(brief=FakeBrief(), paths={"html": html})  # type: ignore[arg-type]

    monkeypatch.setattr(analysis_brief, "build_brief", build)
    return calls


@pytest.mark.parametrize("save", [True, False])
def test_cli_brief_saves_the_run_only_when_asked(
    fake_build: list[dict[str, Any]], sqlite_url: str, save: bool
) -> None:
    args = ["brief", "iraq-us-2020", "--no-pdf", "--store", sqlite_url, "--json"]
    r = runner.invoke(app, [*args, "--save" if save else "--no-save"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert fake_build and fake_build[0]["scenario"] == "iraq-us-2020"
    with RunStore(sqlite_url) as s:
        runs = s.list_runs()
        assert len(runs) == (1 if save else 0)
        if save:
            assert out["run_id"] == runs[0].id
            run = s.get_run(runs[0].id)
            assert run.kind == "brief" and run.results == FakeBrief().to_dict()
        else:
            assert out["run_id"] is None
