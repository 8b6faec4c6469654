"""Resource caps (melian.limits): defaults, environment overrides, refusals before allocation."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from melian import limits as lm
from melian.errors import InputError, LimitError
from melian.io import from_decide, from_ktab_csv
from melian.scenario import load_scenario, parse_scenario

DATA = Path(__file__).parent / "data"
MINIMAL = DATA / "scenarios" / "minimal.yaml"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in lm._ENV.values():
        monkeypatch.delenv(var, raising=False)


def test_defaults_and_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    assert lm.current() == lm.Limits()
    monkeypatch.setenv("MELIAN_MAX_ACTORS", "12")
    monkeypatch.setenv("MELIAN_MAX_PATHS", "1_000_000")
    monkeypatch.setenv("MELIAN_MAX_MEMORY", "512M")
    lim = lm.current()
    assert (lim.max_actors, lim.max_paths, lim.max_memory) == (12, 1_000_000, 512 * 1024**2)
    assert lim.max_issues == lm.Limits().max_issues
    monkeypatch.setenv("MELIAN_MAX_MEMORY", "1.5GiB")
    assert lm.current().max_memory == int(1.5 * 1024**3)
    monkeypatch.setenv("MELIAN_MAX_MEMORY", "2147483648")
    assert lm.current().max_memory == 2**31


@pytest.mark.parametrize(
    ("var", "value"),
    [
        ("MELIAN_MAX_ACTORS", "many"),
        ("MELIAN_MAX_ACTORS", "0"),
        ("MELIAN_MAX_ACTORS", "2.5"),
        ("MELIAN_MAX_ISSUES", "10G"),
        ("MELIAN_MAX_MEMORY", "-5"),
        ("MELIAN_MAX_MEMORY", "lots"),
    ],
)
def test_malformed_environment_is_a_located_input_error(
    monkeypatch: pytest.MonkeyPatch, var: str, value: str
) -> None:
    monkeypatch.setenv(var, value)
    with pytest.raises(InputError) as exc:
        lm.current()
    (p,) = exc.value.problems
    assert p.file == f"${var}" and repr(value) in p.message


def test_count_caps_name_the_variable() -> None:
    lim = lm.Limits(max_actors=3, max_issues=2, max_options=1)
    lm.check_counts(actors=3, issues=2, options=1, limits=lim)
    with pytest.raises(
        LimitError, match=r"f\.yaml: 4 actors exceeds the limit of 3.*MELIAN_MAX_ACTORS"
    ):
        lm.check_counts(actors=4, where="f.yaml", limits=lim)
    with pytest.raises(LimitError, match="MELIAN_MAX_ISSUES"):
        lm.check_counts(issues=3, limits=lim)
    with pytest.raises(LimitError, match="MELIAN_MAX_OPTIONS"):
        lm.check_counts(options=2, limits=lim)


def test_loader_refuses_scenarios_above_the_caps(monkeypatch: pytest.MonkeyPatch) -> None:
    text = MINIMAL.read_text()
    s = parse_scenario(text, "minimal.yaml")
    assert (len(s.actors), len(s.issues), len(s.option_ids)) == (5, 2, 3)
    monkeypatch.setenv("MELIAN_MAX_ACTORS", "5")
    monkeypatch.setenv("MELIAN_MAX_ISSUES", "2")
    monkeypatch.setenv("MELIAN_MAX_OPTIONS", "3")
    parse_scenario(text, "minimal.yaml")  # exactly at the caps: accepted
    monkeypatch.setenv("MELIAN_MAX_ACTORS", "4")
    with pytest.raises(LimitError, match=r"minimal\.yaml: 5 actors exceeds the limit of 4"):
        parse_scenario(text, "minimal.yaml")
    monkeypatch.setenv("MELIAN_MAX_ACTORS", "5")
    monkeypatch.setenv("MELIAN_MAX_OPTIONS", "2")
    with pytest.raises(LimitError, match="3 options exceeds the limit of 2"):
        parse_scenario(text, "minimal.yaml")
    monkeypatch.setenv("MELIAN_MAX_OPTIONS", "3")
    monkeypatch.setenv("MELIAN_MAX_ISSUES", "1")
    with pytest.raises(LimitError, match="2 issues exceeds the limit of 1"):
        load_scenario(MINIMAL)


def test_importers_refuse_scenarios_above_the_caps(monkeypatch: pytest.MonkeyPatch) -> None:
    ktab = DATA / "ktab" / "dummyData-a080.csv"
    n = len(from_ktab_csv(ktab).actors)
    monkeypatch.setenv("MELIAN_MAX_ACTORS", str(n - 1))
    with pytest.raises(LimitError, match=f"{n} actors exceeds the limit of {n - 1}"):
        from_ktab_csv(ktab)
    monkeypatch.setenv("MELIAN_MAX_ACTORS", "2")
    with pytest.raises(LimitError, match="3 actors exceeds the limit of 2"):
        from_decide(DATA / "decide" / "dialogue.csv")


def test_scalar_caps() -> None:
    lim = lm.Limits(max_paths=1000, max_horizon=24, max_samples=64)
    lm.check_paths(1000, lim)
    lm.check_horizon(24, lim)
    lm.check_samples(64, lim)
    for call, bad in ((lm.check_paths, 1001), (lm.check_horizon, 25), (lm.check_samples, 65)):
        with pytest.raises(LimitError, match="exceeds the limit"):
            call(bad, lim)
        with pytest.raises(LimitError, match="at least 1"):
            call(0, lim)


def test_memory_refusal_happens_before_allocation() -> None:
    """A request for ~1.5 TB is refused, and the refusal itself allocates almost nothing."""
    tracemalloc.start()
    with pytest.raises(
        LimitError, match=r"would need about .* TiB of memory; the limit is 4\.0 GiB"
    ):
        lm.check_simulation(50_000_000, 600, 1, block=None)
    with pytest.raises(LimitError, match="MELIAN_MAX_MEMORY"):
        lm.check_arrays((10**6, 10**6), what="a distance matrix")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 1_000_000


def test_memory_cap_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    need = lm.check_simulation(100_000, 120, 3)
    assert need == lm.estimate_world_bytes(100_000, 120, 3)
    monkeypatch.setenv("MELIAN_MAX_MEMORY", str(need - 1))
    with pytest.raises(LimitError, match="simulating 100,000 paths x 120 months x 3 option"):
        lm.check_simulation(100_000, 120, 3)
    monkeypatch.setenv("MELIAN_MAX_MEMORY", str(need))
    assert lm.check_simulation(100_000, 120, 3) == need


def test_world_estimate_structure() -> None:
    # blocked runs: memory does not grow with paths (one block at a time, one accumulator)...
    a = lm.estimate_world_bytes(10**5, 120, 2)
    assert lm.estimate_world_bytes(10**7, 120, 2) == a
    # ...but grows with horizon and options, and with workers (blocks in flight, kept results)
    assert lm.estimate_world_bytes(10**5, 240, 2) > a
    assert lm.estimate_world_bytes(10**5, 120, 3) > a
    assert lm.estimate_world_bytes(10**7, 120, 2, workers=2, chunk_size=8192) > 2 * a
    # one block of every path (replay) grows linearly with paths
    one = lm.estimate_world_bytes(10**4, 120, 1, block=None)
    assert lm.estimate_world_bytes(2 * 10**4, 120, 1, block=None) == 2 * one


def test_explore_check() -> None:
    lim = lm.Limits(max_memory=2**30)
    small = lm.check_explore(1024, 10, 3, paths_per_sample=100, limits=lim)
    assert 0 < small < 2**30
    with pytest.raises(LimitError, match="exploring 1,000,000 samples"):
        lm.check_explore(10**6, 40, 5, paths_per_sample=100, limits=lim)
    # a prim ensemble of the same size needs far fewer rows than a Saltelli design
    assert lm.check_explore(10**5, 40, 5, rows=10**5, limits=lm.Limits()) < lm.check_explore(
        10**5, 40, 5, limits=lm.Limits(max_memory=2**40)
    )


@pytest.fixture(scope="module")
def iraq():
    return load_scenario("iraq-us-2020")


@pytest.mark.parametrize("sid", ["iraq-us-2020", "kyrgyzstan-manas-2009"])
@pytest.mark.parametrize(("paths", "horizon", "n_options"), [(16_384, 24, 1), (3_000, 60, 2)])
def test_world_estimate_bounds_measured_peak(
    sid: str, paths: int, horizon: int, n_options: int
) -> None:
    """The estimate from the prepared world's shape bounds the tracemalloc peak of a real run,
    within 2x, for worlds of different sizes (11 components and six bands; eight and one)."""
    from melian.world.engine import BLOCK, prepare, simulate, world_shape

    assert BLOCK == lm.WORLD_BLOCK
    sc = load_scenario(sid)
    opts = sc.option_ids[:n_options]
    shape = world_shape(prepare(sc, opts, horizon))
    simulate(sc, options=opts, paths=10, horizon=horizon)  # warm caches (datasets, imports)
    tracemalloc.start()
    simulate(sc, options=opts, paths=paths, horizon=horizon, chunk_size=BLOCK, workers=1)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    est = lm.estimate_world_bytes(paths, horizon, n_options, chunk_size=BLOCK, shape=shape)
    assert peak <= est <= 2 * peak, (peak, est)


def test_accumulator_size_is_its_arrays_bytes() -> None:
    """The size used by the estimate, computed without allocating, is a real accumulator's."""
    from melian.world.engine import _new_accumulator, prepare, world_shape

    prep = prepare(load_scenario("iraq-us-2020"), None, 24)
    acc = _new_accumulator(prep)
    arrays = [*acc.hist.values(), *acc.band_hist.values(), *acc.band_sum.values(), acc.cover]
    assert world_shape(prep).acc_bytes == sum(a.nbytes for a in arrays)


def test_world_shape_scales_the_estimate() -> None:
    """More bands and variables, a bigger accumulator: a bigger estimate (hand-computed)."""
    small = lm.world_shape(1, 10, 1_000)
    big = lm.world_shape(6, 40, 1_000)
    assert small.state_bytes == 10 * lm.STATE_BYTES_PER_VARIABLE
    one = lm.estimate_world_bytes(100, 12, 1, block=None, shape=small)
    assert one == 100 * (1 * 4 * 12 + 10 * lm.STATE_BYTES_PER_VARIABLE) + 2 * 8 * 12 * 100
    assert lm.estimate_world_bytes(100, 12, 1, block=None, shape=big) > one


def test_replay_estimate_bounds_measured_peak(iraq) -> None:
    from melian.world.engine import prepare, replay, world_shape

    opt = iraq.option_ids[0]
    shape = world_shape(prepare(iraq, [opt], 60))
    replay(iraq, opt, [60.0] * 12, paths=100)
    tracemalloc.start()
    replay(iraq, opt, [60.0] * 60, paths=6_000)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    est = lm.estimate_world_bytes(6_000, 60, 1, block=None, shape=shape)
    assert peak <= est <= 2 * peak, (peak, est)
