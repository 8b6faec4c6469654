"""The payoff model's parameters (:data:`PARAMETERS`) and the checks of ``game.parameters`` keys.

The scenario layer knows no model, so it accepts any key under ``game.parameters``; the payoff
model (:mod:`melian.games.payoffs`) reads only the keys below and gives every other parameter its
default (:data:`PARAMETERS`, docs/models/games.md). A misspelled key would
therefore be ignored silently and the default used in its place. The keys the model reads:

* ``NAME`` (every actor) and ``NAME.ACTOR`` (one actor), for every parameter ``NAME`` of
  :data:`PARAMETERS` except ``conflict`` (:meth:`Params.get
  <melian.games.payoffs.Params.get>`);
* ``conflict.ACTOR.ACTOR``: the intensity of the conflict between two different actors (read in
  either order; there is no ``conflict`` for every actor or for one actor).

``ACTOR`` is the id of one of the scenario's actors. Every other key is a problem, reported at
``game.parameters.KEY`` with the closest known name (:func:`parameter_problems`). Option and
shock effects on game parameters act on declared keys only (the loader checks that), so they
are covered too.
"""

from __future__ import annotations

from melian.errors import InputError, Problem
from melian.scenario.locate import display_name, relocate
from melian.scenario.schema import Scenario, did_you_mean, unknown

__all__ = ["PARAMETERS", "check_parameters", "key_problem", "parameter_problems"]

#: Every model parameter: (default, meaning). Per-actor overrides use ``name.actor``.
PARAMETERS: dict[str, tuple[float, str]] = {
    "security_weight": (0.5, "w_S: weight of security in an actor's utility (Morrow 1991)"),
    "autonomy_weight": (
        float("nan"),
        "w_A: weight of autonomy; defaults to 1 - w_S (Morrow's trade-off as a convex combination)",
    ),
    "economy_weight": (1.0, "w_E: weight of the focal state's economic gains and losses"),
    "security_provision": (
        1.0,
        "q_j: share of j's capability that its support commits to the partner's defence "
        "(a patron with no soldiers has a small q)",
    ),
    "influence": (
        0.5,
        "lambda_j: rate at which a supporting partner's capability pulls the focal state's policy "
        "toward the partner's positions (the autonomy the patron buys)",
    ),
    "aid": (0.0, "a_j: economic value to the focal state of j's full support (utility units)"),
    "harm": (
        0.0,
        "h_j: economic harm to the focal state of j's full hostility (sanctions, pressure)",
    ),
    "support_cost": (0.0, "k_j: cost to j of fully supporting the focal state"),
    "hostility_cost": (0.0, "m_j: cost to j of fully sanctioning or pressuring the focal state"),
    "contest_stake": (
        0.5,
        "gamma_j: stake of contestant j in the regional contest over the focal state",
    ),
    "abandonment_risk": (
        0.3,
        "rho_j: base probability that partner j abandons the focal state when needed (Snyder 1984)",
    ),
    "entrapment_risk": (
        0.3,
        "epsilon_j: scale of the risk of being drawn into a partner's conflict (Snyder 1984)",
    ),
    "threat_multiplier": (
        1.0,
        "multiplies every perceived threat level of a target (shocks use it)",
    ),
    "hostile_threat": (
        0.5,
        "eta_j: share of the remaining gap to threat level 1 by which j's full hostility raises the "
        "focal state's perceived threat from j",
    ),
    "posture": (
        float("nan"),
        "posture of a non-player actor toward the focal state: default 1 for alternative patrons "
        "(they accept alignment offered), 0 for everyone else",
    ),
    "conflict": (
        float("nan"),
        "conflict.j.k: intensity of the conflict between contestants j and k; defaults to the mean of "
        "their mutual threat levels",
    ),
}

#: The parameter read for a pair of actors only (``conflict.j.k``).
PAIR_PARAMETERS = ("conflict",)


def key_problem(key: str, actors: list[str] | tuple[str, ...]) -> str | None:
    """What is wrong with one key of ``game.parameters`` (None: the model reads it).

    Parameters
    ----------
    key : str
        The key as written (``security_provision.us``, ``conflict.us.rival``...).
    actors : sequence of str
        The scenario's actor ids.

    Returns
    -------
    str or None
        The message (``unknown game parameter 'x' (did you mean 'y'?)``, ``unknown actor 'a'
        (did you mean 'b'?)``...), or None for a key the payoff model reads.
    """
    name, _, rest = key.partition(".")
    if name not in PARAMETERS:
        hint = did_you_mean(name, list(PARAMETERS))
        known = "" if hint else f" (known: {', '.join(sorted(PARAMETERS))})"
        return unknown("game parameter", name, set(PARAMETERS), known)
    if name in PAIR_PARAMETERS:
        return _pair_problem(name, rest, actors)
    if not rest or rest in actors:
        return None
    parts = rest.split(".")
    if len(parts) > 1 and all(p in actors for p in parts):
        return (
            f"game parameter {name!r} is read for every actor ({name}) or for one actor "
            f"({name}.<actor>), not for {len(parts)} actors"
        )
    return unknown("actor", rest, set(actors))


def _pair_problem(name: str, rest: str, actors: list[str] | tuple[str, ...]) -> str | None:
    """The problem of a ``conflict.j.k`` key (``rest`` is ``j.k``), None if it is read."""
    form = f"{name}.<actor>.<actor> (the conflict between two actors)"
    if "." not in rest:
        return f"game parameter {name!r} is read for a pair of actors only: {form}"
    splits = [(rest[:i], rest[i + 1 :]) for i, c in enumerate(rest) if c == "."]
    for j, k in splits:
        if j in actors and k in actors:
            if j == k:
                return f"{name}.{j}.{k} is the conflict of {j!r} with itself, never read: {form}"
            return None
    j, k = splits[0]
    bad = j if j not in actors else k
    return unknown("actor", bad, set(actors))


def parameter_problems(scenario: Scenario) -> list[Problem]:
    """Every key of the scenario's ``game.parameters`` the payoff model does not read.

    Parameters
    ----------
    scenario : Scenario
        The scenario (without a game section: no problem).

    Returns
    -------
    list of Problem
        One per key, at ``game.parameters.KEY`` (not yet located in the file: see
        :func:`melian.scenario.locate.relocate`), with the message of :func:`key_problem`.
    """
    g = scenario.game
    if g is None:
        return []
    actors = [a.id for a in scenario.actors]
    out = []
    for key in g.parameters:
        msg = key_problem(key, actors)
        if msg is not None:
            out.append(Problem(display_name(scenario), None, None, f"game.parameters.{key}", msg))
    return out


def check_parameters(scenario: Scenario) -> None:
    """Raise :class:`~melian.errors.InputError` listing every unread ``game.parameters`` key.

    Parameters
    ----------
    scenario : Scenario
        The scenario whose game is about to be built.

    Raises
    ------
    melian.errors.InputError
        Some key names no game parameter or no actor of the scenario (each problem located
        in the scenario's file, as ``file:line:column: game.parameters.KEY: message``).
    """
    problems = parameter_problems(scenario)
    if problems:
        raise InputError(relocate(scenario, problems))
