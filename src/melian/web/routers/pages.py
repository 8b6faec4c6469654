"""The HTML pages: scenario catalogue and upload, the editable table, jobs, runs, compare, docs.

Pages are rendered server-side from autoescaped jinja2 templates; forms post back to the same
paths and are guarded like the API (:mod:`melian.web.security`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from melian.errors import InputError
from melian.scenario.loader import content_hash, parse_scenario
from melian.scenario.schema import Scenario
from melian.scenario.yamlsrc import MAX_BYTES
from melian.store import flatten
from melian.web.analyses import ANALYSES
from melian.web.catalogue import apply_edits, form_edits
from melian.web.compare import input_changes, table_changes
from melian.web.results import run_scenario, run_tables
from melian.web.schemas import Name, RunId, problems_out
from melian.web.state import (
    Counter,
    StateDep,
    WebState,
    render,
    request_lang,
    resolve_params,
    scenario_table,
)

router = APIRouter(include_in_schema=False)
Origin = Literal["builtin", "user"]

_FAVICON = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16">'
    b'<rect width="16" height="16" rx="3" fill="#16324f"/>'
    b'<path d="M3 12V4l5 5 5-5v8" stroke="#e8eef5" stroke-width="2" fill="none"/></svg>'
)


@router.get("/")
def index(request: Request, state: StateDep) -> HTMLResponse:
    """The catalogue of scenarios, the upload form and the latest runs."""
    return render(
        request,
        "index.html",
        entries=state.catalogue.entries(),
        runs=state.store.list_runs(limit=10),
        user_dir=state.catalogue.user_dir,
        upload_limit=state.max_body,
    )


@router.post("/scenarios/upload")
async def upload(
    state: StateDep,
    file: Annotated[UploadFile, File()],
    name: Annotated[str, Form(max_length=80)] = "",
) -> Response:
    """Validate an uploaded scenario file and save it in the user directory."""
    raw = await file.read(MAX_BYTES + 1)
    # lazy: the YAML source helpers, only for an upload
    from melian.scenario.yamlsrc import decode

    fname = (file.filename or "upload.yaml")[-100:]
    text = decode(raw, fname)
    s = parse_scenario(text, fname)
    target = name.strip() or s.id
    try:
        state.catalogue.save_user(target, s, overwrite=False)
    except FileExistsError:
        raise StarletteHTTPException(409, f"user scenario {target!r} exists already") from None
    return RedirectResponse(f"/scenarios/user/{target}", status_code=303)


def scenario_page_response(
    request: Request,
    state: WebState,
    origin: str,
    name: str,
    shown: Scenario,
    runs_of: Scenario,
    *,
    status: int = 200,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    problems: list[dict[str, Any]] | None = None,
    message: str | None = None,
) -> HTMLResponse:
    """The scenario page: the table of ``shown``, form state and errors, runs of ``runs_of``."""
    return render(
        request,
        "scenario.html",
        status=status,
        t=scenario_table(origin, name, shown),
        form=form or {},
        errors=errors or {},
        problems=problems or [],
        kinds=list(ANALYSES.values()),
        user_dir=state.catalogue.user_dir,
        message=message,
        runs=state.store.list_runs(limit=10, scenario_id=runs_of.id),
    )


@router.get("/scenarios/{origin}/{name}")
def scenario_page(request: Request, state: StateDep, origin: Origin, name: Name) -> HTMLResponse:
    """A scenario's editable table, its analyses and its latest runs."""
    s, _ = state.catalogue.load(origin, name)
    return scenario_page_response(request, state, origin, name, s, s)


@router.post("/scenarios/{origin}/{name}")
async def scenario_post(request: Request, state: StateDep, origin: Origin, name: Name) -> Response:
    """The table form: check the edits, run an analysis or a brief on them, or save them."""
    s, _ = state.catalogue.load(origin, name)
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    action = form.get("action", "check")
    try:
        edited, text = apply_edits(s, form_edits(s, form), f"{name} (edited)")
    except InputError as exc:
        errors: dict[str, str] = {}
        for p in exc.problems:
            errors.setdefault(p.path, p.message)
        return scenario_page_response(
            request,
            state,
            origin,
            name,
            s,
            s,
            status=422,
            form=form,
            errors=errors,
            problems=problems_out(exc),
        )
    if action in ("run", "brief"):
        kind = "brief" if action == "brief" else form.get("kind", "forecast")
        spec, params = resolve_params(kind, form_params(kind, form))
        job = state.jobs.submit(spec, edited, text, params)
        return RedirectResponse(f"/jobs/{job.id}", status_code=303)
    if action == "save":
        target = form.get("save_name", "").strip()
        try:
            state.catalogue.save_user(target, edited, overwrite=form.get("overwrite") == "on")
        except FileExistsError:
            raise StarletteHTTPException(
                409, f"user scenario {target!r} exists; tick 'overwrite' to replace it"
            ) from None
        return RedirectResponse(f"/scenarios/user/{target}", status_code=303)
    message = f"the edited scenario is valid (hash {content_hash(edited)[:12]})"
    return scenario_page_response(request, state, origin, name, edited, s, message=message)


def form_params(kind: str, form: dict[str, str]) -> dict[str, Any]:
    """Analysis parameters from the scenario page's form (only the brief has options there)."""
    if kind != "brief":
        return {}
    return {
        "quick": form.get("brief_quick") == "on",
        "lang": form.get("brief_lang", "en"),
        "pdf": form.get("brief_pdf") == "on",
    }


@router.get("/jobs/{job_id}")
def job_page(request: Request, state: StateDep, job_id: str) -> Response:
    """A job's progress (polled by a small script); a finished plain run redirects to the run."""
    job = state.jobs.get(job_id)
    if job is None:
        raise StarletteHTTPException(404, "no such job")
    if job.status == "done" and job.run_id and not job.outputs:
        return RedirectResponse(f"/runs/{job.run_id}", status_code=303)
    return render(request, "job.html", job=job.to_dict())


@router.get("/runs")
def runs_page(
    request: Request, state: StateDep, kind: str | None = None, scenario_id: str | None = None
) -> HTMLResponse:
    """Stored runs, newest first, optionally of one kind or scenario."""
    runs = state.store.list_runs(limit=200, kind=kind, scenario_id=scenario_id)
    return render(request, "runs.html", runs=runs, pair=default_pair(runs))


def default_pair(runs: list[Any]) -> tuple[str | None, str | None]:
    """The runs the compare form starts with: the newest run (b) and the newest earlier run of
    the same kind, preferably of the same scenario (a); None where there is none.
    """
    if not runs:
        return None, None
    b = runs[0]
    same = [r for r in runs[1:] if r.kind == b.kind]
    best = [r for r in same if r.scenario_id == b.scenario_id] or same or runs[1:2]
    return (best[0].id if best else None), b.id


@router.get("/runs/{run_id}")
def run_page(request: Request, state: StateDep, run_id: RunId) -> HTMLResponse:
    """One stored run: results, manifest, and other runs of the scenario to compare with."""
    run = state.store.get_run(run_id)
    others = state.store.list_runs(limit=20, scenario_id=run.scenario_id)
    return render(
        request,
        "run.html",
        run=run,
        view=state.views.get(run, request_lang(request)),
        table_index=Counter(),
        manifest=list(flatten(run.manifest)),
        others=sorted((r for r in others if r.id != run.id), key=lambda r: r.kind != run.kind),
    )


@router.get("/runs/{run_id}/inputs.yaml")
def run_inputs(state: StateDep, run_id: RunId) -> Response:
    """The scenario text a run was made from."""
    run = state.store.get_run(run_id)
    return PlainTextResponse(run.inputs or "", media_type="text/plain; charset=utf-8")


@router.get("/compare")
def compare_page(
    request: Request,
    state: StateDep,
    a: RunId,
    b: RunId,
    rtol: Annotated[float, Query(ge=0.0, le=1.0)] = 0.0,
) -> HTMLResponse:
    """What changed between two runs: inputs and outputs by actor, issue and option name.

    Changed scenario values (:func:`melian.web.compare.input_changes`) and the rows of the
    shown result tables that differ (:func:`melian.web.compare.table_changes`); unchanged rows
    are counted and collapsed. Runs of different kinds have no outputs in common: only their
    inputs are compared.
    """
    ra, rb = state.store.get_run(a), state.store.get_run(b)
    d = state.store.diff_runs(ra.id, rb.id, rtol=rtol)
    lang = request_lang(request)
    inputs = input_changes(run_scenario(ra), run_scenario(rb), lang)
    outputs = (
        table_changes(run_tables(ra, lang, state.views), run_tables(rb, lang, state.views))
        if ra.kind == rb.kind and ra.status == rb.status == "ok"
        else []
    )
    return render(
        request,
        "compare.html",
        a=ra,
        b=rb,
        d=d,
        inputs=inputs,
        outputs=outputs,
        n_values=len(d.get("changes", [])),
    )


@router.get("/favicon.ico")
def favicon() -> Response:
    """The site icon (also asked for by sandboxed briefs, an opaque origin: allowed to them)."""
    return Response(
        _FAVICON,
        media_type="image/svg+xml",
        headers={
            "cache-control": "max-age=86400",
            "cross-origin-resource-policy": "cross-origin",
        },
    )


@router.get("/docs")
def docs_page(request: Request) -> HTMLResponse:
    """The API documentation, rendered from the OpenAPI document without external assets."""
    return render(request, "docs.html", schema=request.app.openapi())
