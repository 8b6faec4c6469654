"""Every command finds a scenario's datasets beside its file (melian.scenario.datasets).

The built-in iraq-us-2020 is copied to a temporary directory with its two datasets renamed and
put beside it, under names that melian's data directory does not hold; each command must then
run on the copy. A copy without its datasets fails with a located message naming where it
looked.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from melian.cli import app
from melian.errors import InputError
from melian.scenario.datasets import data_dir, dataset_path, search_dirs
from melian.scenario.loader import builtin_path, load_scenario
from melian.scenario.views import apply_view

runner = CliRunner()

PRICES = "oil/brent-monthly-eia.csv"
EVENTS = "security/isis-attacks-iraq-ctc-2018-2020.csv"


def _copy(tmp: Path, *, with_data: bool = True) -> Path:
    text = builtin_path("iraq-us-2020").read_text(encoding="utf-8")
    assert f"file: {PRICES}" in text and f"file: {EVENTS}" in text
    text = text.replace(f"file: {PRICES}", "file: beside/prices.csv")
    text = text.replace(f"file: {EVENTS}", "file: beside/events.csv")
    if with_data:
        (tmp / "beside").mkdir()
        shutil.copy(data_dir() / PRICES, tmp / "beside" / "prices.csv")
        shutil.copy(data_dir() / EVENTS, tmp / "beside" / "events.csv")
    path = tmp / "my-dialogue.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def copied(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _copy(tmp_path_factory.mktemp("beside"))


def test_not_in_the_data_directory() -> None:
    assert not (data_dir() / "beside").exists()


def test_resolver_order(copied: Path, tmp_path: Path) -> None:
    s = load_scenario(copied)
    assert s.origin == str(copied)
    assert search_dirs(s) == [copied.parent, data_dir()]
    assert dataset_path(s, "oil_price") == copied.parent / "beside" / "prices.csv"
    # an explicit directory comes first
    (tmp_path / "beside").mkdir()
    (tmp_path / "beside" / "prices.csv").write_text("Date,Price\n", encoding="utf-8")
    assert dataset_path(s, "oil_price", tmp_path) == tmp_path / "beside" / "prices.csv"
    # built-ins find theirs in the data directory
    b = load_scenario("iraq-us-2020")
    assert dataset_path(b, "oil_price") == data_dir() / PRICES
    # a view keeps the scenario's origin
    for v in b.views[:1]:
        assert apply_view(b, v.id).origin == b.origin


def test_missing_dataset_is_located(tmp_path: Path) -> None:
    s = load_scenario(_copy(tmp_path, with_data=False))
    with pytest.raises(InputError) as e:
        dataset_path(s, "oil_price", where="oil.prices")
    msg = str(e.value)
    assert "world.datasets.oil_price.file" in msg and "beside/prices.csv" in msg
    assert str(tmp_path) in msg and "melian's data directory" in msg
    res = runner.invoke(app, ["simulate", str(tmp_path / "my-dialogue.yaml"), "--paths", "50"])
    assert res.exit_code == 2 and "world.datasets.oil_price.file" in res.output
    assert "Traceback" not in res.output


COMMANDS = {
    "forecast": ["forecast", "{s}", "--model", "compromise", "--json"],
    "game": ["game", "{s}", "--json", "--points", "0"],
    "simulate": ["simulate", "{s}", "--paths", "200", "--horizon", "12", "--json"],
    "explore": [
        "explore", "{s}", "--method", "regret", "--samples", "8", "--paths", "8",
        "--horizon", "6", "--scheduler", "synchronous", "--json",
    ],
    "decide": ["decide", "{s}", "--paths", "200", "--horizon", "12", "--json"],
    "advise": ["advise", "{s}", "--draws", "0", "--model", "compromise", "--json"],
}  # fmt: skip


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_command_finds_datasets_beside_the_scenario(copied: Path, command: str) -> None:
    args = [a.format(s=copied) for a in COMMANDS[command]]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    json.loads(res.stdout)


class _Brief:
    bluf = ["bottom line"]
    failures: dict[str, str] = {}
    manifest = {"command": "brief", "seed": 7, "scenario_id": "my-dialogue"}

    def to_dict(self) -> dict[str, object]:
        return {"bluf": self.bluf, "sections": {}}


def test_brief_finds_datasets_beside_the_scenario(
    copied: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The brief's world section runs through RUNNERS.simulate on the scenario the command
    # loaded; the rest of the brief (minutes of CPU) is stood in for.
    import melian.analysis.brief as analysis_brief

    seen: list[object] = []

    def build(scenario: object, out_dir: object = "briefs", **kw: object) -> object:
        ens = analysis_brief.RUNNERS.simulate(scenario, paths=64, horizon=3, seed=1)
        seen.append((scenario, ens))
        html = tmp_path / "brief.html"
        html.write_text("<html></html>", encoding="utf-8")
        return analysis_brief.BriefResult(brief=_Brief(), paths={"html": html})  # type: ignore[arg-type]

    monkeypatch.setattr(analysis_brief, "build_brief", build)
    args = ["brief", str(copied), "--quick", "--no-pdf", "--no-save", "--json"]
    res = runner.invoke(app, [*args, "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    ((scenario, ens),) = seen
    assert scenario.origin == str(copied)  # type: ignore[attr-defined]
    assert ens.paths == 64 and "not found" not in res.output


def test_seal_reads_the_copy(copied: Path, tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    res = runner.invoke(app, ["seal", str(copied), "-m", "compromise", "--store", store, "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["seq"] == 1
