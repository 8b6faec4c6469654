"""Turn a scenario's agenda into the arrays the bargaining models work on."""

from __future__ import annotations

import numpy as np

from melian.bargaining.base import BargainingProblem
from melian.errors import ModelError
from melian.scenario.capability import actor_clout, issue_clouts
from melian.scenario.schema import Scenario


def problem_from_scenario(s: Scenario, issues: list[str] | None = None) -> BargainingProblem:
    """Actors x issues arrays for the scenario's agenda (or the named ``issues``).

    Only actors that sit at the table (``at_table``) and hold a position on at least one selected
    issue take part. Saliences are divided by the scenario's salience-scale maximum; a missing
    position is ``nan``. Actors are weighed by their **clout** (:func:`melian.scenario.capability.
    issue_clouts`: a position's ``power``, else ``clout.issues``, else the clout's value, else the
    material capability when the scenario declares no clout). ``capability`` holds each actor's
    all-issue clout (with one selected issue: its clout on that issue; for an actor whose clout is
    per-issue only: the mean over the selected issues where it holds a position). Where the clout
    on an issue differs from that, ``meta['power']`` (actors x issues, ``nan`` where the same or
    no position) carries it; :func:`melian.bargaining.forecast` then forecasts issue by issue.
    """
    chosen = [i for i in s.issues if issues is None or i.id in issues]
    if issues is not None:
        unknown = set(issues) - {i.id for i in s.issues}
        if unknown:
            raise ModelError(
                f"scenario {s.id!r} has no issue(s) {', '.join(sorted(unknown))}; "
                f"issues: {', '.join(i.id for i in s.issues)}"
            )
    if not chosen:
        raise ModelError(f"scenario {s.id!r} has no agenda issues to forecast")
    clouts = issue_clouts(s)
    table = [a for a in s.actors if a.at_table]
    held = {p.actor for i in chosen for p in i.positions}
    actors = [a.id for a in table if a.id in held]
    if not actors:
        raise ModelError(
            f"no actor at the table holds a position on {', '.join(i.id for i in chosen)}"
        )
    idx = {a: k for k, a in enumerate(actors)}
    n, m = len(actors), len(chosen)
    pos = np.full((n, m), np.nan)
    sal = np.full((n, m), np.nan)
    clout = np.full((n, m), np.nan)
    smax = s.salience_scale.max
    for j, iss in enumerate(chosen):
        for p in iss.positions:
            if p.actor in idx:
                pos[idx[p.actor], j] = p.position
                sal[idx[p.actor], j] = p.salience / smax
                clout[idx[p.actor], j] = clouts[iss.id][p.actor]
    if m == 1:
        base = clout[:, 0].copy()
    else:
        by_id = {a.id: a for a in table}
        base = np.array([actor_clout(by_id[a]) for a in actors], dtype=float)
        for k in np.flatnonzero(np.isnan(base)):  # per-issue clout only
            base[k] = float(np.nanmean(clout[k]))
    if not np.all(np.isfinite(clout[~np.isnan(pos)])) or not np.all(np.isfinite(base)):
        bad = [a for k, a in enumerate(actors) if not np.isfinite(base[k])]
        raise ModelError(f"no clout for actor(s) {', '.join(bad)} on the selected issues")
    power = np.where(np.isclose(clout, base[:, None], rtol=1e-12, atol=0.0), np.nan, clout)
    scale = np.array([[i.scale.min, i.scale.max] for i in chosen], dtype=float)
    ref = np.array([np.nan if i.status_quo is None else i.status_quo.value for i in chosen])
    meta: dict[str, object] = {"scenario": s.id}
    if not np.all(np.isnan(power)):
        meta["power"] = power
    return BargainingProblem(
        actors=tuple(actors),
        issues=tuple(i.id for i in chosen),
        capability=base,
        position=pos,
        salience=sal,
        scale=scale,
        reference=ref,
        name=s.metadata.title,
        meta=meta,
    )
