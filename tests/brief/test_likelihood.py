"""ICD 203 likelihood words: every band, its edges, and Arabic."""

from __future__ import annotations

import math

import pytest

from melian.brief.likelihood import band_range, likelihood_words


@pytest.mark.parametrize(
    ("p", "words"),
    [
        (0.0, "almost no chance"),
        (0.03, "almost no chance"),
        (0.05, "very unlikely"),
        (0.19, "very unlikely"),
        (0.20, "unlikely"),
        (0.44, "unlikely"),
        (0.45, "roughly even chance"),
        (0.549, "roughly even chance"),
        (0.55, "likely"),
        (0.79, "likely"),
        (0.80, "very likely"),
        (0.949, "very likely"),
        (0.95, "almost certain"),
        (1.0, "almost certain"),
    ],
)
def test_icd203_bands(p, words):
    assert likelihood_words(p) == words
    lo, hi = band_range(p)
    assert lo <= max(p, 0.01) <= hi or p in (0.0, 1.0)


def test_arabic_words_and_bad_input():
    assert likelihood_words(0.9, "ar") == "مرجَّح جدًا"
    assert len({likelihood_words(p, "ar") for p in (0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99)}) == 7
    with pytest.raises(ValueError):
        likelihood_words(math.nan)
