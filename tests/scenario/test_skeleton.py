"""``melian scenarios new``: a commented skeleton that fails validation until filled in.

The skeleton is filled programmatically from its own comments (each placeholder's comment says
which value it wants: text, a date, a number in a range, one of a list, a file), then it must
validate and its world pass the world model's checks; unfilled, every placeholder is reported
at its line with its field and what to put there.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from melian.cli import app
from melian.errors import InputError
from melian.io.skeleton import skeleton
from melian.scenario.datasets import data_dir
from melian.scenario.loader import PLACEHOLDER, load_scenario, parse_scenario
from melian.world.components import KINDS
from melian.world.engine import check

runner = CliRunner()

#: Every kind of the registry (a required input may be bound to a component declared later).
ALL_KINDS = sorted(KINDS)

#: A data file of the right content for each dataset role.
FILES = {
    "prices": data_dir() / "oil" / "brent-monthly-eia.csv",
    "events": data_dir() / "security" / "isis-attacks-iraq-ctc-2018-2020.csv",
}

_LINE = re.compile(rf"^(?P<head>\s*(?:- )?(?P<key>[\w.]+): ){PLACEHOLDER}\s+# (?P<hint>.*)$")


def _value(hint: str) -> str:
    """An admissible value for a placeholder, read from its comment."""
    if hint.startswith("text"):
        return "An example"
    if hint.startswith("date"):
        return "2020-06-01"
    if hint.startswith("one of:"):
        return hint[len("one of:") :].split(",")[0].split("(")[0].strip()
    m = re.match(r"number in \[([-\d.e+]+), ([-\d.e+]+)\]", hint)
    if m:
        return repr((float(m.group(1)) + float(m.group(2))) / 2)
    m = re.match(r"number (>=|>) ([-\d.e+]+)", hint)
    if m:
        return repr(float(m.group(2)) + 1)
    m = re.match(r"number <= ([-\d.e+]+)", hint)
    if m:
        return repr(float(m.group(1)) - 1)
    assert hint.startswith("number"), hint
    return "0.5"


def fill(text: str, tmp: Path) -> str:
    """Replace every placeholder by an admissible value; dataset files are copied beside."""
    out = []
    dataset = None
    for line in text.splitlines():
        d = re.match(r"^    (\w+)_(prices|events):$", line)
        if d:
            dataset = d.group(2)
        m = _LINE.match(line)
        if m:
            key, hint = m.group("key"), m.group("hint")
            if key == "file":
                assert hint.startswith("file") and dataset is not None
                name = f"{dataset}.csv"
                shutil.copy(FILES[dataset], tmp / name)
                val = name
            else:
                val = _value(hint)
            line = f"{m.group('head')}{val}"
        out.append(line)
    return "\n".join(out) + "\n"


@pytest.mark.parametrize("kinds", [[], ["event_hazard"], ALL_KINDS, [*ALL_KINDS, "transfers"]])
def test_filled_skeleton_validates(kinds: list[str], tmp_path: Path) -> None:
    text = skeleton("my-dialogue", kinds)
    assert PLACEHOLDER in text
    filled = fill(text, tmp_path)
    assert f": {PLACEHOLDER}" not in filled
    path = tmp_path / "my-dialogue.yaml"
    path.write_text(filled, encoding="utf-8")
    s = load_scenario(path)
    assert s.id == "my-dialogue"
    assert [c.kind for c in s.world.components] == kinds
    assert check(s) == []
    res = runner.invoke(app, ["scenarios", "validate", str(path)])
    assert res.exit_code == 0, res.output


def test_skeleton_names_every_section_and_parameter() -> None:
    text = skeleton("my-dialogue", ALL_KINDS)
    for section in (
        "metadata:", "sources:", "actors:", "issues:", "relations:", "focal:", "world:",
        "game:", "criteria:", "views:", "salience_scale:",
    ):  # fmt: skip
        assert f"\n{section}" in text, section
    world = text[text.index("\nworld:") : text.index("\ngame:")]
    blocks = world.split("\n    - id: ")[1:]
    assert len(blocks) == len(ALL_KINDS)
    for kind, block in zip(ALL_KINDS, blocks, strict=True):
        assert f"\n      kind: {kind}\n" in block
        for p in KINDS[kind].PARAMS:
            line = next(ln for ln in block.splitlines() if re.match(rf"\s+#? ?{p.path}:", ln))
            i = block.splitlines().index(line)
            near = "\n".join(block.splitlines()[i : i + 2])
            assert p.meaning in near and p.unit in near, (kind, p.path)
            if p.low is not None:
                assert f"{p.low:g}" in near, (kind, p.path)


def test_unfilled_skeleton_names_the_fields(tmp_path: Path) -> None:
    text = skeleton("my-dialogue", ["event_hazard"])
    with pytest.raises(InputError) as e:
        parse_scenario(text, "my-dialogue.yaml")
    probs = e.value.problems
    paths = {p.path for p in probs}
    assert {"metadata.title", "metadata.as_of", "actors[0].name", "focal.options[0].name"} <= paths
    assert "world.components[0].parameters.base_hazard.value" in paths
    assert len(probs) == text.count(f": {PLACEHOLDER} ")
    by_path = {p.path: p for p in probs}
    hazard = by_path["world.components[0].parameters.base_hazard.value"]
    assert hazard.line is not None and "TODO" in text.splitlines()[hazard.line - 1]
    spec = KINDS["event_hazard"].param("base_hazard")
    assert spec.unit in hazard.message and spec.meaning in hazard.message
    assert "date YYYY-MM-DD" in by_path["metadata.as_of"].message
    # through the command line: exit 2, one line per problem, no traceback
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    res = runner.invoke(app, ["scenarios", "validate", str(path)])
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert "s.yaml:" in res.output and "metadata.title: not filled in yet" in res.output


def test_new_command_writes_and_refuses_to_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "x.yaml"
    res = runner.invoke(app, ["scenarios", "new", "x", "-c", "commodity_price", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert out.read_text(encoding="utf-8") == skeleton("x", ["commodity_price"])
    out.write_text("mine\n", encoding="utf-8")
    res = runner.invoke(app, ["scenarios", "new", "x", "--out", str(out)])
    assert res.exit_code == 2 and "already exists" in res.output
    assert out.read_text(encoding="utf-8") == "mine\n"


def test_new_command_errors() -> None:
    res = runner.invoke(app, ["scenarios", "new", "x", "-c", "nope", "--out", "/dev/null/x"])
    assert res.exit_code == 2 and "unknown component kind 'nope'" in res.output
    assert "event_hazard" in res.output  # the kinds are listed
    res = runner.invoke(app, ["scenarios", "new", "x", "-c", "commodity_budget"])
    assert res.exit_code == 2 and "add one to --components" in res.output
    assert "commodity_exports" in res.output
    res = runner.invoke(app, ["scenarios", "new", "Bad Id"])
    assert res.exit_code == 2 and "not a valid scenario id" in res.output


def test_skeleton_warns_of_game_parameter_defaults_and_its_example_validates(
    tmp_path: Path,
) -> None:
    text = fill(skeleton("my-dialogue", []), tmp_path)
    game = text[text.index("\ngame:") : text.index("\ncriteria:")]
    assert "security_provision (q) = 1" in game and "WHOLE capability" in game
    assert "docs/models/games.md" in game
    example = [ln for ln in game.splitlines() if ln.startswith("  #   ")]
    assert "  # parameters:" in game and len(example) == 3
    active = text.replace("  # parameters:", "  parameters:")
    for ln in example:
        active = active.replace(ln, ln.replace("# ", "", 1).replace("...", "0.5"))
    path = tmp_path / "my-dialogue.yaml"
    path.write_text(active, encoding="utf-8")
    s = load_scenario(path)
    assert s.game is not None and len(s.game.parameters) == 3
    res = runner.invoke(app, ["scenarios", "validate", str(path)])
    assert res.exit_code == 0, res.output
    path.write_text(active.replace("security_provision.partner", "security_provision.partnr"))
    res = runner.invoke(app, ["scenarios", "validate", str(path)])
    assert res.exit_code == 2
    assert "game.parameters.security_provision.partnr: unknown actor 'partnr'" in res.stderr
