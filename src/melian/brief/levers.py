"""Brief section "What to ask for, what to offer, whom to persuade": the focal actor's levers.

The content comes from :func:`melian.advise.advise` (own stance, linkage, whom to persuade,
coalitions across the bargaining models, with the spread over the scenario's input uncertainty);
each lever is one plain sentence with its numbers. A quick brief uses the central inputs only.
"""

from __future__ import annotations

import math

from melian.advise import DEFAULT_DRAWS, advise
from melian.advise.text import t as lt
from melian.brief.base import Progress, Section, Settings, table
from melian.brief.i18n import tf
from melian.errors import ModelError
from melian.scenario.schema import Scenario


def levers_section(s: Scenario, lang: str, settings: Settings, progress: Progress) -> Section:
    """The focal actor's levers as paragraphs (one per lever) and a persuasion table."""
    if s.focal is None:
        raise ModelError("the scenario has no focal actor, so there is nobody to advise")
    progress("levers: counterfactual runs", 0.1)
    draws = 0 if settings.quick else DEFAULT_DRAWS
    # the machine's cores (at most 2; forked, or spawned inside a web job's thread): the runs of
    # each model in each sampled world are independent and the result does not depend on it
    lv = advise(
        s,
        models=None,
        draws=draws,
        seed=settings.seed,
        workers=None,
        progress=lambda stage, done, total: progress(
            f"levers: {stage}",
            (0.1 + 0.8 * done / max(total, 1))
            if stage != "packages"
            else 0.9 + 0.1 * done / max(total, 1),
        ),
    )
    sentences = lv.sentences(lang)
    sec = Section(id="levers", data={"raw": lv.to_dict()})
    sec.data["paragraphs"] = [x["text"] for x in sentences]
    sampled = lv.draws > 0
    # the share of sampled inputs where a lever helps exists only when inputs were sampled (a
    # quick brief runs the central inputs only: the column would repeat the models' share)
    sec.data["tables"] = [
        table(
            lt("persuasion", lang),
            [
                lt("lever", lang),
                *lv.models,
                lt("models_helped", lang),
                *([lt("helps", lang)] if sampled else []),
            ],
            [
                [
                    f"{lv.name(x.actor, lang)} ({lt(x.kind, lang)})",
                    *(_gain(x.gains[m].mean) for m in lv.models),
                    f"{100 * x.robustness.models_helped:.0f}%",
                    *([f"{100 * x.robustness.runs_helped:.0f}%"] if sampled else []),
                ]
                for x in lv.targets
            ],
        )
    ]
    method = lt("method", lang).format(draws=lv.draws) if sampled else tf("levers_central", lang)
    failed = [m for m in lv.models if any(not math.isfinite(x.gains[m].mean) for x in lv.targets)]
    notes = [method, *lv.notes]
    if failed:
        notes.append(tf("levers_no_gain", lang, models=", ".join(failed)))
    sec.data["notes"] = notes
    progress("levers: done", 1.0)
    return sec


def _gain(v: float) -> str:
    """A model's mean gain from a lever, signed, or an en dash when the model gave none."""
    return f"{v:+.2f}" if math.isfinite(v) else "–"
