"""Sealed predictive distributions: seal, re-solve bit for bit, tamper detection, scoring."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np
import pytest
import scoringrules as sr
from typer.testing import CliRunner

from melian.cli import app
from melian.ledger import Ledger, chain_hash, read_jsonl
from melian.scenario.loader import builtin_path
from melian.sealing import Outcome, score_entries, seal_forecast, verify_entries
from melian.store import canonical_json

MODELS = ["compromise", "median"]


@pytest.fixture
def sealed(sqlite_url: str) -> tuple[str, Path]:
    text = builtin_path("iraq-us-2020").read_text(encoding="utf-8")
    seal_forecast(text, models=MODELS, store=sqlite_url)  # a point forecast first
    seal_forecast(
        text, models=MODELS, store=sqlite_url, predictive=True, input_draws=2, n_samples=100
    )
    return sqlite_url, Path(sqlite_url.removeprefix("sqlite:///"))


def _rewrite(db: Path, seq: int, data: dict, prev_hash: str) -> None:
    """A tamperer with file access who also re-computes the edited entry's hash."""
    con = sqlite3.connect(db)
    con.execute("DROP TRIGGER ledger_no_update")
    text = canonical_json(data)
    con.execute(
        "UPDATE ledger SET record = ?, hash = ? WHERE seq = ?",
        (text, chain_hash(seq, prev_hash, text), seq),
    )
    con.commit()
    con.close()


def test_predictive_seal_holds_settings_and_draws_and_verifies(sealed):
    url, _ = sealed
    entries = Ledger(url).entries()
    rec = entries[1].data
    assert rec["predictive"]["models"] == MODELS
    assert rec["predictive"]["input_draws"] == 2 and rec["predictive"]["n_samples"] == 100
    assert len(rec["predictive"]["calibration_sha256"]) == 64
    pred = rec["results"]["predictive"]
    assert pred["schema"] == "melian.predictive/1" and pred["seed"] == rec["seed"]
    for issue in pred["issues"]:
        assert len(issue["samples"]) == 100 and len(issue["quantiles"]) == 99
    assert "predictive" not in entries[0].data["results"]
    v = verify_entries(entries, head=entries[-1].hash)
    assert v.ok, v.to_dict()
    assert len(v.checks) == 2 and all(not c.notes for c in v.checks)


def test_an_edited_draw_is_found_by_the_chain_and_by_re_solving(sealed):
    url, db = sealed
    entries = Ledger(url).entries()
    data = entries[1].data
    data["results"]["predictive"]["issues"][0]["samples"][17] += 0.5
    _rewrite(db, 2, data, entries[1].prev_hash)
    v = verify_entries(Ledger(url).entries(), head=entries[-1].hash)
    assert not v.ok
    (bad,) = [c for c in v.checks if not c.ok]
    assert bad.seq == 2 and "1 value(s)" in bad.problems[0] and "samples" in bad.problems[0]


def test_edited_settings_are_found_by_re_solving(sealed):
    url, db = sealed
    entries = Ledger(url).entries()
    data = entries[1].data
    data["predictive"]["input_draws"] = 3  # claims another Monte Carlo than the one sealed
    _rewrite(db, 2, data, entries[1].prev_hash)
    v = verify_entries(Ledger(url).entries())
    assert not v.ok and any("differ" in p for c in v.checks for p in c.problems)


def test_a_changed_calibration_is_explained(sealed, monkeypatch):
    url, _ = sealed
    monkeypatch.setattr("melian.sealing.calibration_sha256", lambda: "0" * 64)
    v = verify_entries(Ledger(url).entries())
    (c,) = [c for c in v.checks if c.seq == 2]
    assert any("calibration" in n for n in c.notes)


def test_scores_of_a_sealed_distribution_by_hand(sealed):
    url, _ = sealed
    entries = Ledger(url).entries()
    pred = entries[1].data["results"]["predictive"]
    us = next(i for i in pred["issues"] if i["issue"] == "us-presence")
    (th,) = us["thresholds"]
    y = th["scale_value"] - 1.0  # the event "below the threshold" happened
    s = score_entries([entries[1]], [Outcome("iraq-us-2020", "us-presence", y)])
    by = {x.forecaster: x for x in s.scores}
    ens = by["ensemble"]
    x = np.array(us["samples"])
    hand = np.mean(np.abs(x - y)) - 0.5 * np.mean(np.abs(x[:, None] - x[None, :]))
    assert ens.crps == pytest.approx(hand, rel=1e-9)
    assert ens.crps == pytest.approx(float(sr.crps_ensemble(y, x)), rel=1e-12)
    assert ens.point == pytest.approx(us["median"])
    for key, (lo, hi) in us["intervals"].items():  # the sealed calibrated intervals
        assert ens.covered[f"{key}%"] == (lo <= y <= hi)
    # Brier on the scale: (p - 1)^2 since the outcome is below the threshold's scale value
    assert ens.brier == {th["label"]: pytest.approx((th["probability"] - 1.0) ** 2)}
    assert {"compromise", "median"} <= set(by)


def test_cli_seal_predictive_verify_score(tmp_path, sqlite_url):
    runner = CliRunner()
    args = ["seal", "iraq-us-2020", "-m", "compromise", "--store", sqlite_url, "--json"]
    r = runner.invoke(app, [*args, "--predictive", "--input-draws", "1", "--samples", "50"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["verify", "--store", sqlite_url, "--json"])
    assert r.exit_code == 0 and json.loads(r.stdout)["ok"], r.output
    out = tmp_path / "l.jsonl"
    assert runner.invoke(app, ["ledger", "export", str(out), "--store", sqlite_url]).exit_code == 0
    oc = tmp_path / "o.csv"
    oc.write_text("scenario_id,issue,outcome\niraq-us-2020,army,50\n")
    r = runner.invoke(app, ["score", str(out), str(oc), "--json"])
    assert r.exit_code == 0, r.output
    rows = {x["forecaster"]: x for x in json.loads(r.stdout)["summary"]}
    assert set(rows) == {"compromise", "compromise (predictive)"}
    assert rows["compromise (predictive)"]["coverage_80%"] in (0.0, 1.0)
    r = runner.invoke(app, [*args, "--predictive", "--samples", "3"])
    assert r.exit_code == 2 and "--samples" in r.output
    # an edit anywhere in the export breaks the chain
    text = out.read_text()
    out.write_text(text.replace('"n_samples": 50', '"n_samples": 51', 1))
    assert runner.invoke(app, ["verify", str(out)]).exit_code == 1
    assert read_jsonl(out)


def test_committed_predictive_seal_of_the_builtin_verifies():
    """A predictive forecast sealed on another machine re-solves bit for bit, draws included."""
    entries = read_jsonl(
        Path(__file__).parent.parent / "data" / "ledger" / "iraq-us-2020-predictive.jsonl"
    )
    (e,) = entries
    assert e.data["predictive"]["input_draws"] == 8
    assert len(e.data["results"]["predictive"]["issues"][0]["samples"]) == 1000
    v = verify_entries(entries, head=e.hash)
    assert v.ok, v.to_dict()
    assert all(not c.problems and not c.notes for c in v.checks)


def test_an_empty_ledger_says_there_is_nothing_to_verify(tmp_path):
    from typer.testing import CliRunner

    from melian.cli import app

    empty = tmp_path / "ledger.jsonl"
    empty.write_text("")
    res = CliRunner().invoke(app, ["verify", str(empty)])
    assert res.exit_code == 0 and "nothing to verify" in res.stdout
    assert "\nverified" not in res.stdout
