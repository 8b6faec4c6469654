"""Assemble the decision brief: run every analysis on a scenario and prepare what the page shows.

Order (each step a plain call on the immutable scenario): bargaining forecasts for every agenda
issue with every registered model; the alliance game under both framings; the world-model
ensemble per option; robustness (tornado, PRIM, regret); the MCDA ranking with weight stability.
Then the bottom line, key judgements (ICD 203 likelihood words) and signposts are derived from those
results, never typed in. A step that cannot be computed for this scenario (for example a scenario
without options has no game) is reported in its section with the reason.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from melian.bargaining.adapters import problem_from_scenario
from melian.brief import charts
from melian.brief.i18n import t
from melian.brief.likelihood import likelihood_words
from melian.errors import MelianError
from melian.manifest import run_manifest
from melian.scenario.capability import capabilities
from melian.scenario.schema import Parameter, Scenario

Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class Settings:
    """Fidelity of a brief run. ``quick`` trades accuracy for speed (documented in the brief).

    ``paths`` and ``horizon``: world-model paths per option and months; ``prim_samples`` and
    ``regret_samples``: sampled futures for scenario discovery and regret, each simulated with
    ``explore_paths`` paths; ``tornado_paths``: paths per one-at-a-time swing.
    """

    quick: bool = False
    paths: int = 20_000
    horizon: int = 24
    prim_samples: int = 2048
    regret_samples: int = 1024
    explore_paths: int = 16
    tornado_paths: int = 400
    seed: int | None = None

    @classmethod
    def make(cls, quick: bool = False, seed: int | None = None) -> Settings:
        """Default settings, or the quick ones."""
        if quick:
            return cls(
                quick=True,
                paths=2_000,
                prim_samples=256,
                regret_samples=128,
                explore_paths=8,
                tornado_paths=50,
                seed=seed,
            )
        return cls(seed=seed)


@dataclass
class Section:
    """One section of the brief: its data for the template, charts, and an error if any."""

    id: str
    ok: bool = True
    error: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    charts: list[dict[str, str]] = field(default_factory=list)


def _noop(_msg: str, _frac: float) -> None:
    return None


def _run(section_id: str, fn: Callable[[], Section]) -> Section:
    """Run a section builder; a MelianError becomes the section's reported error."""
    try:
        return fn()
    except MelianError as exc:
        return Section(id=section_id, ok=False, error=exc.message)


def _fmt(x: float | None, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    return f"{x:.{digits}g}"


def label(obj: Any, lang: str) -> str:  # noqa: ANN401
    """Display name of a scenario object in ``lang`` (its ``names`` translation, else its name)."""
    names = getattr(obj, "names", None) or {}
    return str(names.get(lang) or obj.name)


def table(title: str, columns: list[str], rows: list[list[Any]]) -> dict[str, Any]:
    """A table for the template: title, column headers, rows of cells (rendered as text)."""
    return {"title": title, "columns": columns, "rows": [[str(c) for c in r] for r in rows]}


def _param_text(p: Parameter) -> str:
    if p.is_fixed:
        return _fmt(p.value, 4)
    fields = [
        f
        for f in ("low", "mode", "high", "mean", "sd", "mu", "sigma", "alpha", "beta")
        if getattr(p, f) is not None
    ]
    txt = p.dist + "(" + ", ".join(f"{f}={_fmt(getattr(p, f), 4)}" for f in fields)
    if p.values is not None:
        txt += "values=" + ", ".join(_fmt(v, 4) for v in p.values)
    return txt + ")"


# --------------------------------------------------------------------------- sections
def scenario_section(s: Scenario, lang: str) -> Section:
    """Actors, positions, parameters and sources: every number with its source."""
    caps = capabilities(s)
    sec = Section(id="assumptions")

    def src(key: str, judgement: bool, confidence: str | None) -> str:
        out = key
        if judgement:
            out += f" ({t('judgement', lang)}" + (f", {confidence})" if confidence else ")")
        return out

    sec.data["actors"] = [
        {
            "id": a.id,
            "name": label(a, lang),
            "kind": a.kind,
            "parent": a.parent or "",
            "capability": _fmt(caps[a.id], 4),
            "source": src(a.capability.source, a.capability.judgement, a.capability.confidence),
        }
        for a in s.actors
    ]
    sec.data["issues"] = [
        {
            "id": i.id,
            "name": label(i, lang),
            "low": i.scale.low,
            "high": i.scale.high,
            "min": _fmt(i.scale.min),
            "max": _fmt(i.scale.max),
            "status_quo": None if i.status_quo is None else _fmt(i.status_quo.value),
            "status_quo_source": None
            if i.status_quo is None
            else src(i.status_quo.source, i.status_quo.judgement, i.status_quo.confidence),
            "positions": [
                {
                    "actor": p.actor,
                    "position": _fmt(p.position),
                    "salience": _fmt(p.salience),
                    "source": src(p.source, p.judgement, p.confidence),
                }
                for p in i.positions
            ],
        }
        for i in s.issues
    ]
    sec.data["parameters"] = [
        {
            "path": k,
            "value": _param_text(p),
            "unit": p.unit or "",
            "source": src(p.source, p.judgement, p.confidence),
        }
        for k, p in s.parameters().items()
    ]
    sec.data["criteria"] = [
        {
            "id": c.id,
            "name": label(c, lang),
            "direction": t("higher" if c.direction == "max" else "lower", lang),
            "weight": _fmt(c.weight),
            "measure": c.measure.kind
            + (f": {c.measure.metric}" if c.measure.metric else "")
            + (f": {c.measure.issue}" if c.measure.issue else ""),
            "source": src(c.source, c.judgement, c.confidence),
        }
        for c in s.criteria
    ]
    d = sec.data
    d["tables"] = [
        table(
            t("actors", lang),
            ["id", t("actor", lang), "kind", "parent", t("capability", lang), t("source", lang)],
            [
                [a["id"], a["name"], a["kind"], a["parent"], a["capability"], a["source"]]
                for a in d["actors"]
            ],
        ),
        *[
            table(
                f"{t('issue', lang)} {i['id']}: {i['name']} ({i['min']} = {i['low']}; {i['max']} = {i['high']}"
                + (
                    f"; {t('status_quo', lang)} {i['status_quo']} [{i['status_quo_source']}]"
                    if i["status_quo"]
                    else ""
                )
                + ")",
                [t("actor", lang), t("position", lang), t("salience", lang), t("source", lang)],
                [[p["actor"], p["position"], p["salience"], p["source"]] for p in i["positions"]],
            )
            for i in d["issues"]
        ],
        table(
            t("parameter", lang) + "s",
            [t("parameter", lang), t("value", lang), t("unit", lang), t("source", lang)],
            [[p["path"], p["value"], p["unit"], p["source"]] for p in d["parameters"]],
        ),
        table(
            t("criterion", lang),
            [
                "id",
                t("criterion", lang),
                t("direction", lang),
                t("weight", lang),
                "measure",
                t("source", lang),
            ],
            [
                [c["id"], c["name"], c["direction"], c["weight"], c["measure"], c["source"]]
                for c in d["criteria"]
            ],
        ),
    ]
    sec.data["sources"] = [
        {
            "key": k,
            "citation": v.citation,
            "address": v.address or "",
            "date": v.date or "",
            "kind": v.kind,
        }
        for k, v in s.sources.items()
    ]
    return sec


def forecast_section(s: Scenario, lang: str, progress: Progress) -> Section:
    """Every registered bargaining model on every agenda issue, and the position-shift chart."""
    from melian.bargaining import run_forecast
    from melian.bargaining.registry import model_names

    if not s.issues:
        return Section(id="forecast", ok=False, error="the scenario has no agenda issues")
    problem = problem_from_scenario(s)
    names = model_names()
    results: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for k, name in enumerate(names):
        progress(f"forecast: {name}", k / len(names))
        try:
            results[name] = run_forecast(name, problem)
        except MelianError as exc:
            errors[name] = exc.message
    rows = []
    for j, iss in enumerate(s.issues):
        pts = {m: float(f.issues[j].point) for m, f in results.items()}
        rows.append(
            {
                "id": iss.id,
                "name": label(iss, lang),
                "scale": (iss.scale.min, iss.scale.max),
                "status_quo": None if iss.status_quo is None else iss.status_quo.value,
                "points": pts,
                "cells": {m: _fmt(v) for m, v in pts.items()},
                "spread": _fmt(max(pts.values()) - min(pts.values())) if pts else "–",
            }
        )
    sec = Section(id="forecast", data={"models": list(results), "rows": rows, "errors": errors})
    sec.data["tables"] = [
        table(
            t("point_forecast", lang),
            [t("issue", lang), t("status_quo", lang), *results],
            [[r["name"], _fmt(r["status_quo"]), *(r["cells"][m] for m in results)] for r in rows],
        )
    ]
    sec.data["notes"] = [f"{m}: {msg}" for m, msg in errors.items()]
    if results:
        sec.charts.append(
            {
                "title": t("point_forecast", lang),
                "uri": charts.model_comparison(
                    rows, list(results), t("point_forecast", lang), lang
                ),
            }
        )
        primary = next((m for m in ("smp", "bdm", "exchange") if m in results), None)
        if primary is not None:
            f = results[primary]
            issues = []
            for j, iss in enumerate(s.issues):
                d = f.issues[j].to_dict(f.actors)
                issues.append(
                    {
                        "name": label(iss, lang),
                        "scale": (iss.scale.min, iss.scale.max),
                        "trajectory": d["trajectory"],
                        "point": f.issues[j].point,
                        "status_quo": None if iss.status_quo is None else iss.status_quo.value,
                    }
                )
            title = f"{t('position_shift', lang)} ({primary})"
            sec.charts.append({"title": title, "uri": charts.position_shift(issues, title, lang)})
            sec.data["primary"] = primary
            sec.data["primary_rounds"] = f.rounds
    sec.data["consensus"] = {
        r["id"]: float(np.median(list(r["points"].values()))) for r in rows if r["points"]
    }
    sec.data["raw"] = {m: f.to_dict() for m, f in results.items()}
    return sec


# --------------------------------------------------------------------------- the brief
@dataclass
class Brief:
    """Everything the brief shows, in one object (rendered by :mod:`melian.brief.render`)."""

    scenario: Scenario
    lang: str
    settings: Settings
    manifest: dict[str, Any]
    sections: dict[str, Section]
    bluf: list[str]
    judgements: list[dict[str, str]]
    signposts: list[str]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready results (charts left out: they are in the HTML)."""
        return {
            "manifest": self.manifest,
            "lang": self.lang,
            "bluf": self.bluf,
            "judgements": self.judgements,
            "signposts": self.signposts,
            "sections": {
                k: {"ok": v.ok, "error": v.error, "data": _strip(v.data)}
                for k, v in self.sections.items()
            },
        }


def _strip(data: Any) -> Any:  # noqa: ANN401
    if isinstance(data, dict):
        return {str(k): _strip(v) for k, v in data.items() if k != "uri"}
    if isinstance(data, (list, tuple)):
        return [_strip(v) for v in data]
    if isinstance(data, (np.floating, np.integer)):
        return data.item()
    return data


STEPS: list[tuple[str, float]] = [
    ("forecast", 0.15),
    ("game", 0.15),
    ("consequences", 0.30),
    ("levers", 0.05),
    ("robustness", 0.25),
    ("ranking", 0.10),
]


def assemble(
    s: Scenario,
    *,
    lang: str = "en",
    quick: bool = False,
    seed: int | None = None,
    progress: Progress | None = None,
    settings: Settings | None = None,
) -> Brief:
    """Run every analysis on ``s`` and return the :class:`Brief` (nothing is written)."""
    from melian.brief import sections as extra
    from melian.brief.levers import levers_section

    progress = progress or _noop
    if settings is None:
        settings = Settings.make(quick, seed if seed is not None else s.metadata.seed)
    done = 0.0

    def sub(step: str, weight: float) -> Progress:
        return lambda msg, frac: progress(msg, done + weight * min(max(frac, 0.0), 1.0))

    secs: dict[str, Section] = {}
    builders: dict[str, Callable[[Progress], Section]] = {
        "forecast": lambda p: forecast_section(s, lang, p),
        "game": lambda p: extra.game_section(s, lang, p),
        "consequences": lambda p: extra.consequences_section(s, lang, settings, p),
        "robustness": lambda p: extra.robustness_section(s, lang, settings, p),
        "ranking": lambda p: extra.ranking_section(s, lang, settings, secs, p),
        "levers": lambda p: levers_section(s, lang, settings, p),
    }
    for step, weight in STEPS:
        secs[step] = _run(step, lambda b=builders[step], st=step, w=weight: b(sub(st, w)))
        done += weight
        progress(f"{step}: done", done)
    secs["assumptions"] = scenario_section(s, lang)
    bluf, judgements, signposts = extra.conclusions(s, lang, secs)
    manifest = run_manifest(
        s,
        command="brief",
        seed=settings.seed,
        params={
            "lang": lang,
            "quick": quick,
            "paths": settings.paths,
            "horizon": settings.horizon,
            "prim_samples": settings.prim_samples,
            "regret_samples": settings.regret_samples,
        },
    )
    progress("brief assembled", 1.0)
    return Brief(
        scenario=s,
        lang=lang,
        settings=settings,
        manifest=manifest,
        sections=secs,
        bluf=bluf,
        judgements=judgements,
        signposts=signposts,
    )


__all__ = ["Brief", "Section", "Settings", "assemble", "likelihood_words"]
