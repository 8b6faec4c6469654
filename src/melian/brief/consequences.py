"""Brief section "Consequences of each option", driven by what the scenario's world declares.

Every word of this section about the world comes from the world's declarations
(:func:`melian.world.declared`: each component kind's outcomes, events and bands with their unit,
direction and labels in every brief language, renamed or relabelled by the scenario): one fan chart
per declared band, a risk table with one row per declared event (its probability under each
option) and per declared outcome (median and 5-95% range), and the estimated breakeven of an
outcome the world reports in that role. The brief itself names no commodity, budget or country. A
scenario without a world has no consequences to show: the section says so (it is skipped, not
failed).
"""

from __future__ import annotations

import math
from typing import Any

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
    option_name,
    table,
)
from melian.brief.i18n import t, tf, unit_text
from melian.scenario.schema import Scenario


def reference_option(s: Scenario) -> str | None:
    """The option the brief's judgements are stated for: the recommended one, else the status quo.

    ``None`` when the scenario has no options.
    """
    if s.focal is None:
        return None
    if s.focal.recommended:
        return s.focal.recommended
    sq = next((o.id for o in s.focal.options if getattr(o, "status_quo", False)), None)
    return sq or s.focal.options[0].id


def _num(x: float | None) -> str:
    """A number rounded for reading (3 significant digits), or an en dash."""
    return fmt(x, 3)


def consequences_section(
    s: Scenario, lang: str, settings: Settings, run: Runners, progress: Progress
) -> Section:
    """World-model ensemble per option: fan charts of declared bands, the declared risk table.

    Raises :class:`~melian.brief.base.NotApplicableError` when the scenario declares no world model or
    no options.
    """
    if not s.world.components:
        raise NotApplicableError(tf("no_world", lang))
    if s.focal is None:
        raise NotApplicableError(tf("no_options", lang))

    progress("consequences: simulating", 0.0)
    ens = run.simulate(
        s,
        paths=settings.paths,
        horizon=settings.horizon,
        seed=settings.seed,
        progress=counting(progress, "consequences: simulating", 0.0, 0.6),
    )
    d = ens.to_dict()
    opts = d["options"]
    declared: dict[str, dict[str, Any]] = d.get("declared", {})
    sec = Section(
        id="consequences",
        data={
            "raw": {
                k: d[k]
                for k in ("paths", "horizon", "seed", "months", "band_units", "declared")
                if k in d
            }
        },
    )
    months = list(range(1, len(d["months"]) + 1))
    breakeven = {k: v for k, v in declared.items() if v.get("role") == "breakeven"}
    be_units = {v["unit"] for v in breakeven.values()}
    ref_value = d.get("reference_payroll_price")
    # ---- fan charts: one per declared band, titled by its declared label
    fans = [(b, x) for b, x in declared.items() if x["kind"] == "band"]
    for k, (band, spec) in enumerate(fans):
        progress("consequences: charts", 0.6 + 0.35 * k / len(fans))
        bands = {
            option_name(s, o, lang): r["bands"][band] for o, r in opts.items() if band in r["bands"]
        }
        if not bands:
            continue
        unit = unit_text(spec.get("unit", ""), lang)
        title = f"{ens.label(band, lang)} ({unit})" if unit else ens.label(band, lang)
        ref = ref_value if spec.get("unit") in be_units else None
        sec.charts.append(
            {
                "title": f"{t('fan_charts', lang)}: {title}",
                "uri": charts.fan_chart(months, bands, title, unit, lang, ref),
            }
        )
    # ---- the risk table: one row per declared event and outcome, one column per option
    rows: list[list[str]] = []
    events = [
        e
        for e, spec in declared.items()
        if spec["kind"] == "event" and all(e in r["probabilities"] for r in opts.values())
    ]
    outcomes = [
        o
        for o, spec in declared.items()
        if spec["kind"] == "outcome" and all(o in r["metrics"] for r in opts.values())
    ]
    seen: dict[str, int] = {}
    for x in (*events, *outcomes):
        lab = ens.label(x, lang)
        seen[lab] = seen.get(lab, 0) + 1

    def row_label(x: str) -> str:
        """The declared label, with its component when several components share it."""
        lab = ens.label(x, lang)
        if seen.get(lab, 0) < 2:
            return lab
        cid = declared[x].get("component", "")
        comp = next((c for c in s.world.components if c.id == cid), None)
        name = comp.name if comp is not None and comp.name else cid  # as the options: as written
        return f"{lab} [{name}]"

    for e in events:
        wanted = declared[e].get("direction") == "higher_better"  # a desirable event
        rows.append(
            [
                tf("p_of", lang, event=row_label(e))
                + (f" ({t('higher_better', lang)})" if wanted else ""),
                unit_text("probability", lang),
                *(f"{100 * r['probabilities'][e]:.1f}%" for r in opts.values()),
            ]
        )
    # an outcome that is exactly 0 on every path under every option (a transfer's debt where no
    # transfer is a loan) says nothing: named in a note, not given a row of zeros
    idle = [
        o
        for o in outcomes
        if all(
            r["metrics"][o].get("min") == 0 and r["metrics"][o].get("max") == 0
            for r in opts.values()
        )
    ]
    outcomes = [o for o in outcomes if o not in idle]
    for o in outcomes:
        spec = declared[o]
        cells = []
        for r in opts.values():
            m = r["metrics"][o]
            cells.append(f"{_num(m.get('p50'))} [{_num(m.get('p05'))}; {_num(m.get('p95'))}]")
        worse = t(
            "higher_worse" if spec.get("direction") == "higher_worse" else "higher_better", lang
        )
        rows.append([f"{row_label(o)} ({worse})", unit_text(spec["unit"], lang), *cells])
    if rows:
        sec.data["tables"] = [
            table(
                tf("risk_table_title", lang, paths=f"{d['paths']:,}", months=d["horizon"]),
                [
                    t("event_or_outcome", lang),
                    t("unit", lang),
                    *(option_name(s, o, lang) for o in opts),
                ],
                rows,
            )
        ]
        sec.data["notes"] = [t("risk_table_note", lang)]
        if idle:
            sec.data["notes"].append(
                tf(
                    "risk_table_idle",
                    lang,
                    names=("؛ " if lang == "ar" else "; ").join(row_label(o) for o in idle),
                )
            )
    sec.data["probabilities"] = {o: r["probabilities"] for o, r in opts.items()}
    # the risk table's labels: two components of one kind are told apart by the component's name
    sec.data["events"] = {e: row_label(e) for e in events}
    sec.data["event_directions"] = {e: declared[e].get("direction", "higher_worse") for e in events}
    # ---- a breakeven the world reports (a declared outcome in that role)
    ref_opt = reference_option(s)
    paras: list[str] = []
    signposts: list[str] = []
    if ref_opt in opts:
        r = opts[ref_opt]
        for name, spec in breakeven.items():
            para, signpost = _breakeven(s, lang, ens, declared, ref_opt, name, spec, r, ref_value)
            paras.extend(para)
            signposts.extend(signpost)
            if para and not signpost:
                sec.data["no_threshold"] = True
    sec.data["paragraphs"] = paras
    sec.data["signposts"] = signposts
    sec.data["reference_option"] = ref_opt
    sec.data["horizon"] = d["horizon"]
    sec.data["paths"] = d["paths"]
    progress("consequences: done", 1.0)
    return sec


def _breakeven(
    s: Scenario,
    lang: str,
    ens: Any,  # noqa: ANN401
    declared: dict[str, dict[str, Any]],
    option: str,
    name: str,
    spec: dict[str, Any],
    r: dict[str, Any],
    ref_value: float | None,
) -> tuple[list[str], list[str]]:
    """The paragraph and the signpost of a declared breakeven outcome ``name`` under ``option``
    (``r``: its results), in the outcome's own unit (the world's).

    A breakeven at or below zero is no threshold: the other revenue already covers what it
    measures at any value of the band, so the paragraph says so and no signpost is set.
    """
    be = (r.get("payroll_breakeven") or {}).get("p50")
    if be is None or not math.isfinite(be):
        return [], []
    unit = unit_text(spec["unit"], lang)
    what = ens.label(name, lang)
    band = next(
        (
            ens.label(b, lang)
            for b, bs in declared.items()
            if bs["kind"] == "band" and bs.get("unit") == spec["unit"]
        ),
        None,
    )
    opt = option_name(s, option, lang)
    if be <= 0:
        text = tf(
            "breakeven_none",
            lang,
            what=what,
            option=opt,
            value=_num(be),
            unit=unit,
            band=band or what,
        )
        return [text], []
    text = tf("breakeven", lang, what=what, option=opt, value=_num(be), unit=unit)
    sim = (r.get("payroll_covering_price_simulated") or {}).get("price")
    if sim is not None and math.isfinite(sim) and sim > 0:
        text += " " + tf("breakeven_sim", lang, value=_num(sim), unit=unit)
    if ref_value is not None and math.isfinite(ref_value):
        text += " " + tf("breakeven_ref", lang, value=_num(ref_value), unit=unit)
    if band is None:
        return [text], []
    return [text], [tf("sp_breakeven", lang, band=band, value=_num(be), unit=unit, what=what)]


def consequence_judgements(
    s: Scenario, lang: str, sec: Section, option: str | None
) -> list[dict[str, str]]:
    """Key judgements of the declared events: their probability under ``option`` (the top-ranked
    or the reference option) and under the option where each is worst, if another: most likely
    for an event to avoid, least likely for a wanted one (a component declared ``desirable``).
    """
    if not sec.ok or option is None:
        return []
    probs: dict[str, dict[str, float]] = sec.data["probabilities"]
    if option not in probs:
        return []
    basis = tf("world_basis", lang, paths=f"{sec.data['paths']:,}")
    out = []
    for e, what in sec.data["events"].items():

        def said(o: str, what: str = what) -> str:
            return tf(
                "under_option",
                lang,
                option=option_name(s, o, lang),
                event=what,
                months=sec.data["horizon"],
            )

        if max(p[e] for p in probs.values()) < 0.01:
            continue  # below 1% under every option: nothing to judge (the risk table shows it)
        n = int(sec.data["paths"])
        out.append(judgement(probs[option][e], said(option), lang, basis, n))
        sign = -1.0 if sec.data.get("event_directions", {}).get(e) == "higher_better" else 1.0
        worst = max(probs, key=lambda o: sign * probs[o][e])
        if worst != option and sign * (probs[worst][e] - probs[option][e]) >= 0.05:
            out.append(judgement(probs[worst][e], said(worst), lang, basis, n))
    return out
