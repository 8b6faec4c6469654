"""Server status and what it can run (``/api/health``, ``/api/kinds``, ``/api/models``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.encoders import jsonable_encoder

from melian.manifest import melian_version
from melian.store import safe_url
from melian.web.analyses import ANALYSES
from melian.web.schemas import HealthOut, KindOut, ModelOut
from melian.web.state import StateDep

router = APIRouter()


@router.get("/health", response_model=HealthOut, tags=["server"])
def health(state: StateDep) -> dict[str, Any]:
    """Server status, melian version and the run store in use (password hidden)."""
    return {"status": "ok", "version": melian_version(), "store": safe_url(state.store.url)}


@router.get("/kinds", response_model=list[KindOut], tags=["analyses"])
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


@router.get("/models", response_model=list[ModelOut], tags=["analyses"])
def models() -> list[dict[str, Any]]:
    """The bargaining models the ``forecast`` kind runs (the registry the CLI and brief use)."""
    # lazy: the registry imports every bargaining model, only for the models list
    from melian.bargaining.registry import installed_models

    return [jsonable_encoder(m.describe()) for m in installed_models()]
