"""The forecast ledger: sealing, hash chain, tamper detection, re-solving and scoring."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from melian.cli import app
from melian.errors import InputError
from melian.ledger import Ledger, LedgerEntry, chain_hash, check_chain, read_jsonl
from melian.scenario.loader import builtin_path
from melian.sealing import Outcome, read_outcomes, score_entries, seal_forecast, verify_entries

DATA = Path(__file__).parent.parent / "data" / "ledger"
FAST = ["compromise", "median"]


@pytest.fixture
def sealed(sqlite_url: str) -> tuple[str, Path]:
    text = builtin_path("iraq-us-2020").read_text(encoding="utf-8")
    for _ in range(3):
        seal_forecast(text, models=FAST, store=sqlite_url)
    return sqlite_url, Path(sqlite_url.removeprefix("sqlite:///"))


def _raw(db: Path) -> sqlite3.Connection:
    con = sqlite3.connect(db)
    con.execute("DROP TRIGGER ledger_no_update")  # a tamperer with file access
    con.execute("DROP TRIGGER ledger_no_delete")
    return con


def test_seal_chains_and_verifies(sealed):
    url, _ = sealed
    entries = Ledger(url).entries()
    assert [e.seq for e in entries] == [1, 2, 3]
    assert entries[0].prev_hash == "" and entries[1].prev_hash == entries[0].hash
    assert entries[2].hash == chain_hash(3, entries[1].hash, entries[2].record)
    rec = entries[0].data
    assert rec["models"] == FAST and rec["scenario_id"] == "iraq-us-2020"
    assert set(rec["results"]["forecasts"]) == set(FAST)
    v = verify_entries(entries, head=entries[-1].hash)
    assert v.ok, v.to_dict()
    assert len(v.checks) == 3


def test_database_refuses_updates_and_deletes(sealed):
    url, db = sealed
    con = sqlite3.connect(db)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("UPDATE ledger SET record = '{}' WHERE seq = 1")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("DELETE FROM ledger WHERE seq = 3")


@pytest.mark.parametrize(
    "tamper, expect",
    [
        # a sealed number edited in place
        (
            "UPDATE ledger SET record = replace(record, '\"point\":', '\"point\":1') WHERE seq = 2",
            "edited",
        ),
        # an entry removed from the middle
        ("DELETE FROM ledger WHERE seq = 2", "missing or reordered"),
        # the time of sealing moved
        ("UPDATE ledger SET created_at = '2019-01-01 00:00:00.000000' WHERE seq = 1", "time"),
        # the indexed scenario id changed
        ("UPDATE ledger SET scenario_id = 'other' WHERE seq = 3", "scenario_id"),
    ],
)
def test_any_edit_is_detected(sealed, tamper, expect):
    url, db = sealed
    con = _raw(db)
    con.execute(tamper)
    con.commit()
    problems = Ledger(url).check()
    assert any(expect in p for p in problems), problems


def test_a_rehashed_edit_breaks_the_next_link_and_a_cut_tail_the_head(sealed):
    url, db = sealed
    entries = Ledger(url).entries()
    e = entries[1]
    data = e.data
    data["results"]["forecasts"]["compromise"]["issues"][0]["point"] += 1.0
    from melian.store import canonical_json

    text = canonical_json(data)
    con = _raw(db)
    con.execute(
        "UPDATE ledger SET record = ?, hash = ? WHERE seq = 2",
        (text, chain_hash(2, e.prev_hash, text)),
    )
    con.commit()
    assert any("predecessor" in p and "entry 3" in p for p in Ledger(url).check())
    # a tamperer who also cuts the tail: the chain looks whole, the recorded head does not match
    con = _raw(db)  # opening the ledger put the triggers back
    con.execute("DELETE FROM ledger WHERE seq = 3")
    con.commit()
    v = verify_entries(Ledger(url).entries(), head=entries[-1].hash)
    assert not v.ok and any("head" in p for p in v.chain_problems)
    # and re-solving finds the edited number
    assert any("differ" in p for c in v.checks for p in c.problems)


def test_jsonl_export_roundtrip_and_edit(sealed, tmp_path):
    url, _ = sealed
    out = tmp_path / "ledger.jsonl"
    assert Ledger(url).export_jsonl(out) == 3
    entries = read_jsonl(out)
    assert not check_chain(entries)
    lines = out.read_text().splitlines()
    d = json.loads(lines[0])
    d["record"]["seed"] = 1
    lines[0] = json.dumps(d)
    out.write_text("\n".join(lines) + "\n")
    assert any("edited" in p for p in check_chain(read_jsonl(out)))
    out.write_text("{not json\n")
    with pytest.raises(InputError, match=r"ledger.jsonl:1"):
        read_jsonl(out)


def test_verify_reports_a_model_that_changed(sealed):
    url, _ = sealed

    def drifted(scenario, models, params, seed):
        from melian.sealing import solve_sealed

        res = solve_sealed(scenario, models, params, seed)
        res["forecasts"]["median"]["issues"][0]["point"] += 1e-12
        return res

    v = verify_entries(Ledger(url).entries(), solve=drifted)
    assert not v.ok
    assert all("1 value(s)" in c.problems[0] for c in v.checks)


def _entry(results: dict) -> LedgerEntry:
    import datetime as dt

    rec = {"id": "x1", "kind": "forecast", "scenario_id": "s", "results": results}
    return LedgerEntry(1, "x1", "forecast", "s", dt.datetime.now(dt.UTC), json.dumps(rec), "", "h")


def test_scores_computed_by_hand():
    results = {
        "forecasts": {"m": {"issues": [{"issue": "a", "point": 30.0}]}},
        "predictive": {
            "issues": [
                {
                    "issue": "a",
                    "median": 5.0,
                    "samples": [0.0, 10.0],
                    "quantiles": {"0.1": 1.0, "0.9": 9.0, "0.25": 2.0, "0.75": 8.0,
                                  "0.025": 0.0, "0.975": 10.0},
                    "thresholds": [{"label": "below 4", "value": 4.0, "direction": "below",
                                    "probability": 0.3}],
                }
            ]
        },
    }  # fmt: skip
    s = score_entries([_entry(results)], [Outcome("s", "a", 10.0), Outcome("s", "zz", 1.0)])
    by = {x.forecaster: x for x in s.scores}
    # point forecast: CRPS of a point mass is the absolute error
    assert by["m"].crps == pytest.approx(20.0) and by["m"].abs_error == pytest.approx(20.0)
    # two samples {0, 10}, y = 10: E|X - y| - E|X - X'| / 2 = 5 - 2.5 = 2.5
    assert by["ensemble"].crps == pytest.approx(2.5)
    assert by["ensemble"].covered == {"50%": False, "80%": False, "95%": True}
    # event "below 4" did not happen: (0.3 - 0)^2
    assert by["ensemble"].brier == {"below 4": pytest.approx(0.09)}
    assert s.unmatched == ["s/zz"]
    assert s.summary()[0]["forecaster"] == "m"


def test_outcomes_file_errors_are_located(tmp_path):
    f = tmp_path / "o.csv"
    f.write_text("scenario_id;issue;outcome\ns;a;12\ns;b;twelve\n")
    with pytest.raises(InputError, match=r"o.csv:3: outcome: 'twelve' is not a number"):
        read_outcomes(f)
    f.write_text("scenario,issue,outcome\n")
    with pytest.raises(InputError, match=r"o.csv:1: header: needs columns"):
        read_outcomes(f)


def test_cli_seal_verify_score(tmp_path, sqlite_url):
    runner = CliRunner()
    r = runner.invoke(
        app, ["seal", "iraq-us-2020", "-m", "compromise", "--store", sqlite_url, "--json"]
    )
    assert r.exit_code == 0, r.output
    head = json.loads(r.stdout)["hash"]
    r = runner.invoke(app, ["verify", "--store", sqlite_url, "--head", head, "--json"])
    assert r.exit_code == 0 and json.loads(r.stdout)["ok"]
    out = tmp_path / "l.jsonl"
    assert runner.invoke(app, ["ledger", "export", str(out), "--store", sqlite_url]).exit_code == 0
    issue = json.loads(out.read_text().splitlines()[0])["record"]["results"]["forecasts"][
        "compromise"]["issues"][0]["issue"]  # fmt: skip
    oc = tmp_path / "o.csv"
    oc.write_text(f"scenario_id,issue,outcome\niraq-us-2020,{issue},50\n")
    r = runner.invoke(app, ["score", str(out), str(oc), "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["summary"][0]["n"] == 1
    out.write_text(out.read_text().replace('"seed": ', '"seed": 1'))
    r = runner.invoke(app, ["verify", str(out)])
    assert r.exit_code == 1
    r = runner.invoke(app, ["score", str(out), str(tmp_path / "missing.csv")])
    assert r.exit_code == 2 and "missing.csv" in r.output


def test_committed_seal_of_the_builtin_verifies():
    """A forecast of the built-in scenario sealed on another machine re-solves bit for bit here."""
    entries = read_jsonl(DATA / "iraq-us-2020.jsonl")
    v = verify_entries(entries, head=entries[-1].hash)
    assert v.ok, v.to_dict()
    # a changed content hash (the format gained optional fields since sealing) is a note only
    assert all(not c.problems for c in v.checks)
