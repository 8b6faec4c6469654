"""DEU reader: the dev file, capabilities, other layouts, and located errors for bad input."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pytest

from melian.bargaining.io.deu import packaged_path, parse_intro_date, proposal_problem, read_deu
from melian.errors import InputError

DEV = packaged_path("deu-dev.tsv")


@pytest.fixture(scope="module")
def dev():
    return read_deu(DEV)


def test_dev_file_counts(dev):
    assert len(dev) == 173
    assert sum(i.has_outcome for i in dev) == 172
    assert len({i.proposal for i in dev}) == 69


def test_first_issue_contents(dev):
    it = dev[0]
    assert (it.proposal, it.issue, it.procedure, it.voting_rule) == (
        "d00032",
        "d00032i1",
        "COD",
        "QMV",
    )
    assert it.intro == date(2000, 1, 26)
    assert it.outcome == 100.0
    p = it.problem
    assert p.actors[:2] == ("com", "ep")
    assert "bu" not in p.actors  # no position -> not an actor
    assert p.capability[p.actors.index("de")] == pytest.approx(4.1)
    assert p.capability[p.actors.index("lu")] == pytest.approx(0.08)
    assert p.salience[p.actors.index("ep"), 0] == pytest.approx(0.5)
    assert p.reference[0] == 0.0
    assert p.scale.tolist() == [[0.0, 100.0]]
    assert p.meta["procedure"] == "COD" and p.meta["voting_rule"] == "QMV"


def test_missing_reference_is_nan(dev):
    assert sum(math.isnan(i.problem.reference[0]) for i in dev) == 43


def test_qmv_and_equal_capabilities():
    q = read_deu(DEV, capability="qmv")[0].problem
    cap = dict(zip(q.actors, q.capability, strict=True))
    assert cap["de"] == 10 and cap["lu"] == 2 and cap["es"] == 8
    assert cap["com"] == 10 and cap["ep"] == 10  # largest member state's votes
    e = read_deu(DEV, capability="equal")[0].problem
    assert np.all(e.capability == 1.0)


def test_intro_dates():
    assert parse_intro_date("07-02-96") == date(1996, 2, 7)
    assert parse_intro_date("26-01-00") == date(2000, 1, 26)
    assert parse_intro_date("2005-03-01") == date(2005, 3, 1)
    with pytest.raises(ValueError):
        parse_intro_date("999")


def _write(tmp_path, text, name="f.tsv"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


HEADER = "prnr\tisnr\tproc\tcounvte\tintro\tpcom\tpxx\tpyy\tscom\tsxx\tsyy\trp\tout\n"


def test_other_actor_sets_and_no_weights_row(tmp_path):
    text = HEADER + "P1\tI1\tCOD\tQMV\t01-05-05\t100\t0\t\t50\t80\t\t\t60\n"
    p = _write(tmp_path, text)
    issues = read_deu(p, capability="equal")
    assert issues[0].problem.actors == ("com", "xx")
    assert math.isnan(issues[0].problem.reference[0])
    with pytest.raises(InputError) as exc:
        read_deu(p, capability="gdp")
    assert "weights row" in str(exc.value)
    # said once for the file, not once per issue, with the way out
    p2 = _write(tmp_path, text + "P1\tI2\tCOD\tQMV\t01-05-05\t100\t0\t\t50\t80\t\t\t60\n")
    with pytest.raises(InputError) as exc:
        read_deu(p2, capability="gdp")
    assert str(exc.value).count("weights row") == 1
    assert "--capability" in str(exc.value)


def test_qmv_for_unknown_state_and_late_date(tmp_path):
    text = HEADER + "P1\tI1\tCOD\tQMV\t01-05-05\t100\t0\t\t50\t80\t\t\t60\n"
    text += "P2\tI2\tCOD\tQMV\t01-05-16\t100\t\t\t50\t\t\t\t60\n"
    p = _write(tmp_path, text)
    with pytest.raises(InputError) as exc:
        read_deu(p, capability="qmv")
    msg = str(exc.value)
    assert f"{p}:2:7: pxx: actor 'xx' has a position but no QMV votes" in msg
    assert f"{p}:3:5: intro: no QMV vote weights" in msg


def test_malformed_cells_are_located(tmp_path):
    text = HEADER + "\t\t\t\t\t4.1\t1\t-2\t\t\t\t\t\n"
    text += "P1\tI1\tCOD\tQMV\t01-05-05\t120\tabc\t\t50\t80\t\t\t60\n"
    text += "P1\tI1\tCOD\tQMV\tsoon\t10\t20\t\t50\t\t\t\t\n"
    text += "\tI3\tCNS\tQMV\t01-05-05\t10\t\t\t50\t\t\t200\t5\n"
    p = _write(tmp_path, text)
    with pytest.raises(InputError) as exc:
        read_deu(p)
    msg = str(exc.value)
    assert f"{p}:2:8: pyy: bad weight '-2'" in msg
    assert f"{p}:3:6: pcom: '120' is not a number in 0-100" in msg
    assert f"{p}:3:7: pxx: 'abc' is not a number in 0-100" in msg
    assert f"{p}:4:2: isnr: issue 'I1' repeats line 3" in msg
    assert f"{p}:4:10: sxx: empty salience beside a position" in msg
    assert f"{p}:4:5: intro: not a date" in msg
    assert f"{p}:5:1: prnr: empty proposal id" in msg
    assert f"{p}:5:12: rp: '200' is not a number in 0-100" in msg
    assert len(exc.value.problems) == 8


def test_header_problems(tmp_path):
    p = _write(tmp_path, "prnr\tfoo\tpcom\tout\n1\t2\t3\t4\n")
    with pytest.raises(InputError) as exc:
        read_deu(p)
    msg = str(exc.value)
    assert f"{p}:1: isnr: required column missing" in msg
    assert "no actor columns" in msg
    with pytest.raises(InputError, match="empty file"):
        read_deu(_write(tmp_path, "", "e.tsv"))
    with pytest.raises(InputError, match="cannot read"):
        read_deu(tmp_path / "missing.tsv")


def test_missing_salience_fill(tmp_path):
    text = HEADER + "P1\tI1\tCOD\tQMV\t01-05-05\t100\t0\t\t50\t\t\t\t60\n"
    p = _write(tmp_path, text)
    it = read_deu(p, capability="equal", missing_salience=40)[0]
    assert it.problem.salience[:, 0].tolist() == [0.5, 0.4]


def test_proposal_problem_merges_issues(dev):
    issues = [i for i in dev if i.proposal == "d00032"]
    prob = proposal_problem(issues)
    assert prob.n_issues == 4
    assert prob.position.shape == (prob.n_actors, 4)
    k = prob.actors.index("com")
    assert prob.position[k].tolist() == [i.problem.position[0, 0] for i in issues]
