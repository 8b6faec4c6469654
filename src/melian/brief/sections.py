"""The brief's analysis sections (game, consequences, robustness, ranking) and its conclusions.

Each builder calls one package's public function on the scenario and turns its ``to_dict()``
result into tables, charts and sentences. The conclusions (bottom line, key judgements with ICD 203
likelihood words, signposts) are derived from those results, never written by hand.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from melian.brief import charts
from melian.brief.base import Progress, Runners, Section, Settings, fmt, label, table
from melian.brief.i18n import h, t, tf
from melian.brief.likelihood import likelihood_words
from melian.errors import MelianError, ModelError
from melian.scenario.capability import capabilities
from melian.scenario.schema import Parameter, Scenario


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
            out += f" ({t('judgement', lang)}" + (f", {confidence})" if confidence else ")")
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


def forecast_section(s: Scenario, lang: str, run: Runners, progress: Progress) -> Section:
    """Every registered bargaining model on every agenda issue, and the position-shift chart."""
    if not s.issues:
        return Section(id="forecast", ok=False, error="the scenario has no agenda issues")
    names = run.model_names()
    results: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for k, name in enumerate(names):
        progress(f"forecast: {name}", k / len(names))
        try:
            results[name] = run.forecast(s, name)
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
                "cells": {m: fmt(v) for m, v in pts.items()},
                "spread": fmt(max(pts.values()) - min(pts.values())) if pts else "–",
            }
        )
    sec = Section(id="forecast", data={"models": list(results), "rows": rows, "errors": errors})
    sec.data["tables"] = [
        table(
            t("point_forecast", lang),
            [t("issue", lang), t("status_quo", lang), *results],
            [[r["name"], fmt(r["status_quo"]), *(r["cells"][m] for m in results)] for r in rows],
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


def _opt_name(s: Scenario, oid: str, lang: str = "en") -> str:
    try:
        return label(s.option(oid), lang)
    except KeyError:
        return oid


# --------------------------------------------------------------------------- game
def game_section(s: Scenario, lang: str, run: Runners, progress: Progress) -> Section:
    """The alliance game under both framings: equilibria, the source's claims, payoff components."""
    if s.game is None:
        raise ModelError("the scenario has no game section")
    progress("game: solving", 0.1)
    g = run.game(s).to_dict()
    sec = Section(
        id="game",
        data={"raw": {k: g[k] for k in ("framing", "players", "roles", "framings", "solution")}},
    )
    fr = g["framings"]
    sec.data["tables"] = [
        table(
            t("equilibria", lang),
            [
                h("framing", lang),
                h("Nash (simultaneous responses)", lang),
                h("subgame-perfect (sequential)", lang),
            ],
            [[f, d.get("pure_nash", "–"), d.get("spe_outcome", "–")] for f, d in fr.items()],
        ),
    ]
    claims: dict[str, dict[str, Any]] = {}
    for f, d in fr.items():
        for c in d["claims"]:
            row = claims.setdefault(c["id"], {"statement": c["statement"], "by": {}, "detail": {}})
            row["by"][f] = c["holds"]
            row["detail"][f] = c["detail"]
    names = list(fr)
    sec.data["tables"].append(
        table(
            t("claims", lang),
            [
                t("claim", lang),
                *[f"{t('holds', lang)} ({f})" for f in names],
                t("conditions", lang),
            ],
            [
                [
                    c["statement"],
                    *[t("yes" if c["by"].get(f) else "no", lang) for f in names],
                    " | ".join(f"{f}: {c['detail'][f]}" for f in names if f in c["detail"]),
                ]
                for c in claims.values()
            ],
        )
    )
    sec.data["claims"] = claims
    focal = s.focal.actor if s.focal else g["players"][0]
    first = {p: g["strategies"][p][0]["id"] for p in g["players"][1:]}
    rows = [r for r in g["payoff_table"] if all(r["profile"][p] == a for p, a in first.items())]
    comps = sorted({c for r in rows for c in r["components"][focal]})
    labels = [r["profile"][focal] for r in rows]
    series = {c: [r["components"][focal].get(c, 0.0) for r in rows] for c in comps}
    when = " / ".join(f"{p}: {a}" for p, a in first.items())
    title = f"{t('payoff_components', lang)}: {focal} ({when})"
    sec.data["tables"].append(
        table(
            title,
            [t("option", lang), *comps, "total"],
            [
                [lab, *(fmt(series[c][k]) for c in comps), fmt(rows[k]["payoffs"][focal])]
                for k, lab in enumerate(labels)
            ],
        )
    )
    sec.charts.append(
        {
            "title": title,
            "uri": charts.bars(labels, series, title, h("utility", lang), lang, stacked=True),
        }
    )
    qre = g["solution"].get("qre") or []
    if qre:
        last = qre[-1]
        top = max(last["profile"][focal].items(), key=lambda kv: kv[1])
        sec.data["paragraphs"] = [
            tf("qre", lang, lam=fmt(last["lambda"]), actor=focal, option=top[0], p=fmt(top[1], 2))
        ]
    progress("game: done", 1.0)
    return sec


# --------------------------------------------------------------------------- placeholders wired later
EVENTS = ("salary_crisis", "security_crisis", "fragmentation", "sanctions")


def consequences_section(
    s: Scenario, lang: str, settings: Settings, run: Runners, progress: Progress
) -> Section:
    """World-model ensemble per option: a fan chart per declared band, and the risk table."""
    if s.focal is None:
        raise ModelError("the scenario has no focal actor with options to simulate")

    def prog(done: int, total: int) -> None:
        progress("consequences: simulating", done / max(total, 1))

    progress("consequences: simulating", 0.0)
    ens = run.simulate(
        s, paths=settings.paths, horizon=settings.horizon, seed=settings.seed, progress=prog
    )
    d = ens.to_dict()
    opts = d["options"]
    sec = Section(
        id="consequences",
        data={
            "raw": {
                k: d[k]
                for k in (
                    "paths",
                    "horizon",
                    "seed",
                    "months",
                    "reference_payroll_price",
                    "band_units",
                )
            }
        },
    )
    months = list(range(1, len(d["months"]) + 1))
    units = d["band_units"]
    declared = d.get("declared", {})
    # the price a budget's breakeven is stated in: its reference line goes on bands of that unit
    price_unit = next((v["unit"] for v in declared.values() if v.get("role") == "breakeven"), None)
    for band, spec in declared.items():
        if spec["kind"] != "band":
            continue
        what = ens.label(band, lang)
        ref = d.get("reference_payroll_price") if spec["unit"] == price_unit else None
        bands = {
            _opt_name(s, o, lang): r["bands"][band] for o, r in opts.items() if band in r["bands"]
        }
        if bands:
            title = f"{what} ({units.get(band, '')})"
            sec.charts.append(
                {
                    "title": f"{t('fan_charts', lang)}: {title}",
                    "uri": charts.fan_chart(months, bands, title, units.get(band, ""), lang, ref),
                }
            )
    ev = [e for e in EVENTS if all(e in r["probabilities"] for r in opts.values())]
    rows = []
    for o, r in opts.items():
        m = r["metrics"]
        rows.append(
            [
                _opt_name(s, o, lang),
                *(f"{100 * r['probabilities'][e]:.1f}%" for e in ev),
                fmt(m["arrears_months"]["mean"]),
                fmt(m["reserves_end"]["p50"]),
                fmt(m["reserves_end"]["cvar95"]),
                fmt(m["debt_end"]["mean"]),
                fmt(r["payroll_breakeven"]["p50"]),
                fmt(r["payroll_covering_price_simulated"]["price"]),
            ]
        )
    cols = [
        t("option", lang),
        *[f"P({e})" for e in ev],
        h("arrears months (mean)", lang),
        h("reserves at horizon (median)", lang),
        h("reserves CVaR95", lang),
        h("debt at horizon (mean)", lang),
        h("payroll-covering price (median)", lang),
        h("price at 50% arrears risk", lang),
    ]
    sec.data["tables"] = [
        table(f"{t('risk_table', lang)} ({d['paths']:,} paths x {d['horizon']} months)", cols, rows)
    ]
    sec.data["probabilities"] = {o: r["probabilities"] for o, r in opts.items()}
    ref = d.get("reference_payroll_price")
    rec = s.focal.recommended or s.option_ids[0]
    if rec in opts:
        be = opts[rec]["payroll_breakeven"]["p50"]
        sim = opts[rec]["payroll_covering_price_simulated"]["price"]
        sec.data["paragraphs"] = [
            tf(
                "payroll_price",
                lang,
                be=_price(be),
                sim=_price(sim),
                ref=_price(ref),
            )
        ]
        sec.data["signposts"] = [tf("sp_price", lang, be=_price(be), sim=_price(sim))]
    judg = []
    basis = tf("world_basis", lang, paths=f"{d['paths']:,}")

    def said(option: str, e: str) -> str:
        return tf(
            "under_option",
            lang,
            option=_opt_name(s, option, lang),
            event=tf(f"ev_{e}", lang),
            months=d["horizon"],
        )

    for e in ev:
        p_rec = opts[rec]["probabilities"][e] if rec in opts else None
        if p_rec is not None:
            judg.append(judgement(p_rec, said(rec, e), lang, basis))
        worst = max(opts, key=lambda o: opts[o]["probabilities"][e])
        if worst != rec:
            judg.append(judgement(opts[worst]["probabilities"][e], said(worst, e), lang, basis))
    sec.data["judgements"] = judg
    progress("consequences: done", 1.0)
    return sec


def _price(x: float | None) -> str:
    """A price rounded to a whole money unit, or '–' when the model could not determine it."""
    return "–" if x is None or not math.isfinite(x) else f"{x:.0f}"


def _counts(d: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in d.items())


def _prim_limit(r: dict[str, Any]) -> str:
    lo, hi = r.get("value_low"), r.get("value_high")
    if lo is not None and hi is not None:
        return f"{fmt(lo)} to {fmt(hi)}"
    if lo is not None:
        return f">= {fmt(lo)}"
    return f"<= {fmt(hi)}"


def robustness_section(
    s: Scenario, lang: str, settings: Settings, run: Runners, progress: Progress
) -> Section:
    """When does the answer change: tornado swings, PRIM boxes and regret across the ensemble."""
    if s.focal is None:
        raise ModelError("the scenario has no focal actor with options to compare")
    n_prim = settings.prim_samples
    n_regret = settings.regret_samples
    paths = settings.explore_paths
    sec = Section(id="robustness")
    tables: list[dict[str, Any]] = []
    paras: list[str] = []
    signposts: list[str] = []
    judg: list[dict[str, str]] = []

    progress("robustness: tornado", 0.0)
    tor = run.explore(
        s, "tornado", paths_per_sample=settings.tornado_paths, seed=settings.seed
    ).to_dict()
    rec = tor.get("recommended") or (s.focal.recommended or s.option_ids[0])
    diffs = [o for o in tor["outputs"] if o.get("versus") and o["outcome"] == "utility"]
    if diffs:
        close = min(diffs, key=lambda o: abs(o["base"]))
        title = f"{t('tornado', lang)}: utility of '{rec}' minus '{close['versus']}'"
        bars = [
            {"name": b["parameter"], "low": b["output_at_low"], "high": b["output_at_high"]}
            for b in close["bars"]
        ]
        sec.charts.append(
            {
                "title": title,
                "uri": charts.tornado(
                    bars, title, h("utility difference", lang), lang, base=close["base"]
                ),
            }
        )
        top = sorted(close["bars"], key=lambda b: -b["width"])[:3]
        signposts += [
            tf(
                "sp_tornado",
                lang,
                param=b["parameter"],
                rec=rec,
                alt=close["versus"],
                lo=fmt(b["output_at_low"]),
                hi=fmt(b["output_at_high"]),
            )
            for b in top
        ]
        sec.data["tornado"] = {
            "versus": close["versus"],
            "base": close["base"],
            "bars": close["bars"],
        }

    def prog(step: str, lo: float, hi: float) -> Callable[[int, int], None]:
        return lambda done, total: progress(
            f"robustness: {step}", lo + (hi - lo) * done / max(total, 1)
        )

    prim = run.explore(
        s,
        "prim",
        samples=n_prim,
        paths_per_sample=paths,
        seed=settings.seed,
        scheduler="synchronous",
        progress=prog("PRIM", 0.2, 0.6),
    ).to_dict()
    sec.data["prim"] = {
        k: prim[k] for k in ("experiments", "cases_not_best", "base_rate", "best_counts")
    }
    tables.append(
        table(
            f"{t('prim', lang)}: which option is best across {prim['experiments']} sampled futures",
            [t("option", lang), h("futures where best", lang)],
            [
                [_opt_name(s, o, lang), f"{n} ({100 * n / prim['experiments']:.1f}%)"]
                for o, n in prim["best_counts"].items()
            ],
        )
    )
    p_holds = 1.0 - prim["base_rate"]
    judg.append(
        judgement(
            p_holds,
            tf("best_across_futures", lang, option=_opt_name(s, rec, lang)),
            lang,
            tf("prim_basis", lang, n=prim["experiments"], paths=paths),
        )
    )
    for b in prim["boxes"]:
        tables.append(
            table(
                f"PRIM box {b['box']}: coverage {fmt(b['coverage'], 2)}, density {fmt(b['density'], 2)}, "
                f"mass {fmt(b['mass'], 2)} (best inside: {_counts(b['best_alternatives_inside'])})",
                [t("parameter", lang), h("range in the box", lang), h("quasi-p (low, high)", lang)],
                [
                    [
                        r["parameter"],
                        _prim_limit(r),
                        f"{fmt(r.get('qp_low'), 2)}, {fmt(r.get('qp_high'), 2)}",
                    ]
                    for r in b["restricted_dimensions"]
                ],
            )
        )
        for r in b["restricted_dimensions"][:3]:
            signposts.append(
                tf(
                    "sp_prim",
                    lang,
                    param=r["parameter"],
                    limit=_prim_limit(r),
                    box=b["box"],
                    rec=rec,
                )
            )
    if not prim["boxes"]:
        paras.append(
            tf("prim_no_box", lang, rec=rec, k=prim["cases_not_best"], n=prim["experiments"])
        )

    reg = run.explore(
        s,
        "regret",
        samples=n_regret,
        paths_per_sample=paths,
        seed=settings.seed,
        scheduler="synchronous",
        progress=prog("regret", 0.6, 1.0),
    ).to_dict()
    u = reg["regret"].get("utility")
    if u:
        tables.append(
            table(
                f"{t('regret', lang)} (utility on the world-model criteria, {reg['experiments']} futures)",
                [
                    t("option", lang),
                    h("maximum regret", lang),
                    h("90th percentile", lang),
                    h("mean regret", lang),
                ],
                [
                    [_opt_name(s, o, lang), fmt(v["max"]), fmt(v["p90"]), fmt(v["mean"])]
                    for o, v in u.items()
                ],
            )
        )
        choice = reg["minimax_regret_choice"].get("utility")
        key = "minimax_is_rec" if choice == rec else "minimax_not_rec"
        paras.append(tf(key, lang, choice=_opt_name(s, choice, lang), rec=_opt_name(s, rec, lang)))
    sec.data.update(
        tables=tables,
        paragraphs=paras,
        signposts=signposts,
        judgements=judg,
        regret={"minimax_regret_choice": reg["minimax_regret_choice"]},
    )
    progress("robustness: done", 1.0)
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
        raise ModelError("the scenario has no decision criteria or no options to rank")
    progress("ranking: evidence", 0.1)
    r = run.rank(s, paths=settings.paths, seed=settings.seed)
    d = r.to_dict()
    sec = Section(id="ranking", data={"raw": {k: d[k] for k in d if k != "evidence"}})
    methods = d["methods"]
    opts = d["options"]
    tables = [
        table(
            f"{t('ranking', lang)} ({t('weight', lang)}: {d['weights_from']})",
            [t("option", lang), *methods],
            [
                [
                    _opt_name(s, o, lang),
                    *(f"{fmt(m['scores'][o])} ({m['ranks'][o]})" for m in methods.values()),
                ]
                for o in opts
            ],
        )
    ]
    crit = [c["id"] for c in d["criteria"]]
    tables.append(
        table(
            h("criterion values per option (the evidence)", lang),
            [t("option", lang), *crit],
            [[_opt_name(s, o, lang), *(fmt(d["matrix"][o][c]) for c in crit)] for o in opts],
        )
    )
    tables.append(
        table(
            t("criterion", lang),
            [t("criterion", lang), t("direction", lang), t("weight", lang), h("from", lang)],
            [
                [
                    c["id"],
                    t("higher" if c["direction"] == "max" else "lower", lang),
                    fmt(c["weight"]),
                    c["provenance"],
                ]
                for c in d["criteria"]
            ],
        )
    )
    stab = d.get("stability", {}).get(d["primary"], [])
    if stab:
        tables.append(
            table(
                f"{t('stability', lang)} ({d['primary']}): how far each weight can move (others rescaled) "
                "before the top option changes",
                [
                    t("criterion", lang),
                    t("weight", lang),
                    h("interval", lang),
                    h("top option below / above it", lang),
                ],
                [
                    [
                        x["criterion"],
                        fmt(x["weight"]),
                        f"[{fmt(x['low'])}, {fmt(x['high'])}]",
                        f"{x.get('top_below_low') or '–'} / {x.get('top_above_high') or '–'}",
                    ]
                    for x in stab
                ],
            )
        )
    top = d["top"]
    agree = bool(d.get("same_top_under_every_method"))
    if agree:
        paras = [tf("top_agree", lang, method=d["primary"], top=_opt_name(s, top, lang))]
    else:
        detail = ", ".join(f"{k}: {m['top']}" for k, m in methods.items())
        paras = [
            tf(
                "top_disagree",
                lang,
                method=d["primary"],
                top=_opt_name(s, top, lang),
                detail=detail,
            )
        ]
    if d.get("ahp"):
        paras.append(tf("ahp_cr", lang, cr=fmt(d["ahp"].get("consistency_ratio"), 2)))
    sec.data.update(tables=tables, paragraphs=paras, top=top, agree=agree)
    sec.charts.append(
        {
            "title": t("ranking", lang),
            "uri": charts.bars(
                [o[:24] for o in opts],
                {k: [m["scores"][o] for o in opts] for k, m in methods.items()},
                t("ranking", lang),
                t("score", lang),
                lang,
            ),
        }
    )
    progress("ranking: done", 1.0)
    return sec


# --------------------------------------------------------------------------- conclusions
def conclusions(
    s: Scenario, lang: str, secs: dict[str, Section]
) -> tuple[list[str], list[dict[str, str]], list[str]]:
    """Bottom line, key judgements (ICD 203 words) and signposts derived from the sections."""
    bluf: list[str] = []
    judgements: list[dict[str, str]] = []
    signposts: list[str] = []
    rec = s.focal.recommended if s.focal else None
    game = secs.get("game")
    if game is not None and game.ok:
        fr = game.data["raw"]["framings"]
        for f, d in fr.items():
            bluf.append(
                tf(
                    "game_path",
                    lang,
                    framing=tf(f, lang) if f in ("zero-sum", "variable-sum") else f,
                    path=d.get("spe_outcome", "–"),
                )
            )
        held = {cid: c["by"] for cid, c in game.data["claims"].items()}
        n = sum(1 for by in held.values() if all(by.values()))
        bluf.append(tf("claims_hold", lang, n=n, m=len(held)))
    fc = secs.get("forecast")
    if fc is not None and fc.ok and fc.data.get("consensus"):
        parts = []
        for iss in s.issues:
            v = fc.data["consensus"].get(iss.id)
            if v is not None:
                sq = iss.status_quo.value if iss.status_quo else None
                delta = f"{'+' if v >= sq else ''}{v - sq:.1f}" if sq is not None else ""
                move = "" if sq is None else f" ({tf('from_sq', lang, delta=delta)})"
                parts.append(f"{label(iss, lang)}: {v:.1f}{move}")
        bluf.append(tf("median_forecast", lang, parts="; ".join(parts)))
    rk = secs.get("ranking")
    if rk is not None and rk.ok:
        top = rk.data["top"]
        key = "best_agrees" if top == rec else "best_differs"
        bluf.insert(
            0,
            tf(key, lang, top=_opt_name(s, top, lang), rec=_opt_name(s, rec, lang) if rec else "–"),
        )
    rb = secs.get("robustness")
    if rb is not None and rb.ok and "prim" in rb.data:
        pr = rb.data["prim"]
        bluf.append(
            tf("not_best_share", lang, n=pr["experiments"], pct=f"{100 * pr['base_rate']:.1f}")
        )
    if rec:
        bluf.insert(0, tf("source_recommends", lang, option=_opt_name(s, rec, lang)))
    for sec in secs.values():
        for j in sec.data.get("judgements", []):
            judgements.append(j)
        signposts.extend(sec.data.get("signposts", []))
    return bluf, judgements, signposts


def judgement(p: float, text: str, lang: str, basis: str = "") -> dict[str, str]:
    """A key judgement: ICD 203 words for ``p``, the probability and the sentence."""
    if not math.isfinite(p):
        raise ValueError("a judgement needs a finite probability")
    return {
        "words": likelihood_words(p, lang),
        "probability": f"{100 * p:.0f}%",
        "text": text,
        "basis": basis,
    }
