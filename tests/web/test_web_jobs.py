"""Background analyses: progress reporting, the queue limit, failures that must not kill the
worker, and the generic kind -> callable runner."""

from __future__ import annotations

import threading
import time

import pytest
from conftest import wait_job
from pydantic import BaseModel, ConfigDict

from melian.web import analyses, jobs

REF = {"origin": "user", "name": "minimal"}


class NoParams(BaseModel):
    model_config = ConfigDict(extra="forbid")


@pytest.fixture
def test_kinds():
    gate = threading.Event()

    def waiting(scenario, params, progress):
        progress(0.5, f"half way through {scenario.id}")
        assert gate.wait(30)
        return {"actors": len(scenario.actors)}

    def crashing(scenario, params, progress):
        raise RuntimeError("boom")

    specs = [
        analyses.AnalysisSpec("test-wait", "Wait", "waits for the test", NoParams, waiting),
        analyses.AnalysisSpec("test-crash", "Crash", "raises", NoParams, crashing),
    ]
    for spec in specs:
        analyses.register_analysis(spec)
    yield gate
    gate.set()
    for spec in specs:
        analyses.ANALYSES.pop(spec.kind, None)


def test_progress_is_visible_while_running(client, test_kinds) -> None:
    job = client.post("/api/runs", json={"kind": "test-wait", "scenario": REF}).json()
    deadline = time.monotonic() + 30
    while True:
        state = client.get(f"/api/jobs/{job['id']}").json()
        if state["progress"] == 0.5:
            break
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert state["status"] == "running" and state["message"] == "half way through minimal"
    assert state["run_id"] is None
    page = client.get(f"/jobs/{job['id']}")
    assert page.status_code == 200 and 'value="0.5"' in page.text
    test_kinds.set()
    done = wait_job(client, job["id"])
    assert done["status"] == "done" and done["progress"] == 1.0
    run = client.get(f"/api/runs/{done['run_id']}").json()
    assert run["kind"] == "test-wait" and run["results"] == {"actors": 5}
    assert client.get(f"/jobs/{job['id']}", follow_redirects=False).status_code == 303


def test_queue_limit(client, test_kinds, monkeypatch) -> None:
    monkeypatch.setattr(jobs, "MAX_PENDING", 2)
    first = [
        client.post("/api/runs", json={"kind": "test-wait", "scenario": REF}) for _ in range(2)
    ]
    assert [r.status_code for r in first] == [202, 202]
    r = client.post("/api/runs", json={"kind": "test-wait", "scenario": REF})
    assert r.status_code == 429 and "already queued" in r.json()["error"]
    test_kinds.set()
    for r in first:
        assert wait_job(client, r.json()["id"])["status"] == "done"
    assert client.post("/api/runs", json={"kind": "test-wait", "scenario": REF}).status_code == 202


def test_crashing_analysis_is_recorded_and_worker_survives(client, test_kinds) -> None:
    job = client.post("/api/runs", json={"kind": "test-crash", "scenario": REF}).json()
    done = wait_job(client, job["id"])
    assert done["status"] == "failed" and "RuntimeError: boom" in done["error"]
    run = client.get(f"/api/runs/{done['run_id']}").json()
    assert run["status"] == "failed" and "boom" in run["results"]["error"]
    page = client.get(f"/runs/{done['run_id']}")
    assert 'id="run-error"' in page.text
    test_kinds.set()
    again = client.post("/api/runs", json={"kind": "test-wait", "scenario": REF}).json()
    assert wait_job(client, again["id"])["status"] == "done"


def test_kinds_are_listed_with_their_parameters(client, test_kinds) -> None:
    kinds = {k["kind"] for k in client.get("/api/kinds").json()}
    assert {"forecast", "test-wait", "test-crash"} <= kinds
    r = client.post("/api/runs", json={"kind": "test-wait", "scenario": REF, "params": {"x": 1}})
    assert r.status_code == 422
    with pytest.raises(ValueError, match="twice"):
        analyses.register_analysis(
            analyses.AnalysisSpec("forecast", "x", "y", NoParams, lambda s, p, g: {})
        )
