"""Nash bargaining solution: closed forms and a brute-force grid optimiser on random problems."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from melian.bargaining import forecast
from melian.bargaining.base import BargainingProblem
from melian.bargaining.nash import nash_objective, nash_point, utility


def prob(pos, sal, cap, ref=np.nan):
    pos = np.asarray(pos, dtype=float)[:, None]
    return BargainingProblem(
        actors=tuple(f"a{i}" for i in range(pos.shape[0])),
        issues=("x",),
        capability=np.asarray(cap, dtype=float),
        position=pos,
        salience=np.asarray(sal, dtype=float)[:, None],
        scale=np.array([[0.0, 100.0]]),
        reference=np.array([ref]),
    )


@pytest.mark.parametrize("w1,w2", [(1, 1), (1, 3), (2.5, 0.5)])
def test_two_actors_worst_disagreement_closed_form(w1, w2):
    # max w1 log(1 - x/100) + w2 log(x/100)  ->  x = 100 w2 / (w1 + w2)
    fc = forecast(prob([0, 100], [1, 1], [w1, w2]), "nash")
    assert fc.point()["x"] == pytest.approx(100 * w2 / (w1 + w2), abs=1e-6)
    assert fc.extra["disagreement_used"] == {"x": "worst"}


def test_two_actors_with_reference_closed_form():
    # d = 0, actors at 40 and 80, linear: u_i(x) - u_i(d) = (|d - x_i| - |x - x_i|)/100.
    # On [40, 80]: gains (x - 0 ... ) -> actor 1: (40 - (x - 40)) = 80 - x; actor 2: 80 - (80 - x) = x
    # maximise w1 log(80 - x) + w2 log x -> x = 80 w2 / (w1 + w2) when that lies in [40, 80]
    fc = forecast(prob([40, 80], [1, 1], [1, 3], ref=0.0), "nash")
    assert fc.point()["x"] == pytest.approx(60.0, abs=1e-6)


def test_reference_between_actors_keeps_status_quo():
    fc = forecast(prob([10, 90], [1, 1], [1, 1], ref=50.0), "nash")
    assert fc.point()["x"] == 50.0


def test_actor_at_reference_does_not_take_part():
    # actor 3 sits at d: it prefers nothing to d and is left out
    a = forecast(prob([40, 80, 0], [1, 1, 1], [1, 3, 100], ref=0.0), "nash").point()["x"]
    assert a == pytest.approx(60.0, abs=1e-6)


def test_quadratic_two_actors():
    # quadratic, worst d: max w1 log(1 - t^2) + w2 log(1 - (1 - t)^2), symmetric weights -> t = 0.5
    fc = forecast(prob([0, 100], [1, 1], [1, 1]), "nash", utility="quadratic")
    assert fc.point()["x"] == pytest.approx(50.0, abs=1e-6)


def brute(x, w, d, kind, n=200_001):
    grid = np.linspace(0.0, 100.0, n)
    if d is None:
        part = w > 0
        ud = np.zeros(part.sum())
    else:
        part = (w > 0) & (x != d)
        if not part.any():
            return d, None
        ud = utility(np.array([d]), x[part], 100.0, kind)[0]
    vals = nash_objective(grid, x[part], w[part], ud, 100.0, kind)
    if not np.isfinite(vals.max()):
        return d, None
    return grid[int(np.argmax(vals))], (x[part], w[part], ud)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 100), st.floats(0.05, 5.0)), min_size=1, max_size=7),
    st.one_of(st.none(), st.integers(0, 100)),
    st.sampled_from(["linear", "quadratic"]),
)
def test_matches_brute_force_grid(actors, d, kind):
    x = np.array([a[0] for a in actors], dtype=float)
    w = np.array([a[1] for a in actors])
    got = nash_point(x, w, 0.0, 100.0, None if d is None else float(d), kind)
    want, args = brute(x, w, None if d is None else float(d), kind)
    assert np.isfinite(got)
    if args is None:
        assert got == pytest.approx(float(d))
        return
    xp, wp, ud = args
    f_got = nash_objective(np.array([got]), xp, wp, ud, 100.0, kind)[0]
    f_want = nash_objective(np.array([want]), xp, wp, ud, 100.0, kind)[0]
    # the optimiser is at least as good as the fine grid (up to rounding) and near its argmax
    assert f_got >= f_want - 1e-7
    assert abs(got - want) < 0.05 + 1e-9
