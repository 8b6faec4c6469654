"""The payoff model, the games built from a scenario, the claims, sweeps and the Gambit files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pygambit as gbt
import pytest

from melian.errors import InputError, ModelError
from melian.games import analyse_game, export, sweep1, sweep2
from melian.games.build import extensive_form, leaf_components, normal_form
from melian.games.claims import roles
from melian.games.payoffs import (
    FOCAL_COMPONENTS,
    RESPONDER_COMPONENTS,
    components,
    game_data,
    params_for,
)
from melian.games.solve import subgame_perfect
from melian.games.sweep import context
from melian.scenario import load_scenario, parse_scenario

FIXTURE = Path(__file__).parent / "data" / "alliance.yaml"


@pytest.fixture(scope="module")
def scen():  # noqa: ANN201
    return load_scenario(str(FIXTURE))


def test_components_are_named_and_sum_to_the_total(scen) -> None:  # noqa: ANN001
    d = game_data(scen)
    for (_, prof), comps in leaf_components(d).items():
        assert set(comps["small"]) == {*FOCAL_COMPONENTS, "total"}
        for pl in d.players:
            assert set(comps[pl]) == {*RESPONDER_COMPONENTS, "total"}
        for c in comps.values():
            assert c["total"] == pytest.approx(sum(v for k, v in c.items() if k != "total"))
        assert len(prof) == 3


def test_economy_component_by_hand(scen) -> None:  # noqa: ANN001
    """w_E * (aid_j * max(posture,0) * (1 + a_j)/2 - harm_j * max(-posture,0)) summed over j."""
    d = game_data(scen)
    ally = d.options.index("ally")
    p = params_for(d, "ally")
    aid_p = scen.game.parameters["aid.patron"].nominal  # uniform(0.1, 0.5) -> 0.3
    # patron supports (posture 1), rival pressures (posture -1); alt is a non-player: posture 1
    c = components(d, ally, (0, 1), p)["small"]
    g_patron, g_alt = (1 + 0.9) / 2, (1 + 0.0) / 2
    want = 1.0 * (aid_p * g_patron + 0.2 * g_alt - 0.25 * 1.0)
    assert c["economy"] == pytest.approx(want)
    # sanction and accept: only the patron's harm and the alternative's aid remain
    c = components(d, ally, (2, 0), p)["small"]
    assert c["economy"] == pytest.approx(0.2 * g_alt - 0.5)


def test_security_component_by_hand(scen) -> None:  # noqa: ANN001
    """-w_S * sum_t theta_t K_t / (K_F + K_t), K_F = C_F + sum_j q_j max(posture_j,0) g_j C_j."""
    d = game_data(scen)
    drift = d.options.index("drift")
    p = params_for(d, "drift")
    ws = 0.6  # uniform(0.4, 0.8) median
    c = components(d, drift, (1, 0), p)["small"]  # patron disengages, rival accepts
    k_f = 0.005 + 0.01 * 1.0 * (1 + 0.2) / 2 * 0.2  # only the alternative (non-player) supports
    want = -ws * (0.8 * 0.002 / (k_f + 0.002) + 0.3 * 0.016 / (k_f + 0.016))
    assert c["security"] == pytest.approx(want)


def test_hostility_raises_perceived_threat_and_lowers_security(scen) -> None:  # noqa: ANN001
    d = game_data(scen)
    p = params_for(d, "defect")
    o = d.options.index("defect")
    accept = components(d, o, (1, 0), p)["small"]["security"]
    pressure = components(d, o, (1, 1), p)["small"]["security"]
    assert pressure < accept


def test_the_patron_gains_autonomy_the_small_state_loses_it(scen) -> None:  # noqa: ANN001
    """Morrow's asymmetric exchange: support pulls policy toward the patron's position."""
    d = game_data(scen)
    o = d.options.index("ally")
    p = params_for(d, "ally")
    sup, dis = components(d, o, (0, 0), p), components(d, o, (1, 0), p)
    assert sup["patron"]["autonomy"] > dis["patron"]["autonomy"]
    assert sup["small"]["autonomy"] < dis["small"]["autonomy"]
    assert sup["small"]["security"] > dis["small"]["security"]


def test_framing_switch_changes_only_the_contest(scen) -> None:  # noqa: ANN001
    zs, vs = game_data(scen, "zero-sum"), game_data(scen, "variable-sum")
    lz, lv = leaf_components(zs), leaf_components(vs)
    for key in lz:
        for pl in zs.all_players:
            for comp in lz[key][pl]:
                if comp not in ("contest", "total"):
                    assert lz[key][pl][comp] == pytest.approx(lv[key][pl][comp])
    # with only patron and rival contesting, the sum is exactly zero
    d2 = game_data(scen, "zero-sum", {"contest_stake.rival": 0.5, "conflict.patron.alt": 0.0})
    c2 = components(d2, 0, (0, 0), params_for(d2, "ally"))
    assert c2["patron"]["contest"] + c2["rival"]["contest"] == pytest.approx(0.0, abs=1e-12)


def test_shock_effects_apply_in_their_state(scen) -> None:  # noqa: ANN001
    d = game_data(scen)
    assert params_for(d, "ally", (False,)).get("economy_weight", "small") == pytest.approx(1.0)
    assert params_for(d, "ally", (True,)).get("economy_weight", "small") == pytest.approx(2.0)
    ef = extensive_form(d)
    assert ef.root.kind == "chance" and ef.root.actions == ("none", "crash")
    assert [float(p) for p in ef.root.probs] == [0.75, 0.25]
    nf = normal_form(d)
    leaves = leaf_components(d)
    prof = (0, 0, 1)
    want = 0.75 * leaves[(0, prof)]["small"]["total"] + 0.25 * leaves[(1, prof)]["small"]["total"]
    assert nf.payoffs[(0, *prof)] == pytest.approx(want)


def test_roles_are_read_from_alignment_not_ids(scen) -> None:  # noqa: ANN001
    r = roles(game_data(scen))
    d = game_data(scen)
    assert d.options[r.ally] == "ally" and d.options[r.defect] == "defect"
    assert d.options[r.pivot] == "pivot" and d.options[r.status_quo] == "drift"
    assert r.hostile == (2,) and r.rival_hostile == (1,)


def test_claims_depend_on_the_framing(scen) -> None:  # noqa: ANN001
    a = analyse_game(scen, conditions=False, qre_points=0)
    by = {f: {c["id"]: c["holds"] for c in v["claims"]} for f, v in a.framings.items()}
    assert by["zero-sum"]["defection-sanctioned"] is True
    assert by["variable-sum"]["defection-sanctioned"] is False
    assert by["zero-sum"]["rival-accepts-alliance"] is False
    assert by["variable-sum"]["rival-accepts-alliance"] is True
    for f in by:
        assert by[f]["small-state-gains-more-security"] is True
        assert by[f]["pivot-less-secure"] is True


def test_claim_changes_with_a_parameter(scen) -> None:  # noqa: ANN001
    """Make sanctions costly enough and the zero-sum patron no longer sanctions a defector."""
    sw = sweep1(scen, "hostility_cost.patron", values=[0.0, 0.05, 2.0], framing="zero-sum")
    assert sw.claims["defection-sanctioned"][:2] == [True, True]
    assert sw.claims["defection-sanctioned"][2] is False
    regs = sw.claim_regions("defection-sanctioned")
    assert [(r.low, r.high, r.outcome) for r in regs] == [(0.0, 0.05, "true"), (2.0, 2.0, "false")]


def test_sweep2_grid_and_legend(scen) -> None:  # noqa: ANN001
    sw = sweep2(scen, "contest_stake.rival", "game.harm.rival", points=3, framing="zero-sum")
    assert len(sw.outcome) == 3 and all(len(r) == 3 for r in sw.outcome)
    assert {i for row in sw.outcome for i in row} == set(range(len(sw.legend)))
    # with no harm to inflict and no stake, the rival accepts the alliance
    low = sw.legend[sw.outcome[0][0]]
    assert "accept" in low


def test_sweep_rejects_unknown_parameter(scen) -> None:  # noqa: ANN001
    with pytest.raises(InputError, match="unknown game parameter"):
        sweep1(scen, "no_such_parameter")


def test_unknown_response_needs_a_posture(scen) -> None:  # noqa: ANN001
    text = FIXTURE.read_text().replace(
        "{id: disengage, name: Disengage}", "{id: wait, name: Wait and see}"
    )
    s = parse_scenario(text, "alliance.yaml")
    with pytest.raises(ModelError, match="posture"):
        game_data(s)
    s2 = parse_scenario(
        text.replace(
            "{id: wait, name: Wait and see}", "{id: wait, name: Wait and see, posture: 0.2}"
        ),
        "a.yaml",
    )
    assert game_data(s2).responses["patron"][1].posture == 0.2


def test_scenario_without_game_is_a_model_error() -> None:
    text = FIXTURE.read_text()
    s = parse_scenario(text[: text.index("game:")], "nogame.yaml")
    with pytest.raises(ModelError, match="no game section"):
        analyse_game(s)


def test_exported_files_read_back_by_gambit(scen, tmp_path: Path) -> None:  # noqa: ANN001
    a = analyse_game(scen, form="extensive", conditions=False, qre_points=5)
    files = export(a, tmp_path)
    assert sorted(p.suffix for p in files) == [".efg", ".nfg"]
    nfg = gbt.read_nfg(str(next(p for p in files if p.suffix == ".nfg")))
    nf = a.normal
    assert nfg.get_strategies("small") == list(nf.strategies[0])
    for prof in nf.profiles():
        pay = nfg.get_payoffs(
            {p: nf.strategies[i][k] for i, (p, k) in enumerate(zip(nf.players, prof, strict=True))}
        )
        for i, p in enumerate(nf.players):
            assert float(pay[p]) == pytest.approx(nf.payoffs[(i, *prof)], abs=1e-12)
    efg = gbt.read_efg(str(next(p for p in files if p.suffix == ".efg")))
    assert list(efg.players) == list(nf.players)
    assert efg.is_perfect_recall
    # solving the file gives the same SPE outcome as the in-memory tree
    ctx = context(scen)
    assert a.solution["spe"][0]["strategy"] == {
        "/".join(k): v for k, v in ctx.spe[0].strategy.items()
    }
    assert all(s["gambit_regret"] == pytest.approx(0.0) for s in a.solution["spe"])
    assert all(a.solution["gambit_logit_matches_spe"])


def test_normal_form_analysis_equilibria_are_verified(scen) -> None:  # noqa: ANN001
    a = analyse_game(scen, conditions=False, qre_points=10)
    sol = a.solution
    assert sol["pure"] and sol["mixed_solver"].startswith("gambit:enumpoly")
    for e in sol["pure"] + sol["mixed"]:
        assert e["max_regret"] <= 1e-6
    assert len(sol["qre"]) == 10
    lam = [q["lambda"] for q in sol["qre"]]
    assert lam == sorted(lam)


def test_tree_spe_matches_normal_form_claims_context(scen) -> None:  # noqa: ANN001
    d = game_data(scen, "variable-sum")
    ef = extensive_form(d)
    spe = subgame_perfect(ef)
    assert len(spe) == 1
    assert spe[0].strategy[("none",)] == "ally"
    assert spe[0].max_deviation_gain == pytest.approx(0.0, abs=1e-12)


def test_analysis_is_deterministic(scen) -> None:  # noqa: ANN001
    a = analyse_game(scen, conditions=False, qre_points=0).to_dict()
    b = analyse_game(scen, conditions=False, qre_points=0).to_dict()
    assert a == b
    assert np.isfinite([r["payoffs"]["small"] for r in a["payoff_table"]]).all()
