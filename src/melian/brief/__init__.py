"""The decision brief: assemble every analysis on a scenario and render HTML, PDF and JSON."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from melian.brief.assemble import Brief, Progress, Settings, assemble
from melian.brief.likelihood import likelihood_words
from melian.scenario import load_scenario
from melian.scenario.schema import Scenario


@dataclass
class BriefResult:
    """What :func:`build_brief` wrote: the brief, its files and the run id in the store."""

    brief: Brief
    paths: dict[str, Path]
    run_id: str | None


def run_record(brief: Brief) -> dict[str, Any]:
    """What the run store keeps of a brief: its kind, results (every number it shows) and manifest.

    Used by :func:`build_brief` (``melian brief``) and by the web app's ``brief`` analysis, so a
    brief run looks the same in the store whichever way it was made.
    """
    return {"kind": "brief", "results": brief.to_dict(), "manifest": brief.manifest}


def build_brief(
    scenario: str | Path | Scenario,
    out_dir: str | Path = "briefs",
    *,
    lang: str = "en",
    quick: bool = False,
    seed: int | None = None,
    pdf: bool = True,
    store: str | bool | None = None,
    progress: Progress | None = None,
    settings: Settings | None = None,
) -> BriefResult:
    """Run every analysis on ``scenario``, write the brief files and save the run.

    ``store``: a run-store URL, ``None`` for the default store, ``False`` not to save.
    """
    from melian.brief.render import write_brief

    s = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    brief = assemble(s, lang=lang, quick=quick, seed=seed, progress=progress, settings=settings)
    paths = write_brief(brief, Path(out_dir), pdf=pdf)
    run_id = None
    if store is not False:
        from melian.store import save_run

        run_id = save_run(
            **run_record(brief), scenario=s, store=store if isinstance(store, str) else None
        )
    return BriefResult(brief=brief, paths=paths, run_id=run_id)


__all__ = ["Brief", "BriefResult", "Settings", "build_brief", "likelihood_words", "run_record"]
