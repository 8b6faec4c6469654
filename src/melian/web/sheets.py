"""Spreadsheets of the authoring page: the actor x issue grid and the options' effects.

An analyst can export the grid of positions and saliences (one row per actor, two columns per
issue) and the options' effects (one row per option and parameter), edit them in the spreadsheet
tool they already use, and import them back, as CSV or xlsx (Office Open XML, read and written
with openpyxl).

Uploads are untrusted: the request body is bounded by the server's limit
(:class:`melian.web.security.GuardMiddleware`); an xlsx file is a zip archive, so its directory is
inspected before anything is decompressed (at most :data:`MAX_MEMBERS` members and
:data:`MAX_UNZIPPED` bytes uncompressed, at most :data:`MAX_RATIO` times the compressed size: a
zip bomb is refused unread), XML is parsed with defusedxml's protections when openpyxl finds it,
formulas are never evaluated (cached values only) and a sheet is read up to :data:`MAX_ROWS` rows
and :data:`MAX_COLS` columns. Exports never start a text cell with ``=``, ``+``, ``-``, ``@``, tab
or carriage return (a spreadsheet would run it as a formula: "CSV injection", OWASP): such a cell
is prefixed with ``'``.
"""

from __future__ import annotations

import csv
import io
import zipfile
from typing import Any

from melian.errors import InputError, Problem

MAX_ROWS = 2_000
MAX_COLS = 400
MAX_MEMBERS = 200
MAX_UNZIPPED = 40 * 1024 * 1024
MAX_RATIO = 200
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

Table = list[list[Any]]


def safe_cell(value: Any) -> Any:  # noqa: ANN401
    """A cell that no spreadsheet runs as a formula (text starting ``= + - @`` gets ``'``)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


# --------------------------------------------------------------------------- tables
def grid_table(data: dict[str, Any]) -> Table:
    """The actor x issue grid: ``actor, actor name, <issue>: position, <issue>: salience...``."""
    issues = data.get("issues") or []
    head: list[Any] = ["actor", "actor name"]
    for iss in issues:
        head += [f"{iss['id']}: position", f"{iss['id']}: salience"]
    rows: Table = [head]
    for a in data.get("actors") or []:
        row: list[Any] = [a["id"], a.get("name", "")]
        for iss in issues:
            q = next((q for q in iss.get("positions") or [] if q.get("actor") == a["id"]), None)
            row += [None, None] if q is None else [q.get("position"), q.get("salience")]
        rows.append(row)
    return rows


def effects_table(data: dict[str, Any]) -> Table:
    """The options' effects: ``option, option name, parameter, operation, value`` rows.

    An effect that sets a distribution has no single value: its value cell is empty and its
    operation says ``set (distribution)``; importing the row unchanged keeps the distribution.
    """
    rows: Table = [["option", "option name", "parameter", "operation", "value"]]
    for o in (data.get("focal") or {}).get("options") or []:
        for path, eff in (o.get("effects") or {}).items():
            op = next((k for k in ("set", "add", "multiply") if k in eff), "set")
            value = eff.get(op)
            if isinstance(value, dict):
                rows.append([o["id"], o.get("name", ""), path, "set (distribution)", None])
            else:
                rows.append([o["id"], o.get("name", ""), path, op, value])
    return rows


def to_csv(table: Table) -> bytes:
    """``table`` as UTF-8 CSV (with a byte-order mark, so spreadsheet tools read it as UTF-8)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    for row in table:
        w.writerow(["" if v is None else safe_cell(v) for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def to_xlsx(table: Table, title: str) -> bytes:
    """``table`` as an xlsx workbook of one sheet; every text cell is stored as text."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    for r, row in enumerate(table, start=1):
        for c, v in enumerate(row, start=1):
            if v is None:
                continue
            cell = ws.cell(row=r, column=c)
            if isinstance(v, str):
                cell.value = safe_cell(v)
                cell.data_type = "s"  # never a formula
            else:
                cell.value = v
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --------------------------------------------------------------------------- reading
def _bad(file: str, message: str, line: int | None = None, column: int | None = None) -> InputError:
    return InputError([Problem(file, line, column, "", message)])


def read_table(raw: bytes, filename: str) -> Table:
    """The first sheet of an uploaded CSV or xlsx file as rows of cells (xlsx: cached values).

    Raises :class:`InputError` for anything that is not a small, well-formed CSV or xlsx file.
    """
    name = (filename or "upload")[-100:]
    if raw[:4] == b"PK\x03\x04" or name.lower().endswith((".xlsx", ".xlsm")):
        return _read_xlsx(raw, name)
    return _read_csv(raw, name)


def _read_csv(raw: bytes, name: str) -> Table:
    from melian.scenario.yamlsrc import decode  # lazy: only for uploads

    text = decode(raw, name).lstrip("\ufeff")
    first = text.split("\n", 1)[0]
    delim = max((",", ";", "\t"), key=first.count)
    rows: Table = []
    try:
        for k, row in enumerate(csv.reader(io.StringIO(text), delimiter=delim)):
            if k >= MAX_ROWS:
                raise _bad(name, f"more than {MAX_ROWS} rows")
            if len(row) > MAX_COLS:
                raise _bad(name, f"more than {MAX_COLS} columns", k + 1)
            rows.append(row)
    except csv.Error as exc:
        raise _bad(name, f"not a readable CSV file: {exc}") from None
    return rows


def _read_xlsx(raw: bytes, name: str) -> Table:
    try:
        zf = zipfile.ZipFile(io.BytesIO(raw))
        infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _bad(
            name, "not a readable xlsx file (expected an Office Open XML workbook)"
        ) from None
    total = sum(i.file_size for i in infos)
    packed = max(1, sum(i.compress_size for i in infos))
    if len(infos) > MAX_MEMBERS or total > MAX_UNZIPPED or total > MAX_RATIO * packed:
        raise _bad(name, "refused: the workbook would expand to too much data (zip bomb guard)")
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for malformed files
        raise _bad(name, "not a readable xlsx file (the workbook is malformed)") from None
    try:
        ws = wb.worksheets[0]
        rows: Table = []
        for k, row in enumerate(ws.iter_rows(max_col=MAX_COLS + 1, values_only=True)):
            if k >= MAX_ROWS:
                raise _bad(name, f"more than {MAX_ROWS} rows")
            if len(row) > MAX_COLS and any(v is not None for v in row[MAX_COLS:]):
                raise _bad(name, f"more than {MAX_COLS} columns", k + 1)
            rows.append(list(row[:MAX_COLS]))
    except InputError:
        raise
    except Exception:  # noqa: BLE001
        raise _bad(name, "not a readable xlsx file (a sheet is malformed)") from None
    finally:
        wb.close()
    return rows


def _cell(v: Any) -> str:  # noqa: ANN401
    """A cell as text (an exported ``'`` prefix removed; numbers without a trailing ``.0``)."""
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    text = str(v).strip()
    return text[1:] if text.startswith("'") else text


# --------------------------------------------------------------------------- import into a form
def import_grid(form: dict[str, str], table: Table, name: str) -> list[Problem]:
    """Write the grid of ``table`` into the authoring form's ``pos``/``sal`` fields.

    Actors and issues are matched by id with the form's rows; cells left empty clear the
    position. Returns the problems (unknown actor or issue, bad header), each at its cell.
    """
    if not table:
        return [Problem(name, None, None, "", "the file is empty")]
    head = [_cell(v) for v in table[0]]
    actors = _rows_by(form, "act", "id")
    issues = _rows_by(form, "iss", "id")
    problems: list[Problem] = []
    cols: list[tuple[int, str, str]] = []
    for c, h in enumerate(head[2:], start=2):
        iid, _, what = h.rpartition(":")
        iid, what = iid.strip(), what.strip().lower()
        if not h:
            continue
        if what not in ("position", "salience") or iid not in issues:
            problems.append(
                Problem(
                    name,
                    1,
                    c + 1,
                    "",
                    f"column {h!r}: expected '<issue id>: position' or '<issue id>: salience' "
                    "for an issue of this scenario",
                )
            )
            continue
        cols.append((c, issues[iid], "pos" if what == "position" else "sal"))
    for r, row in enumerate(table[1:], start=2):
        aid = _cell(row[0]) if row else ""
        if not aid:
            continue
        if aid not in actors:
            problems.append(
                Problem(name, r, 1, "", f"unknown actor {aid!r} (add the actor on the page first)")
            )
            continue
        for c, n, which in cols:
            form[f"{which}.{n}.{actors[aid]}"] = _cell(row[c]) if c < len(row) else ""
    return problems


def import_effects(form: dict[str, str], table: Table, name: str) -> list[Problem]:
    """Write the effects of ``table`` into the authoring form's ``eff`` fields.

    Rows are matched to options by id; an effect on a parameter the option already changes is
    replaced, others are added. Returns the problems, each at its row.
    """
    if not table:
        return [Problem(name, None, None, "", "the file is empty")]
    options = _rows_by(form, "opt", "id")
    problems: list[Problem] = []
    for r, row in enumerate(table[1:], start=2):
        cells = [_cell(v) for v in row] + [""] * 5
        oid, _, path, op, value = cells[:5]
        if not oid and not path:
            continue
        if oid not in options:
            problems.append(Problem(name, r, 1, "", f"unknown option {oid!r}"))
            continue
        op = op.split(" ", 1)[0] or "set"
        if op not in ("set", "add", "multiply"):
            problems.append(Problem(name, r, 4, "", f"operation {op!r}: use set, add or multiply"))
            continue
        n = options[oid]
        effs = _rows_by(form, f"eff.{n}", "param")
        m = effs.get(path)
        if m is None:
            m = 1 + max([-1] + [int(x) for x in _row_numbers(form, f"eff.{n}")])
            form[f"eff.{n}.{m}.param"] = path
        form[f"eff.{n}.{m}.op"] = op
        form[f"eff.{n}.{m}.value"] = value
    return problems


def _row_numbers(form: dict[str, str], prefix: str) -> set[str]:
    head = prefix + "."
    return {
        k[len(head) :].split(".", 1)[0]
        for k in form
        if k.startswith(head) and k[len(head) :].split(".", 1)[0].isdigit()
    }


def _rows_by(form: dict[str, str], prefix: str, key: str) -> dict[str, int]:
    """Value of field ``key`` -> row number, for the rows of ``prefix`` in the form."""
    out: dict[str, int] = {}
    for n in sorted(_row_numbers(form, prefix), key=int):
        v = str(form.get(f"{prefix}.{n}.{key}", "")).strip()
        if v:
            out.setdefault(v, int(n))
    return out


__all__ = [
    "effects_table",
    "grid_table",
    "import_effects",
    "import_grid",
    "read_table",
    "safe_cell",
    "to_csv",
    "to_xlsx",
]
