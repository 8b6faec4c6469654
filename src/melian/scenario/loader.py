"""Loading, validating, resolving and exporting scenarios.

One place turns text into a :class:`~melian.scenario.schema.Scenario`: YAML (or JSON, which is
YAML) is parsed with positions (:mod:`melian.scenario.yamlsrc`), validated by pydantic, then
checked for references (:func:`~melian.scenario.schema.semantic_problems`). Every problem of both
passes is reported at once as ``file:line:column: field.path: message``.
"""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from melian.errors import InputError, Problem
from melian.limits import check_scenario
from melian.scenario.schema import Scenario, semantic_problems
from melian.scenario.yamlsrc import MAX_BYTES, Located, format_path, parse_located, read_text

BUILTIN_PACKAGE = "melian.scenario.builtin"
_SCALAR_TAGS = {"float", "int", "str", "bool"}


def _message(err: dict[str, Any]) -> str:
    """A readable message from one pydantic error."""
    typ = err.get("type", "")
    if typ == "extra_forbidden":
        return "unknown key (not part of scenario format v1)"
    if typ == "missing":
        return "required field is missing"
    msg = str(err.get("msg", "invalid value"))
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    inp = err.get("input")
    if typ not in ("missing",) and isinstance(inp, (int, float, str, bool)) and len(str(inp)) < 60:
        msg += f" (got {inp!r})"
    return msg


def _clean_loc(loc: tuple[Any, ...], data: Any) -> tuple[str | int, ...]:  # noqa: ANN401
    """Drop pydantic's union-member tags from a location so that it follows the data."""
    out: list[str | int] = []
    cur = data
    for el in loc:
        if isinstance(cur, dict) and el in cur:
            out.append(el)
            cur = cur[el]
        elif isinstance(cur, list) and isinstance(el, int) and 0 <= el < len(cur):
            out.append(el)
            cur = cur[el]
        elif (
            isinstance(cur, dict) and isinstance(el, str) and el not in cur and not out[-1:] == [el]
        ):
            # a missing or extra field: keep the last name, it is what the user must add/remove
            if el.isidentifier() and not el[0].isupper() and "[" not in el:
                out.append(el)
                cur = None
    return tuple(out)


#: The value a skeleton (``melian scenarios new``) leaves for the author to fill in.
PLACEHOLDER = "TODO"


def _placeholders(node: Any, path: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:  # noqa: ANN401
    """Paths of the values still equal to :data:`PLACEHOLDER`, in document order."""
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in _placeholders(v, (*path, k))]
    if isinstance(node, list):
        return [p for k, v in enumerate(node) for p in _placeholders(v, (*path, k))]
    return [path] if node == PLACEHOLDER else []


def validate_data(located: Located) -> Scenario:
    """Validate parsed data; raise InputError listing every problem with its location.

    Values still equal to :data:`PLACEHOLDER` (a skeleton not yet filled in) are reported
    first, alone: one problem per placeholder, at its line.
    """
    data = located.data
    problems: list[Problem] = []
    todo = _placeholders(data)
    if todo:
        problems = []
        for p in todo:
            prob = located.problem(p, "")
            hint = located.comment(prob.line) if prob.line else ""
            want = f" with {hint}" if hint else " with the value its comment describes"
            problems.append(located.problem(p, f"not filled in yet: replace {PLACEHOLDER}{want}"))
        raise InputError(_sorted(problems))
    if not isinstance(data, dict):
        raise InputError(
            [
                located.problem(
                    (),
                    "a scenario must be a YAML mapping of sections "
                    "(metadata, sources, actors, ...)",
                )
            ]
        )
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        seen: set[tuple[Any, ...]] = set()
        errors = exc.errors(include_url=False)
        # a value that may be a number or a mapping fails both union members: when the input is
        # a mapping, the scalar member's complaint ("should be a valid number") is noise
        errors = [
            e
            for e in errors
            if not (set(e["loc"]) & _SCALAR_TAGS and isinstance(e.get("input"), dict))
        ]
        for err in errors:
            path = _clean_loc(tuple(err["loc"]), data)
            msg = _message(err)
            if (path, msg) in seen:
                continue
            seen.add((path, msg))
            if err.get("type") == "extra_forbidden":
                msg += comma_hint(located, path)
            problems.append(located.problem(path, msg, key=err.get("type") == "extra_forbidden"))
        raise InputError(_sorted(problems)) from None
    for path, msg in semantic_problems(scenario):
        problems.append(located.problem(path, msg))
    if problems:
        raise InputError(_sorted(problems))
    check_scenario(scenario, located.file)
    return scenario


def comma_hint(located: Located, path: tuple[str | int, ...]) -> str:
    """A hint when the unknown key at ``path`` is the tail of a value cut at an unquoted comma.

    In a flow mapping (``{name: Support (aid, exercises), posture: 1}``) a comma ends the value,
    so ``exercises)`` becomes a key without a value. When the unknown key has no value and looks
    like text (a space or a bracket in it, or the value before it is text with a space), the
    hint quotes the value the author meant.

    Parameters
    ----------
    located : Located
        The parsed file.
    path : tuple
        The unknown key's path.

    Returns
    -------
    str
        ``; quote the value: name: "..."`` or an empty string.
    """
    parent, key = path[:-1], path[-1] if path else None
    if not isinstance(key, str) or parent not in located.flows:
        return ""
    mapping: Any = located.data
    for el in parent:
        mapping = mapping[el]
    if not isinstance(mapping, dict) or mapping.get(key) is not None:
        return ""
    keys = list(mapping)
    at = keys.index(key)
    prev = keys[at - 1] if at > 0 else None
    prev_value = mapping.get(prev) if prev is not None else None
    if prev is None or not isinstance(prev_value, str):
        return ""
    textual = any(c in key for c in " ()[]") or not key.isidentifier() or " " in prev_value
    if not textual:
        return ""
    tail = [key]
    for k in keys[at + 1 :]:  # a value cut at several commas
        if mapping[k] is not None:
            break
        tail.append(k)
    whole = ", ".join([prev_value, *tail]).replace('"', '\\"')
    return (
        f"; it looks like the rest of the value of {prev!r} cut at an unquoted comma: "
        f'quote the value: {prev}: "{whole}"'
    )


def _sorted(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.line or 0, p.column or 0, p.path))


def parse_scenario(text: str, file: str = "<scenario>") -> Scenario:
    """Parse and validate scenario text (YAML or JSON)."""
    return validate_data(parse_located(text, file))


def builtin_ids() -> list[str]:
    """Ids of the scenarios shipped with melian."""
    root = resources.files(BUILTIN_PACKAGE)
    return sorted(p.name[: -len(".yaml")] for p in root.iterdir() if p.name.endswith(".yaml"))


def builtin_path(scenario_id: str) -> Path:
    """Filesystem path of a built-in scenario file."""
    return Path(str(resources.files(BUILTIN_PACKAGE).joinpath(f"{scenario_id}.yaml")))


def resolve_path(ref: str | Path) -> Path:
    """A built-in id or a path to a scenario file -> the file's path (InputError if neither)."""
    ref_s = str(ref)
    if ref_s in builtin_ids():
        return builtin_path(ref_s)
    p = Path(ref_s)
    if p.exists():
        if p.is_dir():
            raise InputError(
                [Problem(ref_s, None, None, "", "is a directory, not a scenario file")]
            )
        return p
    raise InputError(
        [
            Problem(
                ref_s,
                None,
                None,
                "",
                "no such scenario file or built-in scenario "
                f"(built-ins: {', '.join(builtin_ids())})",
            )
        ]
    )


_CACHE: dict[tuple[str, float, int], Scenario] = {}

#: Suffixes of other tools' inputs (read by :mod:`melian.io`, not by this loader).
EXTERNAL_SUFFIXES = {".csv": "KTAB CSV", ".tsv": "DEU TSV"}


def load_scenario(ref: str | Path, *, max_bytes: int = MAX_BYTES) -> Scenario:
    """Load a scenario by built-in id or path; every problem is reported at once (InputError).

    The file is YAML/JSON scenario format v1. Other tools' inputs (a KTAB ``.csv``, a DEU
    ``.tsv``) are read by :func:`melian.io.load_scenario`, which the faces use; here they are
    refused with that advice.
    """
    path = resolve_path(ref)
    st = path.stat()
    key = (str(path.resolve()), st.st_mtime, st.st_size)
    if key in _CACHE:
        # the caps are read from the environment on every check: a cached scenario is checked too
        check_scenario(_CACHE[key], str(path))
        return _CACHE[key]
    if path.suffix.lower() in EXTERNAL_SUFFIXES:
        raise InputError(
            [
                Problem(
                    str(path),
                    None,
                    None,
                    "",
                    f"a {EXTERNAL_SUFFIXES[path.suffix.lower()]} file, not a scenario: read it "
                    "with melian.load_scenario (melian.io) or convert it with 'melian import'",
                )
            ]
        )
    text = read_text(path, max_bytes)
    scenario = parse_scenario(text, str(ref) if str(ref) in builtin_ids() else str(path))
    scenario._origin = str(path)  # its datasets are found beside it (melian.scenario.datasets)
    _CACHE[key] = scenario
    return scenario


def scenario_file(ref: str | Path) -> Path:
    """The file a scenario reference points to (for resolving its datasets)."""
    return resolve_path(ref)


def to_data(s: Scenario) -> dict[str, Any]:
    """Plain JSON-ready data of a scenario (defaults omitted, so exports stay readable)."""
    return s.model_dump(mode="json", exclude_defaults=True, exclude_none=True)


def content_hash(s: Scenario) -> str:
    """SHA-256 of the scenario's canonical JSON (stable across key order and formatting).

    Fields at their default are left out, as in :func:`to_data`: a field the format adds later
    with a default that keeps the old meaning does not change the hash of a scenario that does
    not use it, and a field written at its default hashes as if omitted.
    """
    canon = json.dumps(
        s.model_dump(mode="json", exclude_defaults=True), sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(canon.encode()).hexdigest()


class _Dumper(yaml.SafeDumper):
    pass


def _str_presenter(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_presenter)


def to_yaml(s: Scenario) -> str:
    """Scenario format v1 YAML text of a scenario (round-trips through :func:`parse_scenario`)."""
    return yaml.dump(to_data(s), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


def to_json(s: Scenario) -> str:
    """JSON text of a scenario (also valid scenario input)."""
    return json.dumps(to_data(s), indent=2, ensure_ascii=False)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of scenario format v1, generated from the pydantic models."""
    schema = Scenario.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://melian.invalid/schema/scenario-v1.json"
    schema["title"] = "melian scenario format v1"
    return schema


__all__ = [
    "MAX_BYTES",
    "builtin_ids",
    "content_hash",
    "format_path",
    "json_schema",
    "load_scenario",
    "parse_scenario",
    "to_json",
    "to_yaml",
]
