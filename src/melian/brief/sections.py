"""The brief's analysis sections (game, consequences, robustness, ranking) and its conclusions.

Each builder calls one package's public function on the scenario and turns its ``to_dict()``
result into tables, charts and sentences. The conclusions (bottom line, key judgements with ICD 203
likelihood words, signposts) are derived from those results, never written by hand.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from melian.brief import charts
from melian.brief.base import (
    NotApplicableError,
    Progress,
    Runners,
    Section,
    Settings,
    counting,
    fmt,
    judgement,
    label,
    option_name,
    table,
)
from melian.brief.change import WITHIN, nearest, share_se
from melian.brief.consequences import (  # consequences_section: also reached from here
    consequence_judgements,
    consequences_section,
    reference_option,
)
from melian.brief.i18n import claim_text, h, t, t_kind, tf, unit_text
from melian.decide.indifference import Standing, standing, tolerance
from melian.errors import MelianError
from melian.games.claims import NARROW_SHARE, claims_source
from melian.scenario.capability import capabilities
from melian.scenario.schema import Parameter, Scenario
from melian.world import declared


def sep(lang: str) -> str:
    """The list separator of ``lang`` (the Arabic semicolon in Arabic)."""
    return "؛ " if lang == "ar" else "; "


def quoted(name: str, lang: str) -> str:
    """An option's name in quotes, as the brief's sentences quote it (guillemets in Arabic)."""
    return f"«{name}»" if lang == "ar" else f"'{name}'"


__all__ = [
    "conclusions",
    "consequences_section",
    "forecast_section",
    "game_section",
    "ranking_section",
    "scenario_section",
]


def measure_text(s: Scenario, cid: str, lang: str) -> str:
    """Where a criterion's values come from, in ``lang``: the measure's kind and what it reads
    (a world outcome by its declared label, a game quantity by its name, an issue by its name).
    """
    c = next((x for x in s.criteria if x.id == cid), None)
    if c is None:
        return cid
    what = c.measure.metric or ""
    if c.measure.kind == "world" and what:
        labels = {d.name: d.labels for d in declared(s)}
        what = (labels.get(what) or {}).get(lang) or what
    elif c.measure.kind == "game" and what:
        what = h(what, lang)
    if c.measure.issue:
        iss = next((i for i in s.issues if i.id == c.measure.issue), None)
        what = label(iss, lang) if iss is not None else c.measure.issue
    return t_kind(c.measure.kind, lang) + (f": {what}" if what else "")


def _param_text(p: Parameter) -> str:
    if p.is_fixed:
        return fmt(p.value, 4)
    fields = [
        f
        for f in ("low", "mode", "high", "mean", "sd", "mu", "sigma", "alpha", "beta")
        if getattr(p, f) is not None
    ]
    txt = p.dist + "(" + ", ".join(f"{f}={fmt(getattr(p, f), 4)}" for f in fields)
    if p.values is not None:
        txt += "values=" + ", ".join(fmt(v, 4) for v in p.values)
    return txt + ")"


def scenario_section(s: Scenario, lang: str) -> Section:
    """Actors, positions, parameters and sources: every number with its source."""
    caps = capabilities(s)
    sec = Section(id="assumptions")

    def src(key: str, judgement: bool, confidence: str | None) -> str:
        out = key
        if judgement:
            conf = t_kind(confidence, lang) if confidence else None
            out += f" ({t('judgement', lang)}" + (f", {conf})" if conf else ")")
        return out

    sec.data["actors"] = [
        {
            "id": a.id,
            "name": label(a, lang),
            "kind": a.kind,
            "parent": a.parent or "",
            "capability": fmt(caps[a.id], 4),
            "source": src(a.material.source, a.material.judgement, a.material.confidence),
        }
        for a in s.actors
    ]
    sec.data["issues"] = [
        {
            "id": i.id,
            "name": label(i, lang),
            "low": i.scale.low,
            "high": i.scale.high,
            "min": fmt(i.scale.min),
            "max": fmt(i.scale.max),
            "status_quo": None if i.status_quo is None else fmt(i.status_quo.value),
            "status_quo_source": None
            if i.status_quo is None
            else src(i.status_quo.source, i.status_quo.judgement, i.status_quo.confidence),
            "positions": [
                {
                    "actor": p.actor,
                    "position": fmt(p.position),
                    "salience": fmt(p.salience),
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
            "weight": fmt(c.weight),
            "measure": measure_text(s, c.id, lang),
            "source": src(c.source, c.judgement, c.confidence),
        }
        for c in s.criteria
    ]
    d = sec.data
    d["tables"] = [
        table(
            t("actors", lang),
            [
                t("id", lang),
                t("actor", lang),
                t("kind", lang),
                t("parent", lang),
                t("capability", lang),
                t("source", lang),
            ],
            [
                [
                    a["id"],
                    a["name"],
                    t_kind(a["kind"], lang),
                    a["parent"],
                    a["capability"],
                    a["source"],
                ]
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
            t("parameters", lang),
            [t("parameter", lang), t("value", lang), t("unit", lang), t("source", lang)],
            [
                [p["path"], p["value"], unit_text(p["unit"], lang), p["source"]]
                for p in d["parameters"]
            ],
        ),
        table(
            t("criterion", lang),
            [
                t("id", lang),
                t("criterion", lang),
                t("direction", lang),
                t("weight", lang),
                t("measure", lang),
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


def forecast_section(
    s: Scenario, lang: str, run: Runners, progress: Progress, settings: Settings | None = None
) -> Section:
    """Where the dialogue lands: the ensemble's predictive distribution per agenda issue (the
    headline: median, 50/80/95% intervals, the models' spread, threshold probabilities), then
    every registered bargaining model's point and the position-shift chart.
    """
    if not s.issues:
        raise NotApplicableError(tf("no_issues", lang))
    settings = settings or Settings()
    names = run.model_names()
    results: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for k, name in enumerate(names):
        progress(f"forecast: {name}", 0.5 * k / len(names))
        try:
            results[name] = run.forecast(s, name)
        except MelianError as exc:
            errors[name] = exc.message
    if not results:
        raise MelianError(
            "no bargaining model could forecast the agenda: "
            + "; ".join(f"{m}: {e}" for m, e in errors.items())
        )
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
                "cells": {m: fmt(v) for m, v in pts.items()},
                "spread": fmt(max(pts.values()) - min(pts.values())) if pts else "–",
            }
        )
    sec = Section(id="forecast", data={"models": list(results), "rows": rows, "errors": errors})
    tables: list[dict[str, Any]] = []
    notes = [tf("model_failed", lang, model=m, error=msg) for m, msg in errors.items()]
    if run.predictive is not None:
        progress("forecast: predictive distributions", 0.5)
        pf = run.predictive(
            s,
            seed=settings.seed,
            input_draws=settings.input_draws,
            progress=counting(progress, "forecast: predictive distributions", 0.5, 0.4),
        )
        progress("forecast: charts", 0.9)
        _predictive(s, lang, pf, sec, tables)
        notes.append(
            tf(
                "predictive_note",
                lang,
                models=", ".join(f"{m} {w:.2f}" for m, w in pf.weights.items()),
                draws=pf.input_draws,
                n=pf.n_samples,
            )
        )
    tables.append(
        table(
            t("point_forecast", lang),
            [t("issue", lang), t("status_quo", lang), *results, t("models_spread", lang)],
            [
                [r["name"], fmt(r["status_quo"]), *(r["cells"][m] for m in results), r["spread"]]
                for r in rows
            ],
        )
    )
    sec.data["tables"] = tables
    sec.data["notes"] = notes
    progress("forecast: charts", 0.95)
    sec.charts.append(
        {
            "title": t("point_forecast", lang),
            "uri": charts.model_comparison(rows, list(results), t("point_forecast", lang), lang),
        }
    )
    primary = next((m for m in ("smp", "bdm", "exchange") if m in results), None)
    if primary is not None:
        f = results[primary]
        names_of = {a.id: label(a, lang) for a in s.actors}
        issues = []
        for j, iss in enumerate(s.issues):
            d = f.issues[j].to_dict(f.actors)
            issues.append(
                {
                    "name": label(iss, lang),
                    "scale": (iss.scale.min, iss.scale.max),
                    "trajectory": {names_of.get(a, a): v for a, v in d["trajectory"].items()},
                    "point": f.issues[j].point,
                    "status_quo": None if iss.status_quo is None else iss.status_quo.value,
                }
            )
        title = f"{t('position_shift', lang)} ({primary})"
        progress("forecast: charts", 0.97)
        sec.charts.append({"title": title, "uri": charts.position_shift(issues, title, lang)})
        sec.data["primary"] = primary
        sec.data["primary_rounds"] = f.rounds
    sec.data["consensus"] = {
        r["id"]: float(np.median(list(r["points"].values()))) for r in rows if r["points"]
    }
    sec.data["raw"] = {m: f.to_dict() for m, f in results.items()}
    progress("forecast: done", 1.0)
    return sec


def _predictive(
    s: Scenario, lang: str, pf: Any, sec: Section, tables: list[dict[str, Any]]
) -> None:  # noqa: ANN401
    """The predictive distribution's table, interval chart and key judgements (into ``sec``)."""
    issues = {i.id: i for i in s.issues}
    dists = [it.to_dict() for it in pf.issues]
    rows = []
    judg: list[dict[str, str]] = []
    basis = tf("predictive_basis", lang, k=len(pf.models))
    for it in dists:
        iss = issues.get(it["issue"])
        name = label(iss, lang) if iss is not None else it["issue"]
        iv = it["intervals"]
        pts = [m["point"] for m in it["models"]]
        atoms = sorted(it["atoms"], key=lambda a: -a["probability"])[:2]
        rows.append(
            [
                name,
                fmt(it["median"]),
                f"{fmt(iv['50'][0])} – {fmt(iv['50'][1])}",
                f"{fmt(iv['80'][0])} – {fmt(iv['80'][1])}",
                f"{fmt(iv['95'][0])} – {fmt(iv['95'][1])}",
                f"{fmt(min(pts))} – {fmt(max(pts))}" if pts else "–",
                sep(lang).join(f"{fmt(a['value'])} ({100 * a['probability']:.0f}%)" for a in atoms)
                or "–",
            ]
        )
        lo, hi = iv["80"]
        text = tf(
            "interval_judgement",
            lang,
            issue=name,
            lo=fmt(lo),
            hi=fmt(hi),
            median=fmt(it["median"]),
            spread=fmt(it["model_spread"]),
        )
        if iss is not None and iss.scale.unit is not None:
            sc = iss.scale
            ulo, uhi = sc.unit_interval(lo, hi)
            (med,) = sc.unit_amounts(it["median"])
            text += tf(
                "interval_unit",
                lang,
                unit=unit_text(sc.unit.name, lang),
                lo=ulo,
                hi=uhi,
                median=med,
            )
        judg.append(judgement(0.8, text, lang, basis))
        for th in it["thresholds"]:
            judg.append(
                judgement(
                    th["probability"],
                    threshold_text(th, name, lang) + ".",
                    lang,
                    basis,
                )
            )
    title = tf("predictive_title", lang, k=len(pf.models))
    tables.append(
        table(
            title,
            [
                t("issue", lang),
                t("median", lang),
                "50%",
                "80%",
                "95%",
                t("models_points", lang),
                t("point_masses", lang),
            ],
            rows,
        )
    )
    sec.charts.append(
        {
            "title": title,
            "uri": charts.predictive_intervals(
                dists,
                title,
                lang,
                names={i.id: label(i, lang) for i in s.issues},
            ),
        }
    )
    sec.data["predictive"] = {
        "models": list(pf.models),
        "weights": dict(pf.weights),
        "issues": [
            {k: it[k] for k in ("issue", "median", "intervals", "model_spread", "thresholds")}
            for it in dists
        ],
    }
    sec.data["judgements"] = judg


def threshold_text(th: dict[str, Any], issue_name: str, lang: str) -> str:
    """A declared threshold in words: its label in English; in Arabic, built from the issue's
    Arabic name, the direction and the value (a threshold's label has no translation).
    """
    if lang == "en":
        return str(th["label"])
    value = f"{th['value']:,.0f}" if float(th["value"]).is_integer() else fmt(th["value"])
    return tf(
        f"threshold_{th['direction']}",
        lang,
        issue=issue_name,
        value=value,
        unit=unit_text(th.get("unit") or "", lang),
    ).replace(" ()", "")


# --------------------------------------------------------------------------- game
def strategy_labels(s: Scenario, lang: str) -> list[dict[str, str]]:
    """Display names of the game's strategies per mover: the focal actor's options by their
    label, then each responding player's responses by their name (in the game's move order).
    """
    out: list[dict[str, str]] = [
        {o.id: label(o, lang) for o in s.focal.options} if s.focal is not None else {}
    ]
    if s.game is not None:
        for p in s.game.players:
            out.append({r.id: label(r, lang) for r in s.game.responses.get(p, [])})
    return out


def profile_text(text: str, names: list[dict[str, str]]) -> str:
    """A profile such as ``ally / support | drift / accept`` with every strategy id named (the
    k-th strategy of a profile is the k-th mover's).
    """
    if not isinstance(text, str):
        return "–"
    if " / " not in text:
        return text
    return " | ".join(
        " / ".join(
            (names[k] if k < len(names) else {}).get(x.strip(), x.strip())
            for k, x in enumerate(alt.split(" / "))
        )
        for alt in text.split(" | ")
    )


def game_section(
    s: Scenario, lang: str, run: Runners, progress: Progress, settings: Settings | None = None
) -> Section:
    """The alliance game under both framings: equilibria, the propositions checked, payoffs."""
    if s.game is None:
        raise NotApplicableError(tf("no_game", lang))
    progress("game: solving", 0.1)
    g = run.game(s).to_dict()
    sec = Section(
        id="game",
        data={"raw": {k: g[k] for k in ("framing", "players", "roles", "framings", "solution")}},
    )
    names = strategy_labels(s, lang)
    fr = g["framings"]
    sec.data["tables"] = [
        table(
            t("equilibria", lang),
            [
                h("framing", lang),
                h("Nash (simultaneous responses)", lang),
                h("subgame-perfect (sequential)", lang),
            ],
            [
                [
                    tf(f, lang) if f in ("zero-sum", "variable-sum") else f,
                    profile_text(d.get("pure_nash", "–"), names),
                    profile_text(d.get("spe_outcome", "–"), names),
                ]
                for f, d in fr.items()
            ],
        ),
    ]
    claims: dict[str, dict[str, Any]] = {}
    for f, d in fr.items():
        for c in d["claims"]:
            row = claims.setdefault(
                c["id"], {"statement": c["statement"], "by": {}, "detail": {}, "narrow": {}}
            )
            row["by"][f] = c["holds"]
            row["detail"][f] = c["detail"]
            row["narrow"][f] = bool(c.get("narrow"))
    framings = list(fr)
    cited = claims_source(s)
    cite = None
    if cited is not None and cited in s.sources:
        cite = s.sources[cited].citation
    sec.data["claims_source"] = cited
    title = t("claims_source" if cited else "claims_theory", lang)
    if cite:
        title += f" ({cite})"
    show_detail = lang == "en"  # the conditions are generated in English by the game module

    def verdict(v: bool | None, narrow: bool = False) -> str:
        text = t("na", lang) if v is None else t("yes" if v else "no", lang)
        return f"{text} ({t('narrow_margin', lang)})" if narrow else text

    sec.data["tables"].append(
        table(
            title,
            [
                t("claim", lang),
                *[
                    f"{t('holds', lang)} ({tf(f, lang) if f in ('zero-sum', 'variable-sum') else f})"
                    for f in framings
                ],
                *([t("conditions", lang)] if show_detail else []),
            ],
            [
                [
                    claim_text(cid, c["statement"], lang),
                    *[verdict(c["by"].get(f), c["narrow"].get(f, False)) for f in framings],
                    *(
                        [" | ".join(f"{f}: {c['detail'][f]}" for f in framings if f in c["detail"])]
                        if show_detail
                        else []
                    ),
                ]
                for cid, c in claims.items()
            ],
        )
    )
    sec.data["claims"] = claims
    sec.data["paragraphs"] = [t("claims_intro_source" if cited else "claims_intro_theory", lang)]
    if any(any(c["narrow"].values()) for c in claims.values()):
        sec.data["paragraphs"].append(tf("claims_narrow", lang, share=f"{NARROW_SHARE:.0%}"))
    focal = s.focal.actor if s.focal else g["players"][0]
    first = {p: g["strategies"][p][0]["id"] for p in g["players"][1:]}
    rows = [r for r in g["payoff_table"] if all(r["profile"][p] == a for p, a in first.items())]
    comps = sorted({c for r in rows for c in r["components"][focal]})
    labels = [names[0].get(r["profile"][focal], r["profile"][focal]) for r in rows]
    series = {h(c, lang): [r["components"][focal].get(c, 0.0) for r in rows] for c in comps}
    actor_names = {a.id: label(a, lang) for a in s.actors}
    resp = {p: names[k + 1] for k, p in enumerate(s.game.players) if k + 1 < len(names)}
    when = " / ".join(
        f"{actor_names.get(p, p)}: {resp.get(p, {}).get(a, a)}" for p, a in first.items()
    )
    title = f"{t('payoff_components', lang)}: {actor_names.get(focal, focal)} ({when})"
    sec.data["tables"].append(
        table(
            title,
            [t("option", lang), *(h(c, lang) for c in comps), t("total", lang)],
            [
                [lab, *(fmt(v[k]) for v in series.values()), fmt(rows[k]["payoffs"][focal])]
                for k, lab in enumerate(labels)
            ],
        )
    )
    sec.charts.append(
        {
            "title": title,
            "uri": charts.bars(
                [x[:28] for x in labels], series, title, h("utility", lang), lang, stacked=True
            ),
        }
    )
    qre = g["solution"].get("qre") or []
    if qre:
        last = qre[-1]
        top = max(last["profile"][focal].items(), key=lambda kv: kv[1])
        sec.data["paragraphs"].append(
            tf(
                "qre",
                lang,
                lam=fmt(last["lambda"]),
                actor=actor_names.get(focal, focal),
                option=names[0].get(top[0], top[0]),
                p=fmt(top[1], 2),
            )
        )
    progress("game: done", 1.0)
    return sec


def ranking_section(
    s: Scenario,
    lang: str,
    settings: Settings,
    secs: dict[str, Section],
    run: Runners,
    progress: Progress,
) -> Section:
    """MCDA ranking of the options (TOPSIS and weighted sum, two normalisations) with weight stability."""
    if not s.criteria or s.focal is None:
        raise NotApplicableError(tf("no_criteria", lang))
    progress("ranking: evidence", 0.05)
    r = run.rank(
        s,
        paths=settings.paths,
        seed=settings.seed,
        progress=counting(progress, "ranking: evidence", 0.05, 0.8),
    )
    d = r.to_dict()
    sec = Section(id="ranking", data={"raw": {k: d[k] for k in d if k != "evidence"}})
    methods = d["methods"]
    opts = d["options"]
    # the world criteria's horizon: the ranking passes none, so the world model's default applies
    world = (d.get("evidence") or {}).get("details", {}).get("world") or {}
    months = world.get("horizon")
    over = "" if months is None else tf("over_months", lang, months=months)
    world_over = "" if months is None else tf("world_over", lang, months=months)
    tables = [
        table(
            f"{t('ranking', lang)} ({t('weight', lang)}: {h(str(d['weights_from']), lang)}"
            + (f"{sep(lang)}{world_over}" if world_over else "")
            + ")",
            [t("option", lang), *methods],
            [
                [
                    option_name(s, o, lang),
                    *(f"{fmt(m['scores'][o])} ({m['ranks'][o]})" for m in methods.values()),
                ]
                for o in opts
            ],
        )
    ]
    crit = [c["id"] for c in d["criteria"]]
    cname = {c.id: label(c, lang) for c in s.criteria}
    tables.append(
        table(
            h("criterion values per option (the evidence)", lang)
            + (f" ({world_over})" if world_over else ""),
            [t("option", lang), *(cname.get(c, c) for c in crit)],
            [[option_name(s, o, lang), *(fmt(d["matrix"][o][c]) for c in crit)] for o in opts],
        )
    )
    tables.append(_criteria_table(s, lang, d, cname, over))
    stab = d.get("stability", {}).get(d["primary"], [])
    if stab:
        tables.append(
            table(
                tf("stability_title", lang, method=d["primary"]),
                [
                    t("criterion", lang),
                    t("weight", lang),
                    h("interval", lang),
                    h("top option below / above it", lang),
                ],
                [
                    [
                        cname.get(x["criterion"], x["criterion"]),
                        fmt(x["weight"]),
                        f"[{fmt(x['low'])}, {fmt(x['high'])}]",
                        f"{option_name(s, x['top_below_low'], lang) if x.get('top_below_low') else '–'}"
                        " / "
                        f"{option_name(s, x['top_above_high'], lang) if x.get('top_above_high') else '–'}",
                    ]
                    for x in stab
                ],
            )
        )
    top = d["top"]
    agree = bool(d.get("same_top_under_every_method"))
    if agree:
        paras = [tf("top_agree", lang, method=d["primary"], top=option_name(s, top, lang))]
    else:
        detail = ", ".join(f"{k}: {option_name(s, m['top'], lang)}" for k, m in methods.items())
        paras = [
            tf(
                "top_disagree",
                lang,
                method=d["primary"],
                top=option_name(s, top, lang),
                detail=detail,
            )
        ]
    first = first_on(d, top)
    flat = list(d.get("non_discriminating") or [])
    ties = {c: o for c, o in tied_first_on(d, top).items() if c not in flat}
    sec.data.update(first_on=first, tied_first_on=ties, non_discriminating=flat)
    cq = secs.get("consequences")
    cmonths = cq.data.get("horizon") if cq is not None and cq.ok else None
    paras += _ranking_notes(
        s,
        lang,
        top,
        [cname.get(c, c) for c in first],
        len(crit),
        world,
        cmonths,
        ties={
            cname.get(c, c): [quoted(option_name(s, o, lang), lang) for o in os]
            for c, os in ties.items()
        },
        flat=[cname.get(c, c) for c in flat],
    )
    if d.get("ahp"):
        paras.append(tf("ahp_cr", lang, cr=fmt(d["ahp"].get("consistency_ratio"), 2)))
    sec.data.update(tables=tables, paragraphs=paras, top=top, agree=agree, horizon=months)
    sec.charts.append(
        {
            "title": t("ranking", lang),
            "uri": charts.bars(
                [option_name(s, o, lang)[:28] for o in opts],
                {k: [m["scores"][o] for o in opts] for k, m in methods.items()},
                t("ranking", lang),
                t("score", lang),
                lang,
            ),
        }
    )
    progress("ranking: done", 1.0)
    return sec


def _criteria_table(
    s: Scenario, lang: str, d: dict[str, Any], cname: dict[str, str], over: str
) -> dict[str, Any]:
    """The ranking's criteria: direction, weight, where each value comes from (a world
    criterion with its horizon, ``over``) and the indifference threshold when it is more than
    the floating-point tolerance (two Monte Carlo standard errors of a difference, or given).
    """
    world_ids = {c.id for c in s.criteria if c.measure.kind == "world"}
    return table(
        t("criterion", lang),
        [
            t("criterion", lang),
            t("direction", lang),
            t("weight", lang),
            h("from", lang),
            h("indifference threshold", lang),
        ],
        [
            [
                cname.get(c["id"], c["id"]),
                t("higher" if c["direction"] == "max" else "lower", lang),
                fmt(c["weight"]),
                (c["provenance"] if lang == "en" else measure_text(s, c["id"], lang))
                + (over if c["id"] in world_ids else ""),
                fmt(c.get("indifference_threshold"))
                if c.get("threshold_basis") in ("monte-carlo", "given")
                else "–",
            ]
            for c in d["criteria"]
        ],
    )


def _ranking_notes(
    s: Scenario,
    lang: str,
    top: str,
    first: list[str],
    m: int,
    world: dict[str, Any],
    cmonths: int | None,
    *,
    ties: dict[str, list[str]] | None = None,
    flat: list[str] | None = None,
) -> list[str]:
    """What the ranking's top option leads on taken alone (``first``, the names of those of the
    ``m`` criteria), where it is only tied for first (``ties``: criterion name -> the names of
    the options within the criterion's indifference threshold of it), the criteria that do not
    discriminate between the options (``flat``, names), and the horizon of its world criteria
    (``world``: the ensemble's settings, empty without world criteria) beside the consequences'
    (``cmonths``).
    """
    name = option_name(s, top, lang)
    if len(first) == m:
        out = [tf("first_on_all", lang, top=name)]
    else:
        names = sep(lang).join(first) or "–"
        out = [tf("first_on_some", lang, top=name, k=len(first), m=m, names=names)]
    if ties:
        comma = "، " if lang == "ar" else ", "
        parts = [tf("tied_with", lang, criterion=c, options=comma.join(o)) for c, o in ties.items()]
        out.append(tf("first_on_ties", lang, n=len(ties), names=sep(lang).join(parts)))
    if flat:
        out.append(tf("not_discriminating", lang, names=sep(lang).join(flat)))
    months = world.get("horizon")
    if months is not None:
        key = "ranking_horizon_alone" if cmonths in (None, months) else "ranking_horizon"
        paths = f"{world.get('paths', 0):,}"
        out.append(tf(key, lang, months=months, paths=paths, cmonths=cmonths))
    return out


def _standings(d: dict[str, Any], option: str) -> dict[str, Standing]:
    """Where ``option`` stands on each criterion taken alone, from a ranking's ``to_dict()``:
    its decision matrix, the criteria's directions and indifference thresholds (the
    floating-point tolerance of the column when the dict has none).
    """
    out = {}
    for c in d["criteria"]:
        vals = {o: float(d["matrix"][o][c["id"]]) for o in d["options"]}
        q = c.get("indifference_threshold")
        if q is None:
            q = tolerance(np.array(list(vals.values())))
        out[c["id"]] = standing(vals, c["direction"], float(q), option)
    return out


def first_on(d: dict[str, Any], option: str) -> list[str]:
    """The criteria on which ``option`` leads taken alone: it is best there and every other
    option is worse by more than the criterion's indifference threshold (a tie at the top is
    not a lead: :func:`tied_first_on`), from a ranking's ``to_dict()``.
    """
    return [c for c, x in _standings(d, option).items() if x.lead]


def tied_first_on(d: dict[str, Any], option: str) -> dict[str, list[str]]:
    """The criteria on which ``option`` is tied for first taken alone (no option is better by
    more than the indifference threshold, but some come within it), each with the options it is
    tied with, from a ranking's ``to_dict()``.
    """
    return {
        c: list(x.tied_with) for c, x in _standings(d, option).items() if x.first and not x.lead
    }


# --------------------------------------------------------------------------- conclusions
def conclusions(
    s: Scenario, lang: str, secs: dict[str, Section]
) -> tuple[list[str], list[dict[str, str]], list[str]]:
    """Bottom line, key judgements (ICD 203 words) and signposts derived from the sections."""
    bluf: list[str] = []
    judgements: list[dict[str, str]] = []
    signposts: list[str] = []
    rec = s.focal.recommended if s.focal else None
    fc = secs.get("forecast")
    if fc is not None and fc.ok:
        bluf.extend(_forecast_bluf(s, lang, fc))
    game = secs.get("game")
    if game is not None and game.ok:
        fr = game.data["raw"]["framings"]
        names = strategy_labels(s, lang)
        for f, d in fr.items():
            bluf.append(
                tf(
                    "game_path",
                    lang,
                    framing=tf(f, lang) if f in ("zero-sum", "variable-sum") else f,
                    path=profile_text(d.get("spe_outcome", "–"), names),
                )
            )
        held = {cid: c["by"] for cid, c in game.data["claims"].items()}
        n = sum(1 for by in held.values() if all(by.values()))
        key = "claims_hold_source" if game.data.get("claims_source") else "claims_hold_theory"
        bluf.append(tf(key, lang, n=n, m=len(held)))
    rk = secs.get("ranking")
    top = None
    if rk is not None and rk.ok:
        top = rk.data["top"]
        if rec:
            key = "best_agrees" if top == rec else "best_differs"
            sentence = tf(key, lang, top=option_name(s, top, lang), rec=option_name(s, rec, lang))
        else:
            sentence = tf("best_plain", lang, top=option_name(s, top, lang))
        bluf.insert(0, sentence)
    rb = secs.get("robustness")
    if rb is not None and rb.ok:
        bluf.extend(_robustness_bluf(s, lang, rb, rk if rk is not None and rk.ok else None))
    if rec:
        bluf.insert(0, tf("source_recommends", lang, option=option_name(s, rec, lang)))
    for sec in secs.values():
        judgements.extend(sec.data.get("judgements", []))
        signposts.extend(sec.data.get("signposts", []))
    cq = secs.get("consequences")
    if cq is not None and cq.ok:
        judgements.extend(consequence_judgements(s, lang, cq, top or reference_option(s)))
    return bluf, judgements, signposts


def _in_unit(iss: Any, med: float, lo: float, hi: float, lang: str) -> str:  # noqa: ANN401
    """`` (= median [lo – hi] unit)`` for an issue whose scale declares a unit, else ""."""
    if iss is None or iss.scale.unit is None:
        return ""
    sc = iss.scale
    ulo, uhi = sc.unit_interval(lo, hi)
    (umed,) = sc.unit_amounts(med)
    return f" (= {umed} [{ulo} – {uhi}] {unit_text(sc.unit.name, lang)})"


def _forecast_bluf(s: Scenario, lang: str, fc: Section) -> list[str]:
    """The bottom line on where the dialogue lands: the ensemble's median and 80% interval per
    issue, else the models' median forecast.
    """
    if fc.data.get("predictive"):
        issues = {i.id: i for i in s.issues}
        parts = []
        for it in fc.data["predictive"]["issues"]:
            iss = issues.get(it["issue"])
            med, (lo, hi) = it["median"], it["intervals"]["80"]
            text = f"{label(iss, lang) if iss else it['issue']}: {fmt(med)} [{fmt(lo)} – {fmt(hi)}]"
            parts.append(text + _in_unit(iss, med, lo, hi, lang))
        return [tf("predictive_bluf", lang, parts=sep(lang).join(parts))]
    if not fc.data.get("consensus"):
        return []
    parts = []
    for iss in s.issues:
        v = fc.data["consensus"].get(iss.id)
        if v is not None:
            sq = iss.status_quo.value if iss.status_quo else None
            delta = f"{'+' if v >= sq else ''}{v - sq:.1f}" if sq is not None else ""
            move = "" if sq is None else f" ({tf('from_sq', lang, delta=delta)})"
            parts.append(f"{label(iss, lang)}: {v:.1f}{move}")
    return [tf("median_forecast", lang, parts=sep(lang).join(parts))]


def _robustness_bluf(s: Scenario, lang: str, rb: Section, rk: Section | None) -> list[str]:
    """The bottom line on what would change the recommendation, naming the option it speaks
    of; first, when the ranking puts another option first, a sentence that says so and why.
    """
    out: list[str] = []
    src = (rb.data.get("views") or {}).get("source") or {}
    br = src.get("breaking")
    pr = rb.data.get("prim")
    on = rb.data.get("on", "world")
    basis = t(f"basis_{on}", lang)
    counts = (pr or {}).get("best_counts") or {}
    # the option best in most sampled futures (not PRIM's reference option)
    most = max(counts, key=lambda o: counts[o]) if counts else None
    rtop = br["top"] if br else most or (pr or {}).get("recommended")
    if rk is not None and rtop is not None and rtop != rk.data["top"]:
        share = ""
        if pr and pr.get("experiments"):
            n = pr["experiments"]
            k = counts.get(rtop, 0)
            share = tf("top_differs_share", lang, pct=f"{100 * k / n:.1f}", n=n)
        out.append(
            tf(
                "top_differs",
                lang,
                method=rk.data["raw"]["primary"],
                top=option_name(s, rk.data["top"], lang),
                rtop=option_name(s, rtop, lang),
                share=share,
            )
        )
    if br:
        near = nearest(br)
        beta = near.get("beta")
        fields = {"top": option_name(s, br["top"], lang), "basis": basis}
        if near.get("within_error"):
            winner = option_name(s, near.get("winner"), lang)
            out.append(tf("bluf_unresolved", lang, winner=winner, **fields))
        elif beta is None:
            out.append(tf("bluf_no_flip", lang, **fields))
        else:
            key = "bluf_flip_outside" if beta > 2.0 else "bluf_flip_inside"
            movers = ", ".join(near.get("movers", [])[:3])
            out.append(tf(key, lang, beta=f"{beta:.1f}", movers=movers, **fields))
    if pr:
        months = rb.data.get("horizon")
        out.append(
            tf(
                "not_best_share",
                lang,
                n=pr["experiments"],
                option=option_name(s, pr.get("recommended") or rtop, lang),
                basis=basis,
                over="" if months is None else tf("over_months", lang, months=months),
                pct=f"{100 * pr['base_rate']:.1f}",
                se=f"{100 * share_se(pr):.1f}",
            )
        )
        ref = pr.get("recommended")
        if s.focal is not None and s.focal.recommended is None and ref and most is not None:
            out.append(
                tf(
                    "reference_fallback",
                    lang,
                    option=option_name(s, ref, lang),
                    best=option_name(s, most, lang),
                    pct=f"{100 * counts[most] / max(pr['experiments'], 1):.1f}",
                )
            )
    return out


def signposts_note(lang: str, secs: dict[str, Section], signposts: list[str]) -> str:
    """Why the brief has no signposts (empty when it has some): the breaking points they come
    from were not computed (the quick brief) or found no input near enough, or nothing was
    explored; and, when the world's breakeven sets no threshold, that too.
    """
    if signposts:
        return ""
    rb = secs.get("robustness")
    views = (rb.data.get("views") or {}) if rb is not None and rb.ok else {}
    if not views:
        why = tf("sp_why_unexplored", lang)
    elif not any(v.get("breaking") for v in views.values()):
        why = tf("sp_why_quick", lang)
    else:
        why = tf("sp_why_far", lang, z=fmt(2 * WITHIN))
    text = tf("sp_none", lang, why=why)
    cq = secs.get("consequences")
    if cq is not None and cq.ok and cq.data.get("no_threshold"):
        text += " " + tf("sp_why_no_threshold", lang)
    return text
