"""Levers on synthetic problems with hand-computed answers (compromise and exchange models)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from melian.advise import AdviseError, advise_problem
from melian.bargaining.base import BargainingProblem


def problem(pos, sal, cap, issues=None) -> BargainingProblem:
    pos = np.asarray(pos, dtype=float)
    n, m = pos.shape
    return BargainingProblem(
        actors=tuple("FABCDEGH"[:n]),
        issues=tuple(issues or [f"i{k}" for k in range(m)]),
        capability=np.asarray(cap, dtype=float),
        position=pos,
        salience=np.asarray(sal, dtype=float),
        scale=np.tile([0.0, 100.0], (m, 1)),
        reference=np.full(m, np.nan),
    )


def levers(p, actor="F", **kw):
    kw.setdefault("models", ["compromise"])
    kw.setdefault("draws", 0)
    kw.setdefault("workers", 1)
    return advise_problem(p, actor, **kw)


# one issue: F at 80 (w = 1 x .5), A at 20 (w = 2 x .5), B at 50 (w = 1 x 1); W = 2.5
# O = (80*.5 + 20*1 + 50*1) / 2.5 = 44; the others' centre (20*1 + 50*1)/2 = 35 < 80
P1 = problem([[80], [20], [50]], [[0.5], [0.5], [1.0]], [1.0, 2.0, 1.0])


def test_stance_response_is_the_weight_share():
    lv = levers(P1)
    assert lv.baseline["compromise"]["outcome"]["i0"] == pytest.approx(44.0)
    # utility of F: 100 * (1 - |44 - 80| / 100) = 64
    assert lv.baseline["compromise"]["utility"] == pytest.approx(64.0)
    by = {(o.kind, o.step): o for o in lv.stance_options}
    b = 15.0  # default credible distance: 15% of the scale
    share = 0.5 / 2.5  # dO/dx_F = w_F / W
    up = by[("position", 1.0)]  # exaggerate: F states 95 (away from the others' centre 35)
    down = by[("position", -1.0)]  # moderate: F states 65
    assert up.value == pytest.approx(95.0) and down.value == pytest.approx(65.0)
    # O moves by share * 15 = 3 towards / away from F's true 80
    assert up.gains["compromise"].central == pytest.approx(100 * share * b / 100)
    assert down.gains["compromise"].central == pytest.approx(-100 * share * b / 100)
    assert lv.stance_best["compromise"].rewards == {"i0": "exaggeration"}
    # showing salience .65: O = (80*.65 + 70) / 2.65
    sal = by[("salience", 1.0)]
    o = (80 * 0.65 + 70) / 2.65
    assert sal.gains["compromise"].central == pytest.approx(100 * (o - 44) / 100)


def test_credible_bound_caps_the_stance_and_the_scale_clips_it():
    lv = levers(P1, credible_position=np.array([30.0]), credible_salience=np.array([0.6]))
    by = {(o.kind, o.step): o for o in lv.stance_options}
    assert by[("position", 1.0)].value == 100.0  # 80 + 30 clipped to the scale
    assert by[("position", -1.0)].value == pytest.approx(50.0)
    assert by[("salience", 1.0)].value == 1.0
    assert by[("salience", -1.0)].value == 0.0


def test_best_persuasion_target_known_analytically():
    # F at 100 (w .1). Others below: A at 0 (w 3 x .2 = .6), B at 60 (w 1 x 1 = 1), C at 95 (w 4 x 1)
    # O = (10 + 0 + 60 + 380) / 5.7 = 78.9 < 100: every move towards F moves O towards F.
    p = problem([[100], [0], [60], [95]], [[0.1], [0.2], [1.0], [1.0]], [1.0, 3.0, 1.0, 4.0])
    lv = levers(p, step=0.10)
    W = 0.1 + 0.6 + 1.0 + 4.0
    # gain of moving j by min(10, |x_j - 100|): 100 * w_j * move / W / 100
    expect = {"A": 0.6 * 10 / W, "B": 1.0 * 10 / W, "C": 4.0 * 5 / W}
    got = {t.actor: t.gains["compromise"].central for t in lv.targets if t.kind == "position"}
    assert got == pytest.approx(expect)
    best = min((t for t in lv.targets if t.kind == "position"), key=lambda t: t.rank["compromise"])
    assert best.actor == "C"  # largest w_j * min(step, distance)


def test_exchange_trade_by_hand():
    # Stokman & van Oosten: A (p=0, s .2; q=100, s .8) and B (p=100, s .8; q=0, s .2), equal
    # capability. O = (80, 80); A gives on p, B on q, each moves fully; equal gain 12.
    p = problem([[0, 100], [100, 0]], [[0.2, 0.8], [0.8, 0.2]], [1.0, 1.0], issues=["p", "q"])
    lv = levers(p, actor="F", models=["compromise", "exchange"])
    assert [t.to_dict() for t in lv.trades] == [
        {"partner": "A", "give": "p", "get": "q", "share": 1.0, "gain": 12.0, "central": True}
    ]
    # F's utility: compromise (80, 80): 100 (.2 * .2 + .8 * .8) = 68; after the exchange (100, 100):
    # 100 (.2 * 0 + .8 * 1) = 80
    assert lv.baseline["compromise"]["utility"] == pytest.approx(68.0)
    assert lv.baseline["exchange"]["utility"] == pytest.approx(80.0)


def test_unknown_actor_and_bad_steps():
    with pytest.raises(AdviseError, match="not in the problem"):
        levers(P1, actor="Z")
    with pytest.raises(AdviseError, match="positive"):
        levers(P1, step=0)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(0, 100), min_size=4, max_size=4),
    st.lists(st.floats(0.05, 1.0), min_size=4, max_size=4),
    st.lists(st.floats(0.1, 5.0), min_size=4, max_size=4),
    st.floats(0.01, 0.3),
)
def test_moving_an_actor_towards_the_focal_actor_never_hurts_under_compromise(x, s, c, step):
    """Compromise model: moving j towards x_F helps (or is neutral) when j stands on the
    outcome's side of x_F and the move cannot carry the outcome past x_F; it hurts (or is
    neutral) when j stands on the other side (the outcome moves away from x_F)."""
    p = problem(np.array(x)[:, None], np.array(s)[:, None], c)
    lv = levers(p, step=step)
    w = np.array(c) * np.array(s)
    W = w.sum()
    O = float(np.dot(w, x) / W)
    xf = x[0]
    for t in lv.targets:
        if t.kind != "position":
            continue
        j = "FABCDEGH".index(t.actor)
        move = min(step * 100, abs(x[j] - xf))
        g = t.gains["compromise"].central
        side = (x[j] - xf) * (O - xf)
        if side > 0 and w[j] * move / W <= abs(O - xf):
            assert g >= -1e-9
        elif side < 0:
            assert g <= 1e-9
