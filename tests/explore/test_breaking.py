"""Breaking points on synthetic responses whose switch-over values and design point are known."""

from __future__ import annotations

import math

import numpy as np
import pytest

from melian.explore.breaking import breaking_points, gap, nearest_flip, switch_overs

OPTIONS = ("A", "B", "C")


def linear(z: np.ndarray) -> np.ndarray:
    """U_A = 1 + z1/2, U_B = 1/2 + z2/4, U_C = 0."""
    z = np.atleast_2d(z)
    return np.column_stack([1 + 0.5 * z[:, 0], 0.5 + 0.25 * z[:, 1], np.zeros(len(z))])


def test_gap():
    assert gap(np.array([[3.0, 1.0, 2.0]]), 0)[0] == 1.0
    assert gap(np.array([[3.0, 1.0, 2.0]]), 1)[0] == -2.0


def test_linear_switch_overs_are_exact():
    overs = {s.input: s for s in switch_overs(linear, ["x1", "x2"], OPTIONS, 0)}
    # A = B at z1 = -1 (B = 0.5 > C = 0 there); A never loses upwards
    assert overs["x1"].low_z == pytest.approx(-1.0, abs=1e-6)
    assert overs["x1"].low_winner == "B"
    assert overs["x1"].high_z is None
    # B reaches A = 1 at z2 = 2
    assert overs["x2"].high_z == pytest.approx(2.0, abs=1e-6)
    assert overs["x2"].high_winner == "B" and overs["x2"].low_z is None


def test_linear_design_point_is_hasofer_lind():
    # g = 0.5 + 0.5 z1 - 0.25 z2: beta = 0.5 / |(0.5, -0.25)|, z* = -0.5 b / |b|^2
    f = nearest_flip(linear, ["x1", "x2"], OPTIONS, 0)
    b = np.array([0.5, -0.25])
    assert f.beta == pytest.approx(0.5 / np.linalg.norm(b), rel=1e-4)
    assert f.z["x1"] == pytest.approx(-0.8, abs=1e-4)
    assert f.z["x2"] == pytest.approx(0.4, abs=1e-4)
    assert f.winner == "B" and f.movers == ["x1", "x2"]
    assert f.probability == pytest.approx(0.5 * math.erfc(f.beta / math.sqrt(2)), rel=1e-9)


def test_nonlinear_switch_over_and_units():
    def score(z):
        z = np.atleast_2d(z)
        return np.column_stack([2 * np.exp(z[:, 0] / 2), np.full(len(z), 1.5), 0.2 * z[:, 1]])

    # judged 1.5, spread 0.5: x = 1.5 + 0.5 z
    bp = breaking_points(score, ["m", "n"], OPTIONS, to_value=lambda i, z: 1.5 + 0.5 * z, tol=1e-8)
    by = {s.input: s for s in bp.switch_overs}
    assert bp.top == "A"
    assert by["m"].low_z == pytest.approx(2 * math.log(0.75), rel=1e-6)
    assert by["m"].low_value == pytest.approx(1.5 + 0.5 * 2 * math.log(0.75), rel=1e-6)
    # C = 0.2 z2 reaches A = 2 at z2 = 10: outside the searched 4 spreads
    assert by["n"].high_z is None
    assert bp.ranked()[0].input == "m"
    assert bp.nearest.beta == pytest.approx(-2 * math.log(0.75), rel=1e-3)


def test_monte_carlo_error_is_reported_beside_the_breaking_point():
    def noisy(seed):
        rng = np.random.default_rng(seed)
        e = rng.normal(0, 0.01, 2)

        def score(z):
            z = np.atleast_2d(z)
            return np.column_stack([1 + 0.5 * z[:, 0] + e[0], 0.5 + e[1] + 0 * z[:, 1]])

        return score

    bp = breaking_points(
        noisy(0), ["x1", "x2"], ("A", "B"), replications=[noisy(s) for s in range(1, 9)]
    )
    s = bp.switch_overs[0]
    # se of the gap is ~0.01*sqrt(2); the slope of the gap in z1 is 0.5: se(z) ~ 0.028
    assert s.low_se_z == pytest.approx(0.01 * math.sqrt(2) / 0.5 / math.sqrt(8), rel=0.8)
    assert bp.central_gap_se is not None and bp.central_gap_se < 0.02
    assert not bp.notes


def test_a_tie_within_monte_carlo_error_is_reported_not_searched():
    """Options 0.005 apart at the centre, each replication shifting them by independent noise of
    sd 0.01 (gap standard error about 0.014): the ranking is unresolved there, so the nearest
    flip is the centre itself (within error) and no design point is searched."""
    calls = []

    def response(seed, log=False):
        e = np.random.default_rng(seed).normal(0, 0.01, 2) if seed else np.zeros(2)

        def score(z):
            z = np.atleast_2d(z)
            if log:
                calls.append(z.shape[0])
            return np.column_stack([0.505 + 0.5 * z[:, 0] + e[0], 0.5 + 0 * z[:, 1] + e[1]])

        return score

    reps = [response(s) for s in range(1, 9)]
    bp = breaking_points(response(0, log=True), ["x1", "x2"], ("A", "B"), replications=reps)
    assert bp.central_gap == pytest.approx(0.005)
    assert bp.nearest.within_error and bp.nearest.beta == 0.0 and bp.nearest.winner == "B"
    assert bp.to_dict()["nearest"]["within_error"] is True
    assert any("not resolved" in n for n in bp.notes)
    searched_not = len(calls)
    # the same response without replications (no error to compare with): the design point is
    # searched, which costs further scorer calls
    calls.clear()
    resolved = breaking_points(response(0, log=True), ["x1", "x2"], ("A", "B"))
    assert not resolved.nearest.within_error and len(calls) > searched_not


def test_frames_and_dicts():
    bp = breaking_points(linear, ["x1", "x2"], OPTIONS)
    d = bp.to_dict()
    assert d["top"] == "A" and d["switch_overs"][0]["input"] == "x1"
    assert len(bp.to_frame()) == 4


def test_cli_rendering_names_the_nearest_switch_over(capsys):
    from melian.cli.explore import _print_breaking

    _print_breaking(breaking_points(linear, ["x1", "x2"], OPTIONS).to_dict(), 10)
    out = capsys.readouterr().out
    out = " ".join(out.split())  # the console wraps long lines
    assert "top-ranked option at the central experiment" in out and "as decide uses): A," in out
    assert "x1" in out and "-1.00" in out
    assert "nearest flip: 0.89 spreads" in out and "B then first" in out


def test_batched_roots_match_known_roots():
    """Every bracket's root to the tolerance, in one call per step, including exact hits."""
    from melian.explore.breaking import _roots

    roots = np.array([0.3, 1.0 / 3.0, 2.0, 0.5])

    def f(idx, t):
        r = roots[idx]
        # decreasing through each root: linear, cubic, steep exponential, exactly zero at 0.5
        out = np.where(idx == 0, r - t, np.where(idx == 1, (r - t) ** 3, np.expm1(8 * (r - t))))
        return np.where(idx == 3, 0.5 - t, out)

    calls = []

    def counted(idx, t):
        calls.append(idx.size)
        return f(idx, t)

    a, b = np.array([0.0, 0.0, 1.5, 0.0]), np.array([1.0, 1.0, 4.0, 1.0])
    got = _roots(counted, a, b, f(np.arange(4), a), f(np.arange(4), b), 1e-9)
    np.testing.assert_allclose(got, roots, atol=1e-8)
    assert len(calls) <= 60  # each step refines every live bracket in one call


def test_noisy_response_gives_the_nearest_flip_seen_within_a_budget():
    """On a jagged response (Monte Carlo noise frozen by common random numbers) HL-RF cycles;
    the search stops within its budget and reports the nearest evaluated point where the ranking
    had flipped, as an upper bound (not converged), and that point does flip."""

    def jagged(z):
        z = np.atleast_2d(z)
        jitter = 0.02 * np.sin(1000 * z[:, 0] + 700 * z[:, 1]) + 0.01
        return np.column_stack([1 + 0.5 * z[:, 0] + jitter, np.ones(len(z))])

    calls = []

    def counted(z):
        calls.append(1)
        return jagged(z)

    f = nearest_flip(counted, ["x1", "x2"], ("A", "B"), 0)
    assert len(calls) <= 24  # the default budget of the search
    assert f.beta is not None and f.beta < 0.2
    z = np.array([[f.z["x1"], f.z["x2"]]])
    assert gap(jagged(z), 0)[0] < 0 and f.winner == "B"
    assert f.beta == pytest.approx(float(np.linalg.norm(z)))


def test_stage_progress_moves_forward_through_the_stages() -> None:
    """Fractions by hand: with the reference stage skipped the shares are 0.55/0.95 (scan),
    0.15/0.95 (refine) and 0.25/0.95 (nearest, a budget of 4 calls)."""
    from melian.explore.breaking import StageProgress

    seen: list[float] = []
    p = StageProgress(seen.append, skip=("reference",))
    p.stage("scan", parts=True)
    p.part(1, 2)
    p.call()  # a scan counts parts, not calls
    p.part(2, 2)
    p.stage("refine")
    p.part(1, 1)  # a large call inside a stage that counts calls is one call
    p.call()
    p.stage("nearest", budget=4)
    p.call()
    p.call()
    p.done()
    scan, refine = 0.55 / 0.95, 0.15 / 0.95
    expected = [
        0.0,
        0.5 * scan,
        scan,
        scan + 0.25 * refine,
        scan + refine,
        scan + refine + 0.25 * (1 - scan - refine),
        scan + refine + 0.5 * (1 - scan - refine),
        1.0,
    ]
    assert seen == pytest.approx(expected, abs=1e-12)


def test_breaking_points_report_their_progress_call_by_call() -> None:
    """Every call of the response after the scan moves the progress forward, to 1 at the end."""
    from melian.explore.breaking import StageProgress

    calls = 0

    def score(z: np.ndarray) -> np.ndarray:
        nonlocal calls
        calls += 1
        return linear(z)

    seen: list[float] = []
    plain = breaking_points(linear, ["x1", "x2"], OPTIONS)
    bp = breaking_points(score, ["x1", "x2"], OPTIONS, progress=StageProgress(seen.append))
    assert bp.to_dict() == plain.to_dict()  # progress changes nothing
    assert seen == sorted(seen) and len(set(seen)) == len(seen) and seen[-1] == 1.0
    # the central call and the scan report no call of their own; every later call does
    assert len(seen) >= calls - 1


def _dips(z: np.ndarray) -> np.ndarray:
    """Two options; the gap is ``1 - z_0 / 2`` on input 0, ``1 - 1.2 exp(-((z_1 - 2.1) /
    0.3)^2)`` on input 1 (a narrow dip below zero between 1.9 and 2.3 spreads, none below), and
    does not move with input 2."""
    z = np.atleast_2d(z)
    g = 1.0 - 0.5 * z[:, 0] - 1.2 * np.exp(-(((z[:, 1] - 2.1) / 0.3) ** 2))
    return np.column_stack([g, np.zeros(len(z))])


def test_the_screened_scan_finds_what_the_whole_grid_finds_with_fewer_points():
    # 17 points per side over 4 spreads: the screen evaluates points 4, 8, 12, 16 and 17 of
    # each side first (z = 0.94, 1.88, 2.82, 3.76, 4). Input 1's gap is 1.0, 1.0, 0.30, 1.0
    # there: steepest change 0.70 / 0.94 = 0.745 per spread, so L = 1.49, and the intervals
    # [0.94, 1.88] and [1.88, 2.82] (1.0 + 0.30 and 0.30 + 1.0 <= 1.49 x 0.94 = 1.40) are
    # scanned in full: the dip's first grid point below zero, 2.12 (9 x 4 / 17), brackets the
    # same root as the whole grid's scan. Input 0 crosses between 1.88 and 2.82 (gap 0.06 and
    # -0.41) and needs no more; input 2 never moves and needs nothing.
    rows: dict[bool, int] = {}
    found = {}
    for screen in (False, True):
        seen = [0]

        def score(z: np.ndarray, seen: list[int] = seen) -> np.ndarray:
            seen[0] += len(np.atleast_2d(z))
            return _dips(z)

        found[screen] = switch_overs(
            score, ["a", "b", "c"], ["x", "y"], 0, z_max=4.0, grid=17, screen=screen
        )
        rows[screen] = seen[0]
    assert [s.to_dict() for s in found[True]] == [s.to_dict() for s in found[False]]
    a, b, c = found[True]
    assert a.high_z == pytest.approx(2.0, abs=1e-6) and a.low_z is None
    assert b.high_z == pytest.approx(2.1 - 0.3 * math.sqrt(math.log(1.2)), abs=1e-6)
    assert b.low_z is None and c.low_z is None and c.high_z is None
    # 3 inputs x 2 sides x 17 points against 3 x 2 x 5 first, then the 3 points inside each
    # interval that needs them: input 1's two on the high side, and input 0's crossing
    # interval [1.88, 2.82] and the one before it (gap 0.53 and 0.06 at 0.94 and 1.88, L = 2 x
    # 0.5: 0.59 <= 0.94); nothing on the low sides, where the gaps stay at 1 or grow
    assert rows[False] - rows[True] == 3 * 2 * 17 - (3 * 2 * 5 + 4 * 3)


def test_the_screened_scan_s_two_calls_move_the_progress_forward():
    # the first call stands for 5 of 17 points per side (0.29 of the scan), the second for
    # the rest: 0.29, then 0.29 + 0.71 / 2, then the whole scan (0.55 of the search without
    # the reference stage, 0.55 / 0.95)
    from melian.explore.breaking import StageProgress

    seen: list[float] = []
    p = StageProgress(seen.append, skip=("reference",))
    p.stage("scan", parts=True)
    p.span(0.0, 5 / 17)
    p.part(1, 1)
    p.span(5 / 17, 1.0)
    p.part(1, 2)
    p.part(2, 2)
    scan = 0.55 / 0.95
    assert seen[1:] == pytest.approx([scan * 5 / 17, scan * (5 / 17 + 6 / 17), scan])
    # and a screened scan on a scorer reports both calls within the scan's share
    fr: list[float] = []
    q = StageProgress(fr.append, skip=("reference",))

    def score(z: np.ndarray) -> np.ndarray:
        q.part(1, 1)  # as the evaluator reports a call's chunks
        return _dips(z)

    switch_overs(score, ["a", "b", "c"], ["x", "y"], 0, grid=17, progress=q)
    assert fr == sorted(fr)
    assert min(abs(f - scan * 5 / 17) for f in fr) < 1e-12 and scan in fr


def test_a_small_jump_is_not_reported_as_a_sharply_located_switch_over() -> None:
    """A Monte Carlo response with common random numbers jumps where a path's event moves. Here
    the top option loses 0.02 at z1 = 1 (a step), and each replication shifts the options by
    independent noise of sd 0.01: the gap's standard error is about 0.01 sqrt(2) / sqrt(8) =
    0.005. The switch-over's standard error divides it by the gap's fall per spread across the
    scan's bracket (0.02 over one grid step of 4/33), about 0.03 spreads; a forward difference
    of 1e-3 at the root made it about 0.0003 (or none when the root fell past the step).
    """

    def response(seed: int):  # noqa: ANN202
        e = np.random.default_rng(seed).normal(0, 0.01, 2) if seed else np.zeros(2)

        def score(z: np.ndarray) -> np.ndarray:
            z = np.atleast_2d(z)
            a = 1.0 + e[0] - 0.02 * (z[:, 0] > 1.0)
            return np.column_stack([a, np.full(len(z), 0.99 + e[1]) + 0 * z[:, 1]])

        return score

    reps = [response(s) for s in range(1, 9)]
    bp = breaking_points(response(0), ["x1", "x2"], ("A", "B"), replications=reps)
    s = bp.switch_overs[0]
    assert s.high_z == pytest.approx(1.0, abs=1e-3)
    step = 4.0 / 33
    assert s.high_slope == pytest.approx(0.02 / step, rel=1e-9)
    shifts = [np.random.default_rng(k).normal(0, 0.01, 2) for k in range(1, 9)]
    se_g = np.std([e[0] - e[1] for e in shifts], ddof=1) / np.sqrt(8)
    assert s.high_se_z == pytest.approx(se_g / (0.02 / step), rel=1e-6)
    assert s.high_se_z > 0.01
    assert bp.to_dict()["switch_overs"][0]["high_slope"] == s.high_slope


def test_design_point_of_a_quadratic_limit_state():
    """g = 2 + z1 - 0.25 z2^2 (U_A = 2 + z1, U_B = 0.25 z2^2): HL-RF with exact gradients, as
    central secants are exact for a quadratic. On the surface z1 = 0.25 z2^2 - 2, the squared
    distance (0.25 z2^2 - 2)^2 + z2^2 is least at z2^2 = 4 - 8 = -4 < 0, so at z2 = 0: beta = 2,
    z* = (-2, 0)."""

    def quad(z):
        z = np.atleast_2d(z)
        return np.column_stack([2 + z[:, 0], 0.25 * z[:, 1] ** 2])

    f = nearest_flip(quad, ["x1", "x2"], ("A", "B"), 0, tol=1e-8)
    assert f.converged and f.beta == pytest.approx(2.0, abs=1e-6)
    assert f.z["x1"] == pytest.approx(-2.0, abs=1e-6) and f.z["x2"] == pytest.approx(0.0, abs=1e-6)

    def cup(z):  # g = 3 + 0.1 z1^2 - z2
        z = np.atleast_2d(z)
        return np.column_stack([3 + 0.1 * z[:, 0] ** 2, z[:, 1]])

    # on z2 = 3 + 0.1 z1^2 the squared distance z1^2 + (3 + 0.1 z1^2)^2 has the derivative
    # 2 z1 (1 + 0.6 + 0.02 z1^2), zero only at z1 = 0: z* = (0, 3), beta = 3; the secants at the
    # centre start the steps off the axis (0.1 z1^2 is even), here from (0.3, -1); HL-RF then
    # shrinks z1 by a factor of about -0.6 per step (0.2 z1 times the distance 3)
    kw = {"tol": 1e-10, "settle": 1e-6, "iterations": 40, "max_calls": 1000}
    g = nearest_flip(cup, ["x1", "x2"], ("A", "B"), 0, slopes=np.array([0.3, -1.0]), **kw)
    assert g.converged and g.beta == pytest.approx(3.0, abs=1e-6)
    assert g.z["x1"] == pytest.approx(0.0, abs=1e-5) and g.z["x2"] == pytest.approx(3.0, abs=1e-6)


def test_a_flip_by_a_jump_is_found_where_a_gradient_is_zero():
    """U_A - U_B = 0.5 - [z1 > 0.7] + 0.01 z2: flat but for a jump. A forward difference at the
    centre is (0, 0.01); the secant over +-1 spread sees the jump (slope 0.5), and the ray
    along it finds the flip at z1 = 0.7 (beta 0.7, not the 50 spreads of the z2 slope)."""

    def step(z):
        z = np.atleast_2d(z)
        return np.column_stack([0.5 - (z[:, 0] > 0.7) + 0.01 * z[:, 1], np.zeros(len(z))])

    f = nearest_flip(step, ["x1", "x2"], ("A", "B"), 0, tol=1e-8)
    assert f.beta is not None and f.beta == pytest.approx(0.7, abs=1e-3)
    assert f.movers[0] == "x1" and f.winner == "B"


def test_a_tie_at_the_centre_is_the_nearest_flip():
    """U_A = U_B at z = 0 (and A ahead for z1 > 0): the ranking flips at the centre, beta 0."""

    def tie(z):
        z = np.atleast_2d(z)
        return np.column_stack([1 + z[:, 0], np.ones(len(z))])

    f = nearest_flip(tie, ["x1"], ("A", "B"), 0)
    assert f.beta == 0.0 and f.converged and f.winner == "B" and f.probability == 0.5
