"""Calibration windows that the data cannot fill say which parameter to change, and to what.

A monthly price file covering 2008-01 to 2020-05 and an as-of date of 2020-06-11 leave 149
months; the out-of-sample model choice needs 12 + 4 x 6 = 36 months before the window, so the
longest window is 113 months: ``calibration_years`` at most 9 whole years. The advice is then
followed and the calibration must succeed.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from melian.cli import app
from melian.scenario.datasets import data_dir
from melian.scenario.loader import builtin_path
from melian.world import oil
from melian.world.components.armed_threat import as_of_problem
from melian.world.components.commodity_price import window_problem

AS_OF = dt.date(2020, 6, 11)
BRENT = data_dir() / "oil" / "brent-monthly-eia.csv"
ATTACKS = data_dir() / "security" / "isis-attacks-iraq-ctc-2018-2020.csv"


def _truncated(tmp: Path, first: str = "2008-01") -> Path:
    lines = BRENT.read_text(encoding="utf-8").splitlines()
    keep = [lines[0]] + [ln for ln in lines[1:] if ln[:7] >= first]
    out = tmp / "prices.csv"
    out.write_text("\n".join(keep) + "\n", encoding="utf-8")
    return out


def test_window_too_long_names_parameter_and_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _truncated(tmp_path)
    msg = window_problem(path, AS_OF, 20, "prices")
    assert msg is not None
    assert msg.startswith("prices.calibration_years: 20 years before 2020-06-11")
    assert "need monthly prices from 1997-07 on" in msg  # 240 + 36 months back to 2020-06
    assert "covers 2008-01 to " in msg and "(149 months up to 2020-06-11)" in msg
    assert "set calibration_years to 9 (at most 9.42)" in msg
    # the advice works: no complaint, and the calibration runs on that window
    assert window_problem(path, AS_OF, 9, "prices") is None
    assert window_problem(path, AS_OF, 113 / 12, "prices") is None
    assert window_problem(path, AS_OF, 114 / 12, "prices") is not None
    monkeypatch.setenv("MELIAN_CACHE_DIR", "")
    cal = oil.calibrate(str(path), AS_OF, 9)
    assert cal.window_months == 108


def test_no_window_fits(tmp_path: Path) -> None:
    msg = window_problem(_truncated(tmp_path, "2016-01"), AS_OF, 3, "prices")
    assert msg is not None and "no window fits" in msg
    assert "at least 72 monthly prices" in msg and "starts by 2014-07" in msg


def test_the_simulate_command_reports_it(tmp_path: Path) -> None:
    text = builtin_path("iraq-us-2020").read_text(encoding="utf-8")
    text = text.replace("file: oil/brent-monthly-eia.csv", "file: prices.csv")
    _truncated(tmp_path)
    shutil.copy(ATTACKS, tmp_path / ATTACKS.name)
    text = text.replace("file: security/isis-attacks", "file: isis-attacks")
    (tmp_path / "s.yaml").write_text(text, encoding="utf-8")
    res = CliRunner().invoke(app, ["simulate", str(tmp_path / "s.yaml"), "--paths", "50"])
    assert res.exit_code == 2, res.output
    assert "world.components[0].parameters.calibration_years" in res.output
    assert "set calibration_years to 9" in res.output
    assert "Traceback" not in res.output


def test_event_file_before_the_as_of_date() -> None:
    # the shipped counts are yearly 2018-2020: a 2008 scenario cannot calibrate on them
    msg = as_of_problem(ATTACKS, dt.date(2008, 6, 1), "security")
    assert msg is not None and msg.startswith("security.events:")
    assert "has 0 such period(s)" in msg
    assert "set metadata.as_of to 2019-12-31 or later" in msg
    assert as_of_problem(ATTACKS, AS_OF, "security") is None
