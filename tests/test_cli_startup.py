"""The command line starts without the heavy libraries; its lazy command table matches the commands.

No timing here (speed is measured in benchmarks/bench_startup.py): these tests check which
modules are imported, in a fresh interpreter.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("scipy", "scipy.stats", "sqlalchemy", "numba", "matplotlib", "pandas", "pygambit")
KTAB = Path(__file__).resolve().parent / "data" / "ktab"


def _loaded_after(code: str, also: tuple[str, ...] = ()) -> dict[str, bool]:
    """Run ``code`` in a fresh interpreter and report which heavy modules (and ``also``) it
    imported."""
    probe = (
        "import sys, json\n"
        f"{code}\n"
        f"print(json.dumps({{m: m in sys.modules for m in {[*HEAVY, 'numpy', *also]!r}}}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_import_cli_pulls_no_heavy_library():
    loaded = _loaded_after("import melian.cli")
    assert not any(loaded[m] for m in HEAVY), loaded
    assert not loaded["numpy"]


def test_top_level_help_pulls_no_heavy_library():
    code = (
        "import contextlib, io\n"
        "from melian.cli import app\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        "        app(['--help'])\n"
        "    except SystemExit:\n"
        "        pass"
    )
    loaded = _loaded_after(code)
    assert not any(loaded[m] for m in HEAVY), loaded
    assert not loaded["numpy"]


def test_small_smp_forecast_takes_the_numpy_path():
    """``melian forecast dummyData_3Dim.csv --model smp --json`` needs neither numba nor scipy."""
    code = (
        "import contextlib, io\n"
        "from melian.cli import app\n"
        "buf = io.StringIO()\n"
        "with contextlib.redirect_stdout(buf):\n"
        "    try:\n"
        f"        app(['forecast', {str(KTAB / 'dummyData_3Dim.csv')!r}, '--model', 'smp', '--json'])\n"
        "    except SystemExit as exc:\n"
        "        assert exc.code in (0, None), exc.code\n"
        "assert json.loads(buf.getvalue())['forecasts']['smp']['rounds'] > 0"
    )
    # nor what only other commands, other models or screen output need (issue 12): rich, the
    # package metadata, numpy's random and masked arrays, the other bargaining models
    light = (
        "rich",
        "importlib.metadata",
        "numpy.random",
        "numpy.ma",
        "melian.bargaining.exchange",
        "melian.bargaining.bdm",
        "melian.bargaining.melian_deu",
    )
    loaded = _loaded_after(code, light)
    for m in ("scipy", "numba", "sqlalchemy", "matplotlib", "pandas", "pygambit", *light):
        assert not loaded[m], m


def test_import_scenario_schema_does_not_import_scipy_stats():
    assert not _loaded_after("import melian.scenario.schema")["scipy.stats"]


def test_lazy_command_table_matches_the_commands():
    """Every command a module registers is listed, with the short help the command itself has."""
    from melian.cli import COMMANDS, load_module_commands

    seen: dict[str, str] = {}
    for module in dict.fromkeys(m for m, _ in COMMANDS.values()):
        for name, cmd in load_module_commands(module).items():
            seen[name] = cmd.get_short_help_str(limit=1000)
            assert COMMANDS.get(name, (None,))[0] == module, name
    assert set(seen) == set(COMMANDS)
    for name, (_module, short) in COMMANDS.items():
        assert seen[name] == short, name


@pytest.mark.parametrize("name", ["forecast", "scenarios", "import"])
def test_lazy_command_runs_its_real_help(name):
    from typer.testing import CliRunner

    from melian.cli import app

    res = CliRunner().invoke(app, [name, "--help"])
    assert res.exit_code == 0, res.output
    assert "Usage" in res.output


def test_python_dash_m_melian() -> None:
    """``python -m melian`` runs the command line."""
    import subprocess
    import sys

    r = subprocess.run(
        [sys.executable, "-m", "melian", "--help"], capture_output=True, text=True, timeout=120
    )
    assert r.returncode == 0, r.stderr
    assert "Usage: melian" in r.stdout and "forecast" in r.stdout
