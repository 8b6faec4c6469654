"""The authoring pages: write a dialogue in the browser, import and export its spreadsheets, and
choose which analyses to run with their parameters.

- ``/author/new`` and ``/author/{origin}/{name}``: the authoring form, blank or filled from a
  scenario (a built-in one is copied; saving writes a user scenario). Every post re-reads the
  whole form (:func:`melian.web.authoring.form_to_data`), validates it like a scenario file and
  shows every problem beside its field; ``action`` says what else to do (add or remove a row,
  import a spreadsheet, save).
- ``/author/{origin}/{name}/{grid|effects}.{csv|xlsx}``: the spreadsheets of a scenario.
- ``/scenarios/{origin}/{name}/analyses``: the analyses the scenario can run, each with its
  parameters; those it cannot run say what is missing and link to the field that fixes it.

User-visible strings of the templates go through ``_`` (identity until a message catalogue is
installed; :func:`install_templates`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from jinja2 import Environment
from pydantic import BaseModel
from starlette.datastructures import UploadFile

from melian.errors import InputError, MelianError
from melian.scenario.loader import content_hash, to_data, to_yaml
from melian.scenario.schema import Scenario
from melian.web import authoring as au
from melian.web import sheets
from melian.web.analyses import ANALYSES
from melian.web.catalogue import NAME_RE
from melian.web.readiness import group_problems, readiness
from melian.web.schemas import Name
from melian.web.state import StateDep, WebState, render, resolve_params

router = APIRouter(include_in_schema=False)
Origin = Literal["builtin", "user"]
#: Most form fields read from one post (a large scenario has about a thousand).
MAX_FIELDS = 20_000
_SECTION_DEFAULTS: dict[str, dict[str, str]] = {
    "src": {"kind": "document"},
    "act": {"kind": "state", "at_table": "on"},
    "iss": {"min": "0", "max": "100"},
    "opt": {},
    "comp": {},
    "crit": {"direction": "max", "mkind": "judgement", "stat": "mean"},
}


def _identity(text: str, **kw: Any) -> str:  # noqa: ANN401
    """The untranslated message, fields filled in gettext style (``_("%(n)s runs", n=3)``)."""
    return text % kw if kw else text


def install_templates(env: Environment) -> None:
    """Give the page templates what the authoring pages use (``_`` only if none is set)."""
    env.globals.setdefault("_", _identity)
    env.globals["field_id"] = au.field_id
    env.globals["group_problems"] = group_problems
    env.globals["job_problem_groups"] = job_problem_groups


def _kinds() -> dict[str, Any]:
    from melian.world.components import KINDS  # lazy: the world engine imports numpy

    return KINDS


def _data_files() -> list[str]:
    """Data files shipped with melian that a world component may be calibrated on."""
    from melian.world.engine import data_dir  # lazy: numpy-heavy engine

    root = data_dir()
    return sorted(
        str(p.relative_to(root))
        for sub in ("oil", "security")
        if (root / sub).is_dir()
        for p in (root / sub).glob("*.csv")
    )


# --------------------------------------------------------------------------- pages
def _base(state: WebState, origin: str, name: str) -> tuple[dict[str, Any], str]:
    """(data, content hash) of the scenario a form starts from (``new``: a blank dialogue)."""
    if origin == "new":
        return au.blank_data(), ""
    s, _ = state.catalogue.load(origin, name)
    return to_data(s), content_hash(s)


def _page(
    request: Request,
    state: WebState,
    origin: str,
    name: str,
    form: dict[str, str],
    base: dict[str, Any],
    *,
    status: int = 200,
    message: str | None = None,
    focus: str | None = None,
    extra: list[str] | None = None,
) -> HTMLResponse:
    """Validate ``form`` over ``base`` and render the authoring page with every problem."""
    kinds = _kinds()
    data, fm = au.form_to_data(form, base, kinds)
    _declare_effect_parameters(data, form, kinds)
    s = au.validate_form_data(data, fm, kinds)
    for line in extra or []:
        fm.general.append(line)
    save_name = form.get("_save_name") or (name if origin in ("user", "new") else f"{name}-copy")
    return render(
        request,
        "author/edit.html",
        status=status,
        origin=origin,
        name=name,
        f=form,
        rows=au.form_rows(form),
        fm=fm,
        hints=au.hints(form, base),
        valid=s is not None and not fm.count,
        scenario=s,
        kinds=kinds,
        data_files=_data_files(),
        sections=au.SECTIONS,
        choices=_choices(form, kinds),
        au=au,
        save_name=save_name if NAME_RE.match(save_name or "") else "new-dialogue",
        user_dir=state.catalogue.user_dir,
        message=message,
        focus=focus,
        upload_limit=state.max_body,
    )


def _choices(form: dict[str, str], kinds: dict[str, Any]) -> dict[str, Any]:
    """Options of the page's select boxes and suggestion lists, from the form's own rows."""
    rows = au.form_rows(form)

    def pairs(prefix: str, label: str) -> list[tuple[str, str]]:
        out = []
        for n in rows[prefix]:
            key = form.get(f"{prefix}.{n}.id") or form.get(f"{prefix}.{n}.key") or ""
            if key:
                out.append((key, form.get(f"{prefix}.{n}.{label}") or key))
        return out

    params, metrics = [], []
    for n in rows["comp"]:
        cid, K = form.get(f"comp.{n}.id", ""), kinds.get(form.get(f"comp.{n}.kind", ""))
        if cid and K is not None:
            params += [f"{cid}.{p.path}" for p in K.PARAMS]
            metrics += [o.name for o in K.OUTCOMES] + [e.name for e in K.EVENTS]
    return {
        "sources": pairs("src", "citation"),
        "actors": pairs("act", "name"),
        "issues": pairs("iss", "name"),
        "options": pairs("opt", "name"),
        "components": pairs("comp", "name"),
        "params": params,
        "metrics": sorted(set(metrics)),
    }


def _declare_effect_parameters(
    data: dict[str, Any], form: dict[str, str], kinds: dict[str, Any]
) -> None:
    """Declare, at the kind's default, an optional parameter that an option's effect changes.

    An effect must name a declared parameter; an optional one (``event_hazard``'s ``lever``...)
    is declared here with its documented default so that the analyst need not do it by hand.
    """
    comps = {c.get("id"): c for c in (data.get("world") or {}).get("components") or []}
    for o in (data.get("focal") or {}).get("options") or []:
        for path in o.get("effects") or {}:
            cid, _, pname = path.rpartition(".")
            c = comps.get(cid)
            K = kinds.get(c.get("kind", "")) if c else None
            if K is None or pname in (c.get("parameters") or {}):
                continue
            spec = next((p for p in K.PARAMS if p.path == pname), None)
            if spec is not None and spec.default is not None:
                src = o.get("source") or next(iter(data.get("sources") or {"": 0}))
                c.setdefault("parameters", {})[pname] = {
                    "value": spec.default,
                    "unit": spec.unit,
                    "source": src,
                    "note": "the kind's default, declared because an option changes it",
                }


@router.get("/author/new")
def author_new(request: Request, state: StateDep) -> HTMLResponse:
    """The authoring form of a new, blank dialogue."""
    base, _ = _base(state, "new", "new-dialogue")
    form = au.data_to_form(base)
    form["_base_hash"] = ""
    return _page(request, state, "new", "new-dialogue", form, base)


@router.get("/author/{origin}/{name}")
def author_page(
    request: Request,
    state: StateDep,
    origin: Origin,
    name: Name,
    saved: Annotated[int, Query(ge=0, le=1)] = 0,
) -> HTMLResponse:
    """The authoring form filled from a scenario (a built-in one is edited as a copy)."""
    base, digest = _base(state, origin, name)
    form = au.data_to_form(base)
    form["_base_hash"] = digest
    message = f"saved as {name}" if saved else None
    return _page(request, state, origin, name, form, base, message=message)


async def _check_json(request: Request, state: WebState, origin: str, name: str) -> JSONResponse:
    """The problems of the posted form by field id, for the page's live check (author.js)."""
    posted = await request.form(max_fields=MAX_FIELDS, max_files=2)
    form = {k[:200]: v for k, v in posted.multi_items() if isinstance(v, str)}
    form.pop("action", None)
    base, _ = _base(state, origin, name)
    kinds = _kinds()
    data, fm = au.form_to_data(form, base, kinds)
    _declare_effect_parameters(data, form, kinds)
    s = au.validate_form_data(data, fm, kinds)
    return JSONResponse(
        {
            "valid": s is not None and not fm.count,
            "count": fm.count,
            "errors": {au.field_id(k): v for k, v in fm.errors.items()},
            "warnings": {au.field_id(k): v for k, v in fm.warnings.items()},
            "general": fm.general,
        }
    )


@router.post("/author/new/check")
async def author_new_check(request: Request, state: StateDep) -> JSONResponse:
    """Live check of the blank form (JSON: problems by field id)."""
    return await _check_json(request, state, "new", "new-dialogue")


@router.post("/author/{origin}/{name}/check")
async def author_check(
    request: Request, state: StateDep, origin: Origin, name: Name
) -> JSONResponse:
    """Live check of the form (JSON: problems by field id)."""
    return await _check_json(request, state, origin, name)


@router.post("/author/new")
async def author_new_post(request: Request, state: StateDep) -> Response:
    """Actions of the blank form."""
    return await _post(request, state, "new", "new-dialogue")


@router.post("/author/{origin}/{name}")
async def author_post(request: Request, state: StateDep, origin: Origin, name: Name) -> Response:
    """Actions of the form: check, add or remove a row, import a spreadsheet, save."""
    return await _post(request, state, origin, name)


async def _post(request: Request, state: WebState, origin: str, name: str) -> Response:
    posted = await request.form(max_fields=MAX_FIELDS, max_files=2)
    form: dict[str, str] = {}
    upload: UploadFile | None = None
    for k, v in posted.multi_items():
        if isinstance(v, str):
            form[k[:200]] = v
        elif k == "sheet" and v.filename:
            upload = v
    action = form.pop("action", "check")
    base, digest = _base(state, origin, name)
    focus: str | None = None
    extra: list[str] = []
    if action.startswith("add:"):
        focus = _add_row(form, action[4:])
    elif action.startswith("del:"):
        _delete_row(form, action[4:])
    elif action.startswith("import:"):
        extra = await _import(form, action[7:], upload)
    elif action == "save":
        return _save(request, state, origin, name, form, base, digest)
    return _page(request, state, origin, name, form, base, focus=focus, extra=extra)


def _add_row(form: dict[str, str], what: str) -> str | None:
    """Add a blank row to section ``what`` (``act``, ``eff.N``...); its first field's name."""
    rows = au.form_rows(form)
    if what.startswith("eff."):
        n = what[4:]
        if not n.isdigit():
            return None
        m = 1 + max([-1] + rows["eff"].get(int(n), []))
        form[f"eff.{n}.{m}.param"] = ""
        form[f"eff.{n}.{m}.op"] = "set"
        return f"eff.{n}.{m}.param"
    if what not in _SECTION_DEFAULTS:
        return None
    n = 1 + max([-1] + rows[what])
    first = "key" if what == "src" else "id"
    form[f"{what}.{n}.{first}"] = ""
    for k, v in _SECTION_DEFAULTS[what].items():
        form[f"{what}.{n}.{k}"] = v
    sources = [form[k] for k in sorted(form) if k.startswith("src.") and k.endswith(".key")]
    if what in ("act", "iss", "opt", "comp", "crit") and sources:
        form[f"{what}.{n}.source"] = sources[0]
    if what == "comp":
        form[f"comp.{n}.kind"] = form.get("_new_kind", "")
    return f"{what}.{n}.{first}"


def _delete_row(form: dict[str, str], what: str) -> None:
    """Remove row ``what`` (``act.3``, ``eff.1.0``...) and the grid cells and scores it owns."""
    parts = what.split(".")
    if not all(p.isdigit() for p in parts[1:]) or len(parts) < 2:
        return
    prefix = what + "."
    owned: list[Callable[[list[str]], bool]] = [lambda ks: ".".join(ks).startswith(prefix)]
    n = parts[1]
    if parts[0] == "act":
        owned.append(lambda ks: ks[0] in ("pos", "sal") and len(ks) == 3 and ks[2] == n)
    elif parts[0] == "iss":
        owned.append(lambda ks: ks[0] in ("pos", "sal") and len(ks) == 3 and ks[1] == n)
    elif parts[0] == "opt":
        owned.append(lambda ks: ks[0] == "eff" and ks[1] == n)
        owned.append(lambda ks: ks[0] == "crit" and len(ks) == 4 and ks[2] == "s" and ks[3] == n)
    for key in [k for k in form if any(f(k.split(".")) for f in owned)]:
        del form[key]


async def _import(form: dict[str, str], what: str, upload: UploadFile | None) -> list[str]:
    """Read an uploaded grid or effects spreadsheet into ``form``; the problems, as lines."""
    if upload is None:
        return ["choose a spreadsheet file (CSV or xlsx) to import"]
    from melian.scenario.yamlsrc import MAX_BYTES  # lazy: the upload limit

    raw = await upload.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        return [f"{upload.filename}: the file is larger than {MAX_BYTES:,} bytes"]
    try:
        table = sheets.read_table(raw, upload.filename or "upload")
    except InputError as exc:
        return [str(p) for p in exc.problems]
    name = (upload.filename or "upload")[-100:]
    apply = sheets.import_grid if what == "grid" else sheets.import_effects
    return [str(p) for p in apply(form, table, name)]


def _save(
    request: Request,
    state: WebState,
    origin: str,
    name: str,
    form: dict[str, str],
    base: dict[str, Any],
    digest: str,
) -> Response:
    """Save the form as a user scenario (only a valid one; never over a file changed meanwhile)."""
    kinds = _kinds()
    data, fm = au.form_to_data(form, base, kinds)
    _declare_effect_parameters(data, form, kinds)
    s = au.validate_form_data(data, fm, kinds)
    target = form.get("_save_name", "").strip()
    problem = _save_problem(state, origin, name, target, form, digest)
    if s is None or fm.count or problem:
        extra = [problem] if problem else ["not saved: fix the problems below first"]
        return _page(request, state, origin, name, form, base, status=422, extra=extra)
    try:
        state.catalogue.save_user(target, s, overwrite=form.get("_overwrite") == "on")
    except FileExistsError:
        extra = [f"not saved: a scenario named {target!r} exists; tick 'replace it' to overwrite"]
        return _page(request, state, origin, name, form, base, status=409, extra=extra)
    return RedirectResponse(f"/author/user/{target}?saved=1", status_code=303)


def _save_problem(
    state: WebState, origin: str, name: str, target: str, form: dict[str, str], digest: str
) -> str | None:
    """Why the form cannot be saved as ``target`` (bad name; the file changed since it was
    opened), or None.
    """
    if state.catalogue.user_dir is None:
        return (
            "not saved: this server has no user scenario directory (start it with --scenario-dir)"
        )
    if not NAME_RE.match(target):
        return (
            "not saved: a scenario name is letters, digits, '_', '.', '-' (at most 80), "
            "starting with a letter or digit"
        )
    if origin == "user" and target == name and form.get("_overwrite") == "on":
        current = _current_hash(state, name)
        if current is not None and current != form.get("_base_hash", digest):
            return (
                f"not saved: {name!r} was changed since you opened it; save under another name, "
                "or reload the page to start from the new version"
            )
    return None


def _current_hash(state: WebState, name: str) -> str | None:
    try:
        s, _ = state.catalogue.load("user", name)
    except MelianError:
        return None
    return content_hash(s)


# --------------------------------------------------------------------------- spreadsheets
@router.get("/author/{origin}/{name}/{sheet}.{fmt}")
def export_sheet(
    state: StateDep,
    origin: Origin,
    name: Name,
    sheet: Literal["grid", "effects"],
    fmt: Literal["csv", "xlsx"],
) -> Response:
    """The actor x issue grid or the options' effects of a scenario, as CSV or xlsx."""
    s, _ = state.catalogue.load(origin, name)
    data = to_data(s)
    table = sheets.grid_table(data) if sheet == "grid" else sheets.effects_table(data)
    filename = f"{s.id}-{sheet}.{fmt}"
    if fmt == "csv":
        body, media = sheets.to_csv(table), "text/csv; charset=utf-8"
    else:
        body = sheets.to_xlsx(table, sheet)
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(
        body,
        media_type=media,
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )


# --------------------------------------------------------------------------- analyses
def field_finder(s: Scenario) -> Callable[[str], str | None]:
    """Problem path -> the authoring field where it is fixed, for scenario ``s``."""
    kinds = _kinds()
    data = to_data(s)
    _, fm = au.form_to_data(au.data_to_form(data), data, kinds)
    return fm.field_of


def job_problem_groups(request: Request, job: dict[str, Any]) -> dict[str, Any]:
    """The problems of failed ``job``, grouped, with the authoring page that fixes them.

    The scenario is looked up in the catalogue by id (a user scenario first); a job whose
    scenario is not there (sent as text) gets the groups without links.
    """
    state: WebState = request.app.state.web
    problems = job.get("problems") or []
    for e in state.catalogue.entries()[::-1]:
        if e.scenario_id == job.get("scenario_id") and e.error is None:
            s, _ = state.catalogue.load(e.origin, e.name)
            return {
                "groups": group_problems(problems, s, field_finder(s)),
                "link": f"/author/{e.origin}/{e.name}",
            }
    return {"groups": group_problems(problems, None), "link": None}


def analyses_context(s: Scenario) -> dict[str, Any]:
    """What the analyses page shows: each kind, its parameters' schema, what stops it."""
    ready = readiness(s, list(ANALYSES))
    finder = field_finder(s)
    blocked = {k: group_problems(v, s, finder) for k, v in ready.items() if v}
    from melian.bargaining.registry import installed_models  # lazy: engine registry
    from melian.scenario.views import view_ids  # lazy: only for the page

    return {
        "specs": list(ANALYSES.values()),
        "blocked": blocked,
        "models": [m.name for m in installed_models()],
        "views": [v for v in view_ids(s) if v != "source"],
        "issues": [(i.id, i.name) for i in s.issues],
        "world": world_summary(s),
    }


def world_summary(s: Scenario) -> str:
    """The scenario's world components as the analyses page names them: ``name (kind)``."""
    return ", ".join(f"{c.name or c.id} ({c.kind.replace('_', ' ')})" for c in s.world.components)


@router.get("/scenarios/{origin}/{name}/analyses")
def analyses_page(request: Request, state: StateDep, origin: Origin, name: Name) -> HTMLResponse:
    """The analyses this scenario can run, with their parameters, and what the others need."""
    s, _ = state.catalogue.load(origin, name)
    return render(
        request,
        "author/analyses.html",
        origin=origin,
        name=name,
        scenario=s,
        problems=[],
        **analyses_context(s),
    )


def run_params(kind: str, form: dict[str, str], model: type[BaseModel]) -> dict[str, Any]:
    """The parameters of analysis ``kind`` from the analyses form (``KIND.PARAM`` fields).

    Blank fields take the analysis's default; numbers, checkboxes and lists are read by the
    type the parameter model declares.
    """
    out: dict[str, Any] = {}
    for pname, info in model.model_fields.items():
        key = f"{kind}.{pname}"
        ann = str(info.annotation)
        if "bool" in ann:
            out[pname] = form.get(key) == "on"
            continue
        values = [v for v in form.get(key, "").split("\n") if v.strip()]
        if "list" in ann:
            if values:
                out[pname] = [v.strip() for v in values]
            continue
        raw = form.get(key, "").strip()
        if not raw:
            continue
        if "int" in ann and "Literal" not in ann:
            try:
                out[pname] = int(raw)
            except ValueError:
                out[pname] = raw
        else:
            out[pname] = raw
    return out


@router.post("/scenarios/{origin}/{name}/analyses")
async def analyses_post(request: Request, state: StateDep, origin: Origin, name: Name) -> Response:
    """Start the chosen analysis with the parameters of its form."""
    s, _ = state.catalogue.load(origin, name)
    posted = await request.form(max_fields=500)
    form: dict[str, str] = {}
    for k, v in posted.multi_items():
        if isinstance(v, str):
            form[k] = form[k] + "\n" + v if k in form else v
    kind = form.get("kind", "")

    def refused(problems: list[tuple[str, str]]) -> Response:
        return render(
            request,
            "author/analyses.html",
            status=422,
            origin=origin,
            name=name,
            scenario=s,
            problems=problems,
            **analyses_context(s),
        )

    try:
        spec, params = resolve_params(
            kind, run_params(kind, form, ANALYSES[kind].params) if kind in ANALYSES else {}
        )
    except InputError as exc:
        return refused(
            [(p.path.removeprefix("params."), au.plain(p.message)) for p in exc.problems]
        )
    blocked = readiness(s, [kind])[kind]
    if blocked:  # the form does not offer it; a hand-made post is told why
        return refused([(p.path, au.plain(p.message)) for p in blocked])
    job = state.jobs.submit(spec, s, to_yaml(s), params)
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


__all__ = ["install_templates", "router"]
