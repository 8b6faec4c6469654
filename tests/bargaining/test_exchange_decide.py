"""Exchange model, ``variant="decide"``: round by round against decide's own outputs.

The reference files in tests/data/decide_oracle were written by decide-exchange-model 2025.3.1
(decide's equal-gain model, run in a separate environment: research/decide_oracle/README.md);
this test needs only the committed JSON. melian computes in decide's decimal arithmetic, so it
agrees far inside the required 0.1 (on the 0-100 scale); the test holds it to TOL.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from melian.bargaining.base import BargainingProblem
from melian.bargaining.exchange import run
from melian.errors import ModelError

DATA = Path(__file__).resolve().parents[1] / "data" / "decide_oracle"
CASES = sorted(p.name.removesuffix(".input.json") for p in DATA.glob("*.input.json"))
SLOW = {"ktab-dummyData_6Dim", "deu-n00030"}
TOL = 1e-6  # on decide's 0-100 scale (the requirement is 0.1)


def load_problem(data: dict) -> BargainingProblem:
    """An exported problem (``null`` = no position) as a BargainingProblem."""
    pos = np.array([[np.nan if v is None else v for v in r] for r in data["position"]], float)
    sal = np.array([[0.0 if v is None else v for v in r] for r in data["salience"]], float)
    return BargainingProblem(
        actors=tuple(data["actors"]),
        issues=tuple(data["issues"]),
        capability=np.array(data["capability"], float),
        position=pos,
        salience=sal,
        scale=np.array(data["scale"], float),
        reference=np.full(len(data["issues"]), np.nan),
        name=data["name"],
    )


def nan_array(rows: list) -> np.ndarray:
    return np.array([[np.nan if v is None else v for v in r] for r in rows], float)


@pytest.mark.parametrize(
    "case", [pytest.param(c, marks=pytest.mark.slow) if c in SLOW else c for c in CASES]
)
def test_matches_decide_round_by_round(case: str) -> None:
    data = json.loads((DATA / f"{case}.input.json").read_text(encoding="utf-8"))
    ref = json.loads((DATA / f"{case}.decide.json").read_text(encoding="utf-8"))
    assert ref["settings"]["ALLOW_RANDOM"] is False
    problem = load_problem(data)
    assert np.all(problem.scale == [0.0, 100.0])  # every case is on 0-100: no rescaling here
    rounds = ref["settings"]["rounds"]
    fc = run(problem, rounds=rounds, variant="decide")
    assert fc.rounds == rounds and fc.params == {"rounds": rounds, "variant": "decide"}
    issues, actors = problem.issues, problem.actors
    for r, want in enumerate(ref["rounds"]):
        where = f"{case} round {r + 1}"
        start_o = [fc.extra["start_outcome"][k][r] for k in issues]
        voting_o = [fc.extra["voting_outcome"][k][r] for k in issues]
        assert start_o == pytest.approx(want["start_outcome"], abs=TOL), where
        assert voting_o == pytest.approx(want["voting_outcome"], abs=TOL), where
        voting = np.stack([f.trajectory[r + 1] for f in fc.issues], axis=1)
        np.testing.assert_allclose(
            voting, nan_array(want["voting_position"]), atol=TOL, err_msg=where
        )
        start = np.array(
            [[fc.extra["start_positions"][k][a][r] for k in issues] for a in actors], float
        )
        np.testing.assert_allclose(start, nan_array(want["start_position"]), atol=TOL)
        got_ex = [
            (e["i"], e["q"], e["j"], e["p"]) for e in fc.extra["exchanges"] if e["round"] == r + 1
        ]
        want_ex = [(e["i"], e["i_supply"], e["j"], e["j_supply"]) for e in want["exchanges"]]
        assert got_ex == want_ex, where
    assert fc.point() == pytest.approx(
        dict(zip(issues, ref["rounds"][-1]["voting_outcome"], strict=True))
    )


def test_decide_file_through_melians_importer() -> None:
    # A table in decide's own format (scales from #M rows: 0-10, 0-100, -50..50; issue-specific
    # power for one actor; an actor without a position on one issue), read by decide's own
    # reader for the oracle and by `melian import decide` here: the same rounds.
    from melian.bargaining.adapters import problem_from_scenario
    from melian.scenario.importers import from_decide

    ref = json.loads((DATA / "decide-format.decide.json").read_text(encoding="utf-8"))
    problem = problem_from_scenario(from_decide(DATA / "decide-format.csv"))
    assert list(problem.actors) == ref["actors"] and list(problem.issues) == ref["issues"]
    lo, hi = problem.scale[:, 0], problem.scale[:, 1]
    assert (lo.tolist(), hi.tolist()) == ([0.0, 0.0, -50.0], [10.0, 100.0, 50.0])

    def norm(v: np.ndarray) -> np.ndarray:
        return (v - lo) / (hi - lo) * 100.0

    fc = run(problem, rounds=ref["settings"]["rounds"], variant="decide")
    for r, want in enumerate(ref["rounds"]):
        voting_o = norm(np.array([fc.extra["voting_outcome"][k][r] for k in problem.issues]))
        start_o = norm(np.array([fc.extra["start_outcome"][k][r] for k in problem.issues]))
        np.testing.assert_allclose(voting_o, want["voting_outcome"], atol=TOL)
        np.testing.assert_allclose(start_o, want["start_outcome"], atol=TOL)
        voting = norm(np.stack([f.trajectory[r + 1] for f in fc.issues], axis=1))
        np.testing.assert_allclose(voting, nan_array(want["voting_position"]), atol=TOL)
        got_ex = [
            (e["i"], e["q"], e["j"], e["p"]) for e in fc.extra["exchanges"] if e["round"] == r + 1
        ]
        assert got_ex == [(e["i"], e["i_supply"], e["j"], e["j_supply"]) for e in want["exchanges"]]


def two_actor_problem() -> BargainingProblem:
    # A: p=0 (s .2), q=100 (s .8); B: p=100 (s .8), q=0 (s .2); equal capability
    return BargainingProblem(
        actors=("A", "B"),
        issues=("p", "q"),
        capability=np.array([1.0, 1.0]),
        position=np.array([[0.0, 100.0], [100.0, 0.0]]),
        salience=np.array([[0.2, 0.8], [0.8, 0.2]]),
        scale=np.tile([0.0, 100.0], (2, 1)),
        reference=np.full(2, np.nan),
    )


def test_two_rounds_by_hand() -> None:
    fc = run(two_actor_problem(), rounds=2, variant="decide")
    # round 1: O = 80 on both. A supplies on p (.2/.8 < .8/.2), B on q. B's full move gives
    # dO_p = 100 * .2 / 1 = 20, rate (s_Ap + s_Bp) / (s_Aq + s_Bq) = 1, A's move 20 / .2 = 100:
    # both move fully; the outcomes reach 100 (no crossing: 100 is the demander's position).
    # Gain |dO_q s_Bq - dO_p s_Bp| = |20 * .2 - 20 * .8| = 12.
    ex1 = [e for e in fc.extra["exchanges"] if e["round"] == 1]
    assert [(e["i"], e["q"], e["j"], e["p"]) for e in ex1] == [("B", "q", "A", "p")]
    assert ex1[0]["gain"] == pytest.approx(12.0)
    assert fc.extra["start_outcome"]["p"][0] == pytest.approx(80.0)
    assert fc.extra["voting_outcome"]["p"][0] == pytest.approx(100.0)
    # next start: x' = x + ((1 - s) 0.4 + 0.1)(y - x) = 0 + (0.8 * 0.4 + 0.1) * 100 = 42
    assert fc.extra["start_positions"]["p"]["A"][:2] == pytest.approx([0.0, 42.0])
    assert fc.extra["start_positions"]["q"]["B"][:2] == pytest.approx([0.0, 42.0])
    # round 2 starts from O_p = 42 * .2 + 100 * .8 = 88.4; both move fully again (58 each)
    assert fc.extra["start_outcome"]["p"][1] == pytest.approx(88.4)
    assert fc.extra["voting_outcome"]["q"][1] == pytest.approx(100.0)
    assert fc.extra["start_positions"]["p"]["A"][2] == pytest.approx(42.0 + 0.42 * 58.0)
    assert fc.point() == {"p": pytest.approx(100.0), "q": pytest.approx(100.0)}
    # the voting positions are the trajectory; the point is their outcome
    assert fc.issues[0].trajectory[:, 0].tolist() == pytest.approx([0.0, 100.0, 100.0])


def test_rescaled_issue_gives_the_same_rounds() -> None:
    # decide normalises every issue to 0-100: an issue on 0-10 gives the same rounds, scaled
    base = two_actor_problem()
    scaled = BargainingProblem(
        actors=base.actors,
        issues=base.issues,
        capability=base.capability,
        position=base.position * np.array([0.1, 1.0]),
        salience=base.salience,
        scale=np.array([[0.0, 10.0], [0.0, 100.0]]),
        reference=base.reference,
    )
    a = run(base, rounds=3, variant="decide")
    b = run(scaled, rounds=3, variant="decide")
    assert b.extra["voting_outcome"]["p"] == pytest.approx(
        [v / 10 for v in a.extra["voting_outcome"]["p"]]
    )
    assert b.extra["voting_outcome"]["q"] == pytest.approx(a.extra["voting_outcome"]["q"])


def test_zero_salience_takes_no_part() -> None:
    # decide stops with a division error; melian leaves such exchanges out
    p = two_actor_problem()
    sal = p.salience.copy()
    sal[1, 1] = 0.0
    fc = run(
        BargainingProblem(
            actors=p.actors,
            issues=p.issues,
            capability=p.capability,
            position=p.position,
            salience=sal,
            scale=p.scale,
            reference=p.reference,
        ),
        rounds=2,
        variant="decide",
    )
    assert fc.extra["exchanges"] == []
    assert fc.point() == pytest.approx(fc.extra["initial_outcome"])


def test_default_variant_is_melian_and_unknown_is_refused() -> None:
    fc = run(two_actor_problem(), rounds=1)
    assert fc.params == {"rounds": 1, "variant": "melian"}
    with pytest.raises(ModelError, match="variant must be one of melian, decide"):
        run(two_actor_problem(), variant="stokman")
