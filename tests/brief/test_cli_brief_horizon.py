"""``melian brief --horizon N`` sets the consequences' horizon and keeps the other settings."""

from __future__ import annotations

from typer.testing import CliRunner

from melian.brief import Settings
from melian.cli import app
from melian.cli.brief import _settings


def test_horizon_option_replaces_only_the_horizon():
    assert _settings(False, None, None) is None  # the defaults, chosen by the analysis layer
    q = _settings(True, 5, 36)
    assert q == Settings(**{**Settings.make(True, 5).__dict__, "horizon": 36})
    assert q.quick and q.seed == 5 and q.paths == Settings.make(True).paths
    assert _settings(False, None, 120).horizon == 120


def test_horizon_out_of_range_is_refused_before_any_work():
    r = CliRunner().invoke(app, ["brief", "iraq-us-2020", "--horizon", "0", "--no-pdf"])
    assert r.exit_code == 2 and "--horizon" in r.output
