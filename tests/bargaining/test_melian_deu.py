"""melian-deu: grouped CV, frozen parameters reproduced by refitting, registry, domain check."""

from __future__ import annotations

import json
from importlib import resources

import numpy as np
import pytest

from melian.bargaining import melian_deu as mdeu
from melian.bargaining.base import BargainingProblem
from melian.bargaining.deu import packaged_path, read_deu
from melian.bargaining.registry import get_model, run_model


@pytest.fixture(scope="module")
def dev():
    return read_deu(packaged_path("deu-dev.tsv"), capability="gdp")


@pytest.fixture(scope="module")
def design(dev):
    return mdeu.build_design(
        [i.problem for i in dev], [i.outcome for i in dev], [i.proposal for i in dev]
    )


@pytest.mark.parametrize(("k", "seed"), [(5, 0), (10, 1), (69, 2), (200, 3)])
def test_group_folds_never_split_a_proposal(design, k, seed):
    folds = mdeu.group_folds(design.groups, k, seed)
    assert len(folds) == min(k, 69)
    allidx = np.concatenate(folds)
    assert sorted(allidx.tolist()) == list(range(design.outcome.size))  # a partition
    for test in folds:
        train = np.setdiff1d(np.arange(design.outcome.size), test)
        assert not set(design.groups[test]) & set(design.groups[train])
    sizes = [len(set(design.groups[f])) for f in folds]
    assert max(sizes) - min(sizes) <= 1


def test_group_folds_deterministic(design):
    a = mdeu.group_folds(design.groups, 10, 5)
    b = mdeu.group_folds(design.groups, 10, 5)
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def test_design_keeps_only_outcomes(design):
    assert design.outcome.size == 172
    assert np.unique(design.groups).size == 69


def test_theta0_is_the_salience_weighted_mean(design):
    mae = np.mean(np.abs(mdeu.predict_design(mdeu.THETA0, design) - design.outcome))
    assert mae == pytest.approx(23.87, abs=0.01)


def test_refit_reproduces_frozen_parameters(design):
    theta = mdeu.fit(design, mdeu.SHIPPED_LAMBDA, mdeu.SHIPPED_FAMILY)
    frozen = mdeu.frozen_theta()
    np.testing.assert_allclose(theta, frozen, atol=1e-6)
    doc = json.loads(
        resources.files("melian").joinpath("data", "deu", mdeu.PARAMS_FILE).read_text()
    )
    prov = doc["provenance"]
    assert prov["data_file"].endswith("deu-dev.tsv")
    assert prov["issues_fitted"] == 172 and prov["proposals"] == 69
    assert {"date", "data_sha256", "objective", "fitted_by"} <= set(prov)


def test_frozen_cv_numbers_reproduced(design):
    """The leave-one-proposal-out CV error stored beside the parameters is what the code gives."""
    doc = mdeu.frozen_params()
    row = doc["cross_validation"]["leave-one-proposal-out (seed 0)"]
    pred = mdeu.cv_predictions(design, mdeu.SHIPPED_FAMILY, mdeu.SHIPPED_LAMBDA, 69, 0)
    mae = float(np.mean(np.abs(pred - design.outcome)))
    assert mae == pytest.approx(row["melian_deu_mae"], abs=1e-3)
    assert mae < row["compromise_mae"]  # out of sample it beats the compromise model (a little)


def test_predict_one_matches_design(dev, design):
    theta = mdeu.frozen_theta()
    scored = [i for i in dev if i.has_outcome]
    one = np.array([mdeu.predict_one(i.problem, theta) for i in scored])
    np.testing.assert_allclose(one, mdeu.predict_design(theta, design), atol=1e-9)


def test_registered_and_runs(dev):
    spec = get_model("melian-deu")
    assert set(spec.defaults) == set(mdeu.PARAM_NAMES)
    f = run_model("melian-deu", dev[0].problem)
    p = dev[0].problem
    x, s = p.position[:, 0], p.salience[:, 0]
    a = mdeu.frozen_theta()[6]
    expect = a * np.dot(x, s) / s.sum() + (1 - a) * x.mean()
    assert f.point()[dev[0].issue] == pytest.approx(expect)
    g = run_model("melian-deu", p, alpha_blend=1.0)
    assert g.point()[dev[0].issue] == pytest.approx(np.dot(x, s) / s.sum())


def test_procedure_aware_weights():
    """Commission/Parliament weights follow the procedure when the k parameters are set."""
    p = BargainingProblem(
        actors=("com", "ep", "de"),
        issues=("i",),
        capability=np.ones(3),
        position=np.array([[100.0], [0.0], [50.0]]),
        salience=np.full((3, 1), 0.5),
        scale=np.array([[0.0, 100.0]]),
        reference=np.array([np.nan]),
        meta={"procedure": "COD"},
    )
    theta = mdeu.THETA0.copy()
    theta[4] = np.log(3.0)  # Parliament weight x3 under codecision
    assert mdeu.predict_one(p, theta) == pytest.approx((100 + 0 * 3 + 50) / 5)
    cns = BargainingProblem(**{**p.__dict__, "meta": {"procedure": "CNS"}})
    assert mdeu.predict_one(cns, theta) == pytest.approx(50.0)


def test_looks_legislative(dev):
    assert mdeu.looks_legislative(dev[0].problem)
    plain = BargainingProblem(
        actors=("US", "Iran", "Iraq"),
        issues=("troops",),
        capability=np.ones(3),
        position=np.zeros((3, 1)),
        salience=np.ones((3, 1)),
        scale=np.array([[0.0, 100.0]]),
        reference=np.array([np.nan]),
    )
    assert not mdeu.looks_legislative(plain)
    eu = BargainingProblem(**{**plain.__dict__, "actors": ("Commission", "DE", "FR")})
    assert mdeu.looks_legislative(eu)
    ruled = BargainingProblem(**{**plain.__dict__, "meta": {"voting_rule": "QMV"}})
    assert mdeu.looks_legislative(ruled)


def _fit_script():
    """scripts/fit_melian_deu.py imported as a module (it holds the alternative families)."""
    import importlib.util
    import sys
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "scripts" / "fit_melian_deu.py"
    spec = importlib.util.spec_from_file_location("fit_melian_deu", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("fit_melian_deu", mod)
    spec.loader.exec_module(mod)
    return mod


def test_alternative_families_numbers_reproduced():
    """The nested-CV errors stored for the alternatives come from the code (two cheap families)."""
    fm = _fit_script()
    t = fm.Table()
    assert t.n == 172
    # every issue's outcome split over candidates sums to one, on candidates only
    np.testing.assert_allclose(t.target.sum(axis=1), 1.0)
    assert not np.any(t.target[~t.cmask])
    stored = mdeu.frozen_params()["alternatives_nested_cv"]
    assert stored["compromise_mae"] == pytest.approx(np.mean(np.abs(t.comp - t.y)), abs=1e-3)
    fams = fm.alternative_families(t)
    for name in ("compromise-then-snap", "mean-blend (shipped)"):
        r = fm.nested_alt(fams[name], t, 10, 1)
        mae = float(np.mean(np.abs(r["predictions"] - t.y)))
        row = stored["families"][name]["outer grouped 10-fold (seed 1)"]
        assert mae == pytest.approx(row["nested_mae"], abs=1e-3)
    # and no alternative beat the shipped mean-blend on both fold seeds (why it stays shipped)
    ship = stored["families"]["mean-blend (shipped)"]
    for name, rows in stored["families"].items():
        better = [rows[k]["nested_mae"] < ship[k]["nested_mae"] - 0.05 for k in rows]
        assert not all(better), name


def test_third_round_numbers_reproduced():
    """The third-round nested-CV errors stored beside the parameters come from the code, and no
    third-round family beat the shipped mean-blend on every outer split (why it stays shipped)."""
    import importlib.util
    import sys
    from pathlib import Path

    _fit_script()  # deu_third_round imports fit_melian_deu
    scripts = Path(__file__).resolve().parents[2] / "scripts"
    spec = importlib.util.spec_from_file_location("deu_third_round", scripts / "deu_third_round.py")
    tr = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("deu_third_round", tr)
    spec.loader.exec_module(tr)
    stored = mdeu.frozen_params()["third_round_nested_cv"]
    t = tr.fm.Table()
    fams = tr.families(t)
    for name in ("procedural shift toward the agenda setter", "reference-point extrapolation"):
        r = tr.fm.nested_alt(fams[name], t, 10, 2)
        mae = float(np.mean(np.abs(r["predictions"] - t.y)))
        row = stored["families"][name]["outer grouped 10-fold (seed 2)"]
        assert mae == pytest.approx(row["nested_mae"], abs=1e-3)
    ship = stored["families"]["mean-blend (shipped)"]
    for name, rows in stored["families"].items():
        keys = [k for k in rows if k.startswith("outer")]
        assert len(keys) == 4
        assert not all(rows[k]["nested_mae"] < ship[k]["nested_mae"] - 0.05 for k in keys), name
