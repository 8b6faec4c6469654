"""The brief's analysis sections (game, consequences, robustness, ranking) and its conclusions.

Each builder calls one package's public function on the scenario and turns its ``to_dict()``
result into tables, charts and sentences. The conclusions (bottom line, key judgements with ICD 203
likelihood words, signposts) are derived from those results, never written by hand.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from melian.brief import charts
from melian.brief.assemble import Section, Settings, _fmt, table
from melian.brief.i18n import t
from melian.brief.likelihood import likelihood_words
from melian.errors import ModelError
from melian.scenario.schema import Scenario

Progress = Callable[[str, float], None]


def _opt_name(s: Scenario, oid: str) -> str:
    try:
        return s.option(oid).name
    except KeyError:
        return oid


# --------------------------------------------------------------------------- game
def game_section(s: Scenario, lang: str, progress: Progress) -> Section:
    """The alliance game under both framings: equilibria, the source's claims, payoff components."""
    from melian.games import analyse_game

    if s.game is None:
        raise ModelError("the scenario has no game section")
    progress("game: solving", 0.1)
    g = analyse_game(s, conditions=False).to_dict()
    sec = Section(
        id="game",
        data={"raw": {k: g[k] for k in ("framing", "players", "roles", "framings", "solution")}},
    )
    fr = g["framings"]
    sec.data["tables"] = [
        table(
            t("equilibria", lang),
            ["framing", "Nash (simultaneous responses)", "subgame-perfect (sequential)"],
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
                [lab, *(_fmt(series[c][k]) for c in comps), _fmt(rows[k]["payoffs"][focal])]
                for k, lab in enumerate(labels)
            ],
        )
    )
    sec.charts.append(
        {"title": title, "uri": charts.bars(labels, series, title, "utility", lang, stacked=True)}
    )
    qre = g["solution"].get("qre") or []
    if qre:
        last = qre[-1]
        top = max(last["profile"][focal].items(), key=lambda kv: kv[1])
        sec.data["paragraphs"] = [
            f"Boundedly rational play (logit QRE, lambda = {_fmt(last['lambda'])}): {focal} chooses "
            f"{top[0]} with probability {_fmt(top[1], 2)}."
        ]
    progress("game: done", 1.0)
    return sec


# --------------------------------------------------------------------------- placeholders wired later
EVENTS = {
    "salary_crisis": "a salary crisis (payroll not paid in full)",
    "security_crisis": "a territorial security crisis",
    "fragmentation": "a fragmentation crisis (regional separation demands)",
    "sanctions": "sanctions on the focal state",
}


def consequences_section(s: Scenario, lang: str, settings: Settings, progress: Progress) -> Section:
    """World-model ensemble per option: fan charts (oil, reserves, salary stress) and the risk table."""
    from melian.world import simulate

    if s.focal is None:
        raise ModelError("the scenario has no focal actor with options to simulate")

    def prog(done: int, total: int) -> None:
        progress("consequences: simulating", done / max(total, 1))

    progress("consequences: simulating", 0.0)
    ens = simulate(
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
    for band, label, ref in (
        ("brent", "Brent", d.get("reference_payroll_price")),
        ("reserves", "reserves", None),
        ("salary_stress", "salary stress", None),
    ):
        bands = {_opt_name(s, o): r["bands"][band] for o, r in opts.items() if band in r["bands"]}
        if bands:
            title = f"{label} ({units.get(band, '')})"
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
                _opt_name(s, o),
                *(f"{100 * r['probabilities'][e]:.1f}%" for e in ev),
                _fmt(m["arrears_months"]["mean"]),
                _fmt(m["reserves_end"]["p50"]),
                _fmt(m["reserves_end"]["cvar95"]),
                _fmt(m["debt_end"]["mean"]),
                _fmt(r["payroll_breakeven_brent"]["p50"]),
                _fmt(r["payroll_covering_price_simulated"]["price"]),
            ]
        )
    cols = [
        t("option", lang),
        *[f"P({e})" for e in ev],
        "arrears months (mean)",
        "reserves at horizon (median)",
        "reserves CVaR95",
        "debt at horizon (mean)",
        "payroll breakeven Brent (median)",
        "Brent at 50% arrears risk",
    ]
    sec.data["tables"] = [
        table(f"{t('risk_table', lang)} ({d['paths']:,} paths x {d['horizon']} months)", cols, rows)
    ]
    sec.data["probabilities"] = {o: r["probabilities"] for o, r in opts.items()}
    ref = d.get("reference_payroll_price")
    rec = s.focal.recommended or s.option_ids[0]
    if rec in opts:
        be = opts[rec]["payroll_breakeven_brent"]["p50"]
        sim = opts[rec]["payroll_covering_price_simulated"]["price"]
        sec.data["paragraphs"] = [
            f"The oil price at which the first month's revenue covers payroll is about ${be:.0f}/bbl "
            f"(median, emergent from the fiscal model) and arrears become more likely than not below about "
            f"${sim:.0f}/bbl once buffers are used"
            + (f"; the source's threshold is ${ref:.0f}/bbl." if ref else ".")
        ]
        sec.data["signposts"] = [
            f"Brent below ${be:.0f}/bbl for several months: payroll then depends on reserves and borrowing "
            f"(below about ${sim:.0f}/bbl arrears become more likely than not)."
        ]
    judg = []
    horizon = f"within {d['horizon']} months"
    for e in ev:
        p_rec = opts[rec]["probabilities"][e] if rec in opts else None
        if p_rec is not None:
            judg.append(
                judgement(
                    p_rec,
                    f"under '{_opt_name(s, rec)}', {EVENTS[e]} {horizon}.",
                    lang,
                    f"world model, {d['paths']:,} paths",
                )
            )
        worst = max(opts, key=lambda o: opts[o]["probabilities"][e])
        if worst != rec:
            judg.append(
                judgement(
                    opts[worst]["probabilities"][e],
                    f"under '{_opt_name(s, worst)}', {EVENTS[e]} {horizon}.",
                    lang,
                    f"world model, {d['paths']:,} paths",
                )
            )
    sec.data["judgements"] = judg
    progress("consequences: done", 1.0)
    return sec


def _counts(d: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in d.items())


def _prim_limit(r: dict[str, Any]) -> str:
    lo, hi = r.get("value_low"), r.get("value_high")
    if lo is not None and hi is not None:
        return f"{_fmt(lo)} to {_fmt(hi)}"
    if lo is not None:
        return f">= {_fmt(lo)}"
    return f"<= {_fmt(hi)}"


def robustness_section(s: Scenario, lang: str, settings: Settings, progress: Progress) -> Section:
    """When does the answer change: tornado swings, PRIM boxes and regret across the ensemble."""
    from melian.explore import explore

    if s.focal is None:
        raise ModelError("the scenario has no focal actor with options to compare")
    n_prim = 256 if settings.quick else 2048
    n_regret = 128 if settings.quick else 1024
    paths = 8 if settings.quick else 16
    sec = Section(id="robustness")
    tables: list[dict[str, Any]] = []
    paras: list[str] = []
    signposts: list[str] = []
    judg: list[dict[str, str]] = []

    progress("robustness: tornado", 0.0)
    tor = explore(
        s, "tornado", paths_per_sample=50 if settings.quick else 400, seed=settings.seed
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
                "uri": charts.tornado(bars, title, "utility difference", lang, base=close["base"]),
            }
        )
        top = sorted(close["bars"], key=lambda b: -b["width"])[:3]
        signposts += [
            f"{b['parameter']}: the parameter that moves the advantage of '{rec}' over '{close['versus']}' "
            f"most (from {_fmt(b['output_at_low'])} to {_fmt(b['output_at_high'])} across its 10th-90th "
            "percentiles)"
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

    prim = explore(
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
            [t("option", lang), "futures where best"],
            [
                [_opt_name(s, o), f"{n} ({100 * n / prim['experiments']:.1f}%)"]
                for o, n in prim["best_counts"].items()
            ],
        )
    )
    p_holds = 1.0 - prim["base_rate"]
    judg.append(
        judgement(
            p_holds,
            f"'{_opt_name(s, rec)}' is the best option on the world-model criteria across the "
            "sampled futures of every uncertain world parameter.",
            lang,
            f"PRIM ensemble, {prim['experiments']} Latin-hypercube futures x {paths} paths",
        )
    )
    for b in prim["boxes"]:
        tables.append(
            table(
                f"PRIM box {b['box']}: coverage {_fmt(b['coverage'], 2)}, density {_fmt(b['density'], 2)}, "
                f"mass {_fmt(b['mass'], 2)} (best inside: {_counts(b['best_alternatives_inside'])})",
                [t("parameter", lang), "range in the box", "quasi-p (low, high)"],
                [
                    [
                        r["parameter"],
                        _prim_limit(r),
                        f"{_fmt(r.get('qp_low'), 2)}, {_fmt(r.get('qp_high'), 2)}",
                    ]
                    for r in b["restricted_dimensions"]
                ],
            )
        )
        for r in b["restricted_dimensions"][:3]:
            signposts.append(
                f"{r['parameter']} {_prim_limit(r)}: inside PRIM box {b['box']}, where '{rec}' is often not best"
            )
    if not prim["boxes"]:
        paras.append(
            f"PRIM found no box: '{rec}' is not best in only {prim['cases_not_best']} of "
            f"{prim['experiments']} sampled futures, too few and too scattered to form a region."
        )

    reg = explore(
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
                [t("option", lang), "maximum regret", "90th percentile", "mean regret"],
                [
                    [_opt_name(s, o), _fmt(v["max"]), _fmt(v["p90"]), _fmt(v["mean"])]
                    for o, v in u.items()
                ],
            )
        )
        choice = reg["minimax_regret_choice"].get("utility")
        paras.append(
            f"Minimax regret choice: '{_opt_name(s, choice)}'"
            + (
                " (the recommended option)."
                if choice == rec
                else f" (not the recommended '{rec}')."
            )
        )
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
    s: Scenario, lang: str, settings: Settings, secs: dict[str, Section], progress: Progress
) -> Section:
    """MCDA ranking of the options (TOPSIS and weighted sum, two normalisations) with weight stability."""
    from melian.decide import rank

    if not s.criteria or s.focal is None:
        raise ModelError("the scenario has no decision criteria or no options to rank")
    progress("ranking: evidence", 0.1)
    r = rank(s, paths=settings.paths, seed=settings.seed)
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
                    _opt_name(s, o),
                    *(f"{_fmt(m['scores'][o])} ({m['ranks'][o]})" for m in methods.values()),
                ]
                for o in opts
            ],
        )
    ]
    crit = [c["id"] for c in d["criteria"]]
    tables.append(
        table(
            "criterion values per option (the evidence)",
            [t("option", lang), *crit],
            [[_opt_name(s, o), *(_fmt(d["matrix"][o][c]) for c in crit)] for o in opts],
        )
    )
    tables.append(
        table(
            t("criterion", lang),
            [t("criterion", lang), t("direction", lang), t("weight", lang), "from"],
            [
                [
                    c["id"],
                    t("higher" if c["direction"] == "max" else "lower", lang),
                    _fmt(c["weight"]),
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
                    "interval",
                    "top option below / above it",
                ],
                [
                    [
                        x["criterion"],
                        _fmt(x["weight"]),
                        f"[{_fmt(x['low'])}, {_fmt(x['high'])}]",
                        f"{x.get('top_below_low') or '–'} / {x.get('top_above_high') or '–'}",
                    ]
                    for x in stab
                ],
            )
        )
    top = d["top"]
    agree = bool(d.get("same_top_under_every_method"))
    paras = [
        f"Top option ({d['primary']}): '{_opt_name(s, top)}'; "
        + (
            "every method and normalisation agrees."
            if agree
            else "methods disagree: "
            + ", ".join(f"{k}: {m['top']}" for k, m in methods.items())
            + "."
        )
    ]
    if d.get("ahp"):
        paras.append(
            f"AHP consistency ratio of the pairwise judgements: {_fmt(d['ahp'].get('consistency_ratio'), 2)}."
        )
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
            bluf.append(f"Game ({f} framing): equilibrium path {d.get('spe_outcome', '–')}.")
        held = {cid: c["by"] for cid, c in game.data["claims"].items()}
        n = sum(1 for by in held.values() if all(by.values()))
        bluf.append(
            f"{n} of {len(held)} of the source's strategic claims hold under both framings."
        )
    fc = secs.get("forecast")
    if fc is not None and fc.ok and fc.data.get("consensus"):
        parts = []
        for iss in s.issues:
            v = fc.data["consensus"].get(iss.id)
            if v is not None:
                sq = iss.status_quo.value if iss.status_quo else None
                move = (
                    ""
                    if sq is None
                    else f" ({'+' if v >= sq else ''}{v - sq:.1f} from the status quo)"
                )
                parts.append(f"{iss.name}: {v:.1f}{move}")
        bluf.append("Median forecast across models: " + "; ".join(parts) + ".")
    rk = secs.get("ranking")
    if rk is not None and rk.ok:
        top = rk.data["top"]
        verdict = "agrees with" if top == rec else "differs from"
        bluf.insert(
            0,
            f"On the decision-maker's criteria the best option is '{_opt_name(s, top)}', which {verdict} "
            f"the source's recommendation" + (f" ('{_opt_name(s, rec)}')." if rec else "."),
        )
    rb = secs.get("robustness")
    if rb is not None and rb.ok and "prim" in rb.data:
        pr = rb.data["prim"]
        bluf.append(
            f"Across {pr['experiments']} sampled futures the recommended option is not best in "
            f"{100 * pr['base_rate']:.1f}% of them."
        )
    if rec:
        bluf.insert(0, f"The source recommends: {_opt_name(s, rec)}.")
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
