"""melian's local web app (FastAPI): scenarios, table edits, background analyses, runs, briefs.

:func:`create_app` builds the app. Pages are plain server-rendered HTML (jinja2, autoescaped)
with one small vanilla script that polls job progress; nothing is fetched from the network. The
JSON API under ``/api`` is described by the OpenAPI document at ``/openapi.json`` (readable at
``/docs``, which is served without external assets). Every state-changing endpoint is guarded
against cross-site requests and oversize bodies (:mod:`melian.web.security`).
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, FastAPI, File, Form, Query, Request, UploadFile
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, PackageLoader, select_autoescape
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from melian.errors import InputError, LimitError, MelianError, ModelError, Problem, StoreError
from melian.manifest import melian_version
from melian.scenario.capability import capabilities
from melian.scenario.loader import content_hash, parse_scenario, to_data, to_yaml
from melian.scenario.schema import Id, Scenario
from melian.scenario.yamlsrc import MAX_BYTES
from melian.store import RunStore, open_store, safe_url
from melian.web.advise import router as advise_router
from melian.web.analyses import ANALYSES
from melian.web.catalogue import (
    NAME_RE,
    Catalogue,
    ScenarioNotFoundError,
    apply_edits,
    form_edits,
    id_edits,
)
from melian.web.charts import chart_model, trajectory_svg
from melian.web.jobs import JobManager, QueueFullError
from melian.web.security import (
    BRIEF_CSP,
    LOOPBACK_HOSTS,
    MAX_BODY_BYTES,
    GuardMiddleware,
    safe_join,
)

#: File types served from the brief directory, with their media types.
BRIEF_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".json": "application/json",
    ".css": "text/css",
    ".jpg": "image/jpeg",
}
_FAVICON = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16">'
    b'<rect width="16" height="16" rx="3" fill="#16324f"/>'
    b'<path d="M3 12V4l5 5 5-5v8" stroke="#e8eef5" stroke-width="2" fill="none"/></svg>'
)
#: Most files listed from the brief directory.
MAX_BRIEFS = 1000

Name = Annotated[str, Field(pattern=NAME_RE.pattern, max_length=80)]
RunId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_\-]{1,40}$")]
Finite = Annotated[float, Field(allow_inf_nan=False)]


# --------------------------------------------------------------------------- API models
class ProblemOut(BaseModel):
    """One located problem: file, line, column, field path, message."""

    file: str
    line: int | None
    column: int | None
    path: str
    message: str


class ErrorOut(BaseModel):
    """An error: a message and, for bad input, every located problem."""

    error: str
    problems: list[ProblemOut] = Field(default_factory=list)


class ScenarioEntryOut(BaseModel):
    """A scenario in the catalogue."""

    origin: Literal["builtin", "user"]
    name: str
    title: str
    scenario_id: str | None
    hash: str | None
    error: str | None


class ActorRowOut(BaseModel):
    """An actor row of the edit table."""

    index: int
    id: str
    name: str
    kind: str
    at_table: bool
    capability: float | None = Field(description="resolved capability (series looked up)")
    capability_value: float | None = Field(description="declared value, if not from a series")
    capability_series: str | None
    capability_source: str


class PositionCellOut(BaseModel):
    """One actor's position and salience on one issue."""

    index: int
    actor: str
    position: float
    salience: float
    source: str
    judgement: bool


class IssueTableOut(BaseModel):
    """An agenda issue with its scale and positions."""

    index: int
    id: str
    name: str
    scale_min: float
    scale_max: float
    low: str
    high: str
    status_quo: float | None
    positions: list[PositionCellOut]


class ScenarioTableOut(BaseModel):
    """The editable table of a scenario: actors' capabilities, issues' positions and saliences."""

    origin: Literal["builtin", "user"]
    name: str
    scenario_id: str
    title: str
    hash: str
    salience_min: float
    salience_max: float
    actors: list[ActorRowOut]
    issues: list[IssueTableOut]


class PositionEditIn(BaseModel):
    """A new position and/or salience of one actor on one issue."""

    model_config = ConfigDict(extra="forbid")
    issue: Id
    actor: Id
    position: Finite | None = None
    salience: Finite | None = None


class CapabilityEditIn(BaseModel):
    """A new declared capability value of one actor."""

    model_config = ConfigDict(extra="forbid")
    actor: Id
    value: Finite


class EditsIn(BaseModel):
    """Table edits addressed by ids."""

    model_config = ConfigDict(extra="forbid")
    positions: list[PositionEditIn] = Field(default_factory=list, max_length=10_000)
    capabilities: list[CapabilityEditIn] = Field(default_factory=list, max_length=10_000)


class ValidationOut(BaseModel):
    """Result of validating a scenario (or an edited one)."""

    valid: bool
    scenario_id: str | None = None
    hash: str | None = None
    yaml: str | None = None
    problems: list[ProblemOut] = Field(default_factory=list)


class ScenarioTextIn(BaseModel):
    """Scenario text (YAML or JSON) sent in a request."""

    model_config = ConfigDict(extra="forbid")
    yaml: str = Field(max_length=MAX_BYTES)


class SaveScenarioIn(ScenarioTextIn):
    """Scenario text to save in the user directory."""

    overwrite: bool = False


class ScenarioRefIn(BaseModel):
    """A scenario in the catalogue."""

    model_config = ConfigDict(extra="forbid")
    origin: Literal["builtin", "user"]
    name: Name


class RunRequestIn(BaseModel):
    """An analysis to run in the background: kind, scenario (by reference or text), edits."""

    model_config = ConfigDict(extra="forbid")
    kind: str = Field(max_length=40, description="analysis kind (see /api/kinds)")
    scenario: ScenarioRefIn | None = None
    yaml: str | None = Field(default=None, max_length=MAX_BYTES)
    edits: EditsIn | None = None
    params: dict[str, Any] = Field(default_factory=dict)


class JobOut(BaseModel):
    """State of a background analysis."""

    id: str
    kind: str
    scenario_id: str
    scenario_hash: str
    status: Literal["queued", "running", "done", "failed"]
    progress: float
    message: str
    run_id: str | None
    error: str | None
    outputs: list[str] = Field(
        default_factory=list,
        description="files the analysis wrote into the brief directory (served at /briefs/NAME)",
    )
    created_at: str
    finished_at: str | None


class RunSummaryOut(BaseModel):
    """A stored run without its content."""

    id: str
    kind: str
    scenario_id: str | None
    scenario_hash: str | None
    created_at: str
    status: str


class RunOut(RunSummaryOut):
    """A whole stored run."""

    manifest: dict[str, Any]
    inputs: str | None
    results: Any
    digest: str


class ChangeOut(BaseModel):
    """One differing value between two runs."""

    path: str
    a: Any
    b: Any
    only: Literal["a", "b"] | None = None


class DiffOut(BaseModel):
    """What differs between two runs."""

    a: str
    b: str
    identical: bool
    changes: list[ChangeOut]
    inputs: list[str]


class KindOut(BaseModel):
    """An analysis kind the app can run."""

    kind: str
    title: str
    description: str
    params_schema: dict[str, Any]


class BriefOut(BaseModel):
    """A file in the brief directory."""

    path: str
    size: int


class HealthOut(BaseModel):
    """Server status."""

    status: str
    version: str
    store: str


def _problems(exc: InputError) -> list[dict[str, Any]]:
    return [ProblemOut(**p.__dict__).model_dump() for p in exc.problems]


_ERR = {"model": ErrorOut}
API_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _ERR,
    403: _ERR,
    413: _ERR,
    422: _ERR,
}


# --------------------------------------------------------------------------- app
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
    catalogue = Catalogue(None if scenario_dir is None else Path(scenario_dir))
    if brief_dir is None:
        env_dir = os.environ.get("MELIAN_BRIEF_DIR")
        if env_dir:
            brief_dir = Path(env_dir)
        elif Path("briefs").is_dir():  # where `melian brief` writes by default
            brief_dir = Path("briefs").absolute()
        else:
            from platformdirs import user_data_dir

            brief_dir = Path(user_data_dir("melian", appauthor=False)) / "briefs"
    briefs = Path(brief_dir)
    jobs = JobManager(store, workers=workers, brief_dir=briefs)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        jobs.shutdown()

    app = FastAPI(
        title="melian",
        version=melian_version(),
        description="Strategic-dialogue analysis: scenarios, background analyses, stored runs.",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.store = store
    app.state.catalogue = catalogue
    app.state.jobs = jobs
    app.state.brief_dir = briefs
    app.add_middleware(
        GuardMiddleware,
        allowed_hosts=tuple(LOOPBACK_HOSTS) + tuple(allowed_hosts),
        max_body=max_body,
    )
    static_dir = Path(__file__).parent / "static"
    app.mount("/static", StaticFiles(directory=static_dir), name="static")
    env = Environment(
        loader=PackageLoader("melian.web", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = _fmt_num
    env.globals["trajectory_svg"] = trajectory_svg
    env.globals["chart_model"] = chart_model

    def page(request: Request, template: str, status: int = 200, **ctx: Any) -> HTMLResponse:  # noqa: ANN401
        html = env.get_template(template).render(request=request, version=melian_version(), **ctx)
        return HTMLResponse(html, status_code=status)

    # -- errors -----------------------------------------------------------------------
    def _is_api(request: Request) -> bool:
        return request.url.path.startswith("/api/") or request.url.path == "/openapi.json"

    def error_response(
        request: Request, status: int, message: str, problems: list[dict[str, Any]] | None = None
    ) -> Response:
        if _is_api(request):
            return JSONResponse({"error": message, "problems": problems or []}, status_code=status)
        return page(request, "error.html", status=status, message=message, problems=problems or [])

    @app.exception_handler(MelianError)
    async def melian_error(request: Request, exc: MelianError) -> Response:
        if isinstance(exc, ScenarioNotFoundError):
            return error_response(request, 404, "no such scenario", _problems(exc))
        if isinstance(exc, InputError):
            return error_response(request, 422, "invalid input", _problems(exc))
        if isinstance(exc, QueueFullError):
            return error_response(request, 429, exc.message)
        if isinstance(exc, LimitError):  # a scenario beyond the configured resource caps
            return error_response(request, 422, exc.message)
        if isinstance(exc, ModelError):
            return error_response(request, 422, exc.message)
        if isinstance(exc, StoreError):
            msg = exc.message
            if msg.startswith(("no run", "not a run id", "run id prefix")):
                return error_response(request, 404, msg)
            return error_response(request, 503, msg)
        return error_response(request, 400, exc.message)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        problems = []
        for err in exc.errors():
            loc = [str(x) for x in err.get("loc", ())]
            problems.append(
                {
                    "file": "request",
                    "line": None,
                    "column": None,
                    "path": ".".join(loc),
                    "message": str(err.get("msg", "invalid")),
                }
            )
        return error_response(request, 422, "invalid request", problems)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return error_response(request, exc.status_code, str(exc.detail))

    # -- helpers ----------------------------------------------------------------------
    def table(origin: str, name: str, s: Scenario) -> ScenarioTableOut:
        try:
            caps = capabilities(s)
        except MelianError:
            caps = {}
        return ScenarioTableOut(
            origin=origin,  # type: ignore[arg-type]
            name=name,
            scenario_id=s.id,
            title=s.metadata.title,
            hash=content_hash(s),
            salience_min=s.salience_scale.min,
            salience_max=s.salience_scale.max,
            actors=[
                ActorRowOut(
                    index=k,
                    id=a.id,
                    name=a.name,
                    kind=a.kind,
                    at_table=a.at_table,
                    capability=caps.get(a.id),
                    capability_value=a.capability.value,
                    capability_series=None
                    if a.capability.series is None
                    else f"{a.capability.series} {a.capability.code} {a.capability.year}"
                    + (f" × {a.capability.multiplier:g}" if a.capability.multiplier != 1 else ""),
                    capability_source=a.capability.source,
                )
                for k, a in enumerate(s.actors)
            ],
            issues=[
                IssueTableOut(
                    index=i,
                    id=iss.id,
                    name=iss.name,
                    scale_min=iss.scale.min,
                    scale_max=iss.scale.max,
                    low=iss.scale.low,
                    high=iss.scale.high,
                    status_quo=None if iss.status_quo is None else iss.status_quo.value,
                    positions=[
                        PositionCellOut(
                            index=j,
                            actor=p.actor,
                            position=p.position,
                            salience=p.salience,
                            source=p.source,
                            judgement=p.judgement,
                        )
                        for j, p in enumerate(iss.positions)
                    ],
                )
                for i, iss in enumerate(s.issues)
            ],
        )

    def resolve_params(kind: str, params: dict[str, Any]) -> tuple[Any, BaseModel]:
        spec = ANALYSES.get(kind)
        if spec is None:
            raise InputError(
                [
                    Problem(
                        "request",
                        None,
                        None,
                        "kind",
                        f"unknown analysis kind {kind[:40]!r}; available: {', '.join(ANALYSES)}",
                    )
                ]
            )
        try:
            return spec, spec.params.model_validate(params)
        except ValidationError as exc:
            raise InputError(
                [
                    Problem(
                        "request",
                        None,
                        None,
                        "params." + ".".join(str(x) for x in e["loc"]),
                        e["msg"],
                    )
                    for e in exc.errors(include_url=False)
                ]
            ) from None

    def run_summary(r: Any) -> dict[str, Any]:  # noqa: ANN401
        return r.to_dict()

    # -- JSON API ---------------------------------------------------------------------
    api = APIRouter(prefix="/api", responses=API_RESPONSES)

    @api.get("/health", response_model=HealthOut, tags=["server"])
    def health() -> dict[str, Any]:
        """Server status, melian version and the run store in use (password hidden)."""
        return {"status": "ok", "version": melian_version(), "store": safe_url(store.url)}

    @api.get("/kinds", response_model=list[KindOut], tags=["analyses"])
    def kinds() -> list[dict[str, Any]]:
        """The analysis kinds this server can run, with the JSON Schema of their parameters."""
        return [
            {
                "kind": s.kind,
                "title": s.title,
                "description": s.description,
                "params_schema": s.params.model_json_schema(),
            }
            for s in ANALYSES.values()
        ]

    @api.get("/scenarios", response_model=list[ScenarioEntryOut], tags=["scenarios"])
    def list_scenarios() -> list[dict[str, Any]]:
        """Built-in scenarios and those of the user directory (files that fail show an error)."""
        return [e.to_dict() for e in catalogue.entries()]

    @api.post("/scenarios/validate", response_model=ValidationOut, tags=["scenarios"])
    def validate_text(body: ScenarioTextIn) -> dict[str, Any]:
        """Validate scenario text; every problem is reported with its line, column and path."""
        try:
            s = parse_scenario(body.yaml, "<request>")
        except InputError as exc:
            return {"valid": False, "problems": _problems(exc)}
        return {"valid": True, "scenario_id": s.id, "hash": content_hash(s), "yaml": to_yaml(s)}

    @api.get(
        "/scenarios/{origin}/{name}",
        response_model=dict[str, Any],
        tags=["scenarios"],
        responses={404: _ERR},
    )
    def get_scenario(origin: Literal["builtin", "user"], name: Name) -> dict[str, Any]:
        """A scenario's data (format v1, defaults omitted)."""
        s, _ = catalogue.load(origin, name)
        return to_data(s)

    @api.get(
        "/scenarios/{origin}/{name}/table",
        response_model=ScenarioTableOut,
        tags=["scenarios"],
        responses={404: _ERR},
    )
    def get_table(origin: Literal["builtin", "user"], name: Name) -> ScenarioTableOut:
        """The editable table: actors' capabilities, issues' positions and saliences."""
        s, _ = catalogue.load(origin, name)
        return table(origin, name, s)

    @api.post(
        "/scenarios/{origin}/{name}/edit",
        response_model=ValidationOut,
        tags=["scenarios"],
        responses={404: _ERR},
    )
    def edit_scenario(
        origin: Literal["builtin", "user"], name: Name, body: EditsIn
    ) -> dict[str, Any]:
        """Apply table edits and validate the edited scenario (nothing is saved)."""
        s, _ = catalogue.load(origin, name)
        file = f"{name} (edited)"
        try:
            edits = id_edits(
                s,
                [p.model_dump() for p in body.positions],
                [c.model_dump() for c in body.capabilities],
                file,
            )
            edited, text = apply_edits(s, edits, file)
        except InputError as exc:
            return {"valid": False, "problems": _problems(exc)}
        return {"valid": True, "scenario_id": edited.id, "hash": content_hash(edited), "yaml": text}

    @api.put(
        "/scenarios/user/{name}",
        response_model=ScenarioEntryOut,
        tags=["scenarios"],
        status_code=201,
        responses={409: _ERR, 404: _ERR},
    )
    def save_scenario(name: Name, body: SaveScenarioIn) -> dict[str, Any]:
        """Validate scenario text and save it as ``<name>.yaml`` in the user directory."""
        s = parse_scenario(body.yaml, f"{name}.yaml")
        if catalogue.user_dir is None:
            raise StarletteHTTPException(
                404, "this server has no user scenario directory (start it with --scenario-dir)"
            )
        try:
            catalogue.save_user(name, s, overwrite=body.overwrite)
        except FileExistsError:
            raise StarletteHTTPException(
                409, f"user scenario {name!r} exists; set overwrite to replace it"
            ) from None
        return {
            "origin": "user",
            "name": name,
            "title": s.metadata.title,
            "scenario_id": s.id,
            "hash": content_hash(s),
            "error": None,
        }

    @api.post(
        "/runs",
        response_model=JobOut,
        status_code=202,
        tags=["runs"],
        responses={404: _ERR, 429: _ERR},
    )
    def start_run(body: RunRequestIn) -> dict[str, Any]:
        """Start an analysis in the background; poll ``/api/jobs/{id}`` for its progress.

        Give the scenario by catalogue reference (optionally with table ``edits``) or as
        ``yaml`` text. The finished run is saved to the run store.
        """
        spec, params = resolve_params(body.kind, body.params)
        if (body.scenario is None) == (body.yaml is None):
            raise InputError(
                [
                    Problem(
                        "request",
                        None,
                        None,
                        "scenario",
                        "give either scenario (a catalogue reference) or yaml",
                    )
                ]
            )
        if body.scenario is not None:
            s, _ = catalogue.load(body.scenario.origin, body.scenario.name)
            file = body.scenario.name
        else:
            s = parse_scenario(body.yaml or "", "<request>")
            file = "<request>"
        if body.edits is not None:
            edits = id_edits(
                s,
                [p.model_dump() for p in body.edits.positions],
                [c.model_dump() for c in body.edits.capabilities],
                file,
            )
            s, text = apply_edits(s, edits, f"{file} (edited)")
        else:
            text = to_yaml(s)
        return jobs.submit(spec, s, text, params).to_dict()

    @api.get("/jobs/{job_id}", response_model=JobOut, tags=["runs"], responses={404: _ERR})
    def get_job(job_id: Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")]) -> dict[str, Any]:
        """Progress of a background analysis (``run_id`` is set once it is saved)."""
        job = jobs.get(job_id)
        if job is None:
            raise StarletteHTTPException(
                404, "no such job (finished jobs are kept for a while; see /api/runs)"
            )
        return job.to_dict()

    @api.get("/runs", response_model=list[RunSummaryOut], tags=["runs"])
    def list_runs_api(
        limit: Annotated[int, Query(ge=1, le=1000)] = 50,
        offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
        scenario_id: Annotated[Id | None, Query()] = None,
        kind: Annotated[str | None, Query(max_length=40)] = None,
    ) -> list[dict[str, Any]]:
        """Stored runs, newest first."""
        return [
            run_summary(r)
            for r in store.list_runs(limit=limit, offset=offset, scenario_id=scenario_id, kind=kind)
        ]

    @api.get("/runs/{run_id}", response_model=RunOut, tags=["runs"], responses={404: _ERR})
    def get_run_api(run_id: RunId) -> dict[str, Any]:
        """A stored run: manifest, scenario text and results."""
        return store.get_run(run_id).to_dict()

    @api.get(
        "/runs/{run_id}/export",
        tags=["runs"],
        responses={
            404: _ERR,
            200: {"content": {"application/json": {}}, "description": "the run as a JSON file"},
        },
    )
    def export_run_api(run_id: RunId) -> Response:
        """The run as a downloadable JSON file (the format of ``melian runs export``)."""
        data = store.export_run(run_id)
        body = json.dumps(jsonable_encoder(data), indent=2, ensure_ascii=False)
        return Response(
            body,
            media_type="application/json",
            headers={"content-disposition": f'attachment; filename="melian-run-{data["id"]}.json"'},
        )

    @api.get(
        "/runs/{run_a}/diff/{run_b}", response_model=DiffOut, tags=["runs"], responses={404: _ERR}
    )
    def diff_api(
        run_a: RunId, run_b: RunId, rtol: Annotated[float, Query(ge=0.0, le=1.0)] = 0.0
    ) -> dict[str, Any]:
        """What differs between two runs: flattened key paths of manifests and results."""
        return store.diff_runs(run_a, run_b, rtol=rtol)

    @api.get("/briefs", response_model=list[BriefOut], tags=["briefs"])
    def list_briefs() -> list[dict[str, Any]]:
        """Files in the brief directory (HTML, PDF and their charts)."""
        return _brief_files(briefs)

    app.include_router(api)
    app.include_router(advise_router)

    # -- HTML pages -------------------------------------------------------------------
    @app.get("/", include_in_schema=False)
    def index(request: Request) -> HTMLResponse:
        return page(
            request,
            "index.html",
            entries=catalogue.entries(),
            runs=store.list_runs(limit=10),
            user_dir=catalogue.user_dir,
            upload_limit=max_body,
        )

    @app.post("/scenarios/upload", include_in_schema=False)
    async def upload(
        request: Request,
        file: Annotated[UploadFile, File()],
        name: Annotated[str, Form(max_length=80)] = "",
    ) -> Response:
        raw = await file.read(MAX_BYTES + 1)
        from melian.scenario.yamlsrc import decode

        fname = (file.filename or "upload.yaml")[-100:]
        text = decode(raw, fname)
        s = parse_scenario(text, fname)
        target = name.strip() or s.id
        try:
            catalogue.save_user(target, s, overwrite=False)
        except FileExistsError:
            raise StarletteHTTPException(409, f"user scenario {target!r} exists already") from None
        return RedirectResponse(f"/scenarios/user/{target}", status_code=303)

    @app.get("/scenarios/{origin}/{name}", include_in_schema=False)
    def scenario_page(
        request: Request, origin: Literal["builtin", "user"], name: Name
    ) -> HTMLResponse:
        s, _ = catalogue.load(origin, name)
        return page(
            request,
            "scenario.html",
            t=table(origin, name, s),
            form={},
            errors={},
            problems=[],
            kinds=list(ANALYSES.values()),
            user_dir=catalogue.user_dir,
            message=None,
            runs=store.list_runs(limit=10, scenario_id=s.id),
        )

    @app.post("/scenarios/{origin}/{name}", include_in_schema=False)
    async def scenario_post(
        request: Request, origin: Literal["builtin", "user"], name: Name
    ) -> Response:
        s, _ = catalogue.load(origin, name)
        form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        action = form.get("action", "check")
        file = f"{name} (edited)"
        try:
            edited, text = apply_edits(s, form_edits(s, form), file)
        except InputError as exc:
            errors: dict[str, str] = {}
            for p in exc.problems:
                errors.setdefault(p.path, p.message)
            return page(
                request,
                "scenario.html",
                status=422,
                t=table(origin, name, s),
                form=form,
                errors=errors,
                problems=_problems(exc),
                kinds=list(ANALYSES.values()),
                user_dir=catalogue.user_dir,
                message=None,
                runs=store.list_runs(limit=10, scenario_id=s.id),
            )
        if action in ("run", "brief"):
            kind = "brief" if action == "brief" else form.get("kind", "forecast")
            spec, params = resolve_params(kind, _form_params(kind, form))
            job = jobs.submit(spec, edited, text, params)
            return RedirectResponse(f"/jobs/{job.id}", status_code=303)
        if action == "save":
            target = form.get("save_name", "").strip()
            try:
                catalogue.save_user(target, edited, overwrite=form.get("overwrite") == "on")
            except FileExistsError:
                raise StarletteHTTPException(
                    409, f"user scenario {target!r} exists; tick 'overwrite' to replace it"
                ) from None
            return RedirectResponse(f"/scenarios/user/{target}", status_code=303)
        return page(
            request,
            "scenario.html",
            t=table(origin, name, edited),
            form={},
            errors={},
            problems=[],
            kinds=list(ANALYSES.values()),
            user_dir=catalogue.user_dir,
            message=f"the edited scenario is valid (hash {content_hash(edited)[:12]})",
            runs=store.list_runs(limit=10, scenario_id=s.id),
        )

    @app.get("/jobs/{job_id}", include_in_schema=False)
    def job_page(request: Request, job_id: str) -> Response:
        job = jobs.get(job_id)
        if job is None:
            raise StarletteHTTPException(404, "no such job")
        if job.status == "done" and job.run_id and not job.outputs:
            return RedirectResponse(f"/runs/{job.run_id}", status_code=303)
        return page(request, "job.html", job=job.to_dict())

    @app.get("/runs", include_in_schema=False)
    def runs_page(
        request: Request, kind: str | None = None, scenario_id: str | None = None
    ) -> HTMLResponse:
        return page(
            request,
            "runs.html",
            runs=store.list_runs(limit=200, kind=kind, scenario_id=scenario_id),
        )

    @app.get("/runs/{run_id}", include_in_schema=False)
    def run_page(request: Request, run_id: RunId) -> HTMLResponse:
        run = store.get_run(run_id)
        return page(
            request,
            "run.html",
            run=run,
            results_json=json.dumps(run.results, indent=2, ensure_ascii=False),
            manifest_json=json.dumps(run.manifest, indent=2, ensure_ascii=False),
            others=[
                r for r in store.list_runs(limit=20, scenario_id=run.scenario_id) if r.id != run.id
            ],
        )

    @app.get("/runs/{run_id}/inputs.yaml", include_in_schema=False)
    def run_inputs(run_id: RunId) -> Response:
        run = store.get_run(run_id)
        return PlainTextResponse(run.inputs or "", media_type="text/plain; charset=utf-8")

    @app.get("/compare", include_in_schema=False)
    def compare_page(
        request: Request, a: RunId, b: RunId, rtol: Annotated[float, Query(ge=0.0, le=1.0)] = 0.0
    ) -> HTMLResponse:
        ra, rb = store.get_run(a), store.get_run(b)
        d = store.diff_runs(ra.id, rb.id, rtol=rtol)
        points = _compare_points(ra.results, rb.results) if ra.kind == rb.kind == "forecast" else []
        return page(request, "compare.html", a=ra, b=rb, d=d, points=points)

    @app.get("/briefs/", include_in_schema=False)
    def briefs_page(request: Request) -> HTMLResponse:
        return page(request, "briefs.html", files=_brief_files(briefs), brief_dir=briefs)

    @app.get("/briefs/{path:path}", include_in_schema=False)
    def brief_file(path: str) -> Response:
        target = safe_join(briefs, path)
        if target is None or target.suffix.lower() not in BRIEF_TYPES:
            raise StarletteHTTPException(404, "no such brief file")
        headers = {"cache-control": "no-store"}
        if target.suffix.lower() in (".html", ".svg"):
            headers["content-security-policy"] = BRIEF_CSP
            headers["x-frame-options"] = "SAMEORIGIN"
        return FileResponse(target, media_type=BRIEF_TYPES[target.suffix.lower()], headers=headers)

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        # sandboxed briefs (an opaque origin) ask for the icon too: let them have it
        return Response(
            _FAVICON,
            media_type="image/svg+xml",
            headers={
                "cache-control": "max-age=86400",
                "cross-origin-resource-policy": "cross-origin",
            },
        )

    @app.get("/docs", include_in_schema=False)
    def docs_page(request: Request) -> HTMLResponse:
        return page(request, "docs.html", schema=app.openapi())

    return app


def _form_params(kind: str, form: dict[str, str]) -> dict[str, Any]:
    """Analysis parameters from the scenario page's form (only the brief has options there)."""
    if kind != "brief":
        return {}
    return {
        "quick": form.get("brief_quick") == "on",
        "lang": form.get("brief_lang", "en"),
        "pdf": form.get("brief_pdf") == "on",
    }


def _brief_files(root: Path) -> list[dict[str, Any]]:
    """Servable files under the brief directory (relative paths, sizes), sorted."""
    out: list[dict[str, Any]] = []
    if not root.is_dir():
        return out
    base = root.resolve()
    for p in sorted(base.rglob("*")):
        if len(out) >= MAX_BRIEFS:
            break
        rel = p.relative_to(base).as_posix()
        if p.suffix.lower() in BRIEF_TYPES and safe_join(base, rel) is not None:
            out.append({"path": rel, "size": p.stat().st_size})
    return out


def _compare_points(ra: Any, rb: Any) -> list[dict[str, Any]]:  # noqa: ANN401
    """Side-by-side point forecasts of two forecast runs: issue, model, a, b, b - a."""
    pa = (ra or {}).get("points", {}) if isinstance(ra, dict) else {}
    pb = (rb or {}).get("points", {}) if isinstance(rb, dict) else {}
    rows = []
    for issue in sorted(set(pa) | set(pb)):
        models = sorted(set(pa.get(issue, {})) | set(pb.get(issue, {})))
        for m in models:
            va, vb = pa.get(issue, {}).get(m), pb.get(issue, {}).get(m)
            delta = (
                vb - va if isinstance(va, (int, float)) and isinstance(vb, (int, float)) else None
            )
            rows.append({"issue": issue, "model": m, "a": va, "b": vb, "delta": delta})
    return rows


def _fmt_num(value: Any, digits: int = 4) -> str:  # noqa: ANN401
    """A number with ``digits`` significant digits (``—`` for missing)."""
    if value is None:
        return "—"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    return f"{value:.{digits}g}"


__all__ = ["create_app"]
