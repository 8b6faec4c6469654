"""Background analyses and stored runs: start, poll, list, read, export, compare."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.encoders import jsonable_encoder
from fastapi.responses import Response
from pydantic import Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from melian.errors import InputError, Problem
from melian.scenario.loader import parse_scenario, to_yaml
from melian.scenario.schema import Id, Scenario
from melian.web.catalogue import apply_edits, id_edits
from melian.web.schemas import (
    ERR,
    DiffOut,
    JobOut,
    RunId,
    RunOut,
    RunRequestIn,
    RunSummaryOut,
)
from melian.web.state import StateDep, WebState, resolve_params

router = APIRouter(tags=["runs"])


def request_scenario(state: WebState, body: RunRequestIn) -> tuple[Scenario, str]:
    """The scenario a run request names (catalogue reference, or text), edits applied.

    Returns the validated scenario and its YAML text (what the run stores as its inputs).
    """
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
        s, _ = state.catalogue.load(body.scenario.origin, body.scenario.name)
        file = body.scenario.name
    else:
        s = parse_scenario(body.yaml or "", "<request>")
        file = "<request>"
    if body.edits is None:
        return s, to_yaml(s)
    edits = id_edits(
        s,
        [p.model_dump() for p in body.edits.positions],
        [c.model_dump() for c in body.edits.capabilities],
        file,
    )
    return apply_edits(s, edits, f"{file} (edited)")


@router.post("/runs", response_model=JobOut, status_code=202, responses={404: ERR, 429: ERR})
def start_run(state: StateDep, body: RunRequestIn) -> dict[str, Any]:
    """Start an analysis in the background; poll ``/api/jobs/{id}`` for its progress.

    Give the scenario by catalogue reference (optionally with table ``edits``) or as
    ``yaml`` text. The finished run is saved to the run store.
    """
    spec, params = resolve_params(body.kind, body.params)
    s, text = request_scenario(state, body)
    return state.jobs.submit(spec, s, text, params).to_dict()


@router.get("/jobs/{job_id}", response_model=JobOut, responses={404: ERR})
def get_job(
    state: StateDep, job_id: Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")]
) -> dict[str, Any]:
    """Progress of a background analysis (``run_id`` is set once it is saved)."""
    job = state.jobs.get(job_id)
    if job is None:
        raise StarletteHTTPException(
            404, "no such job (finished jobs are kept for a while; see /api/runs)"
        )
    return job.to_dict()


@router.get("/runs", response_model=list[RunSummaryOut])
def list_runs_api(
    state: StateDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    scenario_id: Annotated[Id | None, Query()] = None,
    kind: Annotated[str | None, Query(max_length=40)] = None,
) -> list[dict[str, Any]]:
    """Stored runs, newest first."""
    runs = state.store.list_runs(limit=limit, offset=offset, scenario_id=scenario_id, kind=kind)
    return [r.to_dict() for r in runs]


@router.get("/runs/{run_id}", response_model=RunOut, responses={404: ERR})
def get_run_api(state: StateDep, run_id: RunId) -> dict[str, Any]:
    """A stored run: manifest, scenario text and results."""
    return state.store.get_run(run_id).to_dict()


@router.get(
    "/runs/{run_id}/export",
    responses={
        404: ERR,
        200: {"content": {"application/json": {}}, "description": "the run as a JSON file"},
    },
)
def export_run_api(state: StateDep, run_id: RunId) -> Response:
    """The run as a downloadable JSON file (the format of ``melian runs export``)."""
    data = state.store.export_run(run_id)
    body = json.dumps(jsonable_encoder(data), indent=2, ensure_ascii=False)
    return Response(
        body,
        media_type="application/json",
        headers={"content-disposition": f'attachment; filename="melian-run-{data["id"]}.json"'},
    )


@router.get("/runs/{run_a}/diff/{run_b}", response_model=DiffOut, responses={404: ERR})
def diff_api(
    state: StateDep,
    run_a: RunId,
    run_b: RunId,
    rtol: Annotated[float, Query(ge=0.0, le=1.0)] = 0.0,
) -> dict[str, Any]:
    """What differs between two runs: flattened key paths of manifests and results."""
    return state.store.diff_runs(run_a, run_b, rtol=rtol)
