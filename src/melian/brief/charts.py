"""Charts of the brief: matplotlib figures rendered to inline PNG data URIs (no network, no files).

Arabic labels are drawn with the embedded Noto Naskh Arabic font. A matplotlib built with libraqm
(3.11+) shapes them and lays them out right to left itself; an older one draws text left to right
without shaping, so labels are then shaped (arabic-reshaper) and put in visual order
(python-bidi) first.
"""

from __future__ import annotations

import base64
import io
import textwrap
from collections.abc import Sequence
from importlib import resources
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.ticker import AutoLocator, MaxNLocator  # noqa: E402

_FONTS_REGISTERED = False
PALETTE = [
    "#1f4e79",
    "#c0504d",
    "#9bbb59",
    "#8064a2",
    "#4bacc6",
    "#f79646",
    "#7f7f7f",
    "#2c7c6b",
    "#b5651d",
    "#5b5ea6",
    "#9b2335",
    "#dfcfbe",
]


def _fonts() -> None:
    global _FONTS_REGISTERED
    if _FONTS_REGISTERED:
        return
    root = resources.files("melian.brief").joinpath("fonts")
    for name in ("NotoNaskhArabic-Regular.ttf", "NotoNaskhArabic-Bold.ttf"):
        font_manager.fontManager.addfont(str(root.joinpath(name)))
    _FONTS_REGISTERED = True


def _native_layout() -> bool:
    """True if matplotlib lays out complex scripts itself (built with libraqm, matplotlib 3.11+):
    it then shapes Arabic and orders it right to left, and text shaped beforehand would come out
    reversed, in isolated letter forms.
    """
    from matplotlib import ft2font

    return bool(getattr(ft2font, "__libraqm_version__", None))


def shape(text: str, lang: str) -> str:
    """Text ready for matplotlib: Arabic is shaped and reordered for display (unless matplotlib
    does it itself, :func:`_native_layout`).
    """
    if lang != "ar" or not any("\u0600" <= ch <= "\u06ff" for ch in text):
        return text
    if _native_layout():
        return text
    import arabic_reshaper
    from bidi.algorithm import get_display

    return str(get_display(arabic_reshaper.reshape(text)))


def wrapped(text: str, lang: str, width: int = 34) -> str:
    """``text`` broken into lines of at most ``width`` characters, each shaped for display
    (titles of small multiples must not run into their neighbours).
    """
    return "\n".join(shape(line, lang) for line in textwrap.wrap(text, width) or [""])


def _style(lang: str) -> dict[str, Any]:
    _fonts()
    family = (
        ["DejaVu Sans", "Noto Naskh Arabic"]
        if lang != "ar"
        else ["Noto Naskh Arabic", "DejaVu Sans"]
    )
    return {
        "font.family": family,
        "font.size": 9,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "figure.dpi": 110,
    }


def _layout(fig: plt.Figure, **kw: Any) -> None:  # noqa: ANN401
    """``fig.tight_layout(**kw)`` after capping automatic ticks at about five per axis.

    matplotlib's default locator fits ticks to the axis length (eight or more on a wide axis);
    each tick is a set of artists that the layout measures and the renderer draws, about half
    of a multi-panel chart's time. Axes with ticks set explicitly (categories) keep them.
    """
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if type(axis.get_major_locator()) is AutoLocator:
                axis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]))
    fig.tight_layout(**kw)


def to_data_uri(fig: plt.Figure, trim: bool = True) -> str:
    """PNG data URI of a figure (closes the figure); deterministic bytes (no timestamp metadata).

    ``trim``: crop the image to what is drawn (``bbox_inches="tight"``: one more drawing of the
    figure, about a quarter of a chart's time), needed where artists sit outside the axes
    (legends below them); a chart laid out by :func:`_layout` with everything inside its axes
    and titles passes ``False``.
    """
    buf = io.BytesIO()
    fig.savefig(
        buf, format="png", bbox_inches="tight" if trim else None, metadata={"Software": None}
    )
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def position_shift(
    issues: Sequence[dict[str, Any]], title: str, lang: str = "en", max_actors: int = 12
) -> str:
    """Small multiples: each actor's position per round on each issue, forecast marked.

    ``issues``: dicts with ``name``, ``scale`` (lo, hi), ``trajectory`` {actor: [positions]},
    ``point`` (the forecast), ``status_quo`` (or None).
    """
    with plt.rc_context(_style(lang)):
        n = len(issues)
        cols = min(3, n)
        rows = int(np.ceil(n / cols))
        fig, axes = plt.subplots(rows, cols, figsize=(3.8 * cols, 3.0 * rows), squeeze=False)
        for ax, iss in zip(axes.flat, issues, strict=False):
            traj = iss["trajectory"]
            actors = sorted(traj, key=lambda a: -abs(_last(traj[a]) - _first(traj[a])))[:max_actors]
            for k, a in enumerate(actors):
                ys = np.array([np.nan if v is None else v for v in traj[a]], dtype=float)
                ax.plot(
                    np.arange(len(ys)),
                    ys,
                    color=PALETTE[k % len(PALETTE)],
                    lw=1.2,
                    label=shape(a, lang),
                )
            ax.axhline(iss["point"], color="black", ls="--", lw=1)
            if iss.get("status_quo") is not None:
                ax.axhline(iss["status_quo"], color="grey", ls=":", lw=1)
            ax.set_ylim(*iss["scale"])
            ax.set_title(wrapped(iss["name"], lang), fontsize=8.5)
            ax.set_xlabel(shape("round" if lang != "ar" else "الجولة", lang))
        for ax in list(axes.flat)[n:]:
            ax.axis("off")
        handles, labels = axes.flat[0].get_legend_handles_labels()
        fig.legend(
            handles,
            labels,
            loc="lower center",
            ncol=min(6, len(labels)),
            fontsize=7,
            frameon=False,
            bbox_to_anchor=(0.5, -0.02),
        )
        fig.suptitle(wrapped(title, lang, 100), fontsize=10)
        _layout(fig, rect=(0, 0.06, 1, 0.97), h_pad=1.6, w_pad=1.2)
        return to_data_uri(fig)


def _first(xs: Sequence[float | None]) -> float:
    return next((float(x) for x in xs if x is not None), 0.0)


def _last(xs: Sequence[float | None]) -> float:
    return next((float(x) for x in reversed(xs) if x is not None), 0.0)


def model_comparison(
    rows: Sequence[dict[str, Any]], models: Sequence[str], title: str, lang: str = "en"
) -> str:
    """Dot plot: each model's point forecast per issue (issue scales normalised to 0-100%)."""
    with plt.rc_context(_style(lang)):
        fig, ax = plt.subplots(figsize=(7.5, 0.45 * len(rows) + 1.2))
        for j, r in enumerate(rows):
            lo, hi = r["scale"]
            ax.plot([0, 100], [j, j], color="#dddddd", lw=6, solid_capstyle="round", zorder=0)
            if r.get("status_quo") is not None:
                ax.plot(
                    100 * (r["status_quo"] - lo) / (hi - lo), j, marker="|", ms=16, color="grey"
                )
            for k, m in enumerate(models):
                v = r["points"].get(m)
                if v is not None:
                    ax.plot(
                        100 * (v - lo) / (hi - lo),
                        j + (k - len(models) / 2) * 0.06,
                        "o",
                        color=PALETTE[k % len(PALETTE)],
                        ms=5,
                        label=m if j == 0 else None,
                    )
        ax.set_yticks(range(len(rows)), [shape(r["name"], lang) for r in rows])
        ax.set_xlim(-2, 102)
        ax.set_xlabel(shape("% of the issue scale" if lang != "ar" else "% من مقياس البند", lang))
        ax.invert_yaxis()
        ax.legend(
            fontsize=7, ncol=4, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.18)
        )
        ax.set_title(wrapped(title, lang, 90), fontsize=10)
        _layout(fig)
        return to_data_uri(fig)


def fan_chart(
    months: Sequence[float],
    bands: dict[str, dict[str, Sequence[float]]],
    title: str,
    ylabel: str,
    lang: str = "en",
    reference: float | None = None,
) -> str:
    """Fan chart per option: median line with 50% (p25-p75) and 90% (p05-p95) bands.

    ``bands``: option -> {"p05", "p25", "p50", "p75", "p95"} arrays over ``months``.
    """
    with plt.rc_context(_style(lang)):
        n = len(bands)
        cols = min(3, n)
        rows = int(np.ceil(n / cols))
        fig, axes = plt.subplots(
            rows, cols, figsize=(3.6 * cols, 2.8 * rows), squeeze=False, sharey=True
        )
        x = np.asarray(months, dtype=float)
        for k, (ax, (opt, b)) in enumerate(zip(axes.flat, bands.items(), strict=False)):
            c = PALETTE[k % len(PALETTE)]
            ax.fill_between(x, b["p05"], b["p95"], color=c, alpha=0.18, lw=0)
            ax.fill_between(x, b["p25"], b["p75"], color=c, alpha=0.35, lw=0)
            ax.plot(x, b["p50"], color=c, lw=1.4)
            if reference is not None:
                ax.axhline(reference, color="black", ls=":", lw=0.8)
            ax.set_title(wrapped(opt, lang, 30), fontsize=8.5)
            ax.set_xlabel(shape("month" if lang != "ar" else "الشهر", lang))
        for ax in list(axes.flat)[n:]:
            ax.axis("off")
        axes[0, 0].set_ylabel(shape(ylabel, lang))
        fig.suptitle(wrapped(title, lang, 100), fontsize=10)
        _layout(fig, h_pad=1.6, w_pad=1.2)
        return to_data_uri(fig, trim=False)  # titles, labels and ticks: inside the layout


def predictive_intervals(
    issues: Sequence[dict[str, Any]],
    title: str,
    lang: str = "en",
    names: dict[str, str] | None = None,
) -> str:
    """Interval chart of predictive distributions: one row per agenda issue.

    ``issues``: dicts as :meth:`melian.bargaining.predictive.IssuePredictive.to_dict` gives them
    (``scale``, ``intervals`` {"50", "80", "95"}, ``median``, ``point``, ``atoms``, ``models``,
    ``reference``). Scales are normalised to 0-100%. Per issue: nested 95/80/50% bars, the median
    (black tick), the ensemble point (white diamond), the status quo (grey bar), point masses of
    at least 5% (circles sized by their probability) and each model's point (small grey dots:
    the models' disagreement). ``names`` maps issue ids to display names.
    """
    names = names or {}
    with plt.rc_context(_style(lang)):
        fig, ax = plt.subplots(figsize=(7.5, 0.55 * len(issues) + 1.3))
        base = PALETTE[0]
        for j, it in enumerate(issues):
            lo, hi = it["scale"]

            def pct(v: float, lo: float = lo, hi: float = hi) -> float:
                return 100.0 * (v - lo) / (hi - lo)

            ax.plot([0, 100], [j, j], color="#eeeeee", lw=14, solid_capstyle="butt", zorder=0)
            for key, width, alpha in (("95", 12, 0.18), ("80", 12, 0.35), ("50", 12, 0.6)):
                a, b = it["intervals"][key]
                ax.plot(
                    [pct(a), pct(b)],
                    [j, j],
                    color=base,
                    lw=width,
                    alpha=alpha,
                    solid_capstyle="butt",
                    zorder=1,
                )
            for m in it.get("models", []):
                ax.plot(pct(m["point"]), j - 0.32, ".", color="#555555", ms=4, zorder=3)
            for atom in it.get("atoms", []):
                if atom["probability"] >= 0.05:
                    ax.plot(
                        pct(atom["value"]),
                        j + 0.32,
                        "o",
                        color=PALETTE[1],
                        alpha=0.8,
                        ms=3 + 14 * atom["probability"],
                        zorder=3,
                    )
            if it.get("reference") is not None:
                ax.plot(pct(it["reference"]), j, marker="|", ms=18, color="grey", zorder=2)
            ax.plot(pct(it["median"]), j, marker="|", ms=14, mew=2, color="black", zorder=4)
            ax.plot(pct(it["point"]), j, marker="D", ms=5, mfc="white", mec="black", zorder=5)
        ax.set_yticks(
            range(len(issues)), [shape(names.get(it["issue"], it["issue"]), lang) for it in issues]
        )
        ax.set_ylim(len(issues) - 0.4, -0.6)
        ax.set_xlim(-2, 102)
        ax.set_xlabel(shape("% of the issue scale" if lang != "ar" else "% من مقياس البند", lang))
        legend = (
            "bars: 50/80/95% intervals; | median; \u25c7 point; \u25cf point masses; "
            "\u00b7 models' points"
            if lang != "ar"
            else "الأشرطة: مجالات 50/80/95%؛ | الوسيط؛ \u25c7 التوقع النقطي؛ \u25cf النتائج المحددة؛ "
            "\u00b7 توقعات النماذج"
        )
        ax.text(
            0,
            -0.12,
            shape(legend, lang),
            transform=ax.transAxes,
            fontsize=7,
            color="#555555",
            va="top",
        )
        ax.set_title(wrapped(title, lang, 90), fontsize=10)
        _layout(fig)
        return to_data_uri(fig)


def tornado(
    rows: Sequence[dict[str, Any]],
    title: str,
    xlabel: str,
    lang: str = "en",
    base: float | None = None,
) -> str:
    """Tornado diagram: per parameter the outcome at its low and high value (largest swing first).

    ``rows``: dicts with ``name``, ``low`` and ``high`` (outcome values).
    """
    rows = sorted(rows, key=lambda r: -abs(r["high"] - r["low"]))[:15]
    with plt.rc_context(_style(lang)):
        fig, ax = plt.subplots(figsize=(7, 0.32 * len(rows) + 1.2))
        ref = (
            base
            if base is not None
            else float(np.mean([(r["low"] + r["high"]) / 2 for r in rows] or [0]))
        )
        for j, r in enumerate(rows):
            ax.barh(j, r["low"] - ref, left=ref, color=PALETTE[1], alpha=0.8)
            ax.barh(j, r["high"] - ref, left=ref, color=PALETTE[0], alpha=0.8)
        ax.axvline(ref, color="black", lw=0.8)
        ax.set_yticks(range(len(rows)), [shape(r["name"], lang) for r in rows], fontsize=7)
        ax.invert_yaxis()
        ax.set_xlabel(shape(xlabel, lang))
        ax.set_title(wrapped(title, lang, 90), fontsize=10)
        _layout(fig)
        return to_data_uri(fig)


def bars(
    labels: Sequence[str],
    series: dict[str, Sequence[float]],
    title: str,
    ylabel: str,
    lang: str = "en",
    stacked: bool = False,
) -> str:
    """Grouped (or stacked) bar chart of ``series`` (name -> value per label)."""
    with plt.rc_context(_style(lang)):
        fig, ax = plt.subplots(figsize=(7, 3))
        x = np.arange(len(labels))
        k = len(series)
        width = 0.8 / (1 if stacked else max(k, 1))
        bottom_pos = np.zeros(len(labels))
        bottom_neg = np.zeros(len(labels))
        for i, (name, vals) in enumerate(series.items()):
            v = np.asarray(vals, dtype=float)
            if stacked:
                bottom = np.where(v >= 0, bottom_pos, bottom_neg)
                ax.bar(
                    x,
                    v,
                    width,
                    bottom=bottom,
                    label=shape(name, lang),
                    color=PALETTE[i % len(PALETTE)],
                )
                bottom_pos += np.where(v >= 0, v, 0)
                bottom_neg += np.where(v < 0, v, 0)
            else:
                ax.bar(
                    x + (i - (k - 1) / 2) * width,
                    v,
                    width,
                    label=shape(name, lang),
                    color=PALETTE[i % len(PALETTE)],
                )
        ax.axhline(0, color="black", lw=0.6)
        # option names side by side: wrapped to the room each has (about 90 characters at size
        # 8 across the 7-inch figure), so that long names do not run into each other
        room = max(10, 90 // max(len(labels), 1))
        ax.set_xticks(x, [wrapped(lab, lang, room) for lab in labels], fontsize=8)
        ax.set_ylabel(shape(ylabel, lang))
        ax.legend(fontsize=7, frameon=False, ncol=min(4, k))
        ax.set_title(wrapped(title, lang, 90), fontsize=10)
        _layout(fig)
        return to_data_uri(fig)
