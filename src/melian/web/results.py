"""Stored results made readable: the tables and charts of a run page, built by the brief's code.

A stored run keeps its results as ``to_dict()`` data and its scenario as text. The brief's
section builders (:mod:`melian.brief.sections`) take a scenario and the functions that run each
analysis (:class:`melian.brief.base.Runners`); here those functions play back the stored
results instead of computing them, so the game, consequences and ranking of a web run show
exactly the tables and charts of the brief (same builders, same wording in every language) and
nothing is computed again. A brief run's sections are stored with their tables and sentences:
they are shown as stored (its charts are in the brief's HTML file).

Every view is a list of sections, each a dict ``{id, title, ok, error, data, charts}`` like
:class:`melian.brief.base.Section`, where ``data`` may hold ``paragraphs``, ``tables`` (``title``,
``columns``, ``rows``), ``notes`` and ``judgements``. :func:`table_frame` turns one of these
tables into a pandas DataFrame for the CSV and Parquet downloads.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from melian.brief import charts
from melian.brief import sections as brief_sections
from melian.brief.base import Runners, Section, Settings, fmt, label, noop, table
from melian.brief.change import change_section
from melian.brief.consequences import consequences_section
from melian.brief.i18n import t as bt
from melian.errors import MelianError
from melian.i18n import gettext
from melian.scenario.loader import content_hash, parse_scenario
from melian.scenario.schema import Scenario
from melian.store import Run

#: Result pages kept rendered (charts are PNG images drawn by matplotlib: worth keeping).
CACHE_SIZE = 32

#: Brief sections in the order the brief shows them, with their title keys.
BRIEF_ORDER: tuple[tuple[str, str], ...] = (
    ("ranking", "ranking"),
    ("forecast", "forecast"),
    ("game", "game"),
    ("consequences", "consequences"),
    ("robustness", "robustness"),
    ("levers", "levers"),
    ("assumptions", "assumptions"),
)


class Stored:
    """A stored result played back to a brief section builder (``to_dict()``, ``label()``)."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    def to_dict(self) -> dict[str, Any]:
        """The stored ``to_dict()`` data."""
        return self.data

    def label(self, name: str, lang: str = "en") -> str:
        """The declared label of a world outcome or band (as :meth:`Ensemble.label`)."""
        d = (self.data.get("declared") or {}).get(name)
        if not d:
            return name.replace("_", " ")
        labels = d.get("labels") or {}
        return str(labels.get(lang) or labels.get("en") or name)


def _not_stored(*_a: Any, **_k: Any) -> Any:  # noqa: ANN401
    raise MelianError("this result is not part of the stored run")


def explore_key(method: str, options: dict[str, Any], scenario: Scenario) -> str:
    """The key a robustness run stores one exploratory method's result under: the method, what
    it explores when that is not the world model, and the explored scenario's content hash (the
    brief explores each view of the scenario: ``prim#1a2b3c4d5e6f``, ``regret@game#...``).
    """
    on = options.get("on")
    what = method if on in (None, "world") else f"{method}@{on}"
    return f"{what}#{content_hash(scenario)[:12]}"


def replay(kind: str, results: dict[str, Any]) -> Runners:
    """Runners that return the stored ``results`` for ``kind`` (and refuse anything else).

    A robustness (``explore``) run stores one result per exploratory method
    (:func:`explore_key`); the others store one result.
    """
    stored = Stored(results)

    def give(*_a: Any, **_k: Any) -> Stored:  # noqa: ANN401
        return stored

    def explored(s: Scenario, method: str = "sobol", **kw: Any) -> Stored:  # noqa: ANN401
        data = (results.get("results") or {}).get(explore_key(method, kw, s))
        if data is None:
            raise MelianError(f"the stored run has no {method} result")
        return Stored(data)

    def explored_together(s: Scenario, methods: tuple[str, ...], **kw: Any) -> dict[str, Stored]:  # noqa: ANN401
        return {m: explored(s, m, **kw) for m in methods}

    return Runners(
        forecast=_not_stored,
        model_names=lambda: [],
        game=give if kind == "game" else _not_stored,
        simulate=give if kind == "simulate" else _not_stored,
        explore=explored if kind == "explore" else _not_stored,
        rank=give if kind == "decide" else _not_stored,
        explore_methods=explored_together if kind == "explore" else _not_stored,
    )


def section_dict(sec: Section, title: str) -> dict[str, Any]:
    """A brief :class:`Section` as the dict the result templates show."""
    return {
        "id": sec.id,
        "title": title,
        "ok": sec.ok,
        "error": sec.error,
        "data": sec.data,
        "charts": sec.charts,
    }


def run_scenario(run: Run) -> Scenario | None:
    """The scenario a run was made from (parsed from its stored text), or None if it no longer
    parses (a run from an older scenario format).
    """
    if not run.inputs:
        return None
    try:
        return parse_scenario(run.inputs, f"run {run.id}")
    except MelianError:
        return None


def _builder(kind: str, s: Scenario, lang: str) -> tuple[str, Callable[[Runners], Section]]:
    settings = Settings.make(quick=True)
    if kind == "game":
        return "game", lambda r: brief_sections.game_section(s, lang, r, noop)
    if kind == "simulate":
        return "consequences", lambda r: consequences_section(s, lang, settings, r, noop)
    if kind == "explore":
        return "robustness", lambda r: change_section(s, lang, settings, r, noop)
    return "ranking", lambda r: brief_sections.ranking_section(s, lang, settings, {}, r, noop)


def analysis_view(run: Run, lang: str) -> list[dict[str, Any]]:
    """The sections of a game, simulate, decide or explore run, built by the brief's section
    builders.
    """
    results = run.results if isinstance(run.results, dict) else {}
    s = run_scenario(run)
    if s is None:
        return [_unreadable("results", lang)]
    key, build = _builder(run.kind, s, lang)
    try:
        sec = build(replay(run.kind, results))
    except (MelianError, KeyError, TypeError, ValueError, IndexError) as exc:
        msg = exc.message if isinstance(exc, MelianError) else f"{type(exc).__name__}: {exc}"
        sec = Section(id=key, ok=False, error=msg)
    return [section_dict(sec, bt(key, lang))]


def _unreadable(key: str, lang: str) -> dict[str, Any]:
    return {
        "id": key,
        "title": gettext("Results", lang),
        "ok": False,
        "error": gettext(
            "The run's scenario text no longer reads in this version of melian; "
            "download the raw JSON instead.",
            lang,
        ),
        "data": {},
        "charts": [],
    }


def brief_view(results: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    """The sections of a stored brief (tables and sentences as stored, in the brief's language)."""
    secs = results.get("sections") or {}
    blang = results.get("lang") or lang
    out = []
    for key, title_key in BRIEF_ORDER:
        sec = secs.get(key)
        if not isinstance(sec, dict):
            continue
        data = sec.get("data") or {}
        out.append(
            {
                "id": key,
                "title": bt(title_key, blang),
                "ok": bool(sec.get("ok", True)),
                "error": sec.get("error"),
                "data": data,
                "charts": [],
            }
        )
    return out


# --------------------------------------------------------------------------- forecast
def _names(s: Scenario | None, lang: str) -> tuple[dict[str, str], dict[str, Any]]:
    """Actor names and issues by id (names in ``lang``) of the run's scenario."""
    if s is None:
        return {}, {}
    return {a.id: label(a, lang) for a in s.actors}, {i.id: i for i in s.issues}


def forecast_view(run: Run, lang: str) -> dict[str, Any]:
    """The forecast page: point forecasts by issue name, the headline model, its chart data.

    The headline forecast is melian's default model for the problem (marked in the table); its
    point is the dashed line of every chart. The trajectories drawn are the headline model's if
    it moves positions over rounds, else those of the first model that does (named in the
    chart's title, with that model's own forecast marked), so a chart never contradicts the
    table. Actors are named by their scenario names.
    """
    res = run.results if isinstance(run.results, dict) else {}
    models: dict[str, Any] = res.get("models") or {}
    s = run_scenario(run)
    actor_names, issues = _names(s, lang)
    default = res.get("default_model")
    headline = default if default in models else next(iter(models), None)
    moving = next(
        (m for m in [headline, *models] if m and (models[m].get("rounds") or 0) > 0), None
    )
    order = [headline] + [m for m in models if m != headline] if headline else list(models)
    rows = []
    for iid, pts in (res.get("points") or {}).items():
        iss = issues.get(iid)
        sq = None if iss is None or iss.status_quo is None else iss.status_quo.value
        rows.append(
            {
                "id": iid,
                "name": label(iss, lang) if iss is not None else iid,
                "status_quo": sq,
                "scale": (iss.scale.min, iss.scale.max) if iss is not None else None,
                "points": {m: pts.get(m) for m in order},
            }
        )
    tab = table(
        bt("point_forecast", lang),
        [bt("issue", lang), bt("status_quo", lang), *order],
        [[r["name"], fmt(r["status_quo"]), *(fmt(r["points"][m]) for m in order)] for r in rows],
    )
    charts_: list[dict[str, Any]] = []
    if moving is not None:
        point_of = {r["id"]: r["points"].get(headline) for r in rows}
        for iss in models[moving].get("issues", []):
            iid = iss.get("issue")
            traj = {actor_names.get(a, a): v for a, v in (iss.get("trajectory") or {}).items()}
            charts_.append(
                {
                    "issue": iid,
                    "name": next((r["name"] for r in rows if r["id"] == iid), iid),
                    "trajectory": traj,
                    "point": point_of.get(iid),
                    "model_point": iss.get("point"),
                }
            )
    comparison = None
    plot_rows = [
        {
            "name": r["name"],
            "scale": r["scale"],
            "status_quo": r["status_quo"],
            "points": {m: v for m, v in r["points"].items() if v is not None},
        }
        for r in rows
        if r["scale"] is not None
    ]
    if plot_rows and order:
        comparison = charts.model_comparison(plot_rows, order, bt("point_forecast", lang), lang)
    return {
        "headline": headline,
        "moving": moving,
        "models": order,
        "rows": rows,
        "table": tab,
        "trajectories": charts_,
        "comparison": comparison,
        "errors": res.get("errors") or {},
    }


# --------------------------------------------------------------------------- exports
def run_tables(run: Run, lang: str, views: ViewCache | None = None) -> list[dict[str, Any]]:
    """Every table a run page shows, in page order (what the CSV/Parquet downloads offer)."""
    view = (views or ViewCache()).get(run, lang)
    out: list[dict[str, Any]] = []
    if view.get("forecast"):
        out.append(view["forecast"]["table"])
    for sec in view.get("sections", []):
        out.extend(sec["data"].get("tables", []) or [])
    return out


def _cell(value: Any) -> Any:  # noqa: ANN401
    """A table cell as a number where it reads as one (so CSV and Parquet keep numbers typed)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = str(value).strip()
    try:
        return float(text.replace("\u2212", "-").replace(",", ""))
    except ValueError:
        return str(value)


def table_frame(tab: dict[str, Any]) -> Any:  # noqa: ANN401
    """A shown table (``title``, ``columns``, ``rows``) as a pandas DataFrame.

    Columns whose every cell reads as a number become float columns; others stay text. Repeated
    column names are made unique (``name``, ``name (2)``...).
    """
    import pandas as pd

    cols: list[str] = []
    for c in tab["columns"]:
        name, k = str(c), 2
        while name in cols:
            name, k = f"{c} ({k})", k + 1
        cols.append(name)
    frame = pd.DataFrame([list(r) for r in tab["rows"]], columns=cols, dtype=object)
    for c in cols:
        cells = [_cell(v) for v in frame[c]]
        if cells and all(isinstance(v, float) for v in cells):
            frame[c] = pd.Series(cells, dtype="float64")
        else:
            frame[c] = frame[c].astype(str)
    return frame


class ViewCache:
    """Result views of recent runs by (run id, language), at most :data:`CACHE_SIZE`."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self._views: OrderedDict[tuple[str, str], dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, run: Run, lang: str) -> dict[str, Any]:
        """The view of ``run`` in ``lang`` (built once, then kept)."""
        key = (run.id, lang)
        with self._lock:
            hit = self._views.get(key)
            if hit is not None:
                self._views.move_to_end(key)
                return hit
        view = build_view(run, lang)
        with self._lock:
            self._views[key] = view
            while len(self._views) > self.size:
                self._views.popitem(last=False)
        return view


def build_view(run: Run, lang: str) -> dict[str, Any]:
    """What a run page shows, by kind: ``forecast`` (its view) or ``sections`` (brief-style)."""
    results = run.results if isinstance(run.results, dict) else {}
    if run.status != "ok":
        return {"sections": []}
    if run.kind == "forecast" and results.get("points"):
        return {"forecast": forecast_view(run, lang), "sections": []}
    if run.kind in ("game", "simulate", "decide", "explore"):
        return {"sections": analysis_view(run, lang)}
    if run.kind == "brief":
        return {"sections": brief_view(results, lang)}
    return {"sections": []}


__all__ = [
    "Stored",
    "ViewCache",
    "analysis_view",
    "brief_view",
    "build_view",
    "explore_key",
    "forecast_view",
    "replay",
    "run_tables",
    "table_frame",
]
