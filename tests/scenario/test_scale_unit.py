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
    # three significant digits without a span; thousands separated from 10,000 up
    assert amount(3608.8) == "3610"
    assert amount(94.33) == "94.3"
    assert amount(-12345.0) == "-12,300"
    assert amount(0.0012345) == "0.00123"
    assert amount(None) == "–" and amount(float("nan")) == "–"
    # with the unit's span: steps of the power of ten below a hundredth of it
    assert amount(3608.8, 10400) == "3600"  # steps of 100
    assert amount(2038.26, 30) == "2038.3"  # years 2017-2047: steps of 0.1, no "2,040"
    assert amount(2046.97, 30) == "2047.0"  # never rounded past the range's end
    assert amount(112.4, 200) == "112" and amount(-0.4, 200) == "0"
    assert amount(123456.7, 1e6) == "120,000"


def test_a_threshold_outside_the_unit_range_is_a_located_error(tmp_path):
    from pathlib import Path

    from typer.testing import CliRunner

    from melian.cli import app

    src = Path(__file__).resolve().parents[2] / "src/melian/scenario/builtin/iraq-us-2020.yaml"
    text = src.read_text(encoding="utf-8")
    old = '{value: 3000, direction: below, label: "US troops below 3,000"'
    assert text.count(old) == 1
    p = tmp_path / "case.yaml"
    p.write_text(text.replace(old, old.replace("3000", "13000")), encoding="utf-8")
    line = 1 + p.read_text(encoding="utf-8")[: p.read_text().index("value: 13000")].count("\n")
    r = CliRunner().invoke(app, ["scenarios", "validate", str(p)])
    assert r.exit_code != 0
    out = " ".join(r.output.split())
    assert f"case.yaml:{line}:" in out
    assert "issues[0].thresholds[0].value: threshold 13000.0 is outside the unit's range" in out
    p.write_text(text.replace(old, old.replace("3000", "10400")), encoding="utf-8")  # the end
    assert CliRunner().invoke(app, ["scenarios", "validate", str(p)]).exit_code == 0


def test_unit_interval_puts_the_low_end_first():
    assert _scale(0, 10400).unit_interval(25.0, 45.0) == ("2600", "4700")
    # a unit running high to low: the scale's 25-45 is 150-110 in the unit, shown 110 to 150
    assert _scale(200, 0).unit_interval(25.0, 45.0) == ("110", "150")
    assert _scale(200, 0).unit_amounts(25.0, 45.0) == ["150", "110"]
