"""Estimative language: probabilities -> the likelihood words of Intelligence Community
Directive 203 (ICD 203, "Analytic Standards", 2015), in English and Arabic.

ICD 203's scale: almost no chance (1-5%), very unlikely (5-20%), unlikely (20-45%), roughly even
chance (45-55%), likely (55-80%), very likely (80-95%), almost certain (95-99%). Probabilities
below 1% take the lowest band and above 99% the highest; a probability on a boundary takes the
band it opens (for example 0.55 is "likely").

The scale stops at 1% and 99%: a probability is never printed as a certainty.
:func:`percent_text` prints a share that rounds to 0% or 100% as "<1%" or ">99%", and a share of
none or all of ``n`` samples as the honest one-sided 95% bound those ``n`` samples allow (about
``3 / n``, the "rule of three").
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


def zero_bound(n: int) -> float:
    """The exact one-sided 95% upper bound of a probability when none of ``n`` samples shows the
    event (Clopper-Pearson: ``1 - 0.05 ** (1 / n)``, about ``3 / n``; 1 without samples).
    """
    return 1.0 if n <= 0 else 1.0 - 0.05 ** (1.0 / n)


def _bound(x: float, up: bool) -> str:
    """A bound in percent to 1 decimal (0 decimals when whole), rounded outwards (``up``: a
    bound from above, rounded up; else rounded down) so that it never claims more than it knows.
    """
    v = math.ceil(10 * x - 1e-9) / 10 if up else math.floor(10 * x + 1e-9) / 10
    return f"{v:.0f}" if v.is_integer() else f"{v:.1f}"


def percent_text(p: float, n: int | None = None) -> str:
    """Probability ``p`` in percent for a reader, never as a certainty.

    Parameters
    ----------
    p
        The probability (a share of ``n`` samples when ``n`` is given).
    n
        How many samples ``p`` is a share of (paths, futures); ``None`` when unknown.

    Returns
    -------
    str
        ``"37%"``; ``"<1%"`` or ``">99%"`` when it rounds to 0% or 100%; when ``p`` is 0 or 1
        out of ``n`` samples whose 95% bound (:func:`zero_bound`) is wider than 1%, that bound
        (``"<1.2%"``, ``">98.8%"`` for 256 samples).
    """
    if not math.isfinite(p):
        raise ValueError(f"probability must be finite, got {p}")
    p = min(max(p, 0.0), 1.0)
    edge = 1.0 if n is None else max(1.0, 100.0 * zero_bound(n))
    if p <= 0.0:
        return f"<{_bound(edge, True)}%"
    if p >= 1.0:
        return f">{_bound(100.0 - edge, False)}%"
    r = round(100.0 * p)
    if r <= 0:
        return "<1%"
    if r >= 100:
        return ">99%"
    return f"{r}%"
