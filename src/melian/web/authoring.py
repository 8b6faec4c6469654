"""Authoring a scenario in the browser: the form's fields, their scenario data, and plain problems.

The authoring page is one HTML form whose fields are named ``SECTION.ROW.FIELD`` (``act.0.name``,
``pos.1.2`` for the position of actor row 2 on issue row 1...). :func:`form_to_data` turns the
posted fields into scenario data (format v1) on top of a *base* scenario (the one copied or being
edited), so that everything the form does not show (relations, the game, views, notes, per-issue
clouts...) is kept. The data is then validated by the scenario loader itself
(:func:`melian.scenario.loader.validate_data`: the same pydantic schema and reference checks as a
file) and by the world model's checks (:func:`melian.world.check`). Every problem is mapped back
to the form field it is about and reworded for a reader (:class:`FormMap`, :func:`plain`):
"Salience of Big Power on Aid: must be a number", never ``issues[0].positions[0].salience:
Input should be...``.

Numbers the user typed that are not numbers are reported at their field and replaced, for the
schema pass only, by a neutral value, so that the other problems of the same form are found in
the same pass.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import re
from dataclasses import dataclass, field
from typing import Any

from melian.errors import InputError, Problem
from melian.scenario.loader import validate_data
from melian.scenario.schema import Scenario
from melian.scenario.yamlsrc import Located, format_path

#: Sections of the form (anchor, title), in page order.
SECTIONS = (
    ("metadata", "Metadata"),
    ("sources", "Sources"),
    ("actors", "Actors"),
    ("issues", "Agenda issues"),
    ("grid", "Positions and saliences"),
    ("options", "Options and their effects"),
    ("game", "Game"),
    ("world", "World components"),
    ("criteria", "Criteria and weights"),
)
SOURCE_KINDS = ("document", "dataset", "statement", "judgement", "derived")
ACTOR_KINDS = ("state", "faction", "organisation", "armed_group")
MEASURE_KINDS = ("world", "game", "forecast", "judgement")
STATS = ("mean", "median", "p05", "p95", "cvar95", "probability")
EFFECT_OPS = ("set", "add", "multiply")
#: Distributions a parameter field can be written as (``triangular 1 3 5``): kind -> fields.
DIST_FIELDS: dict[str, tuple[str, ...]] = {
    "uniform": ("low", "high"),
    "triangular": ("low", "mode", "high"),
    "normal": ("mean", "sd"),
    "lognormal": ("mu", "sigma"),
    "beta": ("alpha", "beta"),
    "discrete": (),
}
_ORIG = "_orig"


def blank_data(today: dt.date | None = None) -> dict[str, Any]:
    """The data of a new, empty dialogue: metadata and one analyst-judgement source."""
    day = (today or dt.date.today()).isoformat()
    return {
        "metadata": {"id": "new-dialogue", "title": "A new dialogue", "as_of": day},
        "sources": {"analyst": {"citation": "Analyst judgement", "kind": "judgement"}},
        "actors": [],
        "issues": [],
    }


# --------------------------------------------------------------------------- field map
@dataclass
class FormMap:
    """Where each data path is edited in the form, the field's label, and the problems found.

    ``fields``: data path (as written by :func:`melian.scenario.yamlsrc.format_path`) -> form
    field name; ``labels``: field name -> what a reader calls it ("Salience of Big Power on
    Aid"); ``errors``: field name -> plain messages; ``warnings``: field name -> messages of
    checks that do not stop saving (the world model's); ``general``: problems that no field of
    the form shows; ``raw``: what the user typed in fields that did not read as numbers.
    """

    fields: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    warnings: dict[str, list[str]] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)
    raw: dict[str, str] = field(default_factory=dict)

    def add(self, path: tuple[str | int, ...], key: str, label: str) -> None:
        """Record that data ``path`` is edited by field ``key``, called ``label``."""
        self.fields[format_path(path)] = key
        self.labels.setdefault(key, label)

    def field_of(self, path: str) -> str | None:
        """The field of the longest recorded data path that ``path`` starts with."""
        best, best_len = None, -1
        for p, key in self.fields.items():
            if (path == p or path.startswith(p + ".") or path.startswith(p + "[")) and len(
                p
            ) > best_len:
                best, best_len = key, len(p)
        return best

    def error(self, key: str, message: str, *, warning: bool = False) -> None:
        """Attach ``message`` to field ``key`` (once)."""
        bucket = (self.warnings if warning else self.errors).setdefault(key, [])
        if message not in bucket:
            bucket.append(message)

    def report(self, problems: list[Problem], *, warning: bool = False) -> None:
        """Attach each located problem to its field, in plain words (else to ``general``)."""
        for p in problems:
            key = self.field_of(p.path)
            msg = plain(p.message)
            if key is None:
                self.general.append(f"{describe_path(p.path)}: {msg}" if p.path else msg)
            elif not (key in self.errors and not warning):
                self.error(key, msg, warning=warning)

    @property
    def count(self) -> int:
        """How many problems stop the scenario from being saved."""
        return sum(len(v) for v in self.errors.values()) + len(self.general)

    def summary(self) -> list[tuple[str, str, str]]:
        """(field, label, message) of every error, in field order, for the list at the top."""
        out = [(k, self.labels.get(k, k), m) for k, msgs in self.errors.items() for m in msgs]
        return out


_PLAIN = (
    (
        re.compile(r"^(\S+) has no parameter '([^']+)' \(parameters: .*\)$"),
        r"'\2' is not a parameter of \1",
    ),
    (
        re.compile(r"^the world model needs parameter \S+ \(([^)]*)\): .*"),
        r"the world model needs this parameter (\1)",
    ),
    (re.compile(r"^Input should be a valid number.*"), "must be a number"),
    (re.compile(r"^Input should be a valid integer.*"), "must be a whole number"),
    (re.compile(r"^Input should be a valid date.*"), "must be a date (YYYY-MM-DD)"),
    (re.compile(r"^Input should be a valid boolean.*"), "must be yes or no"),
    (re.compile(r"^Input should be greater than or equal to (\S+)"), r"must be at least \1"),
    (re.compile(r"^Input should be greater than (\S+)"), r"must be more than \1"),
    (re.compile(r"^Input should be less than or equal to (\S+)"), r"must be at most \1"),
    (re.compile(r"^Input should be less than (\S+)"), r"must be less than \1"),
    (re.compile(r"^Input should be (.*)"), r"choose \1"),
    (re.compile(r"^String should have at least 1 character.*"), "must not be empty"),
    (re.compile(r"^String should have at most (\d+) characters.*"), r"is too long (at most \1)"),
    (
        re.compile(r"^String should match pattern.*"),
        "use letters, digits, '_', '.' or '-', starting with a letter or digit",
    ),
    (re.compile(r"^List should have at least 1 item.*"), "needs at least one entry"),
    (re.compile(r"^required field is missing$"), "is required"),
    (re.compile(r"^unknown key.*"), "is not a field of the scenario format"),
    (re.compile(r"^Dictionary should have at least 1 item.*"), "needs at least one entry"),
)


def plain(message: str) -> str:
    """``message`` in a reader's words (pydantic's phrasing replaced; what was typed kept)."""
    text = message.strip()
    got = ""
    m = re.search(r" \(got .*\)$", text)
    if m:
        text, got = text[: m.start()], m.group(0)
    for pat, repl in _PLAIN:
        if pat.match(text):
            text = pat.sub(repl, text, count=1)
            break
    return text + got


_SECTION_WORDS = {
    "metadata": "Metadata",
    "sources": "Sources",
    "actors": "Actors",
    "issues": "Agenda",
    "relations": "Relations",
    "focal": "Options",
    "world": "World",
    "game": "Game",
    "criteria": "Criteria",
    "criteria_pairwise": "Pairwise criteria judgements",
    "views": "Views",
    "salience_scale": "Salience scale",
    "weights_from": "Criteria weights",
}


def describe_path(path: str) -> str:
    """A readable place for a data path that no form field edits (``Game: players 1``)."""
    head = re.split(r"[.\[]", path, maxsplit=1)[0]
    rest = path[len(head) :].lstrip(".")
    rest = re.sub(r"\[(\d+)\]", lambda m: f" {int(m.group(1)) + 1}", rest).replace(".", ", ")
    word = _SECTION_WORDS.get(head, head)
    return f"{word}: {rest.strip(' ,')}" if rest else word


# --------------------------------------------------------------------------- form -> data
class _Reader:
    """Reads typed values of the posted form, recording problems in a :class:`FormMap`."""

    def __init__(self, form: dict[str, str], fm: FormMap) -> None:
        self.form = form
        self.fm = fm
        #: rows read (not blank) of each section, in order: ``kept["act"] = [0, 1, 3]``
        self.kept: dict[str, list[int]] = {}

    def text(self, key: str) -> str:
        return str(self.form.get(key, "")).strip()

    def number(self, key: str, neutral: float = 1.0) -> float | None:
        """The number in field ``key`` (None if blank); a neutral stand-in if not a number."""
        raw = self.text(key)
        if not raw:
            return None
        try:
            value = float(raw.replace("\u2212", "-").replace(",", "."))
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            self.fm.raw[key] = raw
            self.fm.error(key, f"must be a number (got {raw[:40]!r})")
            return neutral
        return value

    def parameter(self, key: str, neutral: float) -> float | dict[str, Any] | None:
        """A number, or a distribution written ``uniform 1 5``, ``triangular 1 3 5``, ``normal
        4 0.2``, ``lognormal 0 0.3``, ``beta 2 8`` or ``discrete 30 45 90``; None if blank.
        """
        raw = self.text(key)
        words = raw.replace(",", " ").split()
        if not words or words[0].lower() not in DIST_FIELDS:
            return self.number(key, neutral)
        kind, names = words[0].lower(), DIST_FIELDS[words[0].lower()]
        try:
            values = [float(w.replace("\u2212", "-")) for w in words[1:]]
        except ValueError:
            values = []
        ok = bool(values) and all(math.isfinite(v) for v in values)
        if (names and len(values) != len(names)) or not ok:
            self.fm.raw[key] = raw
            want = " ".join(names) if names else "values..."
            self.fm.error(key, f"write '{kind} {want}' with numbers (got {raw[:40]!r})")
            return neutral
        if not names:
            return {"dist": kind, "values": values}
        return {"dist": kind, **dict(zip(names, values, strict=True))}

    def integer(self, key: str, neutral: int = 0) -> int | None:
        value = self.number(key, float(neutral))
        if value is None:
            return None
        if value != int(value):
            self.fm.raw[key] = self.text(key)
            self.fm.error(key, "must be a whole number")
            return neutral
        return int(value)

    def flag(self, key: str) -> bool:
        return self.text(key) in ("on", "true", "1", "yes")

    def rows(self, prefix: str, *keys: str) -> list[int]:
        """Row numbers under ``prefix`` (``act`` -> rows of ``act.N.*``) whose ``keys`` are not
        all blank (a blank new row is not part of the scenario); remembered in ``kept``.
        """
        pat = re.compile(rf"^{re.escape(prefix)}\.(\d{{1,4}})\.")
        found = sorted({int(m.group(1)) for k in self.form if (m := pat.match(k))})
        if keys:
            found = [n for n in found if any(self.text(f"{prefix}.{n}.{k}") for k in keys)]
        self.kept[prefix] = found
        return found


def _put(d: dict[str, Any], key: str, value: Any) -> None:  # noqa: ANN401
    """Set ``d[key]`` to ``value``, or remove it when ``value`` is None or empty."""
    if value is None or value == "" or value == []:
        d.pop(key, None)
    else:
        d[key] = value


def _by_id(items: list[dict[str, Any]] | None) -> dict[str, dict[str, Any]]:
    return {str(x.get("id")): x for x in items or [] if isinstance(x, dict)}


def _number_or_dist(base: Any, value: float | dict[str, Any] | None, source: str) -> Any:  # noqa: ANN401
    """A parameter: ``value`` (a number or a distribution) replaces the base, whose unit,
    description and note are kept; an unchanged value keeps the base as it is; blank keeps a
    distribution the field cannot show and removes a number.
    """
    if value is None:  # blank: a distribution is kept, a cleared number removed
        return base if isinstance(base, dict) and base.get("dist", "fixed") != "fixed" else None
    if isinstance(base, dict):
        if isinstance(value, dict):
            same = dist_text(base) == dist_text(value) != ""
        else:
            same = base.get("value") == value and base.get("dist", "fixed") == "fixed"
        if same:
            return base
    out = {k: v for k, v in (base or {}).items() if k in ("unit", "description", "note")}
    out.update(value if isinstance(value, dict) else {"value": value})
    out.update({"source": source or (base or {}).get("source", ""), "judgement": True})
    return out


def form_to_data(
    form: dict[str, str], base: dict[str, Any], kinds: dict[str, Any]
) -> tuple[dict[str, Any], FormMap]:
    """Scenario data from the posted authoring form, on top of ``base`` (what it does not show).

    ``kinds`` is the world component registry (kind -> class with ``PARAMS``, ``ACTORS``,
    ``INPUTS``, ``DATASETS``). Returns the data (format v1, ready for the loader) and the
    :class:`FormMap` of its fields, with the problems found while reading the form.
    """
    fm = FormMap()
    r = _Reader(form, fm)
    data = copy.deepcopy(base)
    _read_metadata(r, data)
    _read_sources(r, data, base)
    actors = _read_actors(r, data, base)
    _read_issues(r, data, base, actors)
    _read_options(r, data, base)
    _read_game(r, data, base)
    _read_world(r, data, base, kinds)
    _read_criteria(r, data, base)
    return data, fm


def _read_metadata(r: _Reader, data: dict[str, Any]) -> None:
    md = data.setdefault("metadata", {})
    for name, label in (
        ("id", "Scenario id"),
        ("title", "Title"),
        ("description", "Description"),
        ("as_of", "As-of date"),
        ("language", "Language"),
    ):
        r.fm.add(("metadata", name), f"meta.{name}", label)
        _put(md, name, r.text(f"meta.{name}"))
    r.fm.add(("metadata", "seed"), "meta.seed", "Random seed")
    _put(md, "seed", r.integer("meta.seed"))
    r.fm.add(("metadata", "authors"), "meta.authors", "Authors")
    _put(md, "authors", [a.strip() for a in r.text("meta.authors").split(";") if a.strip()])
    r.fm.add(("salience_scale",), "sal.max", "Salience scale")
    lo, hi = r.number("sal.min", 0.0), r.number("sal.max", 100.0)
    scale = {k: v for k, v in (("min", lo), ("max", hi)) if v is not None}
    _put(data, "salience_scale", scale or None)


def _read_sources(r: _Reader, data: dict[str, Any], base: dict[str, Any]) -> None:
    old = base.get("sources") or {}
    out: dict[str, Any] = {}
    for n in r.rows("src", "key", "citation"):
        key = r.text(f"src.{n}.key")
        label = f"Source {key or n + 1}"
        entry = copy.deepcopy(old.get(r.text(f"src.{n}.{_ORIG}"), {}))
        for name in ("citation", "kind", "date", "address", "note"):
            _put(entry, name, r.text(f"src.{n}.{name}"))
        r.fm.add(("sources", key), f"src.{n}.citation", f"{label}: citation")
        for name in ("kind", "date", "address", "note"):
            r.fm.add(("sources", key, name), f"src.{n}.{name}", f"{label}: {name}")
        if not key:
            r.fm.labels[f"src.{n}.key"] = f"{label}: key"
            r.fm.error(f"src.{n}.key", "give the source a short key (used to cite it)")
            continue
        if key in out:
            r.fm.labels[f"src.{n}.key"] = f"{label}: key"
            r.fm.error(f"src.{n}.key", f"the key {key!r} is used by another source")
            continue
        out[key] = entry
    data["sources"] = out


def _read_actors(r: _Reader, data: dict[str, Any], base: dict[str, Any]) -> list[dict[str, Any]]:
    """The actor rows (each with its original id under ``_orig``), written into ``data``."""
    old = _by_id(base.get("actors"))
    actors: list[dict[str, Any]] = []
    for k, n in enumerate(r.rows("act", "id", "name")):
        p = f"act.{n}"
        a = copy.deepcopy(old.get(r.text(f"{p}.{_ORIG}"), {}))
        name = r.text(f"{p}.name")
        who = name or r.text(f"{p}.id") or f"actor {k + 1}"
        for fld, label in (
            ("id", "id"),
            ("name", "name"),
            ("kind", "kind"),
            ("parent", "parent"),
            ("description", "description"),
        ):
            _put(a, fld, r.text(f"{p}.{fld}"))
            r.fm.add(("actors", k, fld), f"{p}.{fld}", f"{who}: {label}")
        r.fm.add(("actors", k), f"{p}.name", f"{who}")
        a["at_table"] = r.flag(f"{p}.at_table")
        if a["at_table"]:
            a.pop("at_table")
        source, csource = r.text(f"{p}.source"), r.text(f"{p}.clout_source")
        r.fm.add(("actors", k, "capability"), f"{p}.capability", f"{who}: capability")
        r.fm.add(("actors", k, "clout"), f"{p}.clout", f"{who}: clout")
        cap = r.number(f"{p}.capability")
        if cap is not None:
            c = a.get("capability") or {}
            if c.get("value") != cap:
                a["capability"] = {"value": cap, "source": source, "judgement": True}
            else:
                c["source"] = source or c.get("source")
        elif (a.get("capability") or {}).get("series") is None:
            a.pop("capability", None)
        elif source:
            a["capability"]["source"] = source
        clout = r.number(f"{p}.clout")
        c = a.get("clout")
        if clout is not None:
            c = dict(c or {})
            if c.get("value") != clout:
                c.update({"value": clout, "judgement": True})
                c.pop("series", None)
            c["source"] = csource or source or c.get("source")
            a["clout"] = c
        elif c is not None and c.get("value") is not None:
            c = {k2: v for k2, v in c.items() if k2 != "value"}
            if c.get("issues") or c.get("series"):
                a["clout"] = c
            else:
                a.pop("clout")
        elif c is not None and csource:
            c["source"] = csource
        r.fm.add(("actors", k, "capability", "source"), f"{p}.source", f"{who}: source")
        r.fm.add(("actors", k, "clout", "source"), f"{p}.clout_source", f"{who}: clout source")
        a[_ORIG] = r.text(f"{p}.{_ORIG}")
        actors.append(a)
    data["actors"] = actors
    return actors


def _majority(values: list[str]) -> str:
    return max(set(values), key=values.count) if values else ""


def _read_issues(
    r: _Reader, data: dict[str, Any], base: dict[str, Any], actors: list[dict[str, Any]]
) -> None:
    old = _by_id(base.get("issues"))
    ids = [str(a.get("id", "")) for a in actors]
    names = [str(a.get("name") or a.get("id") or f"actor {k + 1}") for k, a in enumerate(actors)]
    origs = [str(a.get(_ORIG, "")) for a in actors]
    issues: list[dict[str, Any]] = []
    act_rows = r.kept.get("act", [])
    for i, n in enumerate(r.rows("iss", "id", "name")):
        p = f"iss.{n}"
        iss = copy.deepcopy(old.get(r.text(f"{p}.{_ORIG}"), {}))
        what = r.text(f"{p}.name") or r.text(f"{p}.id") or f"issue {i + 1}"
        for fld in ("id", "name", "description"):
            _put(iss, fld, r.text(f"{p}.{fld}"))
            r.fm.add(("issues", i, fld), f"{p}.{fld}", f"{what}: {fld}")
        r.fm.add(("issues", i), f"{p}.name", what)
        scale = dict(iss.get("scale") or {})
        for fld in ("min", "max"):
            r.fm.add(("issues", i, "scale", fld), f"{p}.{fld}", f"{what}: scale {fld}")
            _put(scale, fld, r.number(f"{p}.{fld}", 0.0 if fld == "min" else 100.0))
        for fld, label in (("low", "meaning of the low end"), ("high", "meaning of the high end")):
            r.fm.add(("issues", i, "scale", fld), f"{p}.{fld}", f"{what}: {label}")
            _put(scale, fld, r.text(f"{p}.{fld}"))
        r.fm.add(("issues", i, "scale"), f"{p}.min", f"{what}: scale")
        unit_name = r.text(f"{p}.unit")
        r.fm.add(("issues", i, "scale", "unit"), f"{p}.unit", f"{what}: unit")
        if unit_name:
            unit = dict(scale.get("unit") or {})
            unit["name"] = unit_name
            for fld in ("at_min", "at_max"):
                r.fm.add(("issues", i, "scale", "unit", fld), f"{p}.{fld}", f"{what}: unit {fld}")
                _put(unit, fld, r.number(f"{p}.{fld}", 0.0))
            scale["unit"] = unit
        else:
            scale.pop("unit", None)
        iss["scale"] = scale
        psource = r.text(f"{p}.source")
        changed = psource != r.text(f"{p}.source_was")
        r.fm.add(("issues", i, "status_quo"), f"{p}.sq", f"{what}: status quo")
        sq = r.number(f"{p}.sq", scale.get("min", 0.0))
        if sq is None:
            iss.pop("status_quo", None)
        else:
            prev = dict(iss.get("status_quo") or {})
            if prev.get("value") != sq or changed or not prev.get("source"):
                prev.update({"value": sq, "source": psource})
            iss["status_quo"] = prev
        old_pos = {str(q.get("actor")): q for q in iss.get("positions") or []}
        positions = []
        for a_row, a_n in enumerate(act_rows):
            pk, sk = f"pos.{n}.{a_n}", f"sal.{n}.{a_n}"
            who = names[a_row]
            r.fm.labels[pk] = f"Position of {who} on {what}"
            r.fm.labels[sk] = f"Salience of {who} on {what}"
            pos = r.number(pk, scale.get("min", 0.0))
            sal = r.number(sk, 0.0)
            if pos is None and sal is None:
                continue
            if pos is None or sal is None:
                r.fm.error(sk if sal is None else pk, "give both a position and a salience")
                continue
            q = copy.deepcopy(old_pos.get(origs[a_row], {}))
            j = len(positions)
            r.fm.add(("issues", i, "positions", j), pk, f"Position of {who} on {what}")
            r.fm.add(("issues", i, "positions", j, "position"), pk, f"Position of {who} on {what}")
            r.fm.add(("issues", i, "positions", j, "salience"), sk, f"Salience of {who} on {what}")
            if q.get("position") != pos or q.get("salience") != sal:
                q["judgement"] = True
            q.update({"actor": ids[a_row], "position": pos, "salience": sal})
            if changed or not q.get("source"):
                q["source"] = psource
            positions.append(q)
        order = {str(q.get("actor")): j for j, q in enumerate(iss.get("positions") or [])}
        origin = dict(zip(ids, origs, strict=True))
        positions.sort(key=lambda q: order.get(origin.get(str(q["actor"]), ""), len(order)))
        iss["positions"] = positions
        r.fm.add(("issues", i, "positions"), f"{p}.name", f"{what}: positions")
        r.fm.add(("issues", i, "status_quo", "source"), f"{p}.source", f"{what}: source")
        issues.append(iss)
    data["issues"] = issues
    for a in actors:
        a.pop(_ORIG, None)


def _read_options(r: _Reader, data: dict[str, Any], base: dict[str, Any]) -> None:
    focal = copy.deepcopy(base.get("focal") or {})
    old = _by_id(focal.get("options"))
    options = []
    for k, n in enumerate(r.rows("opt", "id", "name")):
        p = f"opt.{n}"
        o = copy.deepcopy(old.get(r.text(f"{p}.{_ORIG}"), {}))
        what = r.text(f"{p}.name") or r.text(f"{p}.id") or f"option {k + 1}"
        for fld in ("id", "name", "description", "source"):
            _put(o, fld, r.text(f"{p}.{fld}"))
            r.fm.add(("focal", "options", k, fld), f"{p}.{fld}", f"{what}: {fld}")
        r.fm.add(("focal", "options", k), f"{p}.name", what)
        o["status_quo"] = r.flag(f"{p}.status_quo")
        if not o["status_quo"]:
            o.pop("status_quo")
        old_eff = o.get("effects") or {}
        effects: dict[str, Any] = {}
        for m in r.rows(f"eff.{n}"):
            e = f"eff.{n}.{m}"
            path = r.text(f"{e}.param")
            value = r.number(f"{e}.value", 0.0)
            op = r.text(f"{e}.op") or "set"
            label = f"{what}: effect on {path or 'a parameter'}"
            r.fm.labels[f"{e}.value"] = label
            if not path:
                if value is not None:
                    r.fm.error(f"{e}.param", "choose the parameter this effect changes")
                    r.fm.labels[f"{e}.param"] = label
                continue
            if path in effects:
                r.fm.error(f"{e}.param", f"{path} has two effects under this option")
                r.fm.labels[f"{e}.param"] = label
                continue
            prev = copy.deepcopy(old_eff.get(r.text(f"{e}.{_ORIG}"), {}))
            if value is None and op in prev:
                eff = prev
            elif value is None:
                r.fm.error(f"{e}.value", "give the value of the effect")
                continue
            else:
                eff = {k2: v for k2, v in prev.items() if k2 not in EFFECT_OPS}
                if prev.get(op) != value:
                    eff["judgement"] = True
                eff[op] = value
            eff["source"] = eff.get("source") or o.get("source", "")
            effects[path] = eff
            r.fm.add(("focal", "options", k, "effects", path), f"{e}.value", label)
            r.fm.add(("focal", "options", k, "effects", path, "source"), f"{p}.source", label)
        _put(o, "effects", effects or None)
        options.append(o)
    actor = r.text("focal.actor")
    r.fm.add(("focal", "actor"), "focal.actor", "Focal actor")
    r.fm.add(("focal", "recommended"), "focal.recommended", "The source's recommended option")
    r.fm.add(("focal", "options"), "focal.actor", "Options")
    if not options and not actor:
        data.pop("focal", None)
        return
    focal["actor"] = actor
    _put(focal, "recommended", r.text("focal.recommended"))
    focal["options"] = options
    data["focal"] = focal


def _read_game(r: _Reader, data: dict[str, Any], base: dict[str, Any]) -> None:
    """The game: patron, rival, the responding players (in actor order) and their responses."""
    game = copy.deepcopy(base.get("game") or {})
    ids = {
        n: str(a.get("id", "")) for n, a in zip(r.kept.get("act", []), data["actors"], strict=True)
    }
    names = {n: str(a.get("name") or a.get("id")) for n, a in zip(ids, data["actors"], strict=True)}
    for fld, label in (
        ("patron", "Game: patron"),
        ("rival", "Game: rival"),
        ("framing", "Game: framing"),
    ):
        r.fm.add(("game", fld), f"game.{fld}", label)
    r.fm.add(("game",), "game.patron", "Game")
    patron = r.text("game.patron")
    players = [n for n in ids if r.flag(f"game.player.{n}")]
    if not patron and not players:
        data.pop("game", None)
        return
    game["patron"] = patron
    _put(game, "rival", r.text("game.rival"))
    _put(game, "framing", r.text("game.framing"))
    old = game.get("responses") or {}
    responses: dict[str, Any] = {}
    for j, n in enumerate(players):
        key = f"game.resp.{n}"
        who = names[n]
        r.fm.add(("game", "players", j), f"game.player.{n}", f"Game: {who} responds")
        r.fm.add(("game", "responses", ids[n]), key, f"Game: responses of {who}")
        r.fm.labels[key] = f"Game: responses of {who}"
        prev = {str(x.get("id")): x for x in old.get(ids[n]) or []}
        out = []
        for k, line in enumerate(x for x in r.text(key).splitlines() if x.strip()):
            rid, _, rname = line.partition(":")
            item = copy.deepcopy(prev.get(rid.strip(), {}))
            item.update({"id": rid.strip(), "name": (rname or rid).strip()})
            r.fm.add(("game", "responses", ids[n], k), key, f"Game: responses of {who}")
            out.append(item)
        responses[ids[n]] = out
    game["players"] = [ids[n] for n in players]
    game["responses"] = responses
    r.fm.add(("game", "players"), "game.patron", "Game: responding players")
    data["game"] = game


def _read_world(
    r: _Reader, data: dict[str, Any], base: dict[str, Any], kinds: dict[str, Any]
) -> None:
    world = copy.deepcopy(base.get("world") or {})
    old = _by_id(world.get("components"))
    datasets = dict(world.get("datasets") or {})
    comps = []
    for k, n in enumerate(r.rows("comp", "id", "kind")):
        p = f"comp.{n}"
        c = copy.deepcopy(old.get(r.text(f"{p}.{_ORIG}"), {}))
        cid = r.text(f"{p}.id")
        what = r.text(f"{p}.name") or cid or f"component {k + 1}"
        for fld in ("id", "kind", "name", "description"):
            _put(c, fld, r.text(f"{p}.{fld}"))
            r.fm.add(("world", "components", k, fld), f"{p}.{fld}", f"{what}: {fld}")
        r.fm.add(("world", "components", k), f"{p}.id", what)
        r.fm.add(("world", "components", cid), f"{p}.id", what)
        kind = kinds.get(c.get("kind", ""))
        source = r.text(f"{p}.source")
        params = dict(c.get("parameters") or {})
        specs = {ps.path: ps for ps in kind.PARAMS} if kind is not None else {}
        for name in list(specs) + [x for x in params if x not in specs]:
            key = f"{p}.p.{name}"
            label = f"{what}: {name}"
            r.fm.add(("world", "components", k, "parameters", name), key, label)
            r.fm.add(("world", cid, name), key, label)
            if key not in r.form:
                continue
            value = r.parameter(key, _neutral(specs.get(name)))
            new = _number_or_dist(params.get(name), value, source)
            if new is None:
                params.pop(name, None)
            else:
                if specs.get(name) is not None and "unit" not in new:
                    new["unit"] = specs[name].unit
                params[name] = new
        _put(c, "parameters", params or None)
        for group, specs_of in (("actors", "ACTORS"), ("inputs", "INPUTS")):
            roles = getattr(kind, specs_of, ()) if kind is not None else ()
            bound = dict(c.get(group) or {})
            for spec in roles:
                key = f"{p}.{group[0]}.{spec.role}"
                r.fm.add(("world", "components", k, group, spec.role), key, f"{what}: {spec.role}")
                val = r.text(key)
                if group == "inputs" and getattr(spec, "many", False) and val:
                    bound[spec.role] = [v.strip() for v in val.split(",") if v.strip()]
                else:
                    _put(bound, spec.role, val or None)
            r.fm.add(("world", "components", k, group), f"{p}.id", f"{what}: {group}")
            _put(c, group, bound or None)
        for spec in getattr(kind, "DATASETS", ()) if kind is not None else ():
            key = f"{p}.d.{spec.role}"
            r.fm.add(("world", "components", k, "datasets", spec.role), key, f"{what}: data")
            file = r.text(key)
            name = (c.get("datasets") or {}).get(spec.role) or f"{cid}-{spec.role}"
            if file:
                ds = dict(datasets.get(name) or {})
                ds.update({"file": file, "source": ds.get("source") or source})
                datasets[name] = ds
                c.setdefault("datasets", {})[spec.role] = name
                r.fm.add(("world", "datasets", name), key, f"{what}: data file")
        r.fm.add(("world", "components", k, "datasets"), f"{p}.id", f"{what}: data")
        comps.append(c)
    world = {k: v for k, v in (("datasets", datasets), ("components", comps)) if v}
    _put(data, "world", world or None)


def _neutral(spec: Any) -> float:  # noqa: ANN401
    """A value inside a parameter's admissible range (stand-in for an unreadable number)."""
    if spec is None:
        return 0.0
    if spec.low is not None and spec.high is not None:
        return (spec.low + spec.high) / 2
    return spec.low if spec.low is not None else 0.0


def _read_criteria(r: _Reader, data: dict[str, Any], base: dict[str, Any]) -> None:
    old = _by_id(base.get("criteria"))
    options = [o.get("id") for o in (data.get("focal") or {}).get("options", [])]
    opt_rows = r.kept.get("opt", [])
    crits = []
    for k, n in enumerate(r.rows("crit", "id", "name")):
        p = f"crit.{n}"
        c = copy.deepcopy(old.get(r.text(f"{p}.{_ORIG}"), {}))
        what = r.text(f"{p}.name") or r.text(f"{p}.id") or f"criterion {k + 1}"
        for fld in ("id", "name", "direction", "source", "description"):
            _put(c, fld, r.text(f"{p}.{fld}"))
            r.fm.add(("criteria", k, fld), f"{p}.{fld}", f"{what}: {fld}")
        r.fm.add(("criteria", k), f"{p}.name", what)
        r.fm.add(("criteria", k, "weight"), f"{p}.weight", f"{what}: weight")
        _put(c, "weight", r.number(f"{p}.weight", 0.0))
        m: dict[str, Any] = {"kind": r.text(f"{p}.mkind") or "judgement"}
        r.fm.add(("criteria", k, "measure"), f"{p}.mkind", f"{what}: measured by")
        for fld in ("metric", "stat", "issue"):
            r.fm.add(("criteria", k, "measure", fld), f"{p}.{fld}", f"{what}: {fld}")
        if m["kind"] in ("world", "game"):
            _put(m, "metric", r.text(f"{p}.metric"))
        if m["kind"] == "world":
            _put(m, "stat", r.text(f"{p}.stat") or None)
            if m.get("stat") == "mean":
                m.pop("stat")
        if m["kind"] == "forecast":
            _put(m, "issue", r.text(f"{p}.issue"))
            r.fm.add(("criteria", k, "measure", "target"), f"{p}.target", f"{what}: target")
            _put(m, "target", r.number(f"{p}.target", 0.0))
        if m["kind"] == "judgement":
            scores = {}
            for j, on in enumerate(opt_rows):
                key = f"{p}.s.{on}"
                oid = options[j] if j < len(options) else None
                r.fm.labels[key] = f"{what}: score of {oid or f'option {j + 1}'}"
                val = r.number(key, 0.0)
                if oid and val is not None:
                    scores[oid] = val
                    r.fm.add(("criteria", k, "measure", "scores", oid), key, r.fm.labels[key])
            m["scores"] = scores
            r.fm.add(("criteria", k, "measure", "scores"), f"{p}.mkind", f"{what}: scores")
        c["measure"] = m
        crits.append(c)
    _put(data, "criteria", crits or None)


# --------------------------------------------------------------------------- validation
def validate_form_data(data: dict[str, Any], fm: FormMap, kinds: dict[str, Any]) -> Scenario | None:
    """Validate ``data`` like a scenario file; every problem goes to its field in ``fm``.

    Returns the scenario if it is valid (problems found while reading the form count too). The
    world model's checks (:func:`melian.world.check`) are run on a valid scenario and reported
    as warnings: the scenario can be saved, but its consequences cannot be simulated.
    """
    try:
        s = validate_data(Located(data=data, file="form"))
    except InputError as exc:
        fm.report(exc.problems)
        _later_problems(data, fm)
        return None
    if fm.count:
        return None
    if s.world.components:
        from melian.world import check  # lazy: the world engine imports numpy-heavy modules

        fm.report(check(s), warning=True)
    return s


_TEXT_ERRORS = {"string_too_short", "string_pattern_mismatch", "missing", "string_type"}


def _later_problems(data: dict[str, Any], fm: FormMap) -> None:
    """The reference and range problems the loader finds only once the data is well typed.

    Empty or malformed text fields (the usual type problems of a form) are given stand-in
    values in a copy of ``data``, which is validated again so that the other problems are shown
    in the same pass; problems at a field that already has one are not repeated.
    """
    from pydantic import ValidationError

    from melian.scenario.schema import Scenario, semantic_problems  # lazy: second pass only

    trial = copy.deepcopy(data)
    for attempt in range(3):
        try:
            s = Scenario.model_validate(trial)
        except ValidationError as exc:
            errors = exc.errors(include_url=False)
            if attempt == 2 or any(e["type"] not in _TEXT_ERRORS for e in errors):
                return
            for k, e in enumerate(errors):
                _stand_in(trial, tuple(e["loc"]), f"x-{attempt}-{k}")
            continue
        problems = [Problem("form", None, None, format_path(p), m) for p, m in semantic_problems(s)]
        fm.report([p for p in problems if fm.field_of(p.path) not in fm.errors])
        return


def _stand_in(data: Any, loc: tuple[Any, ...], value: str) -> None:  # noqa: ANN401
    """Put text ``value`` at ``loc`` in ``data`` (pydantic's union tags in ``loc`` skipped)."""
    node = data
    path = []
    for el in loc:
        if isinstance(node, dict) and el in node or isinstance(node, list) and isinstance(el, int):
            path.append(el)
            node = node[el]
        elif isinstance(node, dict) and isinstance(el, str) and el.isidentifier():
            path.append(el)
            break
    parent = data
    for el in path[:-1]:
        parent = parent[el]
    if path and isinstance(parent, (dict, list)):
        parent[path[-1]] = value


# --------------------------------------------------------------------------- data -> form
def _num(v: Any) -> str:  # noqa: ANN401
    if v is None or isinstance(v, bool):
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def data_to_form(data: dict[str, Any]) -> dict[str, str]:
    """The authoring form's fields for scenario ``data`` (the inverse of :func:`form_to_data`)."""
    f: dict[str, str] = {}
    md = data.get("metadata") or {}
    for name in ("id", "title", "description", "as_of", "language"):
        f[f"meta.{name}"] = str(md.get(name) or "")
    f["meta.seed"] = _num(md.get("seed"))
    f["meta.authors"] = "; ".join(md.get("authors") or [])
    sal = data.get("salience_scale") or {}
    f["sal.min"], f["sal.max"] = _num(sal.get("min", 0)), _num(sal.get("max", 100))
    for n, (key, src) in enumerate((data.get("sources") or {}).items()):
        f[f"src.{n}.key"] = f[f"src.{n}.{_ORIG}"] = key
        for name in ("citation", "kind", "date", "address", "note"):
            f[f"src.{n}.{name}"] = str(src.get(name) or ("document" if name == "kind" else ""))
    actors = data.get("actors") or []
    for n, a in enumerate(actors):
        p = f"act.{n}"
        for name in ("id", "name", "kind", "parent", "description"):
            f[f"{p}.{name}"] = str(a.get(name) or "")
        f[f"{p}.{_ORIG}"] = str(a.get("id", ""))
        if a.get("at_table", True):
            f[f"{p}.at_table"] = "on"
        f[f"{p}.capability"] = _num((a.get("capability") or {}).get("value"))
        f[f"{p}.clout"] = _num((a.get("clout") or {}).get("value"))
        f[f"{p}.source"] = first_actor_source(data, a)
        f[f"{p}.clout_source"] = str((a.get("clout") or {}).get("source") or "")
    for n, iss in enumerate(data.get("issues") or []):
        p = f"iss.{n}"
        sc = iss.get("scale") or {}
        unit = sc.get("unit") or {}
        for name in ("id", "name", "description"):
            f[f"{p}.{name}"] = str(iss.get(name) or "")
        f[f"{p}.{_ORIG}"] = str(iss.get("id", ""))
        f[f"{p}.min"], f[f"{p}.max"] = _num(sc.get("min", 0)), _num(sc.get("max", 100))
        f[f"{p}.low"], f[f"{p}.high"] = str(sc.get("low") or ""), str(sc.get("high") or "")
        f[f"{p}.unit"] = str(unit.get("name") or "")
        f[f"{p}.at_min"], f[f"{p}.at_max"] = _num(unit.get("at_min")), _num(unit.get("at_max"))
        f[f"{p}.sq"] = _num((iss.get("status_quo") or {}).get("value"))
        srcs = [str(q.get("source")) for q in iss.get("positions") or [] if q.get("source")]
        ps = _majority(srcs) or str((iss.get("status_quo") or {}).get("source") or "")
        f[f"{p}.source"] = f[f"{p}.source_was"] = ps
        by_actor = {q.get("actor"): q for q in iss.get("positions") or []}
        for k, a in enumerate(actors):
            q = by_actor.get(a.get("id"))
            if q is not None:
                f[f"pos.{n}.{k}"] = _num(q.get("position"))
                f[f"sal.{n}.{k}"] = _num(q.get("salience"))
    focal = data.get("focal") or {}
    f["focal.actor"] = str(focal.get("actor") or "")
    f["focal.recommended"] = str(focal.get("recommended") or "")
    options = focal.get("options") or []
    for n, o in enumerate(options):
        p = f"opt.{n}"
        for name in ("id", "name", "description", "source"):
            f[f"{p}.{name}"] = str(o.get(name) or "")
        f[f"{p}.{_ORIG}"] = str(o.get("id", ""))
        if o.get("status_quo"):
            f[f"{p}.status_quo"] = "on"
        for m, (path, eff) in enumerate((o.get("effects") or {}).items()):
            e = f"eff.{n}.{m}"
            op = next((x for x in EFFECT_OPS if x in eff), "set")
            f[f"{e}.param"] = f[f"{e}.{_ORIG}"] = path
            f[f"{e}.op"] = op
            f[f"{e}.value"] = "" if isinstance(eff.get(op), dict) else _num(eff.get(op))
    _world_and_criteria_to_form(data, f)
    return f


def _world_and_criteria_to_form(data: dict[str, Any], f: dict[str, str]) -> None:
    """The game, world and criteria fields of :func:`data_to_form`."""
    actors = data.get("actors") or []
    options = (data.get("focal") or {}).get("options") or []
    game = data.get("game") or {}
    for fld in ("patron", "rival", "framing"):
        f[f"game.{fld}"] = str(game.get(fld) or "")
    for k, a in enumerate(actors):
        if a.get("id") in (game.get("players") or []):
            f[f"game.player.{k}"] = "on"
            resp = (game.get("responses") or {}).get(a["id"]) or []
            f[f"game.resp.{k}"] = "\n".join(f"{x.get('id')}: {x.get('name')}" for x in resp)
    world = data.get("world") or {}
    datasets = world.get("datasets") or {}
    for n, c in enumerate(world.get("components") or []):
        p = f"comp.{n}"
        for name in ("id", "kind", "name", "description"):
            f[f"{p}.{name}"] = str(c.get(name) or "")
        f[f"{p}.{_ORIG}"] = str(c.get("id", ""))
        params = c.get("parameters") or {}
        srcs = [str(v.get("source")) for v in params.values() if isinstance(v, dict)]
        f[f"{p}.source"] = _majority(srcs) or next(iter(data.get("sources") or {"": 0}))
        for name, par in params.items():
            fixed = isinstance(par, dict) and par.get("dist", "fixed") == "fixed"
            f[f"{p}.p.{name}"] = _num(par.get("value")) if fixed else dist_text(par)
        for role, a in (c.get("actors") or {}).items():
            f[f"{p}.a.{role}"] = str(a)
        for role, ref in (c.get("inputs") or {}).items():
            f[f"{p}.i.{role}"] = ref if isinstance(ref, str) else ", ".join(ref)
        for role, ds in (c.get("datasets") or {}).items():
            f[f"{p}.d.{role}"] = str((datasets.get(ds) or {}).get("file") or "")
    for n, c in enumerate(data.get("criteria") or []):
        p = f"crit.{n}"
        m = c.get("measure") or {}
        for name in ("id", "name", "direction", "source", "description"):
            f[f"{p}.{name}"] = str(c.get(name) or "")
        f[f"{p}.{_ORIG}"] = str(c.get("id", ""))
        f[f"{p}.weight"] = _num(c.get("weight"))
        f[f"{p}.mkind"] = str(m.get("kind") or "judgement")
        f[f"{p}.metric"] = str(m.get("metric") or "")
        f[f"{p}.stat"] = str(m.get("stat") or "mean")
        f[f"{p}.issue"] = str(m.get("issue") or "")
        f[f"{p}.target"] = _num(m.get("target"))
        for k, o in enumerate(options):
            if o.get("id") in (m.get("scores") or {}):
                f[f"{p}.s.{k}"] = _num(m["scores"][o["id"]])


def hints(form: dict[str, str], base: dict[str, Any]) -> dict[str, str]:
    """What the base scenario holds that a field shows only as a hint (series, distributions).

    Keyed by field name: ``act.N.capability`` of a capability read from a series, ``comp.N.p.X``
    of a parameter with a distribution, ``eff.N.M.value`` of an effect that sets one.
    """
    out: dict[str, str] = {}
    actors = _by_id(base.get("actors"))
    comps = _by_id((base.get("world") or {}).get("components"))
    options = _by_id((base.get("focal") or {}).get("options"))
    for key, val in form.items():
        parts = key.split(".")
        if parts[-1] != _ORIG:
            continue
        if parts[0] == "act" and val in actors:
            cap = actors[val].get("capability") or {}
            if cap.get("series"):
                out[f"act.{parts[1]}.capability"] = (
                    f"{cap['series']} {cap.get('code')} {cap.get('year')}"
                )
            per = (actors[val].get("clout") or {}).get("issues")
            if per:
                out[f"act.{parts[1]}.clout"] = "per issue: " + ", ".join(
                    f"{k} {v:g}" for k, v in per.items()
                )
        elif parts[0] == "comp" and val in comps:
            for name, par in (comps[val].get("parameters") or {}).items():
                fixed = not isinstance(par, dict) or par.get("dist", "fixed") == "fixed"
                if not fixed and not dist_text(par):
                    out[f"comp.{parts[1]}.p.{name}"] = dist_summary(par)
        elif parts[0] == "eff":
            o = options.get(form.get(f"opt.{parts[1]}.{_ORIG}", ""), {})
            eff = (o.get("effects") or {}).get(val) or {}
            if isinstance(eff.get("set"), dict):
                out[f"eff.{parts[1]}.{parts[2]}.value"] = dist_summary(eff["set"])
    return out


def dist_text(p: Any) -> str:  # noqa: ANN401
    """A distribution as the form writes it (``triangular 1 3 5``); empty if it has fields the
    short form cannot say (truncation, bounds, weights): the field then keeps it as it is.
    """
    if not isinstance(p, dict) or p.get("dist", "fixed") not in DIST_FIELDS:
        return ""
    names = DIST_FIELDS[p["dist"]]
    if any(p.get(k) is not None for k in {"low", "high", "weights"} - set(names)):
        return ""
    values = [p.get(k) for k in names] if names else list(p.get("values") or [])
    if not values or any(not isinstance(v, (int, float)) for v in values):
        return ""
    return " ".join([p["dist"], *(_num(float(v)) for v in values)])


def dist_summary(p: Any) -> str:  # noqa: ANN401
    """A distribution parameter in a few words (``triangular (low 1, mode 3, high 5)``)."""
    if not isinstance(p, dict):
        return "" if p is None else str(p)
    kind = p.get("dist", "fixed")
    if kind == "fixed":
        return f"{p.get('value')}"
    names = ("low", "mode", "high", "mean", "sd", "mu", "sigma", "alpha", "beta")
    vals = ", ".join(f"{f} {p[f]:g}" for f in names if isinstance(p.get(f), (int, float)))
    if kind == "discrete":
        vals = ", ".join(f"{v:g}" for v in p.get("values", [])[:6])
    return f"{kind} ({vals})"


def first_actor_source(data: dict[str, Any], actor: dict[str, Any]) -> str:
    """The source shown for an actor row: its capability's, else its clout's."""
    for key in ("capability", "clout"):
        v = actor.get(key)
        if isinstance(v, dict) and v.get("source"):
            return str(v["source"])
    return str(next(iter(data.get("sources") or {"": None})))


def form_rows(form: dict[str, str]) -> dict[str, Any]:
    """Row numbers of each section present in ``form`` (effects per option row), in order."""

    def rows(prefix: str) -> list[int]:
        pat = re.compile(rf"^{re.escape(prefix)}\.(\d{{1,4}})\.")
        return sorted({int(m.group(1)) for k in form if (m := pat.match(k))})

    out: dict[str, Any] = {s: rows(s) for s in ("src", "act", "iss", "opt", "comp", "crit")}
    out["eff"] = {n: rows(f"eff.{n}") for n in out["opt"]}
    return out


def field_id(key: str) -> str:
    """The HTML id of form field ``key`` (``act.0.name`` -> ``f-act-0-name``)."""
    return "f-" + re.sub(r"[^A-Za-z0-9_-]", "-", key)


__all__ = [
    "ACTOR_KINDS",
    "EFFECT_OPS",
    "MEASURE_KINDS",
    "SECTIONS",
    "SOURCE_KINDS",
    "STATS",
    "FormMap",
    "blank_data",
    "describe_path",
    "dist_summary",
    "data_to_form",
    "field_id",
    "first_actor_source",
    "form_rows",
    "hints",
    "form_to_data",
    "plain",
    "validate_form_data",
]
