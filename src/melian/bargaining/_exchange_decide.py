"""The exchange model as decide computes it (``exchange`` model, ``variant="decide"``).

decide (the ``decide-exchange-model`` program by J. Draaijer for F. Stokman's Decide group,
GPL-3) is the reference implementation of Stokman's equal-gain exchange model. This module
re-states its algorithm (written from reading it, not copied) so that melian reproduces its
rounds; the equations and every point where it differs from melian's own reading are in
``docs/models/bargaining.md``.

decide computes in 28-digit decimal arithmetic (Python's ``decimal``), and some of its branch
decisions (does a move carry an outcome across the demander's position, which of two equal gains
comes first) turn on the last digits when an earlier exchange left an outcome exactly at a
position. This module therefore computes in the same arithmetic, in decide's order of
operations, from the inputs' shortest decimal representation (what decide reads from a file).

Positions are normalised to 0-100 per issue (as decide does) and mapped back by the caller.
One round (w_ik = c_ik s_ik, W_k = sum over the actors present on k):

1. O_k = sum_i w_ik x_ik / W_k.
2. For every issue pair (p, q), p before q, actors with positions on both are grouped by side
   (x_ik <= O_k is "left"): right-right with left-left and left-right with right-left form the
   candidate exchanges, in actor order. This set is fixed for the round.
3. In each exchange actor A supplies on q and B on p, A being the one with the larger
   s_Ap / s_Aq. B moves fully to A's position on p (dO_p = |x_Ap - x_Bp| w_Bp / W_p), the
   equal-gain rate gives dO_q = dO_p (s_Ap + s_Bp) / (s_Aq + s_Bq) and A's move
   dO_q W_q / w_Aq; if that move is longer than A's distance to B's position on q, A moves
   fully instead and B's move follows from the rate. The gain is |dO_q s_Aq - dO_p s_Ap|
   (equal for both).
4. A move is valid when 1e-10 < |move| <= 100, the new position stays in [0, 100], the sum of
   the actor's moves in this exchange's history is <= 100 and they all have one sign.
5. Outcome check (decide's ``check_nbs``): for each supplier S (A then B), if its move takes the
   outcome of its supply issue across the demander's position x_D (outcome computed from the
   round's start positions, the exchange's recorded updates and S's own position), S's move is
   cut to the distance that brings that outcome exactly to x_D and the partner's move follows
   from the rate.
6. The highest-gain exchange is executed (ties: the first in decide's list, kept in order by a
   stable sort on the gain); every exchange sharing an (actor, supply issue) with it takes the
   new supply position, every exchange whose actor demanded the same issue from it records the
   supplier's new position, and those exchanges are recomputed; invalid ones are dropped.
7. Voting positions y are the executed exchanges' last positions; the round's voting outcome is
   the compromise of them. Each mover's next-round position is
   x' = ((1 - s) a) y + b y + (1 - (1 - s) a - b) x with a = 0.4 (decide's SALIENCE_WEIGHT)
   and b = 0.1 (FIXED_WEIGHT), s its salience on the issue (in [0, 1]).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

Num = Decimal
# decide builds these from the float literals, so they carry the binary expansions of 0.4, 0.1
SALIENCE_WEIGHT = Decimal(0.4)
FIXED_WEIGHT = Decimal(0.1)
_EPS = 1e-10  # decide compares decimals with this float literal (exactly)


def to_decimal(v: float) -> Decimal:
    """The decimal decide would read for a number written with ``v``'s shortest digits."""
    return Decimal(repr(float(v)))


class _Exchange:
    """One candidate exchange: A supplies on Q (demands P), B supplies on P (demands Q)."""

    __slots__ = (
        "A",
        "B",
        "P",
        "Q",
        "xA",
        "xB",
        "dA",
        "dB",
        "startA",
        "startB",
        "movesA",
        "movesB",
        "yA",
        "yB",
        "gain",
        "valid",
        "updates",
    )

    def __init__(self, A: int, B: int, P: int, Q: int, z: list[list[Num | None]]) -> None:
        self.A, self.B, self.P, self.Q = A, B, P, Q
        xa, xb, da, db = z[A][Q], z[B][P], z[A][P], z[B][Q]
        assert xa is not None and xb is not None and da is not None and db is not None
        self.xA = self.startA = xa  # A's supply position (moves within the round)
        self.xB = self.startB = xb
        self.dA = da  # A's demand position: the round's start, fixed
        self.dB = db
        self.movesA: list[Num] = []
        self.movesB: list[Num] = []
        self.yA = self.yB = Num(0)
        self.gain = Num(0)
        self.valid = True
        self.updates: dict[int, dict[int, Num]] = {}


def _move_valid(pos: Num, move: Num, moves: list[Num]) -> bool:
    """decide's ``is_move_valid``."""
    if abs(move) > 100 or abs(move) <= _EPS:
        return False
    if pos + move < 0 or pos + move > 100:
        return False
    if sum(moves) > 100:
        return False
    lo, hi = min(moves), max(moves)
    return (lo < 0 and hi < 0) or (lo > 0 and hi > 0)


class _Round:
    """One decide round: start positions ``z`` (None = absent), saliences, capabilities."""

    def __init__(
        self,
        z: list[list[Num | None]],
        s: list[list[Num]],
        c: list[list[Num]],
        members: list[list[int]],
    ) -> None:
        self.z, self.s, self.c, self.members = z, s, c, members
        self.W: list[Num] = []
        self.terms: list[list[Num]] = []  # w_ik x_ik as decide forms it, (x s) c
        self.index: list[dict[int, int]] = []
        for k, mem in enumerate(members):
            tot = Num(0)
            for a in mem:
                tot += s[a][k] * c[a][k]
            self.W.append(tot)
            self.terms.append([z[a][k] * s[a][k] * c[a][k] for a in mem])  # type: ignore[operator]
            self.index.append({a: i for i, a in enumerate(mem)})

    def numerator(self, k: int, override: dict[int, Num]) -> Num:
        """sum_i x_ik s_ik c_ik in decide's order, with some positions replaced."""
        terms = self.terms[k]
        if override:
            terms = terms.copy()
            idx, s, c = self.index[k], self.s, self.c
            for a, pos in override.items():
                i = idx.get(a)
                if i is not None:
                    terms[i] = pos * s[a][k] * c[a][k]
        return sum(terms, Num(0))

    def outcome(self, k: int, override: dict[int, Num] | None = None) -> Num:
        """Compromise outcome of issue k (decide's ``nash_bargaining_solution``)."""
        if self.W[k] == 0:
            return Num(0)
        return self.numerator(k, override or {}) / self.W[k]

    def _valid(self, e: _Exchange) -> bool:
        return _move_valid(e.xA, e.movesA[-1], e.movesA) and _move_valid(
            e.xB, e.movesB[-1], e.movesB
        )

    def calculate(self, e: _Exchange) -> None:
        """Moves, voting positions, gain and validity of ``e`` (decide's ``calculate``)."""
        s, c, W = self.s, self.c, self.W
        A, B, P, Q = e.A, e.B, e.P, e.Q
        dp = (abs(e.dA - e.xB) * s[B][P] * c[B][P]) / W[P]
        dq = ((s[B][P] + s[A][P]) / (s[B][Q] + s[A][Q])) * dp
        mA = (dq * W[Q]) / (c[A][Q] * s[A][Q])
        mB = abs(e.dA - e.xB)
        if abs(mA) > abs(e.dB - e.xA):
            dq = (abs(e.dB - e.xA) * s[A][Q] * c[A][Q]) / W[Q]
            dp = ((s[A][Q] + s[B][Q]) / (s[A][P] + s[B][P])) * dq
            mA = abs(e.dB - e.xA)
            mB = (dp * W[P]) / (c[B][P] * s[B][P])
        if e.xA > e.dB:
            mA = -mA
        if e.xB > e.dA:
            mB = -mB
        e.movesA.append(mA)
        e.movesB.append(mB)
        e.yA, e.yB = e.xA + mA, e.xB + mB
        e.gain = abs(dq * s[A][Q] - dp * s[A][P])
        e.valid = self._valid(e) and not e.gain < _EPS
        if not e.valid:
            return
        self.check_outcome(e, supplier_is_a=True)
        self.check_outcome(e, supplier_is_a=False)
        e.valid = self._valid(e)

    def check_outcome(self, e: _Exchange, *, supplier_is_a: bool) -> None:
        """decide's ``check_nbs``: keep the supply issue's outcome from crossing the demander."""
        s, c, W = self.s, self.c, self.W
        if supplier_is_a:
            S, D, k, kd = e.A, e.B, e.Q, e.P
            pos, y, x, pos_d, own_demand = e.xA, e.yA, e.dB, e.xB, e.dA
        else:
            S, D, k, kd = e.B, e.A, e.P, e.Q
            pos, y, x, pos_d, own_demand = e.xB, e.yB, e.dA, e.xA, e.dB
        upd = e.updates.get(k, {})
        o0 = self.outcome(k, {**upd, S: pos})
        o1 = self.outcome(k, {**upd, S: y})
        if (x - o0 >= 0 and x - o1 >= 0) or (x - o0 <= 0 and x - o1 <= 0):
            return
        # the shift of S that brings the outcome to x (S taken at its updated position if any)
        num = self.numerator(k, {S: pos, **upd})
        m_s = abs(((x * W[k]) - num) / (s[S][k] * c[S][k]))
        d_s = (m_s * s[S][k] * c[S][k]) / W[k]
        d_d = ((s[S][k] + s[D][k]) / (s[S][kd] + s[D][kd])) * d_s
        m_d = abs((d_d * W[kd]) / (c[D][kd] * s[D][kd]))
        if pos_d > own_demand:
            m_d = -m_d
        if pos > x:
            m_s = -m_s
        e.gain = abs(d_d * s[D][kd] - d_s * s[D][k])
        if supplier_is_a:
            e.movesA[-1], e.movesB[-1] = m_s, m_d
            e.yA, e.yB = e.xA + m_s, e.xB + m_d
        else:
            e.movesB[-1], e.movesA[-1] = m_s, m_d
            e.yB, e.yA = e.xB + m_s, e.xA + m_d
        e.valid = self._valid(e)

    def recalculate(self, e: _Exchange, r: _Exchange) -> None:
        """Bring ``e`` up to date after ``r`` was executed (decide's ``recalculate``)."""
        matched_a = matched_b = False
        if e.A == r.A and e.Q == r.Q:
            e.xA, matched_a = r.yA, True
            e.movesA.append(r.movesA[-1])
        elif e.A == r.B and e.Q == r.P:
            e.xA, matched_a = r.yB, True
            e.movesA.append(r.movesB[-1])
        if e.B == r.A and e.P == r.Q:
            e.xB, matched_b = r.yA, True
            e.movesB.append(r.movesA[-1])
        elif e.B == r.B and e.P == r.P:
            e.xB, matched_b = r.yB, True
            e.movesB.append(r.movesB[-1])
        redo = matched_a or matched_b
        if redo:  # decide drops the last move of both actors (the matched one keeps its own)
            e.movesA.pop()
            e.movesB.pop()
        # r's demander on an issue is e's actor demanding the same issue: record r's supplier
        for dem, dem_issue, sup, y, start in (
            (r.B, r.Q, r.A, r.yA, r.startA),
            (r.A, r.P, r.B, r.yB, r.startB),
        ):
            if (dem == e.B and dem_issue == e.Q) or (dem == e.A and dem_issue == e.P):
                upd = e.updates.setdefault(dem_issue, {})
                if sup in upd:
                    old = upd[sup]
                    upd[sup] = (old if old < y else y) if start <= old else (old if old > y else y)
                else:
                    upd[sup] = y
                if not redo:
                    e.movesA.pop()
                    e.movesB.pop()
                    redo = True
        if redo:
            self.calculate(e)


def _candidates(rnd: _Round) -> list[_Exchange]:
    """Every round-start exchange in decide's order (issue pairs, then groups, then actors)."""
    z, s, c = rnd.z, rnd.s, rnd.c
    n, m = len(z), len(rnd.W)
    O = [rnd.outcome(k) for k in range(m)]
    left = [[z[a][k] is not None and z[a][k] <= O[k] for k in range(m)] for a in range(n)]
    out: list[_Exchange] = []
    for p in range(m):
        for q in range(p + 1, m):
            groups: list[list[int]] = [[], [], [], []]
            for a in range(n):
                if z[a][p] is not None and z[a][q] is not None:
                    groups[int(left[a][p]) + 2 * int(left[a][q])].append(a)
            for gi, gj in ((0, 3), (1, 2)):
                for i in groups[gi]:
                    for j in groups[gj]:
                        # decide divides by these saliences and weights: an exchange with a zero
                        # one can have no positive equal gain (decide stops with an error)
                        if any(v == 0 for v in (s[i][p], s[i][q], s[j][p], s[j][q])) or any(
                            v == 0 for v in (c[i][p], c[i][q], c[j][p], c[j][q])
                        ):
                            continue
                        if s[i][p] / s[i][q] < s[j][p] / s[j][q]:
                            e = _Exchange(A=j, B=i, P=p, Q=q, z=z)
                        else:
                            e = _Exchange(A=i, B=j, P=p, Q=q, z=z)
                        rnd.calculate(e)
                        if e.valid:
                            out.append(e)
    return out


def _gain(e: _Exchange) -> Num:
    return e.gain


def run_decide_round(
    z: list[list[Num | None]], s: list[list[Num]], c: list[list[Num]]
) -> tuple[list[list[Num | None]], list[list[Num | None]], list[_Exchange], list[Num], list[Num]]:
    """One decide round from normalised start positions ``z`` (None = absent).

    Returns the voting positions, the next round's start positions, the executed exchanges, the
    round's start outcomes and its voting outcomes.
    """
    n, m = len(z), len(z[0])
    members = [[a for a in range(n) if z[a][k] is not None] for k in range(m)]
    rnd = _Round(z, s, c, members)
    start_outcome = [rnd.outcome(k) for k in range(m)]
    pending = _candidates(rnd)
    by_key: dict[tuple[int, int], list[_Exchange]] = {}
    for e in pending:
        for key in ((e.A, e.Q), (e.B, e.P), (e.A, e.P), (e.B, e.Q)):
            by_key.setdefault(key, []).append(e)
    done: list[_Exchange] = []
    while pending:
        pending.sort(key=_gain, reverse=True)  # stable, as decide's list.sort
        r = pending.pop(0)
        r.valid = False  # executed: out of the list
        done.append(r)
        touched = {
            id(e): e
            for key in ((r.A, r.Q), (r.B, r.P), (r.A, r.P), (r.B, r.Q))
            for e in by_key.get(key, ())
            if e.valid
        }
        dropped = False
        for e in touched.values():
            rnd.recalculate(e, r)
            dropped |= not e.valid
        if dropped:
            pending = [e for e in pending if e.valid]
    voting = [row[:] for row in z]
    for r in done:
        voting[r.A][r.Q], voting[r.B][r.P] = r.yA, r.yB
    voting_outcome = [_Round(voting, s, c, members).outcome(k) for k in range(m)]
    start = [row[:] for row in voting]
    for r in done:
        for a, k, x0, y in ((r.A, r.Q, r.startA, r.yA), (r.B, r.P, r.startB, r.yB)):
            swv = (1 - s[a][k]) * SALIENCE_WEIGHT * y
            fwv = FIXED_WEIGHT * y
            pv = (1 - (1 - s[a][k]) * SALIENCE_WEIGHT - FIXED_WEIGHT) * x0
            start[a][k] = swv + fwv + pv
    return voting, start, done, start_outcome, voting_outcome


def exchange_record(
    e: _Exchange, rnd: int, lo: list[Decimal], step: list[Decimal]
) -> dict[str, Any]:
    """An executed exchange, positions on the issues' own scales (x = z / step + lo).

    Actors and issues are indices (the caller names them): ``i`` supplied on ``q``, ``j`` on
    ``p``; ``gain`` is the equal gain of each.
    """

    def back(v: Decimal, k: int) -> float:
        return float(v / step[k] + lo[k])

    return {
        "round": rnd,
        "i": e.A,
        "q": e.Q,
        "j": e.B,
        "p": e.P,
        "xi_from": back(e.xA, e.Q),
        "xi_to": back(e.yA, e.Q),
        "xj_from": back(e.xB, e.P),
        "xj_to": back(e.yB, e.P),
        "gain": float(e.gain),
    }
