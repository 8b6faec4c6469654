"""Identical results in-process and on a real two-worker Dask LocalCluster."""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import numpy as np
import pytest

from melian.errors import LimitError, ModelError
from melian.explore.model import latin_hypercube
from melian.explore.parallel import Evaluator, chunk_seeds
from melian.explore.sensitivity import sobol
from melian.explore.testfunctions import ishigami_model


def test_chunk_seeds_are_stable_and_distinct() -> None:
    s = chunk_seeds(42, 5)
    assert s == chunk_seeds(42, 5) and len(set(s)) == 5
    assert chunk_seeds(42, 3) == s[:3]  # adding chunks does not change earlier ones


def test_synchronous_results_do_not_depend_on_chunking_of_noise_free_model() -> None:
    m = ishigami_model(options=("a", "b"))
    u = latin_hypercube(3, 300, 1)
    with Evaluator("synchronous", chunk_size=7) as ev:
        r1 = ev.run(m, u, 3)
    with Evaluator("synchronous", chunk_size=100) as ev:
        r2 = ev.run(m, u, 3)
    assert np.array_equal(r1["b"]["y"], r2["b"]["y"])


def test_two_worker_local_cluster_matches_in_process() -> None:
    from dask.distributed import LocalCluster

    model = ishigami_model(options=("a", "b"), noise=0.5)  # seeded noise per chunk
    with Evaluator("synchronous", chunk_size=100) as ev:
        ref = sobol(model, 128, seed=9, evaluator=ev)
    cluster = LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.ERROR,
    )
    try:
        seen: list[tuple[int, int]] = []
        with Evaluator(cluster.scheduler_address, chunk_size=100) as ev:
            assert ev.n_workers == 2
            got = sobol(model, 128, seed=9, evaluator=ev, progress=lambda d, t: seen.append((d, t)))
    finally:
        cluster.close()
    assert seen[-1] == (7, 7)  # 128 * 5 = 640 experiments in chunks of 100
    assert got.to_dict()["outputs"] == ref.to_dict()["outputs"]


def test_default_local_scheduler_matches_in_process() -> None:
    model = ishigami_model(options=("a", "b"), noise=0.5)
    u = latin_hypercube(3, 400, 2)
    with Evaluator("synchronous", chunk_size=100) as ev:
        ref = ev.run(model, u, 4)
    with Evaluator("local", workers=2, chunk_size=100) as ev:
        got = ev.run(model, u, 4)
    for o in model.options:
        assert np.array_equal(ref[o]["y"], got[o]["y"])


def test_scheduler_and_limits_are_checked() -> None:
    with pytest.raises(ModelError, match="unknown scheduler"):
        Evaluator("threads-please")
    m = ishigami_model()
    with Evaluator("synchronous") as ev, pytest.raises(LimitError):
        ev.run(m, np.zeros((5_000_001, 3)), 1)


def test_prim_and_regret_share_one_ensemble() -> None:
    """explore_methods runs one ensemble for PRIM and regret: each result is the one its own
    explore() gives on the same futures, at the cost of one ensemble."""
    from melian.explore import explore, explore_methods
    from melian.explore.testfunctions import noisy_planted_box_model

    calls: list[int] = []
    # a Monte Carlo model: the paths per future adapt, and the Monte Carlo error is measured
    base = noisy_planted_box_model({"p1": (0.6, 1.0)}, k=4, own=0.05, paths=8)

    def counted(context: Any, option: str, samples: dict[str, Any], seed: int) -> Any:  # noqa: ANN401
        calls.append(len(next(iter(samples.values()))))
        return base.function(context, option, samples, seed)

    model = dataclasses.replace(base, function=counted)
    seen: list[float] = []
    both = explore_methods(
        model,
        ("prim", "regret"),
        samples=300,
        seed=2,
        scheduler="synchronous",
        progress=lambda d, t: seen.append(d / t),
    )
    # the progress only moves forward, and PRIM reports its screening and boxes between 90%
    # (the ensemble done) and 95% (regret's turn)
    assert seen == sorted(seen) and seen[-1] == 1.0
    assert any(0.9 < f < 0.95 for f in seen)
    shared_calls = len(calls)
    calls.clear()
    alone = {
        m: explore(model, m, samples=300, seed=2, scheduler="synchronous")
        for m in ("prim", "regret")
    }
    assert shared_calls * 2 == len(calls)  # one ensemble instead of two
    for m in ("prim", "regret"):
        a, b = both[m].to_dict(), alone[m].to_dict()
        a.pop("seconds"), b.pop("seconds")
        assert a == b
        # with the paths' part of the error and the paths they were reached with
        assert a["mc_error"]["share_se_paths"] is not None
        assert a["mc_error"]["paths_per_future"] == sum(a["mc_error"]["batches"]) > 8
    with pytest.raises(ModelError, match="share one ensemble"):
        explore_methods(model, ("prim", "sobol"), samples=64)
    with pytest.raises(ModelError, match="takes"):
        explore_methods(model, ("prim", "regret"), samples=64, scheduler="synchronous", bogus=1)


def test_world_ensemble_in_one_piece_equals_the_chunked_one() -> None:
    # a model with common random numbers is evaluated in process without cutting the
    # experiments into chunks (larger arrays): the same numbers as chunk by chunk
    from melian.explore.parallel import _concat, run_chunk
    from melian.explore.world import world_model
    from melian.scenario import load_scenario

    m = world_model(load_scenario("kyrgyzstan-manas-2009"), paths_per_sample=4, horizon=12)
    assert m.common_random_numbers
    u = latin_hypercube(m.k, 50, 3)
    seen: list[tuple[int, int]] = []
    with Evaluator("synchronous", chunk_size=16) as ev:
        whole = ev.run(m, u, 5, progress=lambda d, t: seen.append((d, t)))
    chunked = _concat(
        [run_chunk(m, m.options, u[i : i + 16], 5) for i in range(0, 50, 16)], m.options
    )
    assert seen == [(0, 1), (1, 1)]  # every option in one simulation (the model's batch)
    for o in m.options:
        assert whole[o].keys() == chunked[o].keys()
        for k in whole[o]:
            assert np.array_equal(whole[o][k], chunked[o][k], equal_nan=True), (o, k)


def test_a_cap_on_one_call_s_paths_falls_back_to_chunks(monkeypatch) -> None:
    # 50 experiments x 4 paths = 200 paths per option in one call (every option together:
    # 1,000); chunks of 16 x 4 = 64 paths of one option pass a cap of 100: the run goes chunk by
    # chunk and option by option, with the same numbers
    from melian.explore.world import world_model
    from melian.scenario import load_scenario

    m = world_model(load_scenario("kyrgyzstan-manas-2009"), paths_per_sample=4, horizon=12)
    u = latin_hypercube(m.k, 50, 3)
    with Evaluator("synchronous", chunk_size=16) as ev:
        whole = ev.run(m, u, 5)
    monkeypatch.setenv("MELIAN_MAX_PATHS", "100")
    with Evaluator("synchronous", chunk_size=16) as ev:
        capped = ev.run(m, u, 5)
    for o in m.options:
        for k in whole[o]:
            assert np.array_equal(whole[o][k], capped[o][k], equal_nan=True), (o, k)


def test_a_run_s_own_chunk_size_changes_only_a_common_random_numbers_model() -> None:
    # a model with common random numbers may be cut into smaller chunks for one run (the
    # adaptive ensemble does, as its paths per future double): the same numbers, more steps of
    # progress; a model whose chunks carry their own seeds keeps the evaluator's chunking
    from melian.explore.world import world_model
    from melian.scenario import load_scenario

    m = world_model(load_scenario("kyrgyzstan-manas-2009"), paths_per_sample=4, horizon=12)
    u = latin_hypercube(m.k, 40, 3)
    seen: list[tuple[int, int]] = []
    with Evaluator("processes", workers=2, chunk_size=16) as ev:
        ref = ev.run(m, u, 5)
        small = ev.run(m, u, 5, chunk_size=5, progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (8, 8)  # 40 experiments in chunks of 5, not 3 chunks of 16
    for o in m.options:
        for k in ref[o]:
            assert np.array_equal(ref[o][k], small[o][k], equal_nan=True), (o, k)
    noisy = ishigami_model(options=("a", "b"), noise=0.5)
    u3 = latin_hypercube(3, 40, 1)
    steps: list[tuple[int, int]] = []
    with Evaluator("synchronous", chunk_size=16) as ev:
        a = ev.run(noisy, u3, 3)
        b = ev.run(noisy, u3, 3, chunk_size=5, progress=lambda d, t: steps.append((d, t)))
    assert steps[-1] == (3, 3) and np.array_equal(a["a"]["y"], b["a"]["y"])


def test_a_synchronous_run_with_its_own_chunk_size_goes_in_equal_chunks() -> None:
    # in this process a model with common random numbers runs whole unless the run bounds its
    # chunks (the brief's ensembles and scans do, so that the progress moves): then 50 rows
    # in chunks of at most 16 are 4 chunks of 13, 13, 13 and 11 rows, with the same numbers
    from melian.explore import parallel
    from melian.explore.world import world_model
    from melian.scenario import load_scenario

    m = world_model(load_scenario("kyrgyzstan-manas-2009"), paths_per_sample=4, horizon=12)
    u = latin_hypercube(m.k, 50, 3)
    calls: list[int] = []
    original = parallel.run_chunk

    def counted(model, options, rows, seed):
        calls.append(rows.shape[0])
        return original(model, options, rows, seed)

    seen: list[tuple[int, int]] = []
    with Evaluator("synchronous", chunk_size=128) as ev:
        whole = ev.run(m, u, 5)
        parallel.run_chunk = counted
        try:
            cut = ev.run(m, u, 5, chunk_size=16, progress=lambda d, t: seen.append((d, t)))
        finally:
            parallel.run_chunk = original
    assert calls == [13, 13, 13, 11]
    assert seen == [(0, 4), (1, 4), (2, 4), (3, 4), (4, 4)]
    for o in m.options:
        for k in whole[o]:
            assert np.array_equal(whole[o][k], cut[o][k], equal_nan=True), (o, k)


def test_chunk_rows_keep_a_chunk_near_its_paths_budget() -> None:
    from melian.explore.parallel import CHUNK_PATHS, chunk_rows

    m = ishigami_model(options=("a", "b"))  # two options
    assert CHUNK_PATHS == 8192
    assert chunk_rows(m, 256, 128) == 16  # 8,192 // (256 x 2)
    assert chunk_rows(m, 16, 128) == 128  # the evaluator's rows are the most
    assert chunk_rows(m, 10_000, 128) == 1  # never fewer than one row
