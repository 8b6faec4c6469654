"""Games built from a scenario: the normal form and the extensive form, and their Gambit files.

Normal form: the focal actor's options x each responding player's responses, played
simultaneously; chance (the scenario's shocks, independent events) is folded into expected
payoffs. Extensive form: nature first draws which shocks occur (if the scenario defines any), the
focal actor chooses an option having observed them, then each responding player, in the declared
move order, chooses a response having observed everything before (perfect information).

Both forms are written in Gambit's own file formats (``.nfg`` payoff format version 1 and
``.efg`` format version 2, as documented in the Gambit manual, "Game representation formats")
and read back with :func:`pygambit.read_nfg` / :func:`pygambit.read_efg`, so the files solved
here are exactly those exported.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Literal

import numpy as np

from melian.errors import LimitError, ModelError
from melian.games.payoffs import GameData, components, params_for

MAX_CONTINGENCIES = 200_000


def _q(text: str) -> str:
    """Quote a label for a Gambit file (double quotes escaped by a backslash)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _num(x: float) -> str:
    """A payoff as Gambit reads it: the shortest decimal that round-trips the float."""
    if not np.isfinite(x):
        raise ModelError(f"payoff {x} is not finite")
    r = repr(float(x))
    return "0" if r in ("0.0", "-0.0") else r.replace("e", "E") if "e" in r else r


# --------------------------------------------------------------------------- normal form
@dataclass(frozen=True)
class NormalForm:
    """An n-player game in strategic form.

    ``payoffs[i][s_1, ..., s_n]`` is player i's payoff; ``components[player][name]`` (optional)
    holds each named payoff component over the same grid.
    """

    title: str
    players: tuple[str, ...]
    strategies: tuple[tuple[str, ...], ...]
    payoffs: np.ndarray
    components: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    strategy_names: tuple[tuple[str, ...], ...] = ()

    def __post_init__(self) -> None:
        shape = tuple(len(s) for s in self.strategies)
        if self.payoffs.shape != (len(self.players), *shape):
            raise ModelError(
                f"payoff array {self.payoffs.shape} does not match the game "
                f"({len(self.players)} players, strategies {shape})"
            )
        if len(set(self.players)) != len(self.players):
            raise ModelError("player labels must be unique")

    @property
    def shape(self) -> tuple[int, ...]:
        """Number of strategies of each player."""
        return tuple(len(s) for s in self.strategies)

    def to_nfg(self) -> str:
        """The game in Gambit's .nfg payoff format (first player's strategy varies fastest)."""
        head = (
            f"NFG 1 R {_q(self.title)} {{ "
            + " ".join(_q(p) for p in self.players)
            + " }\n"
            + "{ "
            + " ".join("{ " + " ".join(_q(s) for s in st) + " }" for st in self.strategies)
            + " }\n"
            + '""\n\n'
        )
        vals: list[str] = []
        for prof in itertools.product(*(range(n) for n in reversed(self.shape))):
            idx = tuple(reversed(prof))
            vals.extend(_num(self.payoffs[(i, *idx)]) for i in range(len(self.players)))
        return head + " ".join(vals) + "\n"

    def to_gambit(self) -> Any:  # noqa: ANN401
        """The game as a pygambit game, read from its own .nfg text."""
        import pygambit as gbt

        return gbt.read_nfg(io.StringIO(self.to_nfg()))

    def profiles(self) -> Iterator[tuple[int, ...]]:
        """Every pure-strategy profile (index tuple)."""
        return itertools.product(*(range(n) for n in self.shape))


# --------------------------------------------------------------------------- extensive form
NodeKind = Literal["chance", "move", "terminal"]


@dataclass
class Node:
    """A node of a game tree; ``infoset`` groups a player's nodes into information sets."""

    kind: NodeKind
    label: str = ""
    player: str | None = None
    actions: tuple[str, ...] = ()
    children: list[Node] = field(default_factory=list)
    probs: tuple[Fraction, ...] = ()
    payoffs: np.ndarray | None = None
    components: dict[str, dict[str, float]] | None = None
    infoset: int | None = None

    def walk(self, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Node]]:
        """Pre-order traversal yielding (action path from the root, node)."""
        yield path, self
        for a, c in zip(self.actions, self.children, strict=True):
            yield from c.walk((*path, a))


@dataclass
class ExtensiveForm:
    """A finite game tree with chance moves; perfect information unless infosets are shared."""

    title: str
    players: tuple[str, ...]
    root: Node

    def nodes(self) -> Iterator[tuple[tuple[str, ...], Node]]:
        """Every node with its action path."""
        return self.root.walk()

    @property
    def perfect_information(self) -> bool:
        """True if every information set has a single node."""
        seen: set[tuple[str | None, int | None]] = set()
        for _, n in self.nodes():
            if n.kind == "move" and n.infoset is not None:
                key = (n.player, n.infoset)
                if key in seen:
                    return False
                seen.add(key)
        return True

    def to_efg(self) -> str:
        """The tree in Gambit's .efg format (version 2)."""
        pl = {p: i + 1 for i, p in enumerate(self.players)}
        lines = [
            f"EFG 2 R {_q(self.title)} {{ " + " ".join(_q(p) for p in self.players) + " }",
            '""',
            "",
        ]
        counters: dict[str, int] = {}
        infoset_no: dict[tuple[str, int], int] = {}
        chance_no = 0
        outcome_no = 0
        for path, n in self.nodes():
            label = "/".join(path)  # node labels must be unique within a Gambit game
            if n.kind == "terminal":
                outcome_no += 1
                pays = " ".join(_num(v) for v in n.payoffs)  # type: ignore[union-attr]
                lines.append(f't {_q(label)} {outcome_no} "" {{ {pays} }}')
            elif n.kind == "chance":
                chance_no += 1
                acts = " ".join(
                    f"{_q(a)} {p.numerator}/{p.denominator}"
                    for a, p in zip(n.actions, n.probs, strict=True)
                )
                lines.append(f'c {_q(label)} {chance_no} "" {{ {acts} }} 0')
            else:
                player = n.player or ""
                if n.infoset is None:
                    counters[player] = counters.get(player, 0) + 1
                    num = counters[player]
                else:
                    key = (player, n.infoset)
                    if key not in infoset_no:
                        counters[player] = counters.get(player, 0) + 1
                        infoset_no[key] = counters[player]
                    num = infoset_no[key]
                acts = " ".join(_q(a) for a in n.actions)
                lines.append(f'p {_q(label)} {pl[player]} {num} "" {{ {acts} }} 0')
        return "\n".join(lines) + "\n"

    def to_gambit(self) -> Any:  # noqa: ANN401
        """The tree as a pygambit game, read from its own .efg text."""
        import pygambit as gbt

        return gbt.read_efg(io.StringIO(self.to_efg()))


def exact_probs(ps: Sequence[float]) -> tuple[Fraction, ...]:
    """Probabilities as fractions summing to exactly one (the last one absorbs rounding)."""
    fr = [Fraction(p).limit_denominator(10**6) for p in ps[:-1]]
    last = 1 - sum(fr, Fraction(0))
    if last < 0 or any(f < 0 for f in fr):
        raise ModelError(f"probabilities {list(ps)} do not form a distribution")
    return (*fr, last)


# --------------------------------------------------------------------------- from a scenario
def shock_states(data: GameData) -> list[tuple[tuple[bool, ...], float, str]]:
    """Every combination of the (independent) shocks with its probability and a label."""
    out = []
    for on in itertools.product((False, True), repeat=len(data.shocks)):
        prob = 1.0
        for flag, sh in zip(on, data.shocks, strict=True):
            prob *= sh.probability if flag else 1.0 - sh.probability
        label = "+".join(sh.id for flag, sh in zip(on, data.shocks, strict=True) if flag) or "none"
        out.append((on, prob, label))
    return out


def _check_size(data: GameData) -> None:
    n = len(data.options) * int(np.prod([len(data.responses[p]) for p in data.players]))
    if n * 2 ** len(data.shocks) > MAX_CONTINGENCIES:
        raise LimitError(
            f"the game has {n} contingencies x {2 ** len(data.shocks)} shock states; "
            f"the cap is {MAX_CONTINGENCIES}"
        )


LeafTable = dict[tuple[int, tuple[int, ...]], dict[str, dict[str, float]]]


def leaf_components(data: GameData) -> LeafTable:
    """Payoff components at every (shock state, pure profile): computed once, used by both forms."""
    _check_size(data)
    shape = (len(data.options), *(len(data.responses[p]) for p in data.players))
    out: LeafTable = {}
    for k, (on, _, _) in enumerate(shock_states(data)):
        per_option = {o: params_for(data, o, on) for o in data.options}
        for prof in itertools.product(*(range(n) for n in shape)):
            out[(k, prof)] = components(data, prof[0], prof[1:], per_option[data.options[prof[0]]])
    return out


def normal_form(data: GameData, leaves: LeafTable | None = None) -> NormalForm:
    """The normal-form alliance game: options x responses, shocks folded into expected payoffs."""
    leaves = leaves if leaves is not None else leaf_components(data)
    players = data.all_players
    strategies = (data.options, *(tuple(r.id for r in data.responses[p]) for p in data.players))
    names = (data.option_names, *(tuple(r.name for r in data.responses[p]) for p in data.players))
    shape = tuple(len(s) for s in strategies)
    pay = np.zeros((len(players), *shape))
    comps: dict[str, dict[str, np.ndarray]] = {}
    for k, (_, prob, _) in enumerate(shock_states(data)):
        if prob == 0.0:
            continue
        for prof in itertools.product(*(range(n) for n in shape)):
            c = leaves[(k, prof)]
            for i, pl in enumerate(players):
                pay[(i, *prof)] += prob * c[pl]["total"]
                for name, v in c[pl].items():
                    if name != "total":
                        arr = comps.setdefault(pl, {}).setdefault(name, np.zeros(shape))
                        arr[prof] += prob * v
    title = f"{data.scenario_id}: alliance game ({data.framing})"
    return NormalForm(title, players, strategies, pay, comps, names)


def extensive_form(data: GameData, leaves: LeafTable | None = None) -> ExtensiveForm:
    """The extensive-form alliance game (chance -> focal -> responders in order, perfect info)."""
    leaves = leaves if leaves is not None else leaf_components(data)
    players = data.all_players

    def responder_subtree(level: int, opt: int, chosen: tuple[int, ...], k: int) -> Node:
        if level == len(data.players):
            c = leaves[(k, (opt, *chosen))]
            pays = np.array([c[p]["total"] for p in players])
            return Node(
                "terminal",
                label="/".join(
                    [
                        data.options[opt],
                        *(
                            data.responses[p][r].id
                            for p, r in zip(data.players, chosen, strict=True)
                        ),
                    ]
                ),
                payoffs=pays,
                components=c,
            )
        pl = data.players[level]
        rs = data.responses[pl]
        kids = [responder_subtree(level + 1, opt, (*chosen, r), k) for r in range(len(rs))]
        return Node("move", label=pl, player=pl, actions=tuple(r.id for r in rs), children=kids)

    def focal_node(k: int) -> Node:
        kids = [responder_subtree(0, o, (), k) for o in range(len(data.options))]
        return Node(
            "move", label=data.focal, player=data.focal, actions=data.options, children=kids
        )

    states = shock_states(data)
    if data.shocks:
        root = Node(
            "chance",
            label="shocks",
            actions=tuple(s[2] for s in states),
            probs=exact_probs([s[1] for s in states]),
            children=[focal_node(k) for k in range(len(states))],
        )
    else:
        root = focal_node(0)
    return ExtensiveForm(
        f"{data.scenario_id}: alliance game ({data.framing}, sequential)", players, root
    )
