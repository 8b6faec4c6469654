"""melian's local web app (FastAPI): scenarios, table edits, background analyses, runs, briefs.

:func:`create_app` builds the app from its parts: the shared state (:mod:`melian.web.state`),
the error handlers (:mod:`melian.web.handlers`), the security middleware
(:mod:`melian.web.security`) and the routers (:mod:`melian.web.routers`). Pages are plain
server-rendered HTML (jinja2, autoescaped) with one small vanilla script that polls job progress;
nothing is fetched from the network. The JSON API under ``/api`` is described by the OpenAPI
document at ``/openapi.json`` (readable at ``/docs``, which is served without external assets).
Every state-changing endpoint is guarded against cross-site requests and oversize bodies.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from melian.manifest import melian_version
from melian.store import RunStore, open_store
from melian.web.catalogue import Catalogue
from melian.web.handlers import install_error_handlers
from melian.web.jobs import JobManager
from melian.web.routers import api_router, page_routers
from melian.web.routers.author import install_templates
from melian.web.security import LOOPBACK_HOSTS, MAX_BODY_BYTES, GuardMiddleware
from melian.web.state import WebState, default_brief_dir, make_templates


def create_app(
    store_url: str | RunStore | None = None,
    scenario_dir: str | Path | None = None,
    *,
    brief_dir: str | Path | None = None,
    workers: int = 1,
    max_body: int = MAX_BODY_BYTES,
    allowed_hosts: list[str] | tuple[str, ...] = (),
) -> FastAPI:
    """Build the web app.

    ``store_url``: run store (see :func:`melian.store.resolve_url`); ``scenario_dir``: directory
    of user scenarios (listed, and where edited scenarios are saved); ``brief_dir``: directory of
    briefs served read-only (default ``$MELIAN_BRIEF_DIR``, else ``./briefs`` if it exists --
    where ``melian brief`` writes -- else ``briefs`` in the user data directory); ``workers``:
    analyses run at once; ``max_body``: largest request body in bytes; ``allowed_hosts``: host
    names accepted besides the loopback names.
    """
    store = open_store(store_url)
    briefs = Path(brief_dir) if brief_dir is not None else default_brief_dir()
    state = WebState(
        store=store,
        catalogue=Catalogue(None if scenario_dir is None else Path(scenario_dir)),
        jobs=JobManager(store, workers=workers, brief_dir=briefs),
        brief_dir=briefs,
        templates=make_templates(),
        max_body=max_body,
    )

    install_templates(state.templates)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        state.jobs.shutdown()

    app = FastAPI(
        title="melian",
        version=melian_version(),
        description="Strategic-dialogue analysis: scenarios, background analyses, stored runs.",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.web = state
    # kept for code that reads them directly
    app.state.store, app.state.catalogue = state.store, state.catalogue
    app.state.jobs, app.state.brief_dir = state.jobs, state.brief_dir
    app.add_middleware(
        GuardMiddleware,
        allowed_hosts=tuple(LOOPBACK_HOSTS) + tuple(allowed_hosts),
        max_body=max_body,
    )
    install_error_handlers(app)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    app.include_router(api_router())
    for router in page_routers():
        app.include_router(router)
    return app


__all__ = ["create_app"]
