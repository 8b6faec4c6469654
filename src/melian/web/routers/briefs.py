"""The brief directory, served read-only: ``/api/briefs`` lists it, ``/briefs/...`` serves files.

Only the file types of :data:`BRIEF_TYPES` are served, through :func:`melian.web.security.safe_join`
(no traversal, no symbolic link out of the directory); HTML and SVG briefs get a sandboxing
Content-Security-Policy.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from melian.web.schemas import BriefOut
from melian.web.security import BRIEF_CSP, safe_join
from melian.web.state import StateDep, render

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
#: Most files listed from the brief directory.
MAX_BRIEFS = 1000

api = APIRouter(tags=["briefs"])
pages = APIRouter(include_in_schema=False)


def brief_files(root: Path) -> list[dict[str, Any]]:
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


@api.get("/briefs", response_model=list[BriefOut])
def list_briefs(state: StateDep) -> list[dict[str, Any]]:
    """Files in the brief directory (HTML, PDF and their charts)."""
    return brief_files(state.brief_dir)


@pages.get("/briefs/")
def briefs_page(request: Request, state: StateDep) -> HTMLResponse:
    """The list of briefs."""
    return render(
        request, "briefs.html", files=brief_files(state.brief_dir), brief_dir=state.brief_dir
    )


@pages.get("/briefs/{path:path}")
def brief_file(state: StateDep, path: str) -> Response:
    """One file of the brief directory (404 outside it or for other file types)."""
    target = safe_join(state.brief_dir, path)
    if target is None or target.suffix.lower() not in BRIEF_TYPES:
        raise StarletteHTTPException(404, "no such brief file")
    headers = {"cache-control": "no-store"}
    if target.suffix.lower() in (".html", ".svg"):
        headers["content-security-policy"] = BRIEF_CSP
        headers["x-frame-options"] = "SAMEORIGIN"
    return FileResponse(target, media_type=BRIEF_TYPES[target.suffix.lower()], headers=headers)
