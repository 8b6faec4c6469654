"""The run store: save, read, list, diff, export; URLs; integrity digests; limits."""

from __future__ import annotations

import datetime as dt
import json
import math

import numpy as np
import pytest

from melian import store as st
from melian.errors import LimitError, StoreError
from melian.store import RunStore, diff_runs, flatten, resolve_url


@pytest.fixture
def store(sqlite_url: str) -> RunStore:
    s = RunStore(sqlite_url)
    yield s
    s.close()


def test_roundtrip_preserves_every_field(store: RunStore) -> None:
    manifest = {
        "command": "forecast",
        "scenario_id": "minimal",
        "scenario_hash": "ab" * 32,
        "seed": 7,
        "params": {"models": ["median"]},
    }
    results = {
        "points": {"presence": np.float64(47.5)},
        "traj": np.arange(3.0),
        "n": np.int64(3),
        "flag": np.bool_(True),
        "missing": float("nan"),
    }
    rid = store.save_run("forecast", results, manifest=manifest, inputs="metadata: {}\n")
    run = store.get_run(rid)
    assert run.kind == "forecast"
    assert run.scenario_id == "minimal" and run.scenario_hash == "ab" * 32
    assert run.manifest == manifest
    assert run.inputs == "metadata: {}\n"
    # numpy values become plain JSON; NaN (no JSON equivalent) is stored as null
    assert run.results == {
        "points": {"presence": 47.5},
        "traj": [0.0, 1.0, 2.0],
        "n": 3,
        "flag": True,
        "missing": None,
    }
    assert run.status == "ok"
    assert run.created_at.tzinfo is not None
    assert abs((dt.datetime.now(dt.UTC) - run.created_at).total_seconds()) < 60


def test_list_newest_first_and_filters(store: RunStore) -> None:
    t0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    ids = [
        store.save_run(
            "forecast" if k % 2 else "game",
            {"k": k},
            manifest={"scenario_id": f"s{k % 3}"},
            created_at=t0 + dt.timedelta(minutes=k),
        )
        for k in range(6)
    ]
    listed = [r.id for r in store.list_runs()]
    assert listed == ids[::-1]
    assert [r.id for r in store.list_runs(kind="game")] == [ids[4], ids[2], ids[0]]
    assert [r.id for r in store.list_runs(scenario_id="s1")] == [ids[4], ids[1]]
    assert [r.id for r in store.list_runs(limit=2, offset=1)] == [ids[4], ids[3]]
    assert store.count() == 6


def test_prefix_lookup_and_errors(store: RunStore) -> None:
    rid = store.save_run("test", {}, run_id="abc-123")
    store.save_run("test", {}, run_id="abd-456")
    assert store.get_run("abc").id == rid
    with pytest.raises(StoreError, match="ambiguous"):
        store.get_run("ab")
    with pytest.raises(StoreError, match="no run"):
        store.get_run("zzz")
    with pytest.raises(StoreError, match="not a run id"):
        store.get_run("../etc")
    with pytest.raises(StoreError, match="already exists"):
        store.save_run("test", {}, run_id="abc-123")
    # a LIKE wildcard in a prefix is literal, not a pattern
    with pytest.raises(StoreError):
        store.get_run("a_c")


def test_rejects_bad_kind_status_and_unserialisable(store: RunStore) -> None:
    with pytest.raises(StoreError, match="status"):
        store.save_run("test", {}, status="maybe")
    with pytest.raises(StoreError, match="kind"):
        store.save_run("Bad Kind", {})
    with pytest.raises(StoreError, match="cannot store"):
        store.save_run("test", {"x": object()})
    assert store.count() == 0


def test_results_size_limit(store: RunStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(st, "MAX_RESULTS_BYTES", 1000)
    with pytest.raises(LimitError, match="limit"):
        store.save_run("test", {"v": list(range(1000))})
    assert store.count() == 0


def test_verify_detects_tampering(store: RunStore) -> None:
    a = store.save_run("test", {"x": 1})
    b = store.save_run("test", {"x": 2})
    assert store.verify() == []
    with store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE runs SET results = '{\"x\":3}' WHERE id = ?", (b,))
    assert store.verify() == [b]
    assert store.get_run(a).results == {"x": 1}


def test_diff_flattens_key_paths(store: RunStore) -> None:
    a = store.save_run(
        "forecast",
        {"points": {"p": 1.0, "q": [1, 2, 3]}, "same": "x"},
        manifest={"seed": 1, "scenario_id": "s"},
        inputs="a: 1\nb: 2\n",
    )
    b = store.save_run(
        "forecast",
        {"points": {"p": 1.5, "q": [1, 2]}, "same": "x", "new": {}},
        manifest={"seed": 2, "scenario_id": "s"},
        inputs="a: 1\nb: 3\n",
    )
    d = store.diff_runs(a, b)
    assert not d["identical"]
    by_path = {c["path"]: c for c in d["changes"]}
    assert by_path["manifest.seed"] == {"path": "manifest.seed", "a": 1, "b": 2}
    assert by_path["results.points.p"]["a"] == 1.0 and by_path["results.points.p"]["b"] == 1.5
    assert by_path["results.points.q[2]"]["only"] == "a"
    assert by_path["results.new"]["only"] == "b"
    assert "results.same" not in by_path
    assert "-b: 2" in d["inputs"] and "+b: 3" in d["inputs"]
    # relative tolerance hides small numeric differences only
    c = store.save_run(
        "forecast",
        {"points": {"p": 1.0 + 1e-12, "q": [1, 2, 3]}, "same": "x"},
        manifest={"seed": 1, "scenario_id": "s"},
        inputs="a: 1\nb: 2\n",
    )
    assert [x["path"] for x in store.diff_runs(a, c)["changes"]] == ["results.points.p"]
    assert diff_runs(a, c, rtol=1e-9, store=store)["identical"]
    assert store.diff_runs(a, a)["identical"]


def test_flatten_orders_and_keeps_empty_leaves() -> None:
    assert list(flatten({"b": [1, {"c": 2}], "a": {}, "d": []})) == [
        ("a", {}),
        ("b[0]", 1),
        ("b[1].c", 2),
        ("d", []),
    ]


def test_export_is_json_and_complete(store: RunStore) -> None:
    rid = store.save_run("test", {"x": [1.5]}, manifest={"seed": 3}, inputs="y: 1\n")
    data = store.export_run(rid)
    text = json.dumps(data, default=str)
    back = json.loads(text)
    assert back["format"] == "melian-run" and back["id"] == rid
    assert back["results"] == {"x": [1.5]} and back["manifest"] == {"seed": 3}
    assert back["inputs"] == "y: 1\n" and len(back["digest"]) == 64


def test_resolve_url(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.delenv(st.ENV_VAR, raising=False)
    default = resolve_url(None)
    assert default.startswith("sqlite:///") and default.endswith("runs.sqlite")
    monkeypatch.setenv(st.ENV_VAR, "postgresql://u:secret@db.example/melian")
    assert resolve_url(None) == "postgresql+psycopg://u:secret@db.example/melian"
    assert resolve_url(str(tmp_path / "x.db")) == f"sqlite:///{tmp_path / 'x.db'}"
    assert "secret" not in st.safe_url(resolve_url(None))


def test_bad_url_is_a_store_error() -> None:
    with pytest.raises(StoreError):
        RunStore("nosuchdb://x/y")


def test_save_run_from_scenario(sqlite_url: str) -> None:
    from pathlib import Path

    from melian.scenario import content_hash, load_scenario

    s = load_scenario(Path(__file__).parents[1] / "data" / "scenarios" / "minimal.yaml")
    rid = st.save_run("forecast", {"ok": True}, scenario=s, store=sqlite_url)
    run = st.get_run(rid, store=sqlite_url)
    assert run.scenario_id == "minimal" and run.scenario_hash == content_hash(s)
    assert "metadata:" in run.inputs
    assert [r.id for r in st.list_runs(store=sqlite_url)] == [rid]
    assert st.export_run(rid, store=sqlite_url)["results"] == {"ok": True}


def test_sqlite_settings(store: RunStore) -> None:
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar().lower() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 10_000
    assert math.isfinite(store.count())
