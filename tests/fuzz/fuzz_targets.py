"""Fuzz targets and hypothesis strategies for melian's input readers.

Shared by the CI-sized property tests (``tests/fuzz/test_fuzz_inputs.py``) and the long fuzz
job (``scripts/fuzz.py``). Each *target* reads one generated input the way a user's file is read
and checks the contract of every reader:

* the input is accepted (a :class:`~melian.scenario.schema.Scenario`, which must also export to
  JSON and YAML), or
* it is refused with a :class:`melian.errors.MelianError`; for an
  :class:`~melian.errors.InputError` every :class:`~melian.errors.Problem` names the file, has a
  non-empty printable message, and carries a line number whenever the problem is about a part of
  a non-empty input (file-wide refusals such as the size limit or "no issues" may omit it);
* never any other exception.

Seeds are real files shipped in the repository: ``tests/data/scenarios/minimal.yaml`` and the
refusal fixtures of ``tests/data/bad`` (scenario loader), the KTAB inputs of ``tests/data/ktab``,
a prefix of ``src/melian/data/deu/deu-dev.tsv`` and ``tests/data/decide/dialogue.csv``.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hypothesis import strategies as st

from melian.bargaining.io.deu import packaged_path
from melian.errors import InputError, MelianError
from melian.io import from_decide, from_deu, from_ktab_csv
from melian.scenario.loader import parse_scenario, to_json, to_yaml
from melian.scenario.schema import Scenario
from melian.scenario.yamlsrc import decode

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"

# --------------------------------------------------------------------------- seeds
YAML_SEEDS: list[str] = [(DATA / "scenarios" / "minimal.yaml").read_text(encoding="utf-8")] + [
    p.read_bytes().decode("utf-8", "replace") for p in sorted((DATA / "bad").glob("*.yaml"))
]
KTAB_SEEDS: list[str] = [
    p.read_text(encoding="utf-8-sig") for p in sorted((DATA / "ktab").glob("*.csv"))
]
_DEU_LINES = packaged_path("deu-dev.tsv").read_text(encoding="utf-8").splitlines()
#: header + weights row + the first issue rows (the whole file is 175 lines; a prefix keeps
#: each example fast while keeping every column).
DEU_SEEDS: list[str] = ["\n".join(_DEU_LINES[: 2 + k]) + "\n" for k in (1, 3, 8)]
DECIDE_SEEDS: list[str] = [(DATA / "decide" / "dialogue.csv").read_text(encoding="utf-8")]

# --------------------------------------------------------------------------- scalars
_SPECIAL = [
    "",
    "~",
    "null",
    "yes",
    "no",
    "on",
    "off",
    "true",
    "False",
    "0x1F",
    "0o17",
    "1_000",
    "1e309",
    "-1e309",
    "1e-400",
    ".nan",
    "-.inf",
    ".inf",
    "nan",
    "inf",
    "-0",
    "+5",
    "2020-13-45",
    "2001-12-14t21:59:43.10-05:00",
    "0000-00-00",
    "9999-12-31",
    "12:30:45",
    "!!python/object/apply:os.system ['true']",
    "!!binary aGVsbG8=",
    "!custom x",
    "*alias",
    "&anchor x",
    "<<: {a: 1}",
    "{",
    "}",
    "[",
    "]",
    "'",
    '"',
    "|",
    ">",
    "%YAML 1.1",
    "---",
    "...",
    "#",
    ": ",
    "- ",
    "?",
    "@",
    "`",
    "\t",
    "\\",
    "\\u0000",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "a" * 200,
    "é",
    "الْعِرَاق",
    "\u202e",
    "\ufeff",
    "\u2028",
    "\x85",
    "\x7f",
    "\x1b[31m",
    "\x00",
    "\x01",
    "\r",
    "\r\n",
    "𝔘𝔫𝔦",
    "\ud7ff",
    "NaN",
    "1,5",
    "1;5",
]


def scalars() -> st.SearchStrategy[str]:
    """Random scalar text: special YAML/CSV tokens, huge or tiny numbers, any unicode."""
    return st.one_of(
        st.sampled_from(_SPECIAL),
        st.integers(min_value=-(10**400), max_value=10**400).map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        st.floats(allow_nan=False, allow_infinity=False, width=32).map(lambda x: f"{x:g}"),
        st.text(max_size=12),
        st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=8),
    )


def _deep(depth: int, style: int) -> str:
    """A deeply nested YAML value (flow lists, flow maps or block maps)."""
    if style == 0:
        return "[" * depth + "1" + "]" * depth
    if style == 1:
        return "{a: " * depth + "1" + "}" * depth
    return "".join("  " * k + f"k{k}:\n" for k in range(depth)) + "  " * depth + "1"


# --------------------------------------------------------------------------- mutations
@st.composite
def mutated_text(draw: st.DrawFn, seeds: list[str], sep: str | None) -> str:
    """A seed text with 1-6 random mutations of its lines, values or cells.

    ``sep`` is the cell separator of a table format (``,``, ``\\t``, ``;``) or None for YAML,
    whose mutations work on ``key: value`` pairs and indentation instead of cells.
    """
    text = draw(st.sampled_from(seeds))
    lines = text.splitlines()
    for _ in range(draw(st.integers(1, 6))):
        if not lines:
            lines = [draw(scalars())]
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(st.integers(0, 13))
        if op == 0:  # delete a line
            del lines[i]
        elif op == 1:  # duplicate a line
            lines.insert(i, lines[i])
        elif op == 2:  # swap two lines
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == 3:  # replace a value / cell by a random scalar
            lines[i] = _replace_value(lines[i], draw(scalars()), sep, draw(st.integers(0, 50)))
        elif op == 4:  # swap values / cells between two lines
            j = draw(st.integers(0, len(lines) - 1))
            vi, vj = _value(lines[i], sep), _value(lines[j], sep)
            lines[i] = _replace_value(lines[i], vj, sep, 0)
            lines[j] = _replace_value(lines[j], vi, sep, 0)
        elif op == 5:  # insert random characters (unicode, control characters) anywhere
            pos = draw(st.integers(0, len(lines[i])))
            ins = draw(st.one_of(st.text(max_size=4), st.sampled_from(_SPECIAL)))
            lines[i] = lines[i][:pos] + ins + lines[i][pos:]
        elif op == 6:  # re-indent
            lines[i] = " " * draw(st.integers(0, 9)) + lines[i].lstrip()
        elif op == 7:  # truncate the file
            lines = lines[:i]
        elif op == 8:  # deep nesting (YAML) / very wide row (tables)
            depth = draw(st.sampled_from([10, 100, 1000, 5000]))
            if sep is None:
                lines[i] = (
                    _replace_value(lines[i], "", None, 0)
                    + " "
                    + _deep(depth, draw(st.integers(0, 1)))
                )
                if draw(st.booleans()):
                    lines.insert(i + 1, _deep(min(depth, 200), 2))
            else:
                lines[i] = lines[i] + (sep + draw(scalars())) * depth
        elif op == 9:  # huge numbers everywhere on a line
            big = draw(st.sampled_from(["1e308", "9" * 400, "-1e308", "1e-320", "4.9e-324"]))
            lines[i] = _replace_value(lines[i], big, sep, draw(st.integers(0, 50)))
        elif op == 10:  # delete or add a cell / a key
            if sep is not None:
                cells = lines[i].split(sep)
                if draw(st.booleans()) and len(cells) > 1:
                    del cells[draw(st.integers(0, len(cells) - 1))]
                else:
                    cells.insert(draw(st.integers(0, len(cells))), draw(scalars()))
                lines[i] = sep.join(cells)
            else:
                lines.insert(
                    i, " " * draw(st.integers(0, 6)) + draw(scalars()) + ": " + draw(scalars())
                )
        elif op == 11:  # a random line
            lines.insert(i, draw(st.text(max_size=40)))
        elif op == 12:  # change line endings / add a BOM
            return (draw(st.sampled_from(["\r\n", "\r", "\n"]))).join(lines) + draw(
                st.sampled_from(["", "\n", "\ufeff"])
            )
        else:  # repeat a block of lines many times
            k = draw(st.integers(1, 5))
            lines[i:i] = lines[i : i + k] * draw(st.integers(2, 50))
    return "\n".join(lines) + "\n"


def _value(line: str, sep: str | None) -> str:
    if sep is None:
        return line.split(": ", 1)[1] if ": " in line else line.strip()
    cells = line.split(sep)
    return cells[-1] if cells else ""


def _replace_value(line: str, value: str, sep: str | None, k: int) -> str:
    """``line`` with its YAML value (after ``key: ``) or its k-th cell replaced by ``value``."""
    if sep is None:
        if ": " in line:
            # pick one of the ': ' positions (flow mappings have several on one line)
            parts = line.split(": ")
            j = k % (len(parts) - 1)
            head = ": ".join(parts[: j + 1])
            tail = ": ".join(parts[j + 1 :])
            stop = min((tail.find(c) for c in ",}]" if c in tail), default=len(tail))
            return f"{head}: {value}{tail[stop:]}"
        indent = line[: len(line) - len(line.lstrip())]
        return f"{indent}- {value}" if line.lstrip().startswith("- ") else f"{indent}{value}"
    cells = line.split(sep)
    cells[k % len(cells)] = value
    return sep.join(cells)


@st.composite
def raw_input(draw: st.DrawFn, seeds: list[str], sep: str | None) -> bytes:
    """Bytes of an input: mostly mutated seed text, sometimes random bytes or bit-flipped seeds."""
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return draw(st.binary(max_size=400))
    if kind == 1:  # flip bytes of a seed
        data = bytearray(draw(st.sampled_from(seeds)).encode("utf-8"))
        for _ in range(draw(st.integers(1, 8))):
            if data:
                data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
        return bytes(data)
    text = draw(mutated_text(seeds, sep))
    enc = draw(st.sampled_from(["utf-8"] * 8 + ["utf-16", "latin-1"]))
    return text.encode(enc, "replace")


# --------------------------------------------------------------------------- contract
class ContractViolation(AssertionError):  # noqa: N818 - a property failure, not an error
    """A reader broke the contract (a refusal without location or readable message)."""


def check_refusal(exc: MelianError, file: str, data: bytes) -> None:
    """Raise :class:`ContractViolation` unless ``exc`` is a located, readable refusal."""
    if not str(exc).strip():
        raise ContractViolation(f"{type(exc).__name__} with an empty message")
    if not isinstance(exc, InputError):
        return
    if not exc.problems:
        raise ContractViolation("InputError without problems")
    for p in exc.problems:
        if not p.file or file not in p.file:
            raise ContractViolation(f"problem without the file name: {p!r}")
        msg = p.message
        if not msg.strip():
            raise ContractViolation(f"problem with an empty message: {p!r}")
        if not msg.replace("\n", " ").isprintable():
            raise ContractViolation(f"message with unprintable characters: {msg!r}")
        if p.line is not None and p.line < 1:
            raise ContractViolation(f"line number below 1: {p!r}")


def check_located(exc: MelianError, data: bytes, file_wide: Callable[[str], bool]) -> None:
    """Every problem of a refused non-empty input carries a line unless it is file-wide."""
    if not isinstance(exc, InputError) or not data.strip():
        return
    for p in exc.problems:
        if p.line is None and not file_wide(p.message):
            raise ContractViolation(f"problem without a line in a non-empty input: {p!r}")


_FILE_WIDE = (
    "the limit is",  # size limit
    "empty file",
    "no #D data lines",
    "no issue rows",
    "no issues in the file",
    "not UTF-8",
    "cannot read",
    "exceeds the limit",
)


def is_file_wide(message: str) -> bool:
    """Messages that are about the whole file, not a place in it."""
    return any(m in message for m in _FILE_WIDE)


@dataclass(frozen=True)
class Target:
    """One reader under fuzzing: its name, input strategy and how it reads bytes."""

    name: str
    suffix: str
    strategy: st.SearchStrategy[bytes]
    read: Callable[[bytes, Path], object]


def _read_yaml(data: bytes, path: Path) -> object:
    return parse_scenario(decode(data, str(path)), str(path))


def _via_file(fn: Callable[[Path], object]) -> Callable[[bytes, Path], object]:
    def read(data: bytes, path: Path) -> object:
        path.write_bytes(data)
        return fn(path)

    return read


TARGETS: dict[str, Target] = {
    "scenario": Target("scenario", ".yaml", raw_input(YAML_SEEDS, None), _read_yaml),
    "ktab": Target("ktab", ".csv", raw_input(KTAB_SEEDS, ","), _via_file(from_ktab_csv)),
    "deu": Target("deu", ".tsv", raw_input(DEU_SEEDS, "\t"), _via_file(from_deu)),
    "decide": Target("decide", ".csv", raw_input(DECIDE_SEEDS, ";"), _via_file(from_decide)),
}

_TMP = Path(tempfile.mkdtemp(prefix="melian-fuzz-"))


def run_one(target: Target, data: bytes) -> str:
    """Feed ``data`` to ``target``; return ``"accepted"`` or ``"refused"``.

    Raises :class:`ContractViolation` for a refusal that breaks the contract, and lets any
    exception other than :class:`MelianError` propagate (a crash).
    """
    path = _TMP / f"fuzz-{os.getpid()}{target.suffix}"
    try:
        result = target.read(data, path)
    except MelianError as exc:
        check_refusal(exc, path.name, data)
        check_located(exc, data, is_file_wide)
        return "refused"
    if not isinstance(result, Scenario):
        raise ContractViolation(f"reader returned {type(result).__name__}, not a Scenario")
    to_json(result)  # an accepted scenario must export
    to_yaml(result)
    return "accepted"
