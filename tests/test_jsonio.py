"""The one JSON serialiser and its NaN policy (melian.jsonio)."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import numpy as np
import pytest

from melian.jsonio import canonical, dumps, num, to_jsonable


class WithToDict:
    def to_dict(self) -> dict[str, object]:
        return {"x": np.float64("nan"), "y": (1, 2)}


def test_non_finite_floats_are_null_everywhere() -> None:
    data = {
        "a": float("nan"),
        "b": np.float32("inf"),
        "c": [1.5, -math.inf, np.array([1.0, np.nan])],
        "d": WithToDict(),
    }
    assert to_jsonable(data) == {
        "a": None,
        "b": None,
        "c": [1.5, None, [1.0, None]],
        "d": {"x": None, "y": [1, 2]},
    }
    assert json.loads(dumps(data))["c"] == [1.5, None, [1.0, None]]


def test_numpy_scalars_dates_paths_and_keys() -> None:
    out = to_jsonable(
        {
            1: np.int64(3),
            "t": np.bool_(True),
            "d": dt.date(2020, 6, 11),
            "p": Path("a/b"),
            "f": np.float64(0.25),
        }
    )
    assert out == {"1": 3, "t": True, "d": "2020-06-11", "p": "a/b", "f": 0.25}
    assert type(out["1"]) is int and type(out["t"]) is bool and type(out["f"]) is float


def test_canonical_is_sorted_compact_and_stable() -> None:
    assert canonical({"b": 1, "a": [np.nan, "é"]}) == '{"a":[null,"é"],"b":1}'
    assert canonical({"a": 1, "b": 2}) == canonical({"b": 2, "a": 1})


def test_unknown_types_are_refused() -> None:
    with pytest.raises(TypeError, match="object"):
        to_jsonable({"x": object()})


def test_num() -> None:
    assert num(None) is None and num(float("nan")) is None and num(np.float64(2)) == 2.0
