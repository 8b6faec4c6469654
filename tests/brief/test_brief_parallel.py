"""The robustness section's views in other processes (melian.brief.parallel): the same brief as in
one process, forked or spawned; the children's progress reaches the caller; a child that dies or
fails gives the failure value, which says so; arguments a spawned child cannot receive fall back
to this process. Built at very low fidelity on the synthetic world."""

from __future__ import annotations

import dataclasses
import functools
import os
import sys
from pathlib import Path

import pytest

from melian.analysis.brief import RUNNERS, brief
from melian.brief import change, parallel
from melian.brief.assemble import STEPS, _view_tasks
from melian.brief.base import Section, run_section
from melian.scenario import load_scenario
from melian.scenario.schema import Override, View

DATA = Path(__file__).parents[1] / "data" / "scenarios"


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(DATA / "synthetic-world.yaml")


@pytest.fixture
def started(monkeypatch) -> list[str]:
    """The keys of the child processes started (parallel.Beside counted)."""
    keys: list[str] = []

    class Counted(parallel.Beside):
        def __init__(self, key, *args, **kwargs) -> None:
            keys.append(key)
            super().__init__(key, *args, **kwargs)

    monkeypatch.setattr(parallel, "Beside", Counted)
    return keys


def _untimed(d):
    """``d`` without its wall-clock timings (``seconds``), which differ from run to run."""
    if isinstance(d, dict):
        return {k: _untimed(v) for k, v in d.items() if k != "seconds"}
    if isinstance(d, list):
        return [_untimed(v) for v in d]
    return d


def _sections(b) -> dict:
    return _untimed(b.to_dict()["sections"])


@pytest.mark.parametrize("scheduler", ["synchronous", "local"])
def test_parallel_brief_equals_the_one_process_brief(scenario, scheduler, tiny, started) -> None:
    """A process per view (ensembles in one process each), or one process for every view
    (ensembles on a Dask cluster of their own)."""
    settings = dataclasses.replace(tiny, explore_scheduler=scheduler)
    seen: list[tuple[str, float]] = []
    par = brief(scenario, settings=settings, progress=lambda m, f: seen.append((m, f)))
    assert started == ["robustness:0"]  # the one view ran in a child process
    seq = brief(scenario, settings=dataclasses.replace(settings, parallel=False))
    assert started == ["robustness:0"]  # and not with parallel off
    assert par.sections["robustness"].ok, par.sections["robustness"].error
    assert _sections(par) == _sections(seq)
    # the child's progress reached the caller, and the overall fraction never went back
    assert any(m.startswith("what would change") for m, _ in seen)
    fracs = [f for _, f in seen]
    assert fracs == sorted(fracs) and fracs[-1] == pytest.approx(1.0)
    # this process builds the ranking while the views run, and waits for them last; the brief
    # keeps its sections' order
    msgs = [m for m, _ in seen]
    assert msgs.index("ranking: done") < msgs.index("robustness: done")
    steps = dict(STEPS)
    assert [k for k in par.sections if k in steps] == [k for k in steps if k in par.sections]
    assert "ranking" in par.sections and "robustness" in par.sections


def test_spawned_child_computes_the_same_view(scenario, tiny) -> None:
    on, views = change.plan(scenario, tiny)
    build = functools.partial(change.view_result, scenario, tiny, RUNNERS, on, views[0])
    here = build(lambda m, f: None)
    got: list[str] = []
    child = parallel.Beside(
        views[0], build, lambda m, f: got.append(m), change.view_failed, method="spawn"
    )
    there = child.wait()
    assert not there["errors"] and _untimed(there) == _untimed(here)
    assert got and all(m.startswith(f"what would change ({views[0]})") for m in got)


def _with_sceptic(scenario):
    """The synthetic world with a second view (a sceptic's closure hazard)."""
    view = View(
        id="sceptic",
        name="A sceptic",
        overrides=[
            Override(
                path="world/components/closure/parameters/base_hazard/value",
                value=0.06,
                source="analyst",
            )
        ],
    )
    return scenario.model_copy(update={"views": [view]})


def test_views_are_crossed_over_the_processes(tiny) -> None:
    # each process: one view's ensemble and the next view's breaking points
    assert _view_tasks(["a", "b", "c"], tiny) == [
        (("a", "ensemble"), ("b", "breaking")),
        (("b", "ensemble"), ("c", "breaking")),
        (("c", "ensemble"), ("a", "breaking")),
    ]
    assert _view_tasks(["a"], tiny) == [(("a", None),)]  # one view: whole
    quick = dataclasses.replace(tiny, breaking=False)
    assert _view_tasks(["a", "b"], quick) == [(("a", None),), (("b", None),)]
    dask = dataclasses.replace(tiny, explore_scheduler="local")
    assert _view_tasks(["a", "b"], dask) == [(("a", None), ("b", None))]


def test_two_views_crossed_equal_the_one_process_brief(scenario, tiny, started) -> None:
    s2 = _with_sceptic(scenario)
    seen: list[float] = []
    par = brief(s2, settings=tiny, progress=lambda m, f: seen.append(f))
    assert started == ["robustness:0", "robustness:1"]
    seq = brief(s2, settings=dataclasses.replace(tiny, parallel=False))
    rob = par.sections["robustness"]
    assert rob.ok, rob.error
    assert _sections(par) == _sections(seq)
    assert seen == sorted(seen) and seen[-1] == pytest.approx(1.0)


def test_a_view_computed_in_parts_is_the_whole_view(scenario, tiny) -> None:
    on, views = change.plan(scenario, tiny)
    assert tiny.breaking
    whole = change.view_result(scenario, tiny, RUNNERS, on, views[0], lambda m, f: None)
    seen: list[float] = []
    parts = [
        change.view_result(scenario, tiny, RUNNERS, on, views[0], lambda m, f: seen.append(f), p)
        for p in change.PARTS
    ]
    assert set(parts[0]) == {"errors", "breaking"} and "breaking" not in parts[1]
    assert _untimed(change.merge_parts(parts)) == _untimed(whole)
    assert min(seen) >= 0.0 and max(seen) == pytest.approx(1.0)  # each part's own 0..1
    # a part that failed says so for its own results only, the other part's are kept
    why = "the process computing robustness:0 ended without a result (exit code 9)"
    got = change.merge_parts([change.view_failed(why, "breaking"), parts[1]])
    assert got["errors"] == {"breaking": why} and got["prim"] == parts[1]["prim"]
    got = change.merge_parts([parts[0], change.view_failed(why, "ensemble")])
    assert got["errors"] == {"prim": why, "regret": why} and got["breaking"] == parts[0]["breaking"]


def _dies(progress) -> Section:
    progress("about to fail", 0.5)
    os._exit(3)


def _raises(progress) -> Section:
    raise RuntimeError("no luck")


def _builds(progress) -> Section:
    progress("half", 0.5)
    return Section(id="x", data={"x": 1.5})


def _failed(message: str) -> Section:
    return Section(id="x", ok=False, error=message)


def test_child_that_dies_or_fails_gives_the_failure_saying_so() -> None:
    got: list[tuple[str, float]] = []
    sec = parallel.Beside("v", _dies, lambda m, f: got.append((m, f)), _failed, "fork").wait()
    assert (
        sec.failed and sec.error == "the process computing v ended without a result (exit code 3)"
    )
    assert got == [("about to fail", 0.5)]
    sec = parallel.Beside("v", _raises, lambda m, f: None, _failed, "fork").wait()
    assert sec.failed and sec.error == "RuntimeError: no luck"


def test_child_result_and_progress_come_back() -> None:
    got: list[tuple[str, float]] = []
    child = parallel.Beside("x", _builds, lambda m, f: got.append((m, f)), _failed, "fork")
    sec = child.wait()
    child.stop()  # harmless after wait
    assert sec.ok and sec.id == "x" and sec.data == {"x": 1.5}
    assert got == [("half", 0.5)]


def test_a_dead_view_child_fails_the_section_saying_why(scenario, tiny) -> None:
    _, views = change.plan(scenario, tiny)
    assert views == ["source"]  # the synthetic world declares no other view
    why = "the process computing source ended without a result (exit code 9)"
    sec = run_section(
        "robustness",
        lambda: change.change_section(
            scenario,
            "en",
            tiny,
            RUNNERS,
            lambda m, f: None,
            done={"source": change.view_failed(why)},
        ),
    )
    assert sec.failed and why in (sec.error or "")


def test_unpicklable_build_falls_back_to_this_process(monkeypatch) -> None:
    monkeypatch.setattr(parallel, "start_method", lambda: "spawn")
    started = parallel.start("x", lambda p: Section(id="x"), lambda m, f: None, _failed)
    assert started is None


def test_preload_imports_only_before_forking(monkeypatch) -> None:
    name = "json.tool"  # a standard module nothing in melian imports
    sys.modules.pop(name, None)
    monkeypatch.setattr(parallel, "start_method", lambda: "spawn")
    parallel.preload((name,))
    assert name not in sys.modules  # a spawned child inherits nothing: no use importing here
    monkeypatch.setattr(parallel, "start_method", lambda: "fork")
    parallel.preload((name,))
    assert name in sys.modules


def test_counting_maps_an_analysis_progress_into_its_share_of_a_section() -> None:
    from melian.brief.base import counting

    seen: list[tuple[str, float]] = []
    report = counting(lambda m, f: seen.append((m, f)), "ranking: evidence", 0.05, 0.8)
    report(0, 4)
    report(3, 4)
    report(4, 4)
    report(0, 0)  # an analysis with nothing to do reports its start, not a division by zero
    assert seen == [
        ("ranking: evidence", 0.05),
        ("ranking: evidence", pytest.approx(0.65)),
        ("ranking: evidence", pytest.approx(0.85)),
        ("ranking: evidence", 0.05),
    ]
