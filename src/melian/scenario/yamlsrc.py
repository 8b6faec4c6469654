"""Safe YAML reading that remembers where every value came from.

:func:`parse_located` composes the YAML node graph with PyYAML's SafeLoader and builds plain
Python data while recording the (line, column) of every value and every mapping key under its
path. It refuses what a scenario never needs and an attacker would use: tags other than the
standard scalar/collection tags, anchors and aliases (no billion-laughs expansion), duplicate keys,
non-UTF-8 bytes, NUL characters, and files above the size limit. Every refusal is a located
:class:`melian.errors.Problem`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from melian.errors import InputError, Problem

#: Default largest scenario file accepted (bytes).
MAX_BYTES = 5 * 1024 * 1024

_ALLOWED_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:timestamp",
}

Loc = tuple[int, int]
PathT = tuple[str | int, ...]

#: Deepest nesting of mappings and sequences accepted (a scenario needs fewer than 10 levels;
#: PyYAML composes nodes recursively, so unbounded nesting would exhaust the Python stack).
MAX_DEPTH = 100


class _DepthLimitedLoader(yaml.SafeLoader):
    """PyYAML's SafeLoader refusing nodes nested deeper than :data:`MAX_DEPTH`."""

    _depth = 0

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node:  # type: ignore[override]
        """Compose one node, counting the nesting depth (a located error beyond the limit)."""
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise yaml.composer.ComposerError(
                    None,
                    None,
                    f"nested deeper than {MAX_DEPTH} levels",
                    self.peek_event().start_mark,
                )
            return super().compose_node(parent, index)  # type: ignore[no-any-return]
        finally:
            self._depth -= 1


@dataclass
class Located:
    """Parsed YAML data with the 1-based (line, column) of each path and mapping key."""

    data: Any
    file: str
    values: dict[PathT, Loc] = field(default_factory=dict)
    keys: dict[PathT, Loc] = field(default_factory=dict)
    text: str = ""
    #: Paths of the mappings written in flow style (``{a: 1, b: 2}``).
    flows: set[PathT] = field(default_factory=set)

    def comment(self, line: int) -> str:
        """The comment at the end of 1-based ``line`` of the text (``""`` if none)."""
        lines = self.text.splitlines()
        if not 1 <= line <= len(lines):
            return ""
        head, sep, tail = lines[line - 1].partition(" # ")
        return tail.strip() if sep and "'" not in head and '"' not in head else ""

    def locate(self, path: PathT, *, key: bool = False) -> Loc | None:
        """Position of ``path`` (of its key if ``key``), else of its deepest located ancestor.

        Path elements that are not in the data (pydantic's union-member tags) are skipped.
        """
        best: PathT = ()
        cur: PathT = ()
        for el in path:
            nxt = cur + (el,)
            if nxt in self.values:
                cur = nxt
                best = cur
        if key and best == tuple(path) and best in self.keys:
            return self.keys[best]
        if key and best != tuple(path) and best in self.values:
            return self.values[best]
        return self.values.get(best)

    def problem(self, path: PathT, message: str, *, key: bool = False) -> Problem:
        """A located :class:`Problem` for ``path``."""
        loc = self.locate(path, key=key)
        return Problem(
            self.file, loc[0] if loc else None, loc[1] if loc else None, format_path(path), message
        )


def format_path(path: PathT) -> str:
    """Render a path as ``actors[0].capability.value``."""
    out = ""
    for el in path:
        if isinstance(el, int):
            out += f"[{el}]"
        else:
            out += ("." if out else "") + str(el)
    return out


def _offset_to_loc(text: bytes, offset: int) -> Loc:
    line = text.count(b"\n", 0, offset) + 1
    col = offset - (text.rfind(b"\n", 0, offset) + 1) + 1
    return line, col


def decode(raw: bytes, file: str, max_bytes: int = MAX_BYTES) -> str:
    """Decode ``raw`` as UTF-8 text, refusing oversize, binary or NUL-containing input."""
    if len(raw) > max_bytes:
        raise InputError(
            [
                Problem(
                    file,
                    None,
                    None,
                    "",
                    f"file is {len(raw):,} bytes; the limit is {max_bytes:,} bytes",
                )
            ]
        )
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _offset_to_loc(raw, exc.start)
        raise InputError(
            [
                Problem(
                    file,
                    line,
                    col,
                    "",
                    f"not UTF-8 text (binary or wrongly encoded byte 0x{raw[exc.start]:02x})",
                )
            ]
        ) from None
    nul = text.find("\x00")
    if nul >= 0:
        line, col = _offset_to_loc(raw, len(text[:nul].encode()))
        raise InputError([Problem(file, line, col, "", "NUL byte in a text file")])
    return text


def read_text(path: Path | str, max_bytes: int = MAX_BYTES) -> str:
    """Read a text file with the size, encoding and NUL checks of :func:`decode`."""
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > max_bytes:
            raise InputError(
                [
                    Problem(
                        str(path),
                        None,
                        None,
                        "",
                        f"file is {size:,} bytes; the limit is {max_bytes:,} bytes",
                    )
                ]
            )
        raw = p.read_bytes()
    except OSError as exc:
        raise InputError(
            [Problem(str(path), None, None, "", f"cannot read: {exc.strerror}")]
        ) from None
    return decode(raw, str(path), max_bytes)


def parse_located(text: str, file: str) -> Located:
    """Parse YAML ``text`` into data plus positions; raise InputError on any refusal."""
    try:
        loader = _DepthLimitedLoader(text)
    except yaml.reader.ReaderError as exc:  # a control character YAML does not accept
        line, col = _offset_to_loc(text.encode(), len(text[: exc.position].encode()))
        raise InputError(
            [
                Problem(
                    file,
                    line,
                    col,
                    "",
                    f"character 0x{exc.character:02x} is not allowed in YAML text",
                )
            ]
        ) from None
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        msg = f"YAML syntax error: {exc.problem or exc.context}"
        if exc.context and exc.problem:
            msg = f"YAML syntax error: {exc.problem} ({exc.context})"
        raise InputError(
            [
                Problem(
                    file,
                    mark.line + 1 if mark else None,
                    mark.column + 1 if mark else None,
                    "",
                    msg,
                )
            ]
        ) from None
    except yaml.YAMLError as exc:  # pragma: no cover - PyYAML raises marked errors for text
        raise InputError([Problem(file, None, None, "", f"YAML error: {exc}")]) from None
    finally:
        loader.dispose()
    out = Located(data=None, file=file, text=text if isinstance(text, str) else "")
    if node is None:
        raise InputError([Problem(file, 1, 1, "", "empty file: a scenario is a YAML mapping")])
    problems: list[Problem] = []
    seen: set[int] = set()

    def mark(n: yaml.Node) -> Loc:
        return n.start_mark.line + 1, n.start_mark.column + 1

    def build(n: yaml.Node, path: PathT) -> Any:  # noqa: ANN401
        out.values[path] = mark(n)
        if id(n) in seen:
            problems.append(
                Problem(
                    file, *mark(n), format_path(path), "YAML anchors and aliases are not allowed"
                )
            )
            return None
        seen.add(id(n))
        if n.tag not in _ALLOWED_TAGS:
            problems.append(
                Problem(file, *mark(n), format_path(path), f"YAML tag {n.tag!r} is not allowed")
            )
            return None
        if isinstance(n, yaml.MappingNode):
            if n.flow_style:
                out.flows.add(path)
            result: dict[Any, Any] = {}
            for knode, vnode in n.value:
                if knode.tag == "tag:yaml.org,2002:merge":
                    problems.append(
                        Problem(
                            file,
                            *mark(knode),
                            format_path(path),
                            "YAML merge keys ('<<') are not allowed",
                        )
                    )
                    continue
                if not isinstance(knode, yaml.ScalarNode):
                    problems.append(
                        Problem(
                            file,
                            *mark(knode),
                            format_path(path),
                            "mapping keys must be plain scalars",
                        )
                    )
                    continue
                key = knode.value
                if key in result:
                    problems.append(
                        Problem(
                            file, *mark(knode), format_path(path + (key,)), f"duplicate key {key!r}"
                        )
                    )
                    continue
                out.keys[path + (key,)] = mark(knode)
                result[key] = build(vnode, path + (key,))
            return result
        if isinstance(n, yaml.SequenceNode):
            return [build(v, path + (k,)) for k, v in enumerate(n.value)]
        try:
            value = loader.construct_object(n, deep=True)
        except (yaml.YAMLError, ValueError, OverflowError) as exc:
            problems.append(Problem(file, *mark(n), format_path(path), f"bad value: {exc}"))
            return None
        if isinstance(value, dt.datetime):
            return value.isoformat()
        if isinstance(value, float) and value != value:  # .nan
            return value
        return value

    out.data = build(node, ())
    if problems:
        raise InputError(problems)
    return out
