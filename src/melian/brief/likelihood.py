"""Estimative language: probabilities -> the likelihood words of Intelligence Community
Directive 203 (ICD 203, "Analytic Standards", 2015), in English and Arabic.

ICD 203's scale: almost no chance (1-5%), very unlikely (5-20%), unlikely (20-45%), roughly even
chance (45-55%), likely (55-80%), very likely (80-95%), almost certain (95-99%). Probabilities
below 1% take the lowest band and above 99% the highest; a probability on a boundary takes the
band it opens (for example 0.55 is "likely").
"""

from __future__ import annotations

import math

#: (upper bound, English, Arabic) in increasing order.
BANDS: tuple[tuple[float, str, str], ...] = (
    (0.05, "almost no chance", "لا فرصة تقريبًا"),
    (0.20, "very unlikely", "مستبعد جدًا"),
    (0.45, "unlikely", "مستبعد"),
    (0.55, "roughly even chance", "احتمال متساوٍ تقريبًا"),
    (0.80, "likely", "مرجَّح"),
    (0.95, "very likely", "مرجَّح جدًا"),
    (1.00, "almost certain", "شبه مؤكد"),
)


def likelihood_words(p: float, lang: str = "en") -> str:
    """The ICD 203 expression for probability ``p`` in ``lang`` ('en' or 'ar')."""
    if not math.isfinite(p):
        raise ValueError(f"probability must be finite, got {p}")
    p = min(max(p, 0.0), 1.0)
    for upper, en, ar in BANDS:
        if p < upper or upper == 1.0:
            return ar if lang == "ar" else en
    raise AssertionError("unreachable")  # pragma: no cover


def band_range(p: float) -> tuple[float, float]:
    """The (low, high) probability range of the ICD 203 band that contains ``p``."""
    lows = (0.01, 0.05, 0.20, 0.45, 0.55, 0.80, 0.95)
    highs = (0.05, 0.20, 0.45, 0.55, 0.80, 0.95, 0.99)
    for lo, hi, (upper, _, _) in zip(lows, highs, BANDS, strict=True):
        if p < upper or upper == 1.0:
            return lo, hi
    raise AssertionError("unreachable")  # pragma: no cover
