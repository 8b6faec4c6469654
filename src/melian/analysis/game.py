"""The scenario's strategic game: built from the scenario, solved with pygambit, claims tested.

Model: :mod:`melian.games` (payoffs in :mod:`melian.games.payoffs`, docs/models/games.md).
"""

from __future__ import annotations

from melian import games
from melian.games import Form, GameAnalysis
from melian.games.payoffs import Framing
from melian.scenario.schema import Scenario

__all__ = ["GameAnalysis", "analyse_game", "option_values"]


def analyse_game(
    scenario: Scenario,
    *,
    framing: Framing | None = None,
    form: Form = "normal",
    conditions: bool = True,
    points: int = 5,
    qre_points: int = 40,
) -> GameAnalysis:
    """Build, solve and explain the scenario's game.

    Parameters
    ----------
    scenario
        A scenario with a ``game`` section.
    framing
        ``"zero-sum"`` or ``"variable-sum"`` (default: the scenario's ``game.framing``).
    form
        ``"normal"``: pure and mixed Nash equilibria and the logit quantal response equilibrium
        (McKelvey & Palfrey 1995); ``"extensive"``: subgame-perfect equilibria by backward
        induction, checked by pygambit, and the agent logit QRE limit.
    conditions
        Also sweep every uncertain game parameter to report where each claim holds.
    points
        Grid points per parameter in those sweeps.
    qre_points
        Points on the logit QRE path.

    Returns
    -------
    GameAnalysis
        Players, strategies, the payoff table with its components, the solution, and the
        claims under both framings; ``to_dict()``, ``to_frame()`` (long payoff table).
    """
    return games.analyse_game(
        scenario,
        framing=framing,
        form=form,
        conditions=conditions,
        points=points,
        qre_points=qre_points,
    )


def option_values(
    scenario: Scenario, metric: str = "total", *, framing: Framing | None = None
) -> dict[str, float]:
    """The focal actor's game quantity ``metric`` for each of its options.

    Parameters
    ----------
    scenario
        A scenario with a ``game`` section and a focal actor.
    metric
        ``"total"`` (the whole payoff) or one payoff component.
    framing
        As in :func:`analyse_game`.

    Returns
    -------
    dict[str, float]
        Option id -> value at the responders' subgame-perfect replies
        (:func:`melian.games.option_values`).
    """
    return games.option_values(scenario, metric, framing)
