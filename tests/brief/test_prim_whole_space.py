"""A PRIM box that restricts no input is the whole sampled space: the brief and the CLI say so
instead of printing an empty table, and a missing box comes with its reason."""

from __future__ import annotations

import pytest

from melian.brief.base import Settings
from melian.brief.change import _prim_parts
from melian.brief.i18n import h
from melian.cli.explore import _no_box_reason
from melian.io import load_scenario


def _prim(boxes, k=10, n=10):
    return {
        "experiments": n,
        "cases_not_best": k,
        "base_rate": k / n,
        "recommended": "ally-us",
        "best_counts": {"ally-us": n - k, "drift": k},
        "boxes": boxes,
        "settings": {"mass_min": 0.05},
    }


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_a_box_without_restriction_is_named_the_whole_space(lang):
    s = load_scenario("iraq-us-2020")
    box = {"box": 1, "coverage": 1.0, "density": 1.0, "restricted_dimensions": []}
    tables: list = []
    out: dict = {"judgements": [], "paragraphs": []}
    _prim_parts(
        s,
        lang,
        Settings(),
        "world",
        "sceptic",
        "sceptic",
        False,
        {"prim": _prim([box])},
        tables,
        out,
    )
    (rows,) = [tb["rows"] for tb in tables if tb["columns"][1] == h("range in the box", lang)]
    assert rows == [
        [
            h("no input restricted", lang),
            h("the whole sampled space (the box's density is the base rate)", lang),
        ]
    ]


def test_the_cli_says_why_there_is_no_box():
    assert "not the best in any of the 500" in _no_box_reason(_prim([], 500, 500))
    assert "the best in all 200" in _no_box_reason(_prim([], 0, 200))
    why = _no_box_reason(_prim([], 30, 200))
    assert "at least 0.05 of the experiments" in why and "(30 of 200)" in why
