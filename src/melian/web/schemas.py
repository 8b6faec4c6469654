"""The web app's JSON API models (requests ``...In``, responses ``...Out``) and shared field types.

Request models are strict (:class:`pydantic.ConfigDict` ``strict=True``): a JSON boolean is not a
position, a string is not a number, and unknown fields are refused. Their JSON Schemas form the
OpenAPI document at ``/openapi.json``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from melian.errors import InputError
from melian.scenario.schema import Id
from melian.scenario.yamlsrc import MAX_BYTES
from melian.web.catalogue import NAME_RE

Name = Annotated[str, Field(pattern=NAME_RE.pattern, max_length=80)]
RunId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_\-]{1,40}$")]
Finite = Annotated[float, Field(allow_inf_nan=False)]


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

    model_config = ConfigDict(extra="forbid", strict=True)
    issue: Id
    actor: Id
    position: Finite | None = None
    salience: Finite | None = None


class CapabilityEditIn(BaseModel):
    """A new declared capability value of one actor."""

    model_config = ConfigDict(extra="forbid", strict=True)
    actor: Id
    value: Finite


class EditsIn(BaseModel):
    """Table edits addressed by ids."""

    model_config = ConfigDict(extra="forbid", strict=True)
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

    model_config = ConfigDict(extra="forbid", strict=True)
    yaml: str = Field(max_length=MAX_BYTES)


class SaveScenarioIn(ScenarioTextIn):
    """Scenario text to save in the user directory."""

    overwrite: bool = False


class ScenarioRefIn(BaseModel):
    """A scenario in the catalogue."""

    model_config = ConfigDict(extra="forbid", strict=True)
    origin: Literal["builtin", "user"]
    name: Name


class RunRequestIn(BaseModel):
    """An analysis to run in the background: kind, scenario (by reference or text), edits."""

    model_config = ConfigDict(extra="forbid", strict=True)
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
    problems: list[ProblemOut] = Field(
        default_factory=list, description="a failed analysis's located problems (bad input)"
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


class ModelOut(BaseModel):
    """A bargaining model of :mod:`melian.bargaining.registry`, as the forecast kind runs it."""

    name: str = Field(description="the name to give in the forecast's params.models")
    title: str
    summary: str
    citation: str
    multidimensional: bool = Field(description="solves all issues jointly")
    defaults: dict[str, Any] = Field(description="published default of every parameter")


class BriefOut(BaseModel):
    """A file in the brief directory."""

    path: str
    size: int


class HealthOut(BaseModel):
    """Server status."""

    status: str
    version: str
    store: str


def problems_out(exc: InputError) -> list[dict[str, Any]]:
    """The located problems of ``exc`` as JSON-ready :class:`ProblemOut` dicts."""
    return [ProblemOut(**p.__dict__).model_dump() for p in exc.problems]


#: OpenAPI description of an error response.
ERR = {"model": ErrorOut}
#: Error responses every ``/api`` endpoint may give.
API_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: ERR,
    403: ERR,
    413: ERR,
    422: ERR,
}
