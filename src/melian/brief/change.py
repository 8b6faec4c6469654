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
import re
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
    label,
    option_name,
    table,
)
from melian.brief.i18n import h, t, t_kind, tf
from melian.brief.likelihood import percent_text
from melian.errors import MelianError
from melian.explore.judgements import model_ranges, with_judgement_uncertainty
from melian.explore.model import scenario_uncertainties
from melian.explore.world import DEFAULT_HORIZON
from melian.games.payoffs import PARAMETERS as GAME_PARAMETERS
from melian.scenario.schema import Scenario
from melian.scenario.views import apply_view, view_ids
from melian.world.components import KINDS as WORLD_KINDS

#: Spreads (standardised units) counted as "within the declared uncertainty": the central 95%.
WITHIN = 2.0


def view_name(s: Scenario, view: str, lang: str) -> str:
    """Display name of a view: the scenario as written is 'the source's view' when the scenario
    declares other views to set beside it and records its source's recommendation (a seed
    paper's view against a sceptic's), else 'the scenario as written'; a declared view by its
    name.
    """
    if view == "source":
        sourced = bool(s.views) and getattr(s.focal, "recommended", None) is not None
        return t("view_source" if sourced else "view_written", lang)
    v = next((x for x in s.views if x.id == view), None)
    if v is None:
        return view
    names = getattr(v, "names", None) or {}
    return str(names.get(lang) or getattr(v, "name", None) or v.id)


def _share_se(p: float, n: int) -> float:
    """Binomial standard error of a share ``p`` over ``n`` sampled futures."""
    return math.sqrt(max(p * (1 - p), 0.0) / max(n, 1))


def share_se(prim: Mapping[str, Any]) -> float:
    """The standard error of the share of futures where the ensemble's option is not best.

    The ensemble's own (``base_rate_se``, :class:`melian.explore.mcerror.MonteCarloError`'s
    ``share_se``): the binomial error of the futures sampled and the paths' error combined (the
    paths use common random numbers across futures and options, so their noise is shared, not
    independent, and is measured by the bootstrap over path indices). The binomial error of the
    futures alone, which leaves the paths' part out, only when the result does not give it (a
    model without paths, or an older result).
    """
    se = prim.get("base_rate_se")
    if se is not None and math.isfinite(float(se)):
        return float(se)
    return _share_se(float(prim["base_rate"]), int(prim["experiments"]))


def _view_text(key: str, lang: str, name: str, single: bool, **fields: object) -> str:
    """Sentence ``key`` about view ``name``; with a ``single`` view (the scenario declares no
    other) without the view's name in front, which would only repeat itself.
    """
    text = tf(key, lang, view=name, **fields)
    prefix = f"{name}: "
    if single and text.startswith(prefix):
        rest = text[len(prefix) :]
        return rest[:1].upper() + rest[1:]
    return text


#: What the explore notes say in code terms, and the plain words the brief says instead.
_CODE_IN_NOTES = (
    (re.compile(r"\s*\(melian(?:\.\w+)+\)"), ""),
    (re.compile(r";\s*\w+=\w+[^;)]*"), ""),
    (re.compile(r"\bmelian(?:\.\w+)+"), ""),
)


def plain_note(note: str) -> str:
    """An explore note without the Python it may name (module paths, ``name=value`` arguments),
    which a reader of the brief cannot use.
    """
    for pattern, repl in _CODE_IN_NOTES:
        note = pattern.sub(repl, note)
    return re.sub(r"\(\s*\)", "", note).strip()


def input_name(s: Scenario, path: str, lang: str) -> str:
    """Display name of an uncertain input ``path`` (a world parameter ``component.name``, a game
    parameter ``game.name[.actor]``, an issue's bargaining inputs ``issue ID``): the component's
    name and what the parameter means (its kind's declaration; in Arabic, the parameter's
    name), the game parameter's meaning and actor, the issue's name; the path itself otherwise.
    """
    if path.startswith("issue "):
        iss = next((i for i in s.issues if i.id == path[6:]), None)
        return label(iss, lang) if iss is not None else path
    parts = path.split(".")
    if parts[0] == "game" and len(parts) >= 2:
        meaning = GAME_PARAMETERS.get(parts[1], (0.0, ""))[1]
        meaning = re.sub(r"^\w+: ", "", meaning).split(" (")[0] if lang == "en" else ""
        who = [label(a, lang) for p in parts[2:] for a in s.actors if a.id == p]
        what = meaning or parts[1].replace("_", " ")
        return f"{what} ({', '.join(who)})" if who else what
    comp = next((c for c in s.world.components if c.id == parts[0]), None)
    if comp is None or len(parts) != 2:
        return path
    kind = WORLD_KINDS.get(comp.kind)
    spec = next((p for p in getattr(kind, "PARAMS", ()) if p.path == parts[1]), None)
    what = spec.meaning if spec is not None and lang == "en" else parts[1]
    driver = re.fullmatch(r"effect(\d)", parts[1])
    bound = comp.inputs.get(f"driver{driver.group(1)}") if driver else None
    if isinstance(bound, str):
        src = next((c for c in s.world.components if c.id == bound.split(".")[0]), None)
        state = bound.split(".", 1)[-1].replace("_", " ")
        what += f" ({src.name if src is not None and src.name else bound.split('.')[0]} {state})"
    return f"{comp.name or comp.id}: {what}"


def explored_horizon(
    s: Scenario, on: str, settings: Settings, part: str = "ensemble"
) -> int | None:
    """Months the world model runs in the explored futures (``part``: the PRIM and regret
    ensemble, or the breaking points), or ``None`` when the explored ranking reads no world.

    The brief passes no horizon to the ensemble, so it is the exploratory model's default
    (:data:`melian.explore.world.DEFAULT_HORIZON`), as in the ranking's world criteria; the
    breaking points run over ``settings.breaking_horizon`` when it is set.
    """
    reads = any(c.measure.kind == "world" for c in s.criteria if on != "joint" or c.weight > 0)
    if on == "game" or not reads or not s.world.components:
        return None
    if part == "breaking" and settings.breaking_horizon is not None:
        return settings.breaking_horizon
    return DEFAULT_HORIZON


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


def _basis(
    prim: dict[str, Any], settings: Settings, n: int, lang: str, months: int | None = None
) -> str:
    """The basis of the key judgement on the ensemble: its futures, and its paths if any (over
    ``months`` months, the world model's horizon in them, when given).
    """
    paths = _paths_used(prim, settings)
    if paths is None:
        return tf("prim_basis_exact", lang, n=n)
    if months is not None:
        return tf("prim_basis_horizon", lang, n=n, paths=paths, months=months)
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
    for r in per.values():
        if r.get("breaking"):
            r["breaking"]["switch_overs"] = sorted(
                r["breaking"]["switch_overs"],
                key=lambda x: (x.get("nearest_z") is None, x.get("nearest_z") or 0.0),
            )
    tables: list[dict[str, Any]] = [
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
            [_summary_row(s, lang, v, r) for v, r in per.items()],
        )
    ]
    out: dict[str, list[Any]] = {"paragraphs": [], "signposts": [], "judgements": []}
    months = explored_horizon(s, on, settings)
    if months is not None:
        out["paragraphs"].append(tf("robust_horizon", lang, months=months))
    single = len(per) == 1
    for v, r in per.items():
        name = view_name(s, v, lang)
        for method, err in r["errors"].items():
            out["paragraphs"].append(
                _view_text(
                    "view_method_failed", lang, name, single, method=t_kind(method, lang), error=err
                )
            )
        if r.get("skipped_breaking"):
            out["paragraphs"].append(_view_text("breaking_quick", lang, name, single))
        if r.get("breaking"):
            _breaking_parts(s, lang, v, name, single, r["breaking"], tables, out)
        if r.get("prim"):
            _prim_parts(s, lang, settings, on, v, name, single, r, tables, out)
        u = (r.get("regret") or {}).get("regret", {}).get("utility")
        if u:
            tables.append(_regret_table(s, lang, on, name, single, r["regret"], u))
    sec.data.update(
        tables=tables,
        paragraphs=out["paragraphs"],
        signposts=out["signposts"],
        judgements=out["judgements"],
        views={v: _view_data(r) for v, r in per.items()},
        horizon=months,
    )
    src = per.get("source", {})
    if src.get("prim"):
        sec.data["prim"] = sec.data["views"]["source"]["prim"]
    progress("what would change: done", 1.0)
    return sec


def _view_data(r: dict[str, Any]) -> dict[str, Any]:
    """What the brief keeps of a view's results (the conclusions read it)."""
    prim = r.get("prim")
    keep = ("experiments", "cases_not_best", "base_rate", "best_counts", "recommended")
    return {k: r.get(k) for k in ("breaking", "errors")} | {
        "prim": None
        if not prim
        else {k: prim.get(k) for k in keep} | {"base_rate_se": share_se(prim)},
        "regret": None
        if not r.get("regret")
        else {"minimax_regret_choice": r["regret"]["minimax_regret_choice"]},
    }


def _summary_row(s: Scenario, lang: str, v: str, r: dict[str, Any]) -> list[str]:
    """One view's row of the summary table."""
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
        share_txt = f"{100 * prim['base_rate']:.1f}% ± {100 * share_se(prim):.1f}"
    regret_choice = (reg or {}).get("minimax_regret_choice", {}).get("utility")
    return [
        view_name(s, v, lang),
        option_name(s, top, lang),
        "–" if not br else f"{fmt(br['central_gap'])}{_se(br.get('central_gap_se'))}",
        near_txt,
        beta_txt,
        share_txt,
        option_name(s, regret_choice, lang),
    ]


def _breaking_parts(
    s: Scenario,
    lang: str,
    v: str,
    name: str,
    single: bool,
    br: dict[str, Any],
    tables: list[dict[str, Any]],
    out: dict[str, list[Any]],
) -> None:
    """A view's breaking points: their table, the paragraphs on the nearest flip, and (for the
    scenario as written) the signposts, into ``tables`` and ``out``.
    """
    top = br["top"]
    top_name = option_name(s, top, lang)
    paras = out["paragraphs"]
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
                _view_text("breaking_title", lang, name, single, top=top_name),
                [t("parameter", lang), t("spreads", lang), t("below", lang), t("above", lang)],
                rows[:15],
            )
        )
    zmax = fmt(br["switch_overs"][0]["searched_z"] if br["switch_overs"] else 4.0)
    paras.append(
        _view_text(
            "breaking_none", lang, name, single, n=n_none, m=len(br["switch_overs"]), zmax=zmax,
            top=top_name,
        )
    )  # fmt: skip
    near = nearest(br)
    beta = near.get("beta")
    fields = {
        "top": top_name,
        "movers": ", ".join(near.get("movers", [])[:3]),
        "winner": option_name(s, near.get("winner"), lang),
    }
    if near.get("within_error"):
        pass  # the paragraph below says the centre is unresolved by the paths used
    elif beta is None:
        paras.append(_view_text("flip_none", lang, name, single, top=top_name))
    elif beta > WITHIN:
        paras.append(
            _view_text(
                "flip_outside", lang, name, single, beta=f"{beta:.1f}",
                beyond=f"{beta - WITHIN:.1f}", within=fmt(WITHIN), **fields,
            )
        )  # fmt: skip
    else:
        paras.append(_view_text("flip_inside", lang, name, single, beta=f"{beta:.1f}", **fields))
    se0 = br.get("central_gap_se")
    if se0 is not None and br["central_gap"] < 2 * se0:
        paras.append(
            _view_text(
                "mc_unresolved", lang, name, single, gap=fmt(br["central_gap"]), se=fmt(se0, 2),
                top=top_name,
            )
        )  # fmt: skip
    if lang == "en":  # the explore notes are generated in English
        for n in br.get("notes", []):
            if "Monte Carlo" not in n:
                paras.append(plain_note(n) if single else f"{name}: {plain_note(n)}")
    if v == "source":
        out["signposts"].extend(_switch_signposts(s, lang, br))


def _switch_signposts(s: Scenario, lang: str, br: dict[str, Any]) -> list[str]:
    """Signposts of the nearest switch-overs (within twice the declared uncertainty), each input
    by its display name (:func:`input_name`).
    """
    out = []
    for x in br["switch_overs"][:3]:
        z = x.get("nearest_z")
        if z is None or z > 2 * WITHIN:
            continue
        side = "low" if x.get("low_z") is not None and abs(x["low_z"]) == z else "high"
        out.append(
            tf(
                f"sp_switch_{side}",
                lang,
                param=input_name(s, x["input"], lang),
                value=fmt(x.get(f"{side}_value")),
                z=f"{z:.1f}",
                top=option_name(s, br["top"], lang),
                winner=option_name(s, x.get(f"{side}_winner"), lang),
            )
        )
    return out


def _prim_parts(
    s: Scenario,
    lang: str,
    settings: Settings,
    on: str,
    v: str,
    name: str,
    single: bool,
    r: dict[str, Any],
    tables: list[dict[str, Any]],
    out: dict[str, list[Any]],
) -> None:
    """A view's PRIM result: which option is best in how many futures, its boxes, and (for the
    scenario as written) the key judgement, into ``tables`` and ``out``.
    """
    prim, br = r["prim"], r.get("breaking")
    n = prim["experiments"]
    tables.append(
        table(
            _view_text("prim_title", lang, name, single, n=n),
            [t("option", lang), h("futures where best", lang)],
            [
                [option_name(s, o, lang), f"{k} ({100 * k / n:.1f}%)"]
                for o, k in prim["best_counts"].items()
            ],
        )
    )
    rec = prim.get("recommended") or (br or {}).get("top")
    rec_name = option_name(s, rec, lang)
    if v == "source":
        p_holds = 1.0 - prim["base_rate"]
        out["judgements"].append(
            judgement(
                p_holds,
                tf(
                    "best_across_futures",
                    lang,
                    option=rec_name,
                    basis=t(f"basis_{on}", lang),
                    pct=percent_text(p_holds, n),
                ),
                lang,
                _basis(prim, settings, n, lang, explored_horizon(s, on, settings)),
                n,
            )
        )
    for b in prim.get("boxes", []):
        tables.append(
            table(
                _view_text(
                    "prim_box", lang, name, single, box=b["box"], coverage=fmt(b["coverage"], 2),
                    density=fmt(b["density"], 2), rec=rec_name,
                ),
                [t("parameter", lang), h("range in the box", lang)],
                [[x["parameter"], _prim_limit(x)] for x in b["restricted_dimensions"]]
                or [[  # a box that restricts nothing is the whole space: say it, not an empty table
                    h("no input restricted", lang),
                    h("the whole sampled space (the box's density is the base rate)", lang),
                ]],
            )
        )  # fmt: skip
    scr = prim.get("settings", {}).get("screening")
    if scr and prim.get("boxes"):
        out["paragraphs"].append(
            _view_text(
                "prim_screened", lang, name, single, kept=len(scr["kept"]), inputs=scr["inputs"],
                rec=rec_name,
            )
        )  # fmt: skip
    if not prim.get("boxes"):
        out["paragraphs"].append(
            _view_text(
                "prim_no_box", lang, name, single, rec=rec_name, k=prim["cases_not_best"], n=n
            )
        )


def _regret_table(
    s: Scenario,
    lang: str,
    on: str,
    name: str,
    single: bool,
    reg: dict[str, Any],
    u: dict[str, dict[str, float]],
) -> dict[str, Any]:
    """A view's regret table: maximum, 90th percentile and mean regret of every option."""
    return table(
        _view_text(
            "regret_title", lang, name, single, n=reg["experiments"], basis=t(f"basis_{on}", lang)
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
