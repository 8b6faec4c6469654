"""A commented scenario skeleton: every section of scenario format v1 and the chosen world components.

``melian scenarios new ID --components kind,kind`` writes it. Each fact the author must supply is
the placeholder ``TODO`` with a comment saying what goes there (type, admissible range, unit and
meaning, taken from the component registry's declarations for world parameters). Until every
``TODO`` is replaced the scenario fails validation with one located message per placeholder
(:func:`melian.scenario.loader.validate_data`); filled with admissible values it validates, and
its world passes the world model's checks (:func:`melian.world.engine.check`).

The comment of every placeholder starts with the kind of value it wants, in one of these forms
(a program can fill a skeleton from them): ``text``, ``date YYYY-MM-DD``, ``number``,
``number in [LOW, HIGH]``, ``number >= LOW``, ``number > LOW``, ``number <= HIGH``,
``one of: A, B``, ``file``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from melian.errors import InputError, Problem
from melian.scenario.loader import PLACEHOLDER
from melian.scenario.schema import Id
from melian.world.components import KINDS
from melian.world.components.base import Kind
from melian.world.spec import ParamSpec

__all__ = ["skeleton"]

#: The skeleton's actors: (id, role described in the comment).
ACTORS = (
    ("focal", "the actor whose options are analysed (the one the brief advises)"),
    ("partner", "a patron or partner the focal actor negotiates with"),
    ("rival", "a rival of the partner with a stake in the outcome"),
)
T = PLACEHOLDER


def _num(v: float) -> str:
    return f"{v:g}" if math.isfinite(v) else str(v)


def _range(p: ParamSpec) -> str:
    """The admissible range of a parameter as a placeholder hint."""
    if p.low is not None and p.high is not None:
        return f"number in [{_num(p.low)}, {_num(p.high)}]"
    if p.low is not None:
        return f"number >= {_num(p.low)}"
    if p.high is not None:
        return f"number <= {_num(p.high)}"
    return "number"


def _check_id(scenario_id: str) -> None:
    from pydantic import TypeAdapter, ValidationError  # lazy: only to check the id

    try:
        TypeAdapter(Id).validate_python(scenario_id)
    except ValidationError:
        raise InputError(
            [
                Problem(
                    "ID",
                    None,
                    None,
                    "",
                    f"{scenario_id!r} is not a valid scenario id (lower-case letters, digits, "
                    "'-' and '_', starting with a letter)",
                )
            ]
        ) from None


def _component_ids(kinds: Sequence[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for k in kinds:
        seen[k] = seen.get(k, 0) + 1
        out.append(k if seen[k] == 1 else f"{k}_{seen[k]}")
    return out


def _exposes(K: type[Kind], states: tuple[str, ...]) -> bool:
    have = {s.name for s in K.STATES}
    return states == ("*",) or set(states) <= have


def _kinds_exposing(states: tuple[str, ...]) -> list[str]:
    return sorted(k for k, K in KINDS.items() if _exposes(K, states))


def _inputs(cid: str, K: type[Kind], comps: list[tuple[str, type[Kind]]]) -> list[str]:
    """The ``inputs:`` lines of a component: required roles bound, optional ones commented."""
    lines: list[str] = []
    for spec in K.INPUTS:
        ups = [c for c, U in comps if c != cid and _exposes(U, spec.states)]
        reads = "any state" if spec.states == ("*",) else ", ".join(spec.states)
        what = f"{spec.meaning} (reads {reads}"
        what += f"; kinds: {', '.join(_kinds_exposing(spec.states))})"
        if spec.required:
            if not ups:
                raise InputError(
                    [
                        Problem(
                            "--components",
                            None,
                            None,
                            "",
                            f"{K.kind} reads {reads} through its input {spec.role!r} from a "
                            "component of kind "
                            f"{' or '.join(_kinds_exposing(spec.states))}: add one to --components",
                        )
                    ]
                )
            val = f"[{ups[0]}]" if spec.many else ups[0]
            lines.append(f"        {spec.role}: {val}   # {what}")
        else:
            val = f"[{', '.join(ups)}]" if spec.many else (ups[0] if ups else "COMPONENT_ID")
            lines.append(f"        # {spec.role}: {val}   # optional: {what}")
    if not lines:
        return []
    if all(ln.lstrip().startswith("#") for ln in lines):
        return ["      # inputs:   (optional; uncomment to connect)", *lines]
    return ["      inputs:", *lines]


def _parameters(K: type[Kind]) -> list[str]:
    lines = ["      parameters:"]
    for p in K.PARAMS:
        hint = f"{_range(p)} {p.unit}: {p.meaning}"
        if p.required:
            lines.append(f"        {p.path}:")
            lines.append(f"          value: {T}   # {hint}")
            lines.append(f"          unit: {_yaml_text(p.unit)}")
            lines.append(
                "          source: analyst   # a source id; a document's id when it has one"
            )
            lines.append("          judgement: true   # false when the source states the number")
            lines.append("          confidence: low   # low, medium or high")
        else:
            lines.append(
                f"        # {p.path}: {{value: {_num(float(p.default))}, "  # type: ignore[arg-type]
                f"unit: {_yaml_text(p.unit)}, source: analyst}}   # optional, default "
                f"{_num(float(p.default))}: {_range(p)} {p.unit}: {p.meaning}"  # type: ignore[arg-type]
            )
    if len(lines) == 1:
        return ["      parameters: {}"]
    return lines


def _yaml_text(s: str) -> str:
    """A YAML scalar for ``s`` (quoted when YAML would read it otherwise)."""
    plain = s and not any(c in s for c in ":#{}[],&*!|>'\"%@`") and s.strip() == s
    return s if plain else '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _world(kinds: Sequence[str]) -> tuple[list[str], list[str]]:
    """The ``world:`` section's lines and the names of the outcomes it declares."""
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise InputError(
            [
                Problem(
                    "--components",
                    None,
                    None,
                    "",
                    f"unknown component kind {k!r} (kinds: {', '.join(sorted(KINDS))})",
                )
                for k in unknown
            ]
        )
    ids = _component_ids(kinds)
    comps = [(cid, KINDS[k]) for cid, k in zip(ids, kinds, strict=True)]
    lines = [
        "# The consequences model: the components this dialogue needs, each an instance of a kind",
        "# of the registry (docs/models/world.md lists the kinds and says what each computes).",
        "# Amounts of money are in billions of the scenario's currency of account.",
        "world:",
    ]
    datasets = [(cid, d) for cid, K in comps for d in K.DATASETS]
    if datasets:
        lines.append("  datasets:   # data files, found beside this scenario file")
        for cid, d in datasets:
            lines.append(f"    {cid}_{d.role}:")
            lines.append(f"      file: {T}   # file: path relative to this file; {d.content}")
            lines.append("      source: analyst   # the source id of the data's publisher")
    lines.append("  components:")
    outcomes: list[str] = []
    taken: set[str] = set()
    for cid, K in comps:
        lines.append(f"    - id: {cid}")
        lines.append(f"      kind: {K.kind}")
        lines.append(f"      name: {T}   # text: what this {K.title or K.kind} stands for here")
        if K.DESIRABLE:
            lines.append(
                "      # desirable: true   # optional: the event is wanted (more likely is "
                "better); default false, an event to avoid"
            )
        renames = []
        for local in [o.name for o in K.OUTCOMES] + [e.name for e in K.EVENTS]:
            name = local if local not in taken else f"{cid}_{local}"
            taken.add(name)
            if name != local:
                renames.append(f"{local}: {name}")
        outcomes += [
            next((r.split(": ")[1] for r in renames if r.startswith(f"{o.name}: ")), o.name)
            for o in K.OUTCOMES
        ]
        if renames:
            lines.append(f"      names: {{{', '.join(renames)}}}   # unique outcome names")
        if K.ACTORS:
            lines.append(
                "      actors:" if any(a.required for a in K.ACTORS) else "      # actors:"
            )
            for a in K.ACTORS:
                if a.required:
                    ids = ", ".join(
                        x
                        for x, _ in ACTORS
                        if not any(r == a.role for r, _ in K.actor_problems({a.role: x}, "focal"))
                    )
                    lines.append(f"        {a.role}: {T}   # one of: {ids} ({a.meaning})")
                else:
                    lines.append(f"        # {a.role}: ACTOR_ID   # optional: {a.meaning}")
        if K.DATASETS:
            lines.append("      datasets:")
            for d in K.DATASETS:
                lines.append(f"        {d.role}: {cid}_{d.role}")
        lines += _inputs(cid, K, comps)
        lines += _parameters(K)
    return lines, outcomes


def skeleton(scenario_id: str, components: Sequence[str] = ()) -> str:
    """
    The text of a commented scenario skeleton (scenario format v1) with the given world components.

    Parameters
    ----------
    scenario_id : str
        The new scenario's id (``metadata.id``).
    components : sequence of str
        Component kinds of the registry (:data:`melian.world.components.KINDS`), in the order
        they are declared; a kind may be repeated. Empty: a scenario without a world (forecasts
        and the game only).

    Returns
    -------
    str
        YAML text: every section, every parameter of each component with its unit, admissible
        range and meaning, and ``TODO`` for each fact to fill in.

    Raises
    ------
    InputError
        An invalid id, an unknown kind, or a kind whose required input no chosen component
        provides (the message names the kinds to add).
    """
    _check_id(scenario_id)
    world, outcomes = _world(list(components)) if components else ([], [])
    out = [
        f"# Scenario {scenario_id}: a skeleton written by `melian scenarios new`.",
        f"# Replace every {T} with a value (the comment on its line says what goes there) and run",
        f"#   melian scenarios validate {scenario_id}.yaml",
        "# until it says 'valid'. The format: docs/scenario-format.md; a walk-through of a real",
        "# case: docs/guide-write-your-own-dialogue.md. Every number names its source (an id under",
        "# `sources`); mark your own estimates `judgement: true` with a confidence. Encode only",
        "# what was known at `as_of`. Ids (focal, partner, rival, issue_1 ...) may be renamed",
        "# everywhere they occur.",
        "",
        "metadata:",
        f"  id: {scenario_id}",
        f"  title: {T}   # text: the dialogue in a few words",
        f"  description: {T}   # text: what is negotiated, between whom, and why now",
        f"  as_of: {T}   # date YYYY-MM-DD: the cut-off; nothing later is encoded",
        "  seed: 1   # the seed of every random draw: same seed, same results",
        "",
        "# Where the numbers come from; every `source:` below names one of these ids.",
        "sources:",
        "  analyst:",
        f"    citation: {T}   # text: whose judgement (name, date)",
        "    kind: judgement",
        "  doc:",
        f"    citation: {T}   # text: a document you cite (author, title, date, address)",
        "    kind: document   # document, dataset, statement, judgement or derived",
        "",
        "# The actors. `capability`: material (military/economic) capability, read by the game and",
        "# the world; `clout`: weight at the bargaining table (default: the capability). Either",
        "# every actor gives a capability or none does; the same for clout.",
        "actors:",
    ]
    for aid, role in ACTORS:
        out += [
            f"  - id: {aid}   # {role}",
            f"    name: {T}   # text: the actor's name",
            "    kind: state   # state, faction, organisation or armed_group",
            "    capability:",
            f"      value: {T}   # number > 0: material capability (e.g. a COW CINC share)",
            "      source: doc",
            "      # or instead of value: {series: cow-cinc, code: COW_CODE, year: YEAR}",
        ]
    out += [
        "",
        "# The issues on the table, each on a scale whose ends the author names; every actor at",
        "# the table gives its position on the scale and the issue's salience to it (0-100).",
        "salience_scale: {min: 0, max: 100}",
        "issues:",
        "  - id: issue_1",
        f"    name: {T}   # text: what is decided",
        "    scale:",
        "      min: 0",
        "      max: 100",
        f"      low: {T}   # text: what the low end (0) means",
        f"      high: {T}   # text: what the high end (100) means",
        "    status_quo:",
        f"      value: {T}   # number in [0, 100]: where the issue stands at as_of",
        "      source: doc",
        "    positions:",
    ]
    for aid, _ in ACTORS:
        out += [
            f"      - actor: {aid}",
            f"        position: {T}   # number in [0, 100]: the outcome {aid} wants",
            f"        salience: {T}   # number in [0, 100]: how much the issue matters to {aid}",
            "        source: doc",
            "        confidence: medium   # low, medium or high",
        ]
    out += [
        "",
        "# Alliances and perceived threats (the game's security terms).",
        "relations:",
        "  alliances: []   # e.g. {a: partner, b: focal, defense: true, source: doc}",
        "  threats:",
        "    - perceiver: focal",
        "      target: rival",
        f"      level: {T}   # number in [0, 1]: how much focal fears rival",
        "      source: analyst",
        "      judgement: true",
        "",
        "# The focal actor's options: alignment with each outside power (-1 hostile .. 1 allied),",
        "# stance on the issues, and effects on world parameters (component.parameter: set/add/",
        "# multiply). An effect moves a declared parameter only: to move an optional parameter",
        "# (a commented line `# NAME: {value: ...}   # optional, default ...` above, such as a",
        "# lever), uncomment it under that component's parameters first. One option is the",
        "# status quo.",
        "focal:",
        "  actor: focal",
        "  options:",
    ]
    for oid, what, sq in (
        ("align", "an option that aligns with the partner", False),
        ("hold", "the status quo", True),
    ):
        out += [
            f"    - id: {oid}",
            f"      name: {T}   # text: {what}",
            *(["      status_quo: true"] if sq else []),
            "      alignment:",
            f"        partner: {T}   # number in [-1, 1]: alignment with partner",
            f"        rival: {T}   # number in [-1, 1]: alignment with rival",
            "      stance:",
            f"        issue_1: {T}   # number in [0, 100]: the focal actor's position under it",
            "      effects: {}   # e.g. {component.parameter: {multiply: 1.2, source: analyst}}",
            "      source: analyst",
            "      judgement: true",
        ]
    out.append("")
    if world:
        out += world
    else:
        out += [
            "# No world components: forecasts, the game, decide and explore work from the",
            "# bargaining forecasts and the game alone. `melian scenarios new ID --components",
            "# kind,kind` writes a world section (kinds: " + ", ".join(sorted(KINDS)) + ").",
            "world: {}",
        ]
    out += [
        "",
        "# The alliance game: the partner (patron) and the rival respond to the focal option.",
        "game:",
        "  patron: partner",
        "  rival: rival",
        "  players: [partner, rival]",
        "  responses:",
        "    partner:",
        "      - {id: support, name: Support, posture: 1}",
        "      - {id: disengage, name: Disengage, posture: 0}",
        "      - {id: punish, name: Punish, posture: -1}",
        "    rival:",
        "      - {id: accept, name: Accept, posture: 0}",
        "      - {id: pressure, name: Pressure, posture: -1}",
        "  # The payoff parameters (docs/models/games.md, section 2). WARNING: every parameter not",
        "  # declared here takes the default of the table there, e.g. security_provision (q) = 1: a",
        "  # supporting partner commits its WHOLE capability to the focal actor's defence. Declare",
        "  # those your case gives a view on, each with its source: NAME for every actor, NAME.ACTOR",
        "  # for one, conflict.ACTOR.ACTOR for a pair. A misspelled name or actor is an error.",
        "  # parameters:",
        "  #   security_weight.focal: {value: ..., source: analyst, judgement: true}   # in [0, 1]",
        "  #   security_provision.partner: {value: ..., source: doc}   # share of its capability",
        "  #   conflict.partner.rival: {value: ..., source: analyst, judgement: true}   # in [0, 1]",
        "",
        "# What the focal actor cares about: each criterion measures a declared world outcome, a",
        "# forecast, a game quantity or a judged score per option; weights sum to 1 (weights",
        "# that do not are divided by their sum, and validate and decide warn about it).",
        "criteria:",
    ]
    if outcomes:
        out += [
            "  - id: consequence",
            f"    name: {T}   # text: what the criterion measures",
            f"    direction: {T}   # one of: min, max",
            f"    weight: {T}   # number in [0, 1]: its weight",
            "    measure:",
            "      kind: world",
            f"      metric: {T}   # one of: {', '.join(outcomes)}",
            "      stat: mean   # mean, median, p05, p95, cvar95 or probability (of an event)",
            "    source: analyst",
            "    judgement: true",
        ]
    out += [
        "  - id: autonomy",
        f"    name: {T}   # text: a value judged per option",
        "    direction: max",
        f"    weight: {T}   # number in [0, 1]: its weight",
        "    measure:",
        "      kind: judgement",
        "      scores:",
        f"        align: {T}   # number in [0, 10]: the option's score",
        f"        hold: {T}   # number in [0, 10]: the option's score",
        "    source: analyst",
        "    judgement: true",
        "",
        "# Contested views (optional): other analysts' numbers as overrides of the paths above.",
        "views: []",
        "",
    ]
    return "\n".join(out)
