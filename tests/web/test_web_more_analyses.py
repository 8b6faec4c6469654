"""The game, world-model and ranking analyses run in the background from the web API and are saved."""

from __future__ import annotations

import pytest
from conftest import wait_job


@pytest.mark.parametrize(
    ("kind", "params", "key"),
    [
        ("game", {"form": "extensive"}, "solution"),
        ("simulate", {"paths": 300, "horizon": 6, "seed": 3}, "options"),
        ("decide", {"paths": 300}, "methods"),
    ],
)
def test_more_analyses_run_and_are_stored(client, kind, params, key):
    kinds = {k["kind"] for k in client.get("/api/kinds").json()}
    assert {"forecast", "game", "simulate", "decide"} <= kinds
    r = client.post(
        "/api/runs",
        json={
            "kind": kind,
            "scenario": {"origin": "builtin", "name": "iraq-us-2020"},
            "params": params,
        },
        headers={"Origin": "http://127.0.0.1:8000"},
    )
    assert r.status_code == 202, r.text
    job = wait_job(client, r.json()["id"], timeout=240)
    assert job["status"] == "done", job
    run = client.get(f"/api/runs/{job['run_id']}").json()
    assert run["kind"] == kind and key in run["results"]


def test_bad_analysis_parameters_are_refused(client):
    r = client.post(
        "/api/runs",
        json={
            "kind": "simulate",
            "scenario": {"origin": "builtin", "name": "iraq-us-2020"},
            "params": {"paths": 10**9},
        },
        headers={"Origin": "http://127.0.0.1:8000"},
    )
    assert r.status_code == 422
    assert any("paths" in p["path"] for p in r.json()["problems"])
