"""Web page and JSON endpoint of the lever analysis (:mod:`melian.advise`).

``GET /scenarios/{origin}/{name}/advise`` renders the focal actor's (or ``?actor=``'s) levers;
``GET /api/scenarios/{origin}/{name}/advise`` returns :meth:`melian.advise.Levers.to_dict`.
The JSON endpoint is left out of the OpenAPI document (its body is the free-form
``Levers.to_dict``, and a request can take half a minute, too long for the generated API tests).
The analysis runs in the request (a few seconds with the central inputs, up to about half a
minute with the default sampled inputs); ``draws`` is capped at :data:`MAX_DRAWS`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse

from melian.advise import DEFAULT_DRAWS, Levers, advise
from melian.advise.text import t as lt
from melian.web.state import StateDep, render, request_lang

#: Largest number of sampled inputs a web request may ask for.
MAX_DRAWS = 64

router = APIRouter()

Origin = Literal["builtin", "user"]
Draws = Annotated[int, Query(ge=0, le=MAX_DRAWS)]
Actor = Annotated[str | None, Query(max_length=80, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")]


def _levers(state: StateDep, origin: str, name: str, actor: str | None, draws: int) -> Levers:
    s, _ = state.catalogue.load(origin, name)
    return advise(s, actor, draws=draws, workers=1)


def _view(lv: Levers, lang: str) -> dict[str, Any]:
    """What the template shows: sentences by section and the persuasion table."""
    sections = []
    for key in ("stance", "linkage", "persuasion", "coalitions"):
        lines = [x["text"] for x in lv.sentences(lang) if x["section"] == key]
        sections.append({"id": key, "title": lt(key, lang), "lines": lines})
    rows = [
        {
            "actor": lv.name(x.actor, lang),
            "kind": lt(x.kind, lang),
            "gains": [f"{x.gains[m].mean:+.2f}" for m in lv.models],
            "ranks": [x.rank[m] for m in lv.models],
            "models_helped": f"{100 * x.robustness.models_helped:.0f}%",
            "runs_helped": f"{100 * x.robustness.runs_helped:.0f}%",
            "robust": x.robustness.robust,
        }
        for x in lv.targets
    ]
    return {"sections": sections, "rows": rows, "method": lt("method", lang).format(draws=lv.draws)}


@router.get("/scenarios/{origin}/{name}/advise", include_in_schema=False)
def advise_page(
    request: Request,
    state: StateDep,
    origin: Origin,
    name: str,
    actor: Actor = None,
    draws: Draws = DEFAULT_DRAWS,
    lang: Literal["en", "ar"] | None = None,
) -> HTMLResponse:
    """The levers page (in the page language unless ``lang`` is given)."""
    lang = lang or request_lang(request)
    lv = _levers(state, origin, name, actor, draws)
    return render(
        request,
        "advise.html",
        lv=lv,
        origin=origin,
        name=name,
        lang=lang,
        dir="rtl" if lang == "ar" else "ltr",
        title=lt("title", lang),
        labels={k: lt(k, lang) for k in ("lever", "model", "models_helped", "helps", "robust")},
        actors=lv.names,
        **_view(lv, lang),
    )


@router.get("/api/scenarios/{origin}/{name}/advise", include_in_schema=False)
def advise_json(
    state: StateDep,
    origin: Origin,
    name: str,
    actor: Actor = None,
    draws: Draws = DEFAULT_DRAWS,
) -> JSONResponse:
    """Levers of ``actor`` (default the focal actor) as JSON (:meth:`Levers.to_dict`)."""
    return JSONResponse(_levers(state, origin, name, actor, draws).to_dict())
