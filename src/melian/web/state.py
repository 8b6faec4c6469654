"""What every route of the web app shares: the server state, page rendering, request helpers.

:func:`melian.web.create_app` builds one :class:`WebState` and stores it as ``app.state.web``;
routes receive it through the FastAPI dependency :data:`StateDep` (:func:`get_state`). Nothing
here is global: two apps in one process (the tests make many) share no state.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape
from pydantic import BaseModel, ValidationError

from melian.errors import InputError, MelianError, Problem
from melian.manifest import melian_version
from melian.scenario.capability import capabilities
from melian.scenario.loader import content_hash
from melian.scenario.schema import Scenario
from melian.store import RunStore
from melian.web.analyses import ANALYSES, AnalysisSpec
from melian.web.catalogue import Catalogue
from melian.web.charts import chart_model, trajectory_svg
from melian.web.jobs import JobManager
from melian.web.schemas import (
    ActorRowOut,
    IssueTableOut,
    PositionCellOut,
    ScenarioTableOut,
)


@dataclass
class WebState:
    """A running app's store, scenario catalogue, job queue, brief directory and templates.

    ``max_body`` is the largest request body accepted (shown as the upload limit).
    """

    store: RunStore
    catalogue: Catalogue
    jobs: JobManager
    brief_dir: Path
    templates: Environment
    max_body: int


async def get_state(request: Request) -> WebState:
    """FastAPI dependency: the :class:`WebState` of the app serving ``request``."""
    state: WebState = request.app.state.web
    return state


#: A route parameter that receives the app's :class:`WebState`.
StateDep = Annotated[WebState, Depends(get_state)]


def default_brief_dir() -> Path:
    """The brief directory when none is given.

    ``$MELIAN_BRIEF_DIR`` if set, else ``./briefs`` if it exists (where ``melian brief`` writes),
    else ``briefs`` in the user data directory.
    """
    env_dir = os.environ.get("MELIAN_BRIEF_DIR")
    if env_dir:
        return Path(env_dir)
    if Path("briefs").is_dir():  # where `melian brief` writes by default
        return Path("briefs").absolute()
    from platformdirs import user_data_dir

    return Path(user_data_dir("melian", appauthor=False)) / "briefs"


def make_templates() -> Environment:
    """The autoescaping jinja2 environment of the pages, with their filters and chart helpers."""
    env = Environment(
        loader=PackageLoader("melian.web", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = fmt_num
    env.globals["trajectory_svg"] = trajectory_svg
    env.globals["chart_model"] = chart_model
    env.globals["model_summary"] = model_summary
    return env


def model_summary(name: str) -> str:
    """One line on bargaining model ``name`` from the registry (its title, summary, citation)."""
    from melian.bargaining.registry import installed_models

    spec = next((m for m in installed_models() if m.name == name), None)
    if spec is None:
        return ""
    return f"{spec.title}: {spec.summary} {spec.citation}"


def render(
    request: Request,
    template: str,
    status: int = 200,
    **ctx: Any,  # noqa: ANN401
) -> HTMLResponse:
    """Render page ``template`` of the app serving ``request`` (autoescaped)."""
    state: WebState = request.app.state.web
    html = state.templates.get_template(template).render(
        request=request, version=melian_version(), **ctx
    )
    return HTMLResponse(html, status_code=status)


def fmt_num(value: Any, digits: int = 4) -> str:  # noqa: ANN401
    """A number with ``digits`` significant digits (``—`` for missing)."""
    if value is None:
        return "—"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    return f"{value:.{digits}g}"


def _capability_series(s: Scenario, k: int) -> str | None:
    """How actor ``k``'s capability is looked up (``series code year [× m]``), if from a series."""
    cap = s.actors[k].capability
    if cap.series is None:
        return None
    text = f"{cap.series} {cap.code} {cap.year}"
    return text + (f" × {cap.multiplier:g}" if cap.multiplier != 1 else "")


def scenario_table(origin: str, name: str, s: Scenario) -> ScenarioTableOut:
    """The editable table of scenario ``s``: actors' capabilities, issues' positions/saliences.

    Capabilities are resolved (:func:`melian.scenario.capability.capabilities`); if they cannot
    be, the table shows the declared values only.
    """
    try:
        caps = capabilities(s)
    except MelianError:
        caps = {}
    actors = [
        ActorRowOut(
            index=k,
            id=a.id,
            name=a.name,
            kind=a.kind,
            at_table=a.at_table,
            capability=caps.get(a.id),
            capability_value=a.capability.value,
            capability_series=_capability_series(s, k),
            capability_source=a.capability.source,
        )
        for k, a in enumerate(s.actors)
    ]
    issues = [
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
    ]
    return ScenarioTableOut(
        origin=origin,  # type: ignore[arg-type]
        name=name,
        scenario_id=s.id,
        title=s.metadata.title,
        hash=content_hash(s),
        salience_min=s.salience_scale.min,
        salience_max=s.salience_scale.max,
        actors=actors,
        issues=issues,
    )


def resolve_params(kind: str, params: dict[str, Any]) -> tuple[AnalysisSpec, BaseModel]:
    """The analysis ``kind`` and its validated parameters; :class:`InputError` if either is bad."""
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
