"""The scenario API: catalogue, validation, the editable table, edits and saving.

Scenarios are only ever parsed (safe YAML) and validated by the same schema as a file; edits are
applied to the scenario's data and validated again (:mod:`melian.web.catalogue`).
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from starlette.exceptions import HTTPException as StarletteHTTPException

from melian.errors import InputError
from melian.scenario.loader import content_hash, parse_scenario, to_data, to_yaml
from melian.web.catalogue import apply_edits, id_edits
from melian.web.schemas import (
    ERR,
    EditsIn,
    Name,
    SaveScenarioIn,
    ScenarioEntryOut,
    ScenarioTableOut,
    ScenarioTextIn,
    ValidationOut,
    problems_out,
)
from melian.web.state import StateDep, scenario_table

router = APIRouter(tags=["scenarios"])
Origin = Literal["builtin", "user"]


@router.get("/scenarios", response_model=list[ScenarioEntryOut])
def list_scenarios(state: StateDep) -> list[dict[str, Any]]:
    """Built-in scenarios and those of the user directory (files that fail show an error)."""
    return [e.to_dict() for e in state.catalogue.entries()]


@router.post("/scenarios/validate", response_model=ValidationOut)
def validate_text(body: ScenarioTextIn) -> dict[str, Any]:
    """Validate scenario text; every problem is reported with its line, column and path."""
    try:
        s = parse_scenario(body.yaml, "<request>")
    except InputError as exc:
        return {"valid": False, "problems": problems_out(exc)}
    return {"valid": True, "scenario_id": s.id, "hash": content_hash(s), "yaml": to_yaml(s)}


@router.get("/scenarios/{origin}/{name}", response_model=dict[str, Any], responses={404: ERR})
def get_scenario(state: StateDep, origin: Origin, name: Name) -> dict[str, Any]:
    """A scenario's data (format v1, defaults omitted)."""
    s, _ = state.catalogue.load(origin, name)
    return to_data(s)


@router.get(
    "/scenarios/{origin}/{name}/table", response_model=ScenarioTableOut, responses={404: ERR}
)
def get_table(state: StateDep, origin: Origin, name: Name) -> ScenarioTableOut:
    """The editable table: actors' capabilities, issues' positions and saliences."""
    s, _ = state.catalogue.load(origin, name)
    return scenario_table(origin, name, s)


@router.post("/scenarios/{origin}/{name}/edit", response_model=ValidationOut, responses={404: ERR})
def edit_scenario(state: StateDep, origin: Origin, name: Name, body: EditsIn) -> dict[str, Any]:
    """Apply table edits and validate the edited scenario (nothing is saved)."""
    s, _ = state.catalogue.load(origin, name)
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
        return {"valid": False, "problems": problems_out(exc)}
    return {"valid": True, "scenario_id": edited.id, "hash": content_hash(edited), "yaml": text}


@router.put(
    "/scenarios/user/{name}",
    response_model=ScenarioEntryOut,
    status_code=201,
    responses={409: ERR, 404: ERR},
)
def save_scenario(state: StateDep, name: Name, body: SaveScenarioIn) -> dict[str, Any]:
    """Validate scenario text and save it as ``<name>.yaml`` in the user directory."""
    s = parse_scenario(body.yaml, f"{name}.yaml")
    if state.catalogue.user_dir is None:
        raise StarletteHTTPException(
            404, "this server has no user scenario directory (start it with --scenario-dir)"
        )
    try:
        state.catalogue.save_user(name, s, overwrite=body.overwrite)
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
