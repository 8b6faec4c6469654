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


def robustness_section(s: Scenario, lang: str, settings: Settings, progress: Progress) -> Section:
    """Tornado, PRIM boxes and regret across the ensemble."""
    raise ModelError("robustness analysis is not wired into the brief yet")


def ranking_section(
    s: Scenario, lang: str, settings: Settings, secs: dict[str, Section], progress: Progress
) -> Section:
    """MCDA ranking of the options with weight stability."""
    raise ModelError("the ranking is not wired into the brief yet")


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
