"""Monthly price files: YYYY-MM dates, and only the months complete by the cut-off."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from melian.errors import InputError
from melian.world import oil


def _file(tmp_path: Path, dates: list[str]) -> Path:
    p = tmp_path / "prices.csv"
    p.write_text("Date,Price\n" + "".join(f"{d},{10 + k}\n" for k, d in enumerate(dates)))
    return p


def _months(first_year: int, n: int, day: str | None) -> list[str]:
    out = []
    for k in range(n):
        y, m = first_year + k // 12, k % 12 + 1
        out.append(f"{y}-{m:02d}" + (f"-{day}" if day else ""))
    return out


@pytest.mark.parametrize("day", [None, "15", "01"])
def test_only_months_complete_by_the_cut_off(tmp_path: Path, day: str | None) -> None:
    """Cut-off 15 June 2005: May 2005 is the last month read, whatever day the rows carry."""
    p = _file(tmp_path, _months(2000, 72, day))  # 2000-01 .. 2005-12
    s = oil.load_monthly(p, dt.date(2005, 6, 15))
    assert len(s.prices) == 65 and (s.dates[-1].year, s.dates[-1].month) == (2005, 5)
    # on the month's last day the month is complete
    assert len(oil.load_monthly(p, dt.date(2005, 6, 30)).prices) == 66
    assert len(oil.load_monthly(p, dt.date(2005, 12, 31)).prices) == 72


def test_a_malformed_date_says_what_is_expected(tmp_path: Path) -> None:
    p = _file(tmp_path, [*_months(2000, 40, None), "June 2003"])
    with pytest.raises(InputError) as e:
        oil.load_monthly(p, dt.date(2010, 1, 1))
    assert "line 42" in str(e.value) or ":42:" in str(e.value)
    assert "YYYY-MM-DD or YYYY-MM" in str(e.value)
