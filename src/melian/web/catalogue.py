"""Scenarios the web app offers: the built-in ones and a user directory; table edits.

Scenarios are only ever *parsed* (safe YAML, :func:`melian.scenario.parse_scenario`), never
executed. A scenario is addressed by its origin (``builtin`` or ``user``) and name: a built-in id,
or the stem of a ``.yaml``/``.yml`` file directly inside the user directory. Names must match the
scenario id pattern, so no request can reach a file outside those places.

Edits from the web table (positions, saliences, capabilities) are applied to the scenario's plain
data, written back to YAML and validated again by the same loader, so an edited scenario obeys
exactly the rules of a scenario file and every problem is reported with its field path.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from melian.errors import InputError, Problem
from melian.scenario.loader import (
    builtin_ids,
    builtin_path,
    content_hash,
    parse_scenario,
    to_data,
    to_yaml,
)
from melian.scenario.schema import Scenario
from melian.scenario.yamlsrc import MAX_BYTES, read_text
from melian.util import atomic_write_text

Origin = Literal["builtin", "user"]
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,79}$")
#: Most scenario files listed from the user directory.
MAX_LISTED = 500


@dataclass(frozen=True)
class Entry:
    """A scenario in the catalogue (``error`` set if its file does not validate)."""

    origin: Origin
    name: str
    title: str
    scenario_id: str | None
    hash: str | None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "origin": self.origin,
            "name": self.name,
            "title": self.title,
            "scenario_id": self.scenario_id,
            "hash": self.hash,
            "error": self.error,
        }


class ScenarioNotFoundError(InputError):
    """No scenario of that origin and name (HTTP 404)."""


def _not_found(origin: str, name: str) -> ScenarioNotFoundError:
    return ScenarioNotFoundError(
        [Problem(f"{origin}/{name}"[:100], None, None, "", "no such scenario")]
    )


class Catalogue:
    """Built-in scenarios plus the ``*.yaml`` files of an optional user directory."""

    def __init__(self, user_dir: Path | None = None) -> None:
        self.user_dir = None if user_dir is None else Path(user_dir)
        # parsed scenarios (or their InputError) by file path, modification time and size
        self._cache: dict[tuple[str, int, int], tuple[Scenario, str] | InputError] = {}
        self._lock = threading.Lock()

    # -- files --------------------------------------------------------------------------
    def _user_file(self, name: str) -> Path | None:
        """The user file for ``name`` (``.yaml`` first, then ``.yml``), inside the directory."""
        if self.user_dir is None or not NAME_RE.match(name):
            return None
        base = self.user_dir.resolve()
        for ext in (".yaml", ".yml"):
            p = base / f"{name}{ext}"
            try:
                rp = p.resolve(strict=True)
            except (OSError, RuntimeError):
                continue
            if rp.is_relative_to(base) and rp.is_file():
                return rp
        return None

    def _path(self, origin: str, name: str) -> tuple[Path, str]:
        """(file, display name) of a scenario; ScenarioNotFoundError if there is none."""
        if not NAME_RE.match(name or ""):
            raise _not_found(origin, name)
        if origin == "builtin":
            if name not in builtin_ids():
                raise _not_found(origin, name)
            return builtin_path(name), name
        if origin == "user":
            path = self._user_file(name)
            if path is None:
                raise _not_found(origin, name)
            return path, path.name
        raise _not_found(origin, name)

    def text(self, origin: str, name: str) -> tuple[str, str]:
        """(YAML text, display file name) of a scenario; InputError if there is none."""
        path, file = self._path(origin, name)
        return read_text(path), file

    def load(self, origin: str, name: str) -> tuple[Scenario, str]:
        """(validated scenario, its YAML text); InputError with located problems otherwise.

        Parsed scenarios are cached by file path, modification time and size, so an edited
        file is parsed again and an unchanged one is not.
        """
        path, file = self._path(origin, name)
        try:
            st = path.stat()
        except OSError:
            raise _not_found(origin, name) from None
        key = (str(path), st.st_mtime_ns, st.st_size)
        with self._lock:
            hit = self._cache.get(key)
        if hit is None:
            try:
                text = read_text(path)
                parsed = parse_scenario(text, file)
                parsed._origin = str(path)  # its datasets are found beside its file
                hit = (parsed, text)
            except InputError as exc:
                hit = exc
            with self._lock:
                if len(self._cache) > 4 * MAX_LISTED:
                    self._cache.clear()
                self._cache[key] = hit
        if isinstance(hit, InputError):
            raise InputError(hit.problems)
        return hit

    def entries(self) -> list[Entry]:
        """Every scenario: built-ins first, then the user directory's files by name."""
        out: list[Entry] = []
        for sid in builtin_ids():
            out.append(self._entry("builtin", sid))
        if self.user_dir is not None and self.user_dir.is_dir():
            names = sorted(
                {
                    p.stem
                    for p in self.user_dir.iterdir()
                    if p.suffix in (".yaml", ".yml") and NAME_RE.match(p.stem)
                }
            )
            for name in names[:MAX_LISTED]:
                out.append(self._entry("user", name))
        return out

    def _entry(self, origin: Origin, name: str) -> Entry:
        try:
            s, _ = self.load(origin, name)
        except InputError as exc:
            first = str(exc.problems[0]) if exc.problems else str(exc)
            more = f" (+{len(exc.problems) - 1} more)" if len(exc.problems) > 1 else ""
            return Entry(origin, name, name, None, None, error=first + more)
        return Entry(origin, name, s.metadata.title, s.id, content_hash(s))

    def save_user(self, name: str, scenario: Scenario, *, overwrite: bool = False) -> Path:
        """Write ``scenario`` as ``<user dir>/<name>.yaml`` atomically (rename over a temp file)."""
        if self.user_dir is None:
            raise InputError(
                [
                    Problem(
                        "scenario_dir",
                        None,
                        None,
                        "",
                        "the server has no user scenario directory (start it with --scenario-dir)",
                    )
                ]
            )
        if not NAME_RE.match(name or ""):
            raise InputError(
                [
                    Problem(
                        "name",
                        None,
                        None,
                        "name",
                        "a scenario name is letters, "
                        "digits, '_', '.', '-' (at most 80), starting with a letter "
                        "or digit",
                    )
                ]
            )
        self.user_dir.mkdir(parents=True, exist_ok=True)
        target = self.user_dir.resolve() / f"{name}.yaml"
        if target.exists() and not overwrite:
            raise FileExistsError(str(target))
        atomic_write_text(target, to_yaml(scenario))
        return target


# --------------------------------------------------------------------------- edits
@dataclass(frozen=True)
class Edit:
    """One cell edit: the data path it changes and the raw value (a number or the typed text)."""

    path: tuple[str | int, ...]
    value: Any


def _number(raw: Any) -> Any:  # noqa: ANN401
    """A float if ``raw`` reads as one, else ``raw`` unchanged (the schema then reports it)."""
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return float(raw)
    if isinstance(raw, str):
        try:
            return float(raw.strip())
        except ValueError:
            return raw
    return raw


def apply_edits(scenario: Scenario, edits: list[Edit], file: str) -> tuple[Scenario, str]:
    """Apply cell edits to ``scenario`` and validate the result like a scenario file.

    Returns (edited scenario, its YAML text). Raises :class:`InputError` listing every problem
    (with the edited field's path) if the edited data breaks any rule of the scenario format.
    """
    data = to_data(scenario)
    problems: list[Problem] = []
    for e in edits:
        node: Any = data
        try:
            for el in e.path[:-1]:
                node = node[el]
            last = e.path[-1]
            if isinstance(node, dict) or (
                isinstance(node, list) and isinstance(last, int) and 0 <= last < len(node)
            ):
                node[last] = e.value  # type: ignore[index]
            else:
                raise KeyError(last)
        except (KeyError, IndexError, TypeError):
            # lazy: the YAML source helpers, only to name a missing field
            from melian.scenario.yamlsrc import format_path

            problems.append(Problem(file, None, None, format_path(e.path), "no such field"))
    if problems:
        raise InputError(problems)
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    if len(text.encode()) > MAX_BYTES:
        raise InputError([Problem(file, None, None, "", "edited scenario exceeds the size limit")])
    edited = parse_scenario(text, file)
    return edited, to_yaml(edited)


def capability_edit(scenario: Scenario, actor_index: int, raw: Any) -> list[Edit]:  # noqa: ANN401
    """Edits that give actor ``actor_index`` the capability value ``raw``.

    A capability derived from a series becomes a declared value: the series fields are dropped,
    the source kept and the value flagged as an analyst judgement.
    """
    cap = scenario.actors[actor_index].capability
    value = _number(raw)
    base: tuple[str | int, ...] = ("actors", actor_index, "capability")
    if cap is None:  # material capability taken from the clout: declare it
        src = scenario.actors[actor_index].material.source
        return [Edit(base, {"value": value, "source": src, "judgement": True})]
    if cap.series is None:
        return [Edit(base + ("value",), value)]
    new = {
        "value": value,
        "source": cap.source,
        "judgement": True,
        "note": f"edited in the web app (was {cap.series} code {cap.code} year {cap.year})",
    }
    return [Edit(base, new)]


def form_edits(scenario: Scenario, form: dict[str, str]) -> list[Edit]:
    """Edits from the scenario table form: ``pos-I-J``, ``sal-I-J`` and ``cap-K`` fields.

    ``I`` indexes the issue, ``J`` the position within it, ``K`` the actor. Unchanged cells and
    empty capability cells of series-derived capabilities are skipped.
    """
    edits: list[Edit] = []
    for key, raw in form.items():
        m = re.fullmatch(r"(pos|sal)-(\d{1,5})-(\d{1,5})", key)
        if m:
            i, j = int(m.group(2)), int(m.group(3))
            if i >= len(scenario.issues) or j >= len(scenario.issues[i].positions):
                continue
            old = scenario.issues[i].positions[j]
            field = "position" if m.group(1) == "pos" else "salience"
            value = _number(raw)
            if value != getattr(old, field):
                edits.append(Edit(("issues", i, "positions", j, field), value))
            continue
        m = re.fullmatch(r"cap-(\d{1,5})", key)
        if m:
            k = int(m.group(1))
            if k >= len(scenario.actors):
                continue
            cap = scenario.actors[k].material
            if cap.series is not None and not str(raw).strip():
                continue
            if _number(raw) != cap.value:
                edits.extend(capability_edit(scenario, k, raw))
    return edits


def id_edits(
    scenario: Scenario,
    positions: list[dict[str, Any]],
    capabilities: list[dict[str, Any]],
    file: str,
) -> list[Edit]:
    """Edits addressed by ids (the JSON API): positions by (issue, actor), capabilities by actor."""
    edits: list[Edit] = []
    problems: list[Problem] = []
    issue_idx = {iss.id: i for i, iss in enumerate(scenario.issues)}
    actor_idx = {a.id: k for k, a in enumerate(scenario.actors)}
    for n, pe in enumerate(positions):
        i = issue_idx.get(pe["issue"])
        if i is None:
            problems.append(
                Problem(file, None, None, f"positions[{n}].issue", f"unknown issue {pe['issue']!r}")
            )
            continue
        j = next(
            (j for j, p in enumerate(scenario.issues[i].positions) if p.actor == pe["actor"]), None
        )
        if j is None:
            problems.append(
                Problem(
                    file,
                    None,
                    None,
                    f"positions[{n}].actor",
                    f"actor {pe['actor']!r} has no position on issue {pe['issue']!r}",
                )
            )
            continue
        for field in ("position", "salience"):
            if pe.get(field) is not None:
                edits.append(Edit(("issues", i, "positions", j, field), float(pe[field])))
    for n, ce in enumerate(capabilities):
        k = actor_idx.get(ce["actor"])
        if k is None:
            problems.append(
                Problem(
                    file, None, None, f"capabilities[{n}].actor", f"unknown actor {ce['actor']!r}"
                )
            )
            continue
        edits.extend(capability_edit(scenario, k, ce["value"]))
    if problems:
        raise InputError(problems)
    return edits
