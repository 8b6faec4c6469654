"""Arabic in the brief's charts: shaped once, by whoever lays the text out.

matplotlib built with libraqm (3.11+) shapes Arabic and orders it right to left itself; text
reshaped and reordered beforehand then comes out reversed in isolated letter forms (the defect
this guards against). Without libraqm the brief shapes and reorders it (arabic-reshaper and
python-bidi)."""

from __future__ import annotations

import pytest

from melian.brief import charts

TEXT = "تحول المواقف"


def test_native_layout_keeps_logical_order(monkeypatch):
    monkeypatch.setattr(charts, "_native_layout", lambda: True)
    assert charts.shape(TEXT, "ar") == TEXT
    assert charts.wrapped(TEXT + " " + TEXT, "ar", 12) == TEXT + "\n" + TEXT


def test_without_native_layout_text_is_shaped_and_reordered(monkeypatch):
    pytest.importorskip("arabic_reshaper")
    monkeypatch.setattr(charts, "_native_layout", lambda: False)
    out = charts.shape(TEXT, "ar")
    assert out != TEXT
    assert any("\ufe70" <= ch <= "\ufeff" for ch in out)  # presentation (joined) forms
    assert charts.shape("plain English", "ar") == "plain English"
    assert charts.shape(TEXT, "en") == TEXT


def test_wrapped_titles_do_not_exceed_their_width():
    lines = charts.wrapped("a fairly long small-multiple title that would overlap", "en", 20)
    assert all(len(x) <= 20 for x in lines.split("\n")) and lines.count("\n") >= 2
