"""The brief's robustness section in a second process (melian.brief.parallel): the same brief as
in one process, forked or spawned; its progress reaches the caller; a child that dies becomes a
failed section that says so; arguments a spawned child cannot receive fall back to this process.
Built at very low fidelity on the synthetic world."""

from __future__ import annotations

import dataclasses
import functools
import os
from pathlib import Path

import pytest

from melian.analysis.brief import RUNNERS, brief
from melian.brief import Settings, parallel
from melian.brief.assemble import build_step
from melian.brief.base import Section
from melian.scenario import load_scenario

DATA = Path(__file__).parents[1] / "data" / "scenarios"
TINY = Settings(
    quick=True,
    paths=200,
    horizon=12,
    prim_samples=16,
    explore_paths=2,
    tornado_paths=10,
    breaking_reference=4,
    breaking_replications=2,
    breaking_grid=3,
    breaking_paths=2,
    input_draws=2,
    explore_scheduler="synchronous",
    seed=5,
)


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(DATA / "synthetic-world.yaml")


def _sections(b) -> dict:
    return b.to_dict()["sections"]


def test_parallel_brief_equals_the_one_process_brief(scenario) -> None:
    seen: list[tuple[str, float]] = []
    par = brief(scenario, settings=TINY, progress=lambda m, f: seen.append((m, f)))
    seq = brief(scenario, settings=dataclasses.replace(TINY, parallel=False))
    assert par.sections["robustness"].ok, par.sections["robustness"].error
    assert _sections(par) == _sections(seq)
    # the child's progress reached the caller, and the overall fraction never went back
    assert any(m.startswith("what would change") for m, _ in seen)
    fracs = [f for _, f in seen]
    assert fracs == sorted(fracs) and fracs[-1] == pytest.approx(1.0)


def test_spawned_child_builds_the_same_section(scenario) -> None:
    build = functools.partial(build_step, scenario, "en", TINY, RUNNERS, {})
    here = build("robustness", lambda m, f: None)
    got: list[str] = []
    child = parallel.Beside("robustness", build, lambda m, f: got.append(m), method="spawn")
    there = child.wait()
    assert there.ok, there.error
    assert there.data == here.data and there.charts == here.charts
    assert got  # progress crossed the pipe


def _dies(step: str, progress) -> Section:
    progress("about to fail", 0.5)
    os._exit(3)


def _builds(step: str, progress) -> Section:
    progress("half", 0.5)
    return Section(id=step, data={"x": 1.5})


@pytest.mark.parametrize("method", ["fork"])
def test_child_that_dies_is_a_failed_section_saying_so(method) -> None:
    got: list[tuple[str, float]] = []
    sec = parallel.Beside("robustness", _dies, lambda m, f: got.append((m, f)), method).wait()
    assert sec.failed and "ended without a result (exit code 3)" in (sec.error or "")
    assert got == [("about to fail", 0.5)]


def test_child_section_and_progress_come_back() -> None:
    got: list[tuple[str, float]] = []
    child = parallel.Beside("x", _builds, lambda m, f: got.append((m, f)), "fork")
    sec = child.wait()
    child.stop()  # idempotent after wait
    assert sec.ok and sec.id == "x" and sec.data == {"x": 1.5}
    assert got == [("half", 0.5)]


def test_unpicklable_build_falls_back_to_this_process(monkeypatch) -> None:
    monkeypatch.setattr(parallel, "start_method", lambda: "spawn")
    assert parallel.start("x", lambda step, p: Section(id=step), lambda m, f: None) is None
    assert parallel.start_method() == "spawn"
