"""Brief section "What would change the recommendation", under every view side by side.

Per view (the scenario as written, ``source``, and each declared view of
:mod:`melian.scenario.views`):

* **breaking points** (:mod:`melian.explore.breaking`): for every uncertain input the value at
  which the top-ranked option stops being first, one input at a time (switch-over values, Howard
  1988), in the input's units and in spreads (standardised units ``z``), with the Monte Carlo
  standard error the result gives; ranked by how close they are;
* **the nearest flip** (the design point, Hasofer and Lind 1974): the smallest standardised change
  of all inputs together that flips the ranking, its distance ``beta`` and the inputs that move
  most; when nothing within the declared uncertainty flips the ranking (``beta`` beyond
  :data:`WITHIN` spreads), one plain sentence says so and how far outside it the nearest flip lies;
* **PRIM** boxes (Friedman and Fisher 1999, via ema_workbench) and **minimax regret** over the
  sampled futures, with the binomial standard error of the share of futures where the top option
  is not best (the sampling error of the share; the result's own standard errors when it gives
  them).

What is explored (:func:`target`): the world model's uncertain inputs when a decision criterion
measures the world (the ranking's world part), else the game's uncertain payoff parameters (the
focal actor's equilibrium payoff ranks the options).

Settings (:class:`~melian.brief.base.Settings`) keep it cheap: the quick brief leaves the
breaking points out (the section says so) and runs PRIM and regret on 256 futures with 8 to 32
paths each.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

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
from melian.brief.i18n import h, t, t_kind, tf
from melian.errors import MelianError
from melian.explore.judgements import model_ranges, with_judgement_uncertainty
from melian.explore.model import scenario_uncertainties
from melian.scenario.schema import Scenario
from melian.scenario.views import apply_view, view_ids

#: Spreads (standardised units) counted as "within the declared uncertainty": the central 95%.
WITHIN = 2.0


def view_name(s: Scenario, view: str, lang: str) -> str:
    """Display name of a view: 'the source's view' for the scenario as written, else its name."""
    if view == "source":
        return t("view_source", lang)
    v = next((x for x in s.views if x.id == view), None)
    if v is None:
        return view
    names = getattr(v, "names", None) or {}
    return str(names.get(lang) or getattr(v, "name", None) or v.id)


def _share_se(p: float, n: int) -> float:
    """Binomial standard error of a share ``p`` over ``n`` sampled futures."""
    return math.sqrt(max(p * (1 - p), 0.0) / max(n, 1))


def _z(x: float | None) -> str:
    return "–" if x is None else f"{x:+.2f}"


def _se(x: float | None) -> str:
    return "" if x is None or not math.isfinite(x) else f" ± {x:.2f}"


def _paths_used(prim: dict[str, Any], settings: Settings) -> str | None:
    """The paths per future the ensemble ended with: one number, or the fewest and the most
    (the paths double, and only for the futures whose ranking is still open:
    :func:`melian.explore.mcerror.adaptive_ensemble`); the starting paths when not reported;
    ``None`` when its Monte Carlo error says the model gave no paths (a deterministic model,
    such as a game without a world model).
    """
    mc = prim.get("mc_error") or {}
    if "paths_per_future" in mc and mc["paths_per_future"] is None:
        return None
    by = [int(k) for k in (mc.get("paths_by_future") or {})]
    if not by:
        return str(mc.get("paths_per_future") or settings.explore_paths)
    return str(by[0]) if len(by) == 1 else f"{min(by)}–{max(by)}"


def _basis(prim: dict[str, Any], settings: Settings, n: int, lang: str) -> str:
    """The basis of the key judgement on the ensemble: its futures, and its paths if any."""
    paths = _paths_used(prim, settings)
    if paths is None:
        return tf("prim_basis_exact", lang, n=n)
    return tf("prim_basis", lang, n=n, paths=paths)


def _prim_limit(r: dict[str, Any]) -> str:
    lo, hi = r.get("value_low"), r.get("value_high")
    if lo is not None and hi is not None:
        return f"{fmt(lo)} – {fmt(hi)}"
    if lo is not None:
        return f">= {fmt(lo)}"
    return f"<= {fmt(hi)}"


def target(s: Scenario) -> str | None:
    """What the section explores: ``"joint"`` when the scenario has weighted criteria (the whole
    ranking, every criterion measured in every future: :mod:`melian.explore.joint`), else
    ``"world"`` when a criterion measures the world model, else ``"game"`` when the scenario has a
    game (the utility is the focal actor's equilibrium payoff), else ``None``.
    """
    if any(c.weight > 0 for c in s.criteria):
        return "joint"
    if s.world.components and any(c.measure.kind == "world" for c in s.criteria):
        return "world"
    if s.game is not None:
        return "game"
    return None


def uncertain_inputs(s: Scenario, on: str, *, judgements: bool = False) -> list[str]:
    """The scenario's uncertain inputs that the explored model (``joint``, ``world`` or ``game``)
    reads: parameters with a distribution as written or under some option (game parameters are
    ``game.*``), and with ``judgements`` every number marked as a judgement; ``joint`` also counts
    the issues the forecast criteria read (their bargaining inputs are explored with judgements).
    """
    try:
        if judgements:
            s, _ = with_judgement_uncertainty(s, ranges=model_ranges(s))
        names, _ = scenario_uncertainties(s, required=False)
    except MelianError:
        return []
    if on == "joint":
        kinds = {c.measure.kind for c in s.criteria if c.weight > 0}
        world = [n for n in names if not n.startswith("game.")] if "world" in kinds else []
        game = [n for n in names if n.startswith("game.")] if "game" in kinds else []
        forecast = [
            f"issue {c.measure.issue}"
            for c in s.criteria
            if judgements and c.weight > 0 and c.measure.kind == "forecast"
        ]
        return [*world, *game, *forecast]
    return [n for n in names if n.startswith("game.") == (on == "game")]


def nearest(br: dict[str, Any]) -> dict[str, Any]:
    """The nearest flip known: the design point, or the nearest one-at-a-time switch-over when it
    is closer or the design-point search did not converge (a switch-over of one input is itself a
    point where the ranking flips, so the design point is at most that far).
    """
    near = dict(br["nearest"])
    found = [x for x in br["switch_overs"] if x.get("nearest_z") is not None]
    if not found or near.get("within_error"):
        return near
    x = min(found, key=lambda x: x["nearest_z"])
    if near.get("beta") is None or x["nearest_z"] < near["beta"]:
        side = "low" if x.get("low_z") is not None and abs(x["low_z"]) == x["nearest_z"] else "high"
        near.update(
            beta=x["nearest_z"],
            movers=[x["input"]],
            winner=x.get(f"{side}_winner"),
            one_input=True,
        )
    return near


#: The two independent parts of a view (:func:`view_result`'s ``part``): where each starts in the
#: view's progress and the share of the view's time it takes in the full brief.
PARTS: dict[str, tuple[float, float]] = {"breaking": (0.0, 0.4), "ensemble": (0.4, 0.6)}


def part_share(part: str | None) -> float:
    """The share of a view's time that ``part`` takes (None: the whole view, 1)."""
    return 1.0 if part is None else PARTS[part][1]


def _breaking_part(
    sv: Scenario, settings: Settings, run: Runners, prog: Progress, common: dict[str, Any]
) -> dict[str, Any]:
    """The view's breaking points (progress from 0 to 1), or why there are none."""
    if not settings.breaking:  # the quick brief: the one-at-a-time scans cost minutes
        return {"skipped_breaking": True}
    horizon = {} if settings.breaking_horizon is None else {"horizon": settings.breaking_horizon}
    try:
        prog("breaking points", 0.0)
        return {
            "breaking": run.explore(
                sv,
                "breaking",
                samples=settings.breaking_reference,
                paths_per_sample=settings.breaking_paths,
                options={
                    "replications": settings.breaking_replications,
                    "grid": settings.breaking_grid,
                },
                progress=counting(prog, "breaking points", 0.0, 1.0),
                scheduler=settings.explore_scheduler,
                **common,
                **horizon,
            ).to_dict()
        }
    except MelianError as exc:
        return {"errors": {"breaking": exc.message}}


def _ensemble_part(
    sv: Scenario, settings: Settings, run: Runners, prog: Progress, common: dict[str, Any]
) -> dict[str, Any]:
    """PRIM and regret of the view on one ensemble of futures (progress from 0 to 1)."""
    adapt = {"max_paths": max(settings.explore_max_paths, settings.explore_paths)}
    try:
        both = run.explore_methods(
            sv,
            ("prim", "regret"),
            samples=settings.prim_samples,
            paths_per_sample=settings.explore_paths,
            scheduler=settings.explore_scheduler,
            options=adapt,
            progress=counting(prog, "prim", 0.0, 1.0),
            **common,
        )
    except MelianError as exc:
        return {"errors": {"prim": exc.message, "regret": exc.message}}
    return {m: r.to_dict() for m, r in both.items()}


_PART_RUNS = {"breaking": _breaking_part, "ensemble": _ensemble_part}


def _run_view(
    sv: Scenario,
    settings: Settings,
    run: Runners,
    prog: Callable[[str, float], None],
    on: str,
    part: str | None = None,
) -> dict[str, Any]:
    """Breaking points, PRIM and regret of one view (each ``None`` if it cannot be computed;
    ``skipped_breaking`` when the settings leave breaking points out, as the quick brief does).
    ``part`` (a key of :data:`PARTS`): only the breaking points, or only the PRIM and regret
    ensemble (independent computations; :func:`merge_parts` joins them), with its own progress
    from 0 to 1.
    """
    common: dict[str, Any] = {"seed": settings.seed, "on": on, "judgements": settings.judgements}
    results = []
    for p in PARTS if part is None else (part,):
        start, width = (0.0, 1.0) if part is not None else PARTS[p]

        def report(msg: str, f: float, start: float = start, width: float = width) -> None:
            prog(msg, start + width * f)

        results.append(_PART_RUNS[p](sv, settings, run, report, common))
    return merge_parts(results)


def plan(s: Scenario, settings: Settings, lang: str = "en") -> tuple[str, list[str]]:
    """What the section explores (:func:`target`) and the views it runs.

    Raises :class:`~melian.brief.base.NotApplicableError` when the scenario has no options or no
    world whose uncertain inputs could be explored.
    """
    if s.focal is None or len(s.focal.options) < 2:
        raise NotApplicableError(tf("no_options", lang))
    on = target(s)
    if on is None:
        raise NotApplicableError(tf("no_world_change", lang))
    if not uncertain_inputs(s, on, judgements=settings.judgements):
        raise NotApplicableError(tf("no_uncertain", lang, on=t(f"basis_{on}", lang)))
    return on, view_ids(s)


def view_result(
    s: Scenario,
    settings: Settings,
    run: Runners,
    on: str,
    view: str,
    progress: Progress,
    part: str | None = None,
) -> dict[str, Any]:
    """Breaking points, PRIM and regret of ``view`` of ``s`` (what :func:`change_section` shows
    for it; a brief may compute the views, or each view's two parts, in other processes,
    :mod:`melian.brief.parallel`). ``part``: only one of :data:`PARTS`.
    """

    def prog(step: str, frac: float) -> None:
        progress(f"what would change ({view}): {step}", frac)

    return _run_view(apply_view(s, view), settings, run, prog, on, part)


def views_result(
    s: Scenario,
    settings: Settings,
    run: Runners,
    on: str,
    views: list[str],
    progress: Progress,
) -> dict[str, dict[str, Any]]:
    """:func:`view_result` of each of ``views`` in turn."""
    whole = parts_result(s, settings, run, on, [(v, None) for v in views], progress)
    return dict(zip(views, whole, strict=True))


def parts_result(
    s: Scenario,
    settings: Settings,
    run: Runners,
    on: str,
    tasks: list[tuple[str, str | None]],
    progress: Progress,
) -> list[dict[str, Any]]:
    """:func:`view_result` of each ``(view, part)`` of ``tasks`` in turn (``part`` None: the
    whole view), progress weighted by the parts' shares (:data:`PARTS`).
    """
    weights = [part_share(p) for _, p in tasks]
    total = sum(weights)
    out: list[dict[str, Any]] = []
    done = 0.0
    for (v, part), wgt in zip(tasks, weights, strict=True):

        def prog(msg: str, frac: float, base: float = done, wgt: float = wgt) -> None:
            progress(msg, (base + wgt * frac) / total)

        out.append(view_result(s, settings, run, on, v, prog, part))
        done += wgt
    return out


def view_failed(message: str, part: str | None = None) -> dict[str, Any]:
    """A view's result (or ``part``'s) when it could not be computed at all (its process
    ended, say).
    """
    if part == "breaking":
        return {"errors": {"breaking": message}}
    return {"errors": {"prim": message, "regret": message}}


def merge_parts(results: list[dict[str, Any]]) -> dict[str, Any]:
    """One view's result from its parts' (:data:`PARTS`), their errors joined."""
    out: dict[str, Any] = {"errors": {}}
    for r in results:
        out.update({k: v for k, v in r.items() if k != "errors"})
        out["errors"].update(r.get("errors", {}))
    return out


def change_section(
    s: Scenario,
    lang: str,
    settings: Settings,
    run: Runners,
    progress: Progress,
    done: Mapping[str, dict[str, Any]] | None = None,
) -> Section:
    """What would change the recommendation: breaking points, nearest flip, PRIM and regret per view.

    ``done``: the views already computed (:func:`view_result`), the others are computed here.
    Raises :class:`~melian.brief.base.NotApplicableError` when the scenario has no options or no
    world whose uncertain inputs could be explored; a :class:`~melian.errors.MelianError` when no
    view could be analysed.
    """
    on, views = plan(s, settings, lang)
    sec = Section(id="robustness", data={"on": on})
    done = done or {}
    todo = views_result(s, settings, run, on, [v for v in views if v not in done], progress)
    per = {v: done[v] if v in done else todo[v] for v in views}
    if all(not (set(r) - {"errors"}) for r in per.values()):
        first = next(iter(per.values()))["errors"]
        raise MelianError("; ".join(f"{m}: {e}" for m, e in first.items()))
    tables: list[dict[str, Any]] = []
    paras: list[str] = []
    signposts: list[str] = []
    judg: list[dict[str, str]] = []
    summary_rows = []
    for r in per.values():
        if r.get("breaking"):
            r["breaking"]["switch_overs"] = sorted(
                r["breaking"]["switch_overs"],
                key=lambda x: (x.get("nearest_z") is None, x.get("nearest_z") or 0.0),
            )
    for v, r in per.items():
        name = view_name(s, v, lang)
        br, prim, reg = r.get("breaking"), r.get("prim"), r.get("regret")
        near_txt = "–"
        beta_txt = "–"
        top = br["top"] if br else None
        if br:
            ranked = [x for x in br["switch_overs"] if x.get("nearest_z") is not None]
            if ranked:
                x = ranked[0]
                near_txt = f"{x['input']} ({x['nearest_z']:.2f} {t('spreads', lang)})"
            near_all = nearest(br)
            beta = near_all.get("beta")
            if near_all.get("within_error"):
                beta_txt = t("tied_within_error", lang)
            else:
                beta_txt = "–" if beta is None else f"{beta:.2f}"
        share_txt = "–"
        if prim:
            n = prim["experiments"]
            p = prim["base_rate"]
            se = prim.get("base_rate_se", _share_se(p, n))
            share_txt = f"{100 * p:.1f}% ± {100 * se:.1f}"
        regret_choice = (reg or {}).get("minimax_regret_choice", {}).get("utility")
        summary_rows.append(
            [
                name,
                option_name(s, top, lang),
                "–" if not br else f"{fmt(br['central_gap'])}{_se(br.get('central_gap_se'))}",
                near_txt,
                beta_txt,
                share_txt,
                option_name(s, regret_choice, lang),
            ]
        )
    tables.append(
        table(
            t("change_summary", lang),
            [
                t("view", lang),
                t(f"top_{on}", lang),
                t("lead", lang),
                t("nearest_switch", lang),
                t("nearest_flip", lang),
                t("share_not_best", lang),
                t("minimax_regret", lang),
            ],
            summary_rows,
        )
    )
    for v, r in per.items():
        name = view_name(s, v, lang)
        br, prim, reg = r.get("breaking"), r.get("prim"), r.get("regret")
        for method, err in r["errors"].items():
            paras.append(
                tf("view_method_failed", lang, view=name, method=t_kind(method, lang), error=err)
            )
        if r.get("skipped_breaking"):
            paras.append(tf("breaking_quick", lang, view=name))
        if br:
            top = br["top"]
            rows = []
            for x in br["switch_overs"]:
                if x.get("nearest_z") is None:
                    continue
                cells = []
                for side in ("low", "high"):
                    z = x.get(f"{side}_z")
                    if z is None:
                        cells.append("–")
                        continue
                    cells.append(
                        f"{fmt(x.get(f'{side}_value'))} ({_z(z)}{_se(x.get(f'{side}_se_z'))}) → "
                        f"{option_name(s, x.get(f'{side}_winner'), lang)}"
                    )
                rows.append([x["input"], f"{x['nearest_z']:.2f}", *cells])
            n_none = sum(1 for x in br["switch_overs"] if x.get("nearest_z") is None)
            if rows:
                tables.append(
                    table(
                        tf("breaking_title", lang, view=name, top=option_name(s, top, lang)),
                        [
                            t("parameter", lang),
                            t("spreads", lang),
                            t("below", lang),
                            t("above", lang),
                        ],
                        rows[:15],
                    )
                )
            paras.append(
                tf(
                    "breaking_none",
                    lang,
                    view=name,
                    n=n_none,
                    m=len(br["switch_overs"]),
                    zmax=fmt(br["switch_overs"][0]["searched_z"] if br["switch_overs"] else 4.0),
                )
            )
            near = nearest(br)
            beta = near.get("beta")
            movers = ", ".join(near.get("movers", [])[:3])
            if near.get("within_error"):
                pass  # the paragraph below says the centre is unresolved by the paths used
            elif beta is None:
                paras.append(tf("flip_none", lang, view=name, top=option_name(s, top, lang)))
            elif beta > WITHIN:
                paras.append(
                    tf(
                        "flip_outside",
                        lang,
                        view=name,
                        top=option_name(s, top, lang),
                        beta=f"{beta:.1f}",
                        beyond=f"{beta - WITHIN:.1f}",
                        within=fmt(WITHIN),
                        movers=movers,
                        winner=option_name(s, near.get("winner"), lang),
                    )
                )
            else:
                paras.append(
                    tf(
                        "flip_inside",
                        lang,
                        view=name,
                        top=option_name(s, top, lang),
                        beta=f"{beta:.1f}",
                        movers=movers,
                        winner=option_name(s, near.get("winner"), lang),
                    )
                )
            se0 = br.get("central_gap_se")
            if se0 is not None and br["central_gap"] < 2 * se0:
                paras.append(
                    tf(
                        "mc_unresolved",
                        lang,
                        view=name,
                        gap=fmt(br["central_gap"]),
                        se=fmt(se0, 2),
                    )
                )
            if lang == "en":  # the explore notes are generated in English
                paras.extend(f"{name}: {n}" for n in br.get("notes", []) if "Monte Carlo" not in n)
            if v == "source":
                for x in br["switch_overs"][:3]:
                    z = x.get("nearest_z")
                    if z is None or z > 2 * WITHIN:
                        continue
                    side = "low" if x.get("low_z") is not None and abs(x["low_z"]) == z else "high"
                    signposts.append(
                        tf(
                            f"sp_switch_{side}",
                            lang,
                            param=x["input"],
                            value=fmt(x.get(f"{side}_value")),
                            z=f"{z:.1f}",
                            top=option_name(s, top, lang),
                            winner=option_name(s, x.get(f"{side}_winner"), lang),
                        )
                    )
        if prim:
            n = prim["experiments"]
            tables.append(
                table(
                    tf("prim_title", lang, view=name, n=n),
                    [t("option", lang), h("futures where best", lang)],
                    [
                        [option_name(s, o, lang), f"{k} ({100 * k / n:.1f}%)"]
                        for o, k in prim["best_counts"].items()
                    ],
                )
            )
            rec = prim.get("recommended") or (br or {}).get("top")
            if v == "source":
                p_holds = 1.0 - prim["base_rate"]
                judg.append(
                    judgement(
                        p_holds,
                        tf(
                            "best_across_futures",
                            lang,
                            option=option_name(s, rec, lang),
                            basis=t(f"basis_{on}", lang),
                        ),
                        lang,
                        _basis(prim, settings, n, lang),
                    )
                )
            for b in prim.get("boxes", []):
                tables.append(
                    table(
                        tf(
                            "prim_box",
                            lang,
                            view=name,
                            box=b["box"],
                            coverage=fmt(b["coverage"], 2),
                            density=fmt(b["density"], 2),
                        ),
                        [t("parameter", lang), h("range in the box", lang)],
                        [[x["parameter"], _prim_limit(x)] for x in b["restricted_dimensions"]],
                    )
                )
            scr = prim.get("settings", {}).get("screening")
            if scr and prim.get("boxes"):
                paras.append(
                    tf(
                        "prim_screened",
                        lang,
                        view=name,
                        kept=len(scr["kept"]),
                        inputs=scr["inputs"],
                        rec=option_name(s, rec, lang),
                    )
                )
            if not prim.get("boxes"):
                paras.append(
                    tf(
                        "prim_no_box",
                        lang,
                        view=name,
                        rec=option_name(s, rec, lang),
                        k=prim["cases_not_best"],
                        n=n,
                    )
                )
        u = (reg or {}).get("regret", {}).get("utility")
        if u:
            tables.append(
                table(
                    tf(
                        "regret_title",
                        lang,
                        view=name,
                        n=reg["experiments"],
                        basis=t(f"basis_{on}", lang),
                    ),
                    [
                        t("option", lang),
                        h("maximum regret", lang),
                        h("90th percentile", lang),
                        h("mean regret", lang),
                    ],
                    [
                        [option_name(s, o, lang), fmt(x["max"]), fmt(x["p90"]), fmt(x["mean"])]
                        for o, x in u.items()
                    ],
                )
            )
    sec.data.update(
        tables=tables,
        paragraphs=paras,
        signposts=signposts,
        judgements=judg,
        views={
            v: {k: r.get(k) for k in ("breaking", "errors")}
            | {
                "prim": None
                if not r.get("prim")
                else {
                    k: r["prim"][k]
                    for k in ("experiments", "cases_not_best", "base_rate", "best_counts")
                },
                "regret": None
                if not r.get("regret")
                else {"minimax_regret_choice": r["regret"]["minimax_regret_choice"]},
            }
            for v, r in per.items()
        },
    )
    src = per.get("source", {})
    if src.get("prim"):
        sec.data["prim"] = sec.data["views"]["source"]["prim"]
    progress("what would change: done", 1.0)
    return sec
