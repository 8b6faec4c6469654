"""A transfer is a payment to the focal state: a payment by it is refused, located.

An outside analyst declared ``actors: {payer: <the focal actor>, payee: <the patron>}`` for a
payment the focal state makes; the economy counted it as money received (reserves rose with it).
"""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from melian.cli import app

BASE = Path(__file__).parents[1] / "data" / "scenarios" / "synthetic-world.yaml"
LOCATED = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): (?P<path>\S+): (?P<msg>.+)$")


def _case(tmp_path: Path, actors: str) -> Path:
    text = BASE.read_text(encoding="utf-8")
    old = "actors: {payer: big, payee: small}"
    assert text.count(old) == 1
    p = tmp_path / "case.yaml"
    p.write_text(text.replace(old, actors), encoding="utf-8")
    return p


def _validate(p: Path) -> tuple[int, list[str]]:
    res = CliRunner().invoke(app, ["scenarios", "validate", str(p)], env={"COLUMNS": "300"})
    return res.exit_code, res.stderr.splitlines()


def test_a_payment_by_the_focal_state_is_refused_where_it_is_declared(tmp_path: Path) -> None:
    p = _case(tmp_path, "actors: {payer: small, payee: big}")
    code, err = _validate(p)
    assert code == 2
    found = [m for m in map(LOCATED.match, err) if m]
    paths = {m["path"] for m in found}
    assert any(x.endswith(".actors.payer") for x in paths), err
    assert any(x.endswith(".actors.payee") for x in paths), err
    msg = next(m["msg"] for m in found if m["path"].endswith(".actors.payer"))
    assert "payments to the focal state" in msg and "'small'" in msg


def test_a_payment_to_the_focal_state_is_fine(tmp_path: Path) -> None:
    code, err = _validate(_case(tmp_path, "actors: {payer: big}"))
    assert code == 0, err
