"""Analytic test functions with known answers, to verify and benchmark the explore machinery.

* :func:`ishigami`: the Ishigami-Homma function (Ishigami & Homma 1990, "An importance
  quantification technique in uncertainty analysis for computer models", ISUMA '90), the standard
  check of Sobol estimators, with analytic first-order and total indices
  (:func:`ishigami_indices`; Saltelli et al. 2008, *Global Sensitivity Analysis: The Primer*,
  p. 179).
* :func:`planted_box`: two options whose ranking flips exactly inside a known box of the
  parameter space, the check that scenario discovery recovers it (:func:`noisy_planted_box`:
  the same under path noise);
* :func:`noisy_ramp`: two options whose difference moves smoothly with one input, under path
  noise, the check of the paths allocated per future (:func:`noisy_ramp_event`: with an event
  probability beside it, the check that estimates of a probability stay in [0, 1]).

They follow the model-function contract of :class:`melian.explore.model.ExploratoryModel`.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np

from melian.explore.model import ExploratoryModel
from melian.scenario.schema import Distribution


def ishigami(
    context: Any,
    option: str,
    samples: dict[str, np.ndarray],
    seed: int,  # noqa: ANN401
) -> dict[str, np.ndarray]:
    """``y = sin x1 + a sin^2 x2 + b x3^4 sin x1`` (a, b from ``context``; ``shift`` per option).

    ``context`` is ``{"a": float, "b": float, "shift": {option: float}, "noise": float}``; a
    non-zero ``noise`` adds seeded Gaussian noise (to test seed handling across chunks).
    """
    a, b = float(context["a"]), float(context["b"])
    x1, x2, x3 = samples["x1"], samples["x2"], samples["x3"]
    y = np.sin(x1) + a * np.sin(x2) ** 2 + b * x3**4 * np.sin(x1)
    y = y + float(context.get("shift", {}).get(option, 0.0))
    noise = float(context.get("noise", 0.0))
    if noise > 0:
        y = y + noise * np.random.default_rng(seed).standard_normal(y.shape[0])
    return {"y": y}


def ishigami_indices(a: float = 7.0, b: float = 0.1) -> dict[str, dict[str, float]]:
    """Analytic first-order (S1) and total (ST) Sobol indices of the Ishigami function.

    With x_i ~ U(-pi, pi): V1 = (1 + b pi^4 / 5)^2 / 2, V2 = a^2 / 8, V3 = 0,
    V13 = 8 b^2 pi^8 / 225, V = V1 + V2 + V13.
    """
    pi = math.pi
    v1 = 0.5 * (1 + b * pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = 8 * b**2 * pi**8 / 225
    v = v1 + v2 + v13
    return {
        "S1": {"x1": v1 / v, "x2": v2 / v, "x3": 0.0},
        "ST": {"x1": (v1 + v13) / v, "x2": v2 / v, "x3": v13 / v},
    }


def ishigami_model(
    a: float = 7.0, b: float = 0.1, options: tuple[str, ...] = ("base",), noise: float = 0.0
) -> ExploratoryModel:
    """The Ishigami function as an :class:`ExploratoryModel` (options shift the output by 0, 1, ...)."""
    d = Distribution(dist="uniform", low=-math.pi, high=math.pi)
    names = ("x1", "x2", "x3")
    return ExploratoryModel(
        name="ishigami",
        function=ishigami,
        context={
            "a": a,
            "b": b,
            "shift": {o: float(i) for i, o in enumerate(options)},
            "noise": noise,
        },
        uncertainties=names,
        options=options,
        distributions={o: dict.fromkeys(names, d) for o in options},
        outcomes={"y": "max"},
        recommended=options[0],
    )


def planted_box(
    context: Any,
    option: str,
    samples: dict[str, np.ndarray],
    seed: int,  # noqa: ANN401
) -> dict[str, np.ndarray]:
    """Option ``rec`` scores 1 everywhere; ``alt`` scores 2 inside the box, 0 outside.

    ``context["box"]`` maps parameter names to (low, high); the other parameters are free.
    """
    n = next(iter(samples.values())).shape[0]
    inside = np.ones(n, dtype=bool)
    for name, (lo, hi) in context["box"].items():
        inside &= (samples[name] >= lo) & (samples[name] <= hi)
    if option == "rec":
        return {"value": np.ones(n)}
    return {"value": np.where(inside, 2.0, 0.0)}


def planted_box_model(box: dict[str, tuple[float, float]], k: int = 5) -> ExploratoryModel:
    """A ``k``-parameter model (``p0`` .. ``p{k-1}`` uniform on [0, 1]) with the ranking
    of ``rec`` and ``alt`` flipped inside ``box``.
    """
    return _ranked_model("planted-box", planted_box, {"box": box}, k, monte_carlo=False)


def noisy_planted_box(
    context: Any,
    option: str,
    samples: dict[str, np.ndarray],
    seed: int,  # noqa: ANN401
) -> dict[str, np.ndarray]:
    """A Monte Carlo version of :func:`planted_box` with per-path outputs.

    Path ``j`` of future ``s`` of option ``o`` is ``mean_o(s) + common * e_j + own * f_{o,j}``:
    ``e_j`` shared by every option (the noise common random numbers cancel), ``f_{o,j}`` the
    option's own (what they cannot cancel); both are the same in every future (the world
    model's design). ``mean_rec = 0.5``; ``mean_alt = 0.5 + delta`` inside the box and
    ``0.5 - delta`` outside. With ``context["crn"]`` False the common part is drawn per option
    too (independent streams). ``context``: ``box``, ``delta``, ``common``, ``own``, ``paths``,
    ``crn``, and ``per_path``/``path_outcomes`` as :mod:`melian.explore.mcerror` sets them.
    """
    n = next(iter(samples.values())).shape[0]
    m = int(context["paths"])
    inside = np.ones(n, dtype=bool)
    for name, (lo, hi) in context["box"].items():
        inside &= (samples[name] >= lo) & (samples[name] <= hi)
    delta = float(context["delta"])
    mean = np.full(n, 0.5) if option == "rec" else np.where(inside, 0.5 + delta, 0.5 - delta)
    okey = sum(option.encode())  # a small stable key of the option
    crn = bool(context.get("crn", True))
    e = np.random.default_rng([int(seed), 0 if crn else okey]).standard_normal(m)
    f = np.random.default_rng([int(seed), 1, okey]).standard_normal(m)
    y = mean[:, None] + float(context["common"]) * e[None, :] + float(context["own"]) * f[None, :]
    out = {"value": y.mean(axis=1)}
    if context.get("per_path") and "value" in context.get("path_outcomes", ()):
        out["paths:value"] = y
    return out


def noisy_planted_box_model(
    box: dict[str, tuple[float, float]],
    k: int = 5,
    *,
    delta: float = 0.05,
    common: float = 1.0,
    own: float = 0.2,
    paths: int = 8,
    crn: bool = True,
) -> ExploratoryModel:
    """:func:`noisy_planted_box` as an exploratory model with per-path outputs."""
    context = {"box": box, "delta": delta, "common": common, "own": own, "paths": paths, "crn": crn}
    return _ranked_model("noisy-planted-box", noisy_planted_box, context, k)


def noisy_ramp(
    context: Any,
    option: str,
    samples: dict[str, np.ndarray],
    seed: int,  # noqa: ANN401
) -> dict[str, np.ndarray]:
    """Two options whose difference moves smoothly with ``p0``, under path noise.

    Path ``j`` of future ``s`` is ``mean_o(s) + own * f_{o,j}``, the noise the same in every
    future (common random numbers) and each option's own; ``mean_rec = 0.5`` and ``mean_alt =
    0.5 + slope (p0 - 0.8)``: the recommendation leads by ``0.8 slope`` at ``p0 = 0`` and trails
    by ``0.2 slope`` at ``p0 = 1``, so futures near ``p0 = 0.8`` need many paths to rank and the
    others few (the check of the paths allocated per future, :mod:`melian.explore.mcerror`).
    ``context``: ``slope``, ``own``, ``paths``, and ``per_path`` as :mod:`melian.explore.mcerror`
    sets it; with ``far``, a third option ``far`` of mean ``0.5 - far`` everywhere (an option
    the recommendation leads in every future, with its own noise).
    """
    n = samples["p0"].shape[0]
    m = int(context["paths"])
    slope = float(context["slope"])
    if option == "far":
        mean = np.full(n, 0.5 - float(context["far"]))
    else:
        mean = np.full(n, 0.5) if option == "rec" else 0.5 + slope * (samples["p0"] - 0.8)
    stream = {"alt": 0, "rec": 1, "far": 2}[option]
    f = np.random.default_rng([int(seed), 1, stream]).standard_normal(m)
    y = mean[:, None] + float(context["own"]) * f[None, :]
    out = {"value": y.mean(axis=1)}
    if context.get("per_path"):
        out["paths:value"] = y
    return out


def noisy_ramp_model(
    k: int = 2,
    *,
    slope: float = 0.5,
    own: float = 0.05,
    paths: int = 8,
    far: float | None = None,
) -> ExploratoryModel:
    """:func:`noisy_ramp` as an exploratory model with per-path outputs (and the option
    ``far`` when ``far`` is given).
    """
    context = {"slope": slope, "own": own, "paths": paths, "far": far}
    options = ("rec", "alt") if far is None else ("rec", "alt", "far")
    return _ranked_model("noisy-ramp", noisy_ramp, context, k, options)


def noisy_ramp_event(
    context: Any,
    option: str,
    samples: dict[str, np.ndarray],
    seed: int,  # noqa: ANN401
) -> dict[str, np.ndarray]:
    """:func:`noisy_ramp` with an event probability ``p_event`` beside ``value``.

    On path ``j`` of every future and option the same uniform ``v_j`` is drawn (common random
    numbers); option ``o``'s event happens where ``v_j < q_o``: ``q_rec = 0.8 + 0.15 p1`` (so
    ``rec``'s event happens on most paths), ``q_alt = 0`` (never), ``q_far = 1`` (on every
    path). The per-path outputs are the event's indicators (``paths:p_event``), as the world
    model gives them.
    """
    out = noisy_ramp(context, option, samples, seed)
    n, m = samples["p1"].shape[0], int(context["paths"])
    v = np.random.default_rng([int(seed), 7]).random(m)
    q = {"rec": 0.8 + 0.15 * samples["p1"], "alt": np.zeros(n), "far": np.ones(n)}[option]
    event = (v[None, :] < np.asarray(q, dtype=float)[:, None]).astype(float)
    out["p_event"] = event.mean(axis=1)
    if context.get("per_path") and "p_event" in context.get("path_outcomes", ()):
        out["paths:p_event"] = event
    return out


def noisy_ramp_event_model(*, far: float = 0.3, paths: int = 8) -> ExploratoryModel:
    """:func:`noisy_ramp_event` as an exploratory model (two inputs; options ``rec``, ``alt``
    and ``far``), ranked on ``value`` alone, with ``p_event`` an event probability to minimise.
    """
    base = _ranked_model(
        "noisy-ramp-event",
        noisy_ramp_event,
        {"slope": 0.5, "own": 0.05, "paths": paths, "far": far},
        2,
        ("rec", "alt", "far"),
    )
    return replace(base, outcomes={"value": "max", "p_event": "min"}, probabilities=("p_event",))


def _ranked_model(
    name: str,
    function: Any,  # noqa: ANN401
    context: dict[str, Any],
    k: int,
    options: tuple[str, ...] = ("rec", "alt"),
    *,
    monte_carlo: bool = True,
) -> ExploratoryModel:
    """A model of ``k`` uniform inputs ``p0``.. and the ``options`` (``rec``, ``alt``, ...)
    ranked on ``value``; with ``monte_carlo``, with common random numbers and per-path outputs.
    """
    names = tuple(f"p{i}" for i in range(k))
    d = Distribution(dist="uniform", low=0.0, high=1.0)
    return ExploratoryModel(
        name=name,
        function=function,
        context=context,
        uncertainties=names,
        options=options,
        distributions={o: dict.fromkeys(names, d) for o in options},
        outcomes={"value": "max"},
        recommended="rec",
        weights={"value": 1.0},
        common_random_numbers=monte_carlo,
        path_outputs=monte_carlo,
    )
