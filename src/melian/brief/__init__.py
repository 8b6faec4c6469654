"""The decision brief: assemble the results of every analysis and render HTML, PDF and JSON.

:func:`melian.analysis.brief` runs the analyses and calls :func:`assemble`; rendering is in
:mod:`melian.brief.render`. Building a brief saves nothing: keeping a run in the store is the
face's decision (``melian brief`` saves :func:`run_record`).
"""

from __future__ import annotations

from typing import Any

from melian.brief.assemble import Brief, assemble
from melian.brief.base import (
    BriefIncompleteError,
    NotApplicableError,
    Progress,
    Runners,
    Section,
    Settings,
)
from melian.brief.likelihood import likelihood_words


def run_record(brief: Brief) -> dict[str, Any]:
    """What the run store keeps of a brief: its kind, results (every number it shows) and manifest.

    Used by ``melian brief`` and by the web app's ``brief`` analysis, so a brief run looks the
    same in the store whichever way it was made.
    """
    return {"kind": "brief", "results": brief.to_dict(), "manifest": brief.manifest}


__all__ = [
    "Brief",
    "BriefIncompleteError",
    "NotApplicableError",
    "Progress",
    "Runners",
    "Section",
    "Settings",
    "assemble",
    "likelihood_words",
    "run_record",
]
