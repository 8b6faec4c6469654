"""Error handling of the web app: every error becomes JSON under ``/api`` and a page elsewhere.

melian's own errors map to HTTP statuses (bad input 422 with every located problem, unknown
scenario or run 404, full job queue 429, store unavailable 503); request validation errors are
reported with their field paths; no traceback ever reaches the client.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from melian.errors import InputError, LimitError, MelianError, ModelError, StoreError
from melian.web.catalogue import ScenarioNotFoundError
from melian.web.jobs import QueueFullError
from melian.web.schemas import problems_out
from melian.web.state import render


def is_api(request: Request) -> bool:
    """Whether ``request`` is for the JSON API (errors as JSON) rather than a page."""
    return request.url.path.startswith("/api/") or request.url.path == "/openapi.json"


def error_response(
    request: Request, status: int, message: str, problems: list[dict[str, Any]] | None = None
) -> Response:
    """An error as ``{"error", "problems"}`` JSON for the API, else as the error page."""
    if is_api(request):
        return JSONResponse({"error": message, "problems": problems or []}, status_code=status)
    return render(request, "error.html", status=status, message=message, problems=problems or [])


def _status(exc: MelianError) -> int:
    """The HTTP status of a melian error."""
    if isinstance(exc, ScenarioNotFoundError):
        return 404
    if isinstance(exc, InputError):
        return 422
    if isinstance(exc, QueueFullError):
        return 429
    if isinstance(exc, (LimitError, ModelError)):  # beyond the resource caps; model refused
        return 422
    if isinstance(exc, StoreError):
        if exc.message.startswith(("no run", "not a run id", "run id prefix")):
            return 404
        return 503
    return 400


async def melian_error(request: Request, exc: MelianError) -> Response:
    """Handler of :class:`MelianError`: its status (:func:`_status`), message and problems."""
    status = _status(exc)
    if isinstance(exc, ScenarioNotFoundError):
        return error_response(request, status, "no such scenario", problems_out(exc))
    if isinstance(exc, InputError):
        return error_response(request, status, "invalid input", problems_out(exc))
    return error_response(request, status, exc.message)


async def validation_error(request: Request, exc: RequestValidationError) -> Response:
    """Handler of request validation errors: 422 with one problem per field."""
    problems = [
        {
            "file": "request",
            "line": None,
            "column": None,
            "path": ".".join(str(x) for x in err.get("loc", ())),
            "message": str(err.get("msg", "invalid")),
        }
        for err in exc.errors()
    ]
    return error_response(request, 422, "invalid request", problems)


async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
    """Handler of HTTP errors (404, 405, ...): the status and its detail."""
    return error_response(request, exc.status_code, str(exc.detail))


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers above on ``app``."""
    app.add_exception_handler(MelianError, melian_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, http_error)  # type: ignore[arg-type]
