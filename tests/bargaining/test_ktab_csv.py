"""KTAB CSV reader/writer: the shipped examples parse, bad input gives located problems."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from melian.bargaining.io.ktab_csv import parse_ktab_csv, read_ktab_csv, write_ktab_csv
from melian.errors import InputError

DATA = Path(__file__).resolve().parents[1] / "data" / "ktab"

GOOD = """Test ,"a description",3,2,
Actor,Description,Power,Pos1,Sal1,Pos2,Sal2,
A, first , 10, 20.5, 50, 0, 10,
B, second, 20, 100, 25, 50, 30
C, third, 5.5, 0, 0, 75, 40,
"""


def problems(text: str) -> list:
    with pytest.raises(InputError) as info:
        parse_ktab_csv(text, file="t.csv")
    return info.value.problems


@pytest.mark.parametrize(
    ("name", "n", "m"),
    [
        ("dummyData_3Dim", 7, 3),
        ("dummyData_6Dim", 27, 6),
        ("SOE-Pol-Comp", 13, 2),
        ("SOE-Policy", 26, 1),
        ("SOE-Competitive", 34, 1),
        ("dummyData-a040", 40, 1),
        ("dummyData-a080", 80, 1),
        ("dummyData-a160", 160, 1),
    ],
)
def test_shipped_examples_parse(name, n, m):
    p = read_ktab_csv(DATA / f"{name}.csv")
    assert p.n_actors == n and p.n_issues == m
    assert np.all(p.scale == [0.0, 100.0])
    assert np.all(np.isnan(p.reference))
    assert np.all((p.salience >= 0) & (p.salience <= 1))
    assert np.all((p.position >= 0) & (p.position <= 100))
    assert np.all(p.capability > 0)


def test_values_and_names():
    p = parse_ktab_csv(GOOD)
    assert p.name == "Test"
    assert p.meta["description"] == "a description"
    assert p.actors == ("A", "B", "C")
    assert p.meta["actor_descriptions"] == ["first", "second", "third"]
    assert p.capability.tolist() == [10.0, 20.0, 5.5]
    assert p.position.tolist() == [[20.5, 0.0], [100.0, 50.0], [0.0, 75.0]]
    np.testing.assert_allclose(p.salience, [[0.5, 0.1], [0.25, 0.3], [0.0, 0.4]])


def test_issue_names_from_header():
    p = read_ktab_csv(DATA / "SOE-Pol-Comp.csv")
    assert p.issues == ("Policy", "Competitive")
    assert read_ktab_csv(DATA / "dummyData_3Dim.csv").issues == ("Pstn1", "Pstn2", "Pstn3")


def test_missing_rows_located():
    text = GOOD.replace("C, third, 5.5, 0, 0, 75, 40,\n", "")
    (pr,) = problems(text)
    assert pr.line == 5 and "only 2 actor row" in pr.message


def test_surplus_rows_located():
    text = GOOD + "D, fourth, 1, 1, 1, 1, 1\n"
    (pr,) = problems(text)
    assert pr.line == 6 and "numActors is 3" in pr.message


def test_bad_cells_all_reported_with_columns():
    text = GOOD.replace("A, first , 10, 20.5, 50, 0, 10,", "A, first , ten, 20.5, 150, -1, 10,")
    got = {(p.line, p.column): p for p in problems(text)}
    assert set(got) == {(3, 3), (3, 5), (3, 6)}
    assert "expected a number" in got[(3, 3)].message
    assert got[(3, 3)].path == "actors[0].power"
    assert "within [0, 100]" in got[(3, 5)].message
    assert got[(3, 6)].path == "actors[0].position[Pos2]"
    assert all(p.file == "t.csv" for p in got.values())


def test_wrong_field_count_in_row():
    text = GOOD.replace("B, second, 20, 100, 25, 50, 30", "B, second, 20, 100, 25, 50")
    (pr,) = problems(text)
    assert pr.line == 4 and "expected 7" in pr.message


def test_bad_first_line():
    assert "whole number" in problems("x, y, three, 1\n")[0].message
    assert problems("x, y, 0, 1\n")[0].column == 3
    assert "first line" in problems("only, two\n")[0].message
    assert "empty" in problems("\n\n")[0].message


def test_header_count_mismatch():
    text = GOOD.replace("Actor,Description,Power,Pos1,Sal1,Pos2,Sal2,", "Actor,Description,Power")
    pr = problems(text)
    assert pr[0].line == 2 and "header" in pr[0].message


def test_duplicate_actor_and_negative_power():
    text = GOOD.replace("B, second, 20,", "A, second, -2,")
    msgs = " ".join(p.message for p in problems(text))
    assert "also on line 3" in msgs and "power must be >= 0" in msgs


def test_unreadable_file(tmp_path):
    with pytest.raises(InputError) as info:
        read_ktab_csv(tmp_path / "nope.csv")
    assert "cannot read" in str(info.value)


def test_write_read_round_trip(tmp_path):
    p = read_ktab_csv(DATA / "SOE-Pol-Comp.csv")
    out = tmp_path / "x.csv"
    write_ktab_csv(p, out)
    q = read_ktab_csv(out)
    assert q.actors == p.actors and q.issues == p.issues and q.name == p.name
    np.testing.assert_array_equal(q.position, p.position)
    np.testing.assert_allclose(q.salience, p.salience, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(q.capability, p.capability)
