"""Files melian writes for the user get ``0666 & ~umask`` and directories ``0777 & ~umask``.

A temporary file's 0600 mode used to leak through the atomic rename onto briefs, exported
scenarios and saved web scenarios. Each case runs under two umasks.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from melian.util import atomic_write_bytes, atomic_write_text

MINIMAL = Path(__file__).parent / "data" / "scenarios" / "minimal.yaml"


@pytest.fixture(params=[0o022, 0o027])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    """Run the test under a given process umask, restored afterwards."""
    old = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(old)


def _mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


def test_atomic_write_new_file_and_dirs(tmp_path: Path, umask: int) -> None:
    target = tmp_path / "a" / "b" / "brief.html"
    atomic_write_text(target, "<p>x</p>")
    assert target.read_text() == "<p>x</p>"
    assert _mode(target) == 0o666 & ~umask
    assert _mode(tmp_path / "a") == 0o777 & ~umask
    assert _mode(tmp_path / "a" / "b") == 0o777 & ~umask
    # no temporary file is left behind
    assert [p.name for p in target.parent.iterdir()] == ["brief.html"]


def test_atomic_write_replaces_a_private_file(tmp_path: Path, umask: int) -> None:
    target = tmp_path / "brief.pdf"
    target.write_bytes(b"old")
    target.chmod(0o600)  # as written by melian before the fix
    atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"new"
    assert _mode(target) == 0o666 & ~umask


def test_failed_write_leaves_nothing(tmp_path: Path, umask: int) -> None:
    target = tmp_path / "x.json"
    with pytest.raises(TypeError):
        atomic_write_bytes(target, "not bytes")  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


def test_cli_export_respects_umask(tmp_path: Path, umask: int) -> None:
    from melian.cli import app

    out = tmp_path / "exported" / "minimal.yaml"
    res = CliRunner().invoke(app, ["scenarios", "export", str(MINIMAL), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert _mode(out) == 0o666 & ~umask
    assert _mode(out.parent) == 0o777 & ~umask


def test_web_saved_scenario_and_published_brief(tmp_path: Path, umask: int) -> None:
    from melian.scenario import load_scenario
    from melian.web.analyses import publish_files
    from melian.web.catalogue import Catalogue

    cat = Catalogue(tmp_path / "user")
    saved = cat.save_user("mine", load_scenario(MINIMAL))
    assert _mode(saved) == 0o666 & ~umask
    # a brief is rendered in a private staging directory, then published by link/rename
    staging = tmp_path / "briefs" / ".staging"
    atomic_write_text(staging / "b.html", "<p>brief</p>")
    names = publish_files({"html": staging / "b.html"}, tmp_path / "briefs", "brief-x-run1")
    assert _mode(tmp_path / "briefs" / names["html"]) == 0o666 & ~umask
