"""The web app's routes, one module per area.

- :mod:`~melian.web.routers.server`: ``/api/health``, ``/api/kinds``.
- :mod:`~melian.web.routers.scenarios`: ``/api/scenarios...`` (catalogue, validation, edits, save).
- :mod:`~melian.web.routers.runs`: ``/api/runs...`` and ``/api/jobs/{id}`` (background analyses,
  stored runs, export, diff).
- :mod:`~melian.web.routers.briefs`: ``/api/briefs`` and the read-only ``/briefs/`` files.
- :mod:`~melian.web.routers.advise`: the levers page and its JSON (:mod:`melian.advise`).
- :mod:`~melian.web.routers.author`: authoring a dialogue, its spreadsheets, the analyses form.
- :mod:`~melian.web.routers.exports`: downloads of a run's tables (CSV, Parquet), numbers and
  brief files.
- :mod:`~melian.web.routers.pages`: the HTML pages (scenarios, table edits, jobs, runs, compare,
  docs).

:func:`api_router` gathers the JSON API under ``/api`` with its error responses; the order of
inclusion is the order of the OpenAPI document.
"""

from __future__ import annotations

from fastapi import APIRouter

from melian.web.routers import advise, author, briefs, exports, pages, runs, scenarios, server
from melian.web.schemas import API_RESPONSES


def api_router() -> APIRouter:
    """Every JSON API route, under ``/api``."""
    api = APIRouter(prefix="/api", responses=API_RESPONSES)
    api.include_router(server.router)
    api.include_router(scenarios.router)
    api.include_router(runs.router)
    api.include_router(briefs.api)
    return api


def page_routers() -> list[APIRouter]:
    """The routers of the HTML pages and served files, in matching order."""
    return [pages.router, exports.router, briefs.pages, advise.router, author.router]


__all__ = ["api_router", "page_routers"]
