"""What every route of the web app shares: the server state, page rendering, request helpers.

:func:`melian.web.create_app` builds one :class:`WebState` and stores it as ``app.state.web``;
routes receive it through the FastAPI dependency :data:`StateDep` (:func:`get_state`). Nothing
here is global: two apps in one process (the tests make many) share no state.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape
from pydantic import BaseModel, ValidationError

from melian.errors import InputError, MelianError, Problem
from melian.i18n import LANG_NAMES, LANGS, check_lang, direction, translator
from melian.manifest import melian_version
from melian.scenario.capability import capabilities
from melian.scenario.loader import content_hash
from melian.scenario.schema import Scenario
from melian.store import RunStore
from melian.web.analyses import ANALYSES, AnalysisSpec
from melian.web.catalogue import Catalogue
from melian.web.charts import chart_model, trajectory_svg
from melian.web.jobs import JobManager
from melian.web.results import ViewCache
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
    views: ViewCache = field(default_factory=ViewCache)


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
    env.filters["bdi"] = bdi
    env.filters["literals"] = literals
    env.globals["trajectory_svg"] = trajectory_svg
    env.globals["chart_model"] = chart_model
    env.globals["model_summary"] = model_summary
    env.globals["kind_name"] = kind_name
    env.globals["brief_t"] = brief_phrase
    return env


#: Each analysis kind's name on the pages (the menu's words; translated by the catalogue).
KIND_NAMES = {
    "forecast": "Forecast",
    "game": "Game",
    "simulate": "Consequences",
    "decide": "Ranking",
    "explore": "Robustness",
    "brief": "Decision brief",
    "advise": "Levers",
}


def kind_name(kind: str) -> str:
    """The name pages give analysis ``kind`` (English; pass it through ``_()``)."""
    return KIND_NAMES.get(kind, kind.capitalize())


def brief_phrase(key: str, lang: str) -> str:
    """A phrase of the brief's catalogue (:func:`melian.brief.i18n.t`), for headings that must
    read as the brief's.
    """
    from melian.brief.i18n import t  # lazy: the brief's wording is needed by result pages only

    return t(key, lang)


class Counter:
    """A counter templates number things with (``counter.next()`` gives 0, 1, 2, ...)."""

    def __init__(self) -> None:
        self.n = -1

    def next(self) -> int:
        """The next number."""
        self.n += 1
        return self.n


def model_summary(name: str) -> str:
    """One line on bargaining model ``name`` from the registry (its title, summary, citation)."""
    # lazy: the registry imports every bargaining model, only for a model's summary
    from melian.bargaining.registry import installed_models

    spec = next((m for m in installed_models() if m.name == name), None)
    if spec is None:
        return ""
    return f"{spec.title}: {spec.summary} {spec.citation}"


#: The cookie that keeps the language a user chose (``?lang=`` sets it).
LANG_COOKIE = "melian_lang"


def request_lang(request: Request) -> str:
    """The page language: ``?lang=`` if melian speaks it, else the cookie's, else English."""
    asked = request.query_params.get("lang")
    if asked in LANGS:
        return str(asked)
    return check_lang(request.cookies.get(LANG_COOKIE))


def lang_links(request: Request) -> list[dict[str, str]]:
    """The language switch: for each language, this page's URL with ``lang`` set (other query
    parameters kept).
    """
    out = []
    for lang in LANGS:
        params = dict(request.query_params)
        params["lang"] = lang
        out.append(
            {
                "lang": lang,
                "name": LANG_NAMES[lang],
                "url": str(request.url.path) + "?" + urlencode(params),
            }
        )
    return out


def bdi(value: Any) -> Markup:  # noqa: ANN401
    """``value`` isolated from the surrounding text direction (``<bdi>``, escaped): numbers, ids
    and names keep their own direction inside right-to-left text, and punctuation stays put.
    """
    return Markup("<bdi>%s</bdi>") % ("" if value is None else value)


_LITERAL = re.compile(r"``(.+?)``", re.S)


def literals(text: str | None) -> Markup:
    """Docstring text for a page: escaped, with reStructuredText ````literals```` as ``<code>``."""
    escaped = str(escape(text or ""))
    return Markup(_LITERAL.sub(lambda m: f"<code>{m.group(1)}</code>", escaped))


def render(
    request: Request,
    template: str,
    status: int = 200,
    **ctx: Any,  # noqa: ANN401
) -> HTMLResponse:
    """Render page ``template`` of the app serving ``request`` (autoescaped), in its language.

    Templates get ``_`` (the message catalogue's lookup, :mod:`melian.i18n`), ``lang`` and
    ``dir``; unless the view sets its own ``lang`` (a page about a brief in its language).
    A ``?lang=`` the user chose is kept in a cookie.
    """
    state: WebState = request.app.state.web
    lang = request_lang(request)
    page_ctx: dict[str, Any] = {
        "request": request,
        "version": melian_version(),
        "lang": lang,
        "dir": direction(lang),
        "_": translator(lang),
        "lang_links": lang_links(request),
    }
    page_ctx.update(ctx)
    html = state.templates.get_template(template).render(**page_ctx)
    response = HTMLResponse(html, status_code=status)
    asked = request.query_params.get("lang")
    if asked in LANGS and asked != request.cookies.get(LANG_COOKIE):
        response.set_cookie(
            LANG_COOKIE, str(asked), max_age=365 * 86400, samesite="lax", httponly=True
        )
    return response


def fmt_num(value: Any, digits: int = 4) -> str:  # noqa: ANN401
    """A number with ``digits`` significant digits (``—`` for missing)."""
    if value is None:
        return "—"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    return f"{value:.{digits}g}"


def _capability_series(s: Scenario, k: int) -> str | None:
    """How actor ``k``'s capability is looked up (``series code year [× m]``), if from a series."""
    cap = s.actors[k].material
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
            capability_value=a.material.value,
            capability_series=_capability_series(s, k),
            capability_source=a.material.source,
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
