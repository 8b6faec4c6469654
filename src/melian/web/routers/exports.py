"""Downloads of a stored run: its tables as CSV or Parquet, every number, the brief's files.

- ``/runs/{id}/tables/{n}.csv`` and ``.parquet``: table ``n`` of the run page (the tables of
  :func:`melian.web.results.run_tables`, in page order, in the page language ``?lang=``);
- ``/runs/{id}/tables.zip?fmt=csv|parquet``: all of them in one zip file;
- ``/runs/{id}/values.csv`` and ``.parquet``: every number of the stored results, tidy (one row
  per key path: ``path``, ``value``), the form the run store compares runs in;
- ``/runs/{id}/brief.html``, ``.pdf``, ``.json``: a brief run's published files (the PDF printed
  on demand when the brief was written without one).

File names are made by the server from the run id and a fixed stem (only ``[A-Za-z0-9_.-]``),
never from user text; every download is ``Content-Disposition: attachment`` with its media type.
"""

from __future__ import annotations

import io
import re
import tempfile
import zipfile
from pathlib import Path as PathType
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Request
from fastapi.responses import FileResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from melian.store import Run, flatten
from melian.web.results import run_tables, table_frame
from melian.web.schemas import RunId
from melian.web.security import BRIEF_CSP, safe_join
from melian.web.state import StateDep, request_lang

router = APIRouter(include_in_schema=False)

#: Media types of the downloads.
MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "parquet": "application/vnd.apache.parquet",
    "zip": "application/zip",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "json": "application/json",
}
Fmt = Literal["csv", "parquet"]
_UNSAFE = re.compile(r"[^A-Za-z0-9_.\-]+")
#: Most tables one run page shows (a bound on the zip).
MAX_TABLES = 200


def safe_filename(*parts: str) -> str:
    """A download file name from ``parts`` joined by ``-``: only ``[A-Za-z0-9_.-]``, at most
    120 characters, never starting with a dot.
    """
    name = _UNSAFE.sub("-", "-".join(parts)).strip(".-")[:120]
    return name or "melian-download"


def attachment(body: bytes | str, name: str, fmt: str) -> Response:
    """``body`` as a download called ``name`` with the media type of ``fmt``."""
    return Response(
        body,
        media_type=MEDIA[fmt],
        headers={
            "content-disposition": f'attachment; filename="{name}"',
            "x-content-type-options": "nosniff",
            "cache-control": "no-store",
        },
    )


def frame_bytes(frame: Any, fmt: str) -> bytes:  # noqa: ANN401
    """A DataFrame as CSV (UTF-8 with BOM, so spreadsheets read Arabic) or Parquet (pyarrow)."""
    if fmt == "csv":
        return frame.to_csv(index=False).encode("utf-8-sig")
    buf = io.BytesIO()
    frame.to_parquet(buf, index=False, engine="pyarrow")
    return buf.getvalue()


def _tables(request: Request, state: StateDep, run: Run) -> list[dict[str, Any]]:
    return run_tables(run, request_lang(request), state.views)[:MAX_TABLES]


@router.get("/runs/{run_id}/tables/{n}.{fmt}")
def table_download(
    request: Request,
    state: StateDep,
    run_id: RunId,
    n: Annotated[int, Path(ge=0, le=MAX_TABLES)],
    fmt: Fmt,
) -> Response:
    """Table ``n`` of a run page as CSV or Parquet."""
    run = state.store.get_run(run_id)
    tables = _tables(request, state, run)
    if n >= len(tables):
        raise StarletteHTTPException(404, "no such table")
    body = frame_bytes(table_frame(tables[n]), fmt)
    return attachment(body, safe_filename("melian", run.id, f"table-{n}") + f".{fmt}", fmt)


@router.get("/runs/{run_id}/tables.zip")
def tables_zip(request: Request, state: StateDep, run_id: RunId, fmt: Fmt = "csv") -> Response:
    """Every table of a run page in one zip file (CSV or Parquet), with an index of titles."""
    run = state.store.get_run(run_id)
    buf = io.BytesIO()
    index = ["file,title"]
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for n, tab in enumerate(_tables(request, state, run)):
            name = f"table-{n}.{fmt}"
            zf.writestr(name, frame_bytes(table_frame(tab), fmt))
            title = str(tab.get("title", "")).replace('"', '""')
            index.append(f'{name},"{title}"')
        zf.writestr("index.csv", ("\n".join(index) + "\n").encode("utf-8-sig"))
    return attachment(
        buf.getvalue(), safe_filename("melian", run.id, "tables", fmt) + ".zip", "zip"
    )


@router.get("/runs/{run_id}/values.{fmt}")
def values_download(state: StateDep, run_id: RunId, fmt: Fmt) -> Response:
    """Every value of the stored results, one row per key path (``path``, ``value``, ``text``).

    ``value`` holds numbers (empty for text), ``text`` the other leaves.
    """
    import pandas as pd

    run = state.store.get_run(run_id)
    rows = []
    for path, v in flatten(run.results):
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            rows.append((path, float(v), None))
        else:
            rows.append((path, None, None if v is None else str(v)))
    frame = pd.DataFrame(rows, columns=["path", "value", "text"])
    frame["value"] = frame["value"].astype("float64")
    frame["text"] = frame["text"].astype("string")
    body = frame_bytes(frame, fmt)
    return attachment(body, safe_filename("melian", run.id, "values") + f".{fmt}", fmt)


@router.get("/runs/{run_id}/brief.{fmt}")
def brief_download(state: StateDep, run_id: RunId, fmt: Literal["html", "pdf", "json"]) -> Response:
    """A brief run's HTML, PDF or JSON file, as a download (404 if it has none of that kind).

    A brief written without a PDF is printed from its HTML on demand (headless Chromium,
    :func:`melian.brief.render.html_to_pdf`, into a temporary file that is then removed), where
    the server has Chromium.
    """
    run = state.store.get_run(run_id)
    files = run.results.get("files") if isinstance(run.results, dict) else None
    files = files if isinstance(files, dict) and run.kind == "brief" else {}
    target = _brief_file(state, files, fmt)
    headers = {"x-content-type-options": "nosniff", "cache-control": "no-store"}
    if target is None and fmt == "pdf" and _brief_file(state, files, "html") is not None:
        return _print_pdf(_brief_file(state, files, "html"), headers)  # type: ignore[arg-type]
    if target is None:
        raise StarletteHTTPException(404, f"this run has no brief {fmt.upper()} file")
    headers["content-disposition"] = f'attachment; filename="{safe_filename(target.stem)}.{fmt}"'
    if fmt == "html":
        headers["content-security-policy"] = BRIEF_CSP
    return FileResponse(target, media_type=MEDIA[fmt], headers=headers)


def _brief_file(state: StateDep, files: dict[str, Any], fmt: str) -> PathType | None:
    """The brief file of kind ``fmt`` inside the brief directory, if the run has one."""
    name = files.get(fmt)
    target = safe_join(state.brief_dir, name) if isinstance(name, str) else None
    return target if target is not None and target.suffix.lower() == f".{fmt}" else None


def _print_pdf(html: PathType, headers: dict[str, str]) -> Response:
    """The PDF of brief ``html``, printed now into a temporary directory (removed after)."""
    from melian.brief.render import chromium_path, html_to_pdf  # lazy: only for this download

    if chromium_path() is None:
        raise StarletteHTTPException(404, "no PDF: the server has no Chromium to print one")
    with tempfile.TemporaryDirectory(prefix="melian-pdf-") as tmp:
        out = PathType(tmp) / "brief.pdf"
        html_to_pdf(html, out)
        body = out.read_bytes()
    headers["content-disposition"] = f'attachment; filename="{safe_filename(html.stem)}.pdf"'
    return Response(body, media_type=MEDIA["pdf"], headers=headers)
