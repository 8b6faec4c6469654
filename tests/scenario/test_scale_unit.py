"""An issue scale's declared unit: the linear map both ways, and a unit whose ends coincide."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from melian.reprs import amount
from melian.scenario.schema import Scale


def _scale(at_min: float, at_max: float) -> Scale:
    unit = {"name": "troops", "at_min": at_min, "at_max": at_max}
    return Scale(min=0, max=100, low="none", high="all", unit=unit)


def test_to_unit_and_back_by_hand():
    sc = _scale(0, 10400)
    assert sc.to_unit(25.0) == pytest.approx(2600.0)
    assert sc.from_unit(3000) == pytest.approx(3000 / 10400 * 100)
    # a unit running high to low (the scale's top means the smallest amount)
    rev = _scale(200, 0)
    assert rev.to_unit(25.0) == pytest.approx(150.0)
    assert rev.from_unit(150.0) == pytest.approx(25.0)
    plain = Scale(min=-1, max=1, low="a", high="b")
    assert plain.to_unit(0.5) is None and plain.from_unit(0.5) == 0.5


def test_a_unit_with_equal_ends_is_refused():
    with pytest.raises(ValidationError, match="at_min and at_max must differ"):
        _scale(5, 5)


def test_amount_text():
    assert amount(3608.8) == "3,610"
    assert amount(94.33) == "94.3"
    assert amount(-12345.0) == "-12,300"
    assert amount(0.0012345) == "0.00123"
    assert amount(None) == "–" and amount(float("nan")) == "–"
