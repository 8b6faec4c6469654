"""Monthly public finances of an oil-exporting state: revenue, payroll, financing, arrears, reserves.

One month of the accounts, vectorised over paths (all amounts US$ bn per month unless noted):

Revenue
    ``gross = volume * DAYS * max(Brent - discount - sanctioned * extra_discount, 0) / 1000``;
    barrels pledged to a creditor's oil-for-credit account (``fiscal.china_collateral_volume``)
    repay that creditor's loan first; of the rest a share ``fiscal.oil_revenue_share`` reaches
    the budget, less the part blocked under sanctions. Non-oil revenue grows at
    ``fiscal.non_oil_growth``; grants (``fiscal.grants``) are budget support.
Spending, by priority
    1. senior claims: interest on domestic and external debt, external amortisation, the
       extra cost of a security crisis and of replacing sanctioned energy imports, and the
       creditor-tied project spending of loan disbursements; 2. payroll (salaries, pensions,
       welfare); 3. running costs; 4. repayment of past payroll arrears; 5. investment.
Financing of a shortfall, in order
    treasury cash, domestic borrowing (monthly cap, stock limit), external borrowing (access
    index x monthly cap, stock limit; closed under sanctions); borrowing finances items 1-4
    only, investment is paid from current revenue alone. What still cannot be paid is left
    unpaid in reverse priority: running costs are cut, payroll (and any unpaid senior claim)
    becomes arrears, repaid before investment when money returns.
Borrowing laws (optional: ``fiscal.borrowing_law_hazard``, ``fiscal.borrowing_authorised``,
``fiscal.borrowing_tranche``)
    domestic borrowing must also stay within an envelope authorised by law, ``A_t`` (remaining
    authorisation, dinar-denominated, ``A_0 = fiscal.borrowing_authorised``). Let ``W_t`` be the
    domestic borrowing the month would take with no envelope (the rules above). If
    ``W_t > A_t`` a borrowing law is needed; it passes this month with probability
    ``h = fiscal.borrowing_law_hazard`` (one uniform per path and month from a stream of its
    own), raising the envelope by ``max(T, W_t - A_t)`` with ``T = fiscal.borrowing_tranche``
    (a law authorises at least the month's need). Until it passes, domestic borrowing is
    ``min(W_t, A_t)`` and the rest of the shortfall falls on external borrowing and then on
    running costs and payroll (arrears). The envelope falls by what is borrowed:
    ``A_{t+1} = A_t (+ law) - domestic borrowing``. The number of months from the first month
    the envelope binds to the month a law passes, counting both, is geometric with mean
    ``1/h``. The defaults (``h = 1``, ``A_0 = 0``, ``T = 0``) give the accounts without the
    mechanism, bit for bit; a scenario that declares none of the three skips it entirely.
Surplus
    builds treasury cash.
Reserves (the central bank's foreign reserves)
    rise with the foreign-currency inflows of the state (oil revenue, grants, external and
    budget-relevant creditor loans) and fall with the import demand that dinar spending creates
    (``fiscal.import_leakage`` times dinar outlays) and with foreign-currency outlays (external
    debt service, energy imports); when they fall below ``fiscal.devaluation_trigger`` the
    currency is devalued once by ``fiscal.devaluation_size``, which lowers the dollar value of
    dinar spending, non-oil revenue and domestic debt.

Budget identity, every month and path (tested): ``oil revenue + non-oil revenue + grants +
loan disbursements + treasury draw + domestic borrowing + external borrowing + new arrears =
project spending + senior claims + payroll due + running costs paid + arrears repaid +
investment paid + surplus``.

The payroll-covering oil price (:func:`payroll_breakeven`) is the Brent price at which a month's
budget revenue equals payroll plus senior claims; it follows from the accounts above and is
reported beside any threshold quoted by a source (never used by the model).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from melian.world.spec import ParamSpec

#: Days per month (365.25 / 12): converts million barrels per day into barrels per month.
DAYS = 30.4375

PARAMS: tuple[ParamSpec, ...] = (
    ParamSpec(
        "oil.calibration_years",
        "years",
        "length of the Brent history window, ending at the "
        "as-of date, on which the price model is fitted and chosen",
        3,
        60,
    ),
    ParamSpec(
        "oil.realised_discount",
        "US$/bbl",
        "discount of the state's realised export price to Brent",
        0,
        100,
    ),
    ParamSpec(
        "oil.quota_volume", "mb/d", "crude export volume while the production quota binds", 0, 50
    ),
    ParamSpec(
        "oil.quota_months",
        "months",
        "months from the start of the simulation during which the quota volume applies",
        0,
        600,
    ),
    ParamSpec(
        "oil.recovery_months",
        "months",
        "months over which exports ramp linearly from the quota volume to the unconstrained volume",
        0,
        600,
    ),
    ParamSpec("oil.unconstrained_volume", "mb/d", "crude export volume without a quota", 0, 50),
    ParamSpec(
        "fiscal.oil_revenue_share",
        "fraction",
        "share of the value of unpledged crude exports that reaches the federal budget",
        0,
        1,
    ),
    ParamSpec(
        "fiscal.non_oil_revenue",
        "US$ bn/month",
        "non-oil budget revenue at the as-of date (dinar-denominated)",
        0,
        None,
    ),
    ParamSpec(
        "fiscal.non_oil_growth",
        "fraction/year",
        "growth of non-oil revenue (diversification, investment)",
        -0.5,
        1,
    ),
    ParamSpec(
        "fiscal.payroll",
        "US$ bn/month",
        "salaries, pensions and welfare due per month at the as-of date (dinar-denominated)",
        0,
        None,
    ),
    ParamSpec("fiscal.payroll_growth", "fraction/year", "growth of the nominal payroll", -0.5, 1),
    ParamSpec(
        "fiscal.running_costs",
        "US$ bn/month",
        "non-payroll current spending needed to run "
        "the government (dinar-denominated); cut when unfunded",
        0,
        None,
    ),
    ParamSpec(
        "fiscal.investment_spending",
        "US$ bn/month",
        "planned investment spending (dinar-denominated); the first item cut",
        0,
        None,
    ),
    ParamSpec(
        "fiscal.treasury_cash", "US$ bn", "cash in treasury accounts at the as-of date", 0, None
    ),
    ParamSpec(
        "fiscal.reserves", "US$ bn", "central-bank foreign reserves at the as-of date", 0, None
    ),
    ParamSpec(
        "fiscal.import_leakage",
        "fraction",
        "foreign-currency demand (imports) created per dollar of dinar spending; drains reserves",
        0,
        2,
    ),
    ParamSpec("fiscal.domestic_debt", "US$ bn", "domestic public debt at the as-of date", 0, None),
    ParamSpec("fiscal.domestic_rate", "fraction/year", "interest rate on domestic debt", 0, 1),
    ParamSpec(
        "fiscal.domestic_borrowing_cap",
        "US$ bn/month",
        "most the budget can borrow domestically in a month",
        0,
        None,
    ),
    ParamSpec(
        "fiscal.domestic_debt_limit",
        "US$ bn",
        "stock of domestic debt beyond which no more can be raised",
        0,
        None,
    ),
    ParamSpec(
        "fiscal.external_debt", "US$ bn", "serviced external public debt at the as-of date", 0, None
    ),
    ParamSpec("fiscal.external_rate", "fraction/year", "interest rate on external debt", 0, 1),
    ParamSpec(
        "fiscal.external_amortisation",
        "fraction/year",
        "share of the external debt stock repaid per year",
        0,
        1,
    ),
    ParamSpec(
        "fiscal.external_access",
        "index 0-1",
        "access to international lenders (IMF, World Bank, markets); 0 = none, 1 = full",
        0,
        1,
    ),
    ParamSpec(
        "fiscal.external_borrowing_cap",
        "US$ bn/month",
        "most that can be borrowed externally in a month at full access",
        0,
        None,
    ),
    ParamSpec(
        "fiscal.external_debt_limit",
        "US$ bn",
        "stock of external debt beyond which no more can be raised",
        0,
        None,
    ),
    ParamSpec("fiscal.grants", "US$ bn/month", "budget support grants (aid)", 0, None),
    ParamSpec(
        "fiscal.china_credit_line",
        "US$ bn",
        "total oil-collateralised credit line from a creditor (drawn for projects)",
        0,
        None,
    ),
    ParamSpec(
        "fiscal.china_disbursement",
        "US$ bn/month",
        "most of the credit line disbursed in a month",
        0,
        None,
    ),
    ParamSpec(
        "fiscal.china_budget_share",
        "fraction",
        "share of a disbursement that relieves the budget (the rest is tied project spending)",
        0,
        1,
    ),
    ParamSpec(
        "fiscal.china_rate", "fraction/year", "interest rate on the collateralised credit", 0, 1
    ),
    ParamSpec(
        "fiscal.china_collateral_volume",
        "mb/d",
        "crude exports pledged to repay the collateralised credit while any is owed",
        0,
        50,
    ),
    ParamSpec(
        "fiscal.devaluation_trigger",
        "US$ bn",
        "reserve level below which the currency is devalued (once)",
        0,
        None,
    ),
    ParamSpec(
        "fiscal.devaluation_size",
        "fraction",
        "devaluation: rise of the local-currency price of the dollar (0.2 = 20%)",
        0,
        10,
    ),
    ParamSpec(
        "fiscal.salary_crisis_months",
        "months of payroll",
        "payroll arrears (stock) that count as a salary crisis",
        0,
        None,
    ),
)

#: Optional parameters of the borrowing-law mechanism (see the module docstring). Their
#: defaults reproduce the accounts without it; a scenario declaring none of them skips it.
LAW_PARAMS: tuple[ParamSpec, ...] = (
    ParamSpec(
        "fiscal.borrowing_law_hazard",
        "per month",
        "probability that a borrowing law passes in a month in which domestic borrowing needs "
        "more than the authorised envelope (1 = borrowing never waits for a law)",
        0,
        1,
        default=1.0,
    ),
    ParamSpec(
        "fiscal.borrowing_authorised",
        "US$ bn",
        "domestic borrowing authorised by law and not yet used at the as-of date "
        "(dinar-denominated)",
        0,
        None,
        default=0.0,
    ),
    ParamSpec(
        "fiscal.borrowing_tranche",
        "US$ bn",
        "domestic borrowing authorised by each borrowing law (dinar-denominated); a law "
        "authorises at least the month's unmet need",
        0,
        None,
        default=0.0,
    ),
)
LAW_NAMES = tuple(p.path for p in LAW_PARAMS)


def law_active(P: dict[str, np.ndarray | float]) -> bool:
    """True if the parameters declare any borrowing-law parameter (the mechanism then runs)."""
    return any(k in P for k in LAW_NAMES)


def law_value(P: dict[str, np.ndarray | float], name: str) -> np.ndarray | float:
    """A borrowing-law parameter of ``P``, or its default when it is not declared."""
    if name in P:
        return P[name]
    return float(next(p.default for p in LAW_PARAMS if p.path == name))  # type: ignore[arg-type]


@dataclass
class FiscalState:
    """The fiscal state of every path (US$ bn)."""

    treasury: np.ndarray
    reserves: np.ndarray
    domestic_debt: np.ndarray
    external_debt: np.ndarray
    china_debt: np.ndarray
    china_drawn: np.ndarray
    arrears: np.ndarray
    fx: np.ndarray  # dollar value of one unit of dinar spending relative to the as-of date
    devalued: np.ndarray
    any_devalued: bool = False
    authorised: np.ndarray | None = None  # remaining legal borrowing envelope (borrowing laws)


def initial_state(P: dict[str, np.ndarray | float], n: int) -> FiscalState:
    """The state at the as-of date from the parameters."""

    def full(v: np.ndarray | float) -> np.ndarray:
        return np.broadcast_to(np.asarray(v, dtype=float), (n,)).copy()

    return FiscalState(
        treasury=full(P["fiscal.treasury_cash"]),
        reserves=full(P["fiscal.reserves"]),
        domestic_debt=full(P["fiscal.domestic_debt"]),
        external_debt=full(P["fiscal.external_debt"]),
        china_debt=np.zeros(n),
        china_drawn=np.zeros(n),
        arrears=np.zeros(n),
        fx=np.ones(n),
        devalued=np.zeros(n, dtype=bool),
        authorised=full(law_value(P, "fiscal.borrowing_authorised")) if law_active(P) else None,
    )


def export_volume(P: dict[str, np.ndarray | float], t: int | np.ndarray) -> np.ndarray | float:
    """Export volume (mb/d) in month(s) ``t`` (0 = first simulated month) before disruptions."""
    qv, uv = P["oil.quota_volume"], P["oil.unconstrained_volume"]
    qm, rm = P["oil.quota_months"], P["oil.recovery_months"]
    frac = np.clip((t + 1 - np.asarray(qm)) / np.maximum(np.asarray(rm), 1e-9), 0.0, 1.0)
    return qv + (uv - qv) * frac


def payroll_breakeven(
    P: dict[str, np.ndarray | float], t: int, senior: np.ndarray | float
) -> np.ndarray:
    """Brent price (US$/bbl) at which month ``t``'s budget revenue covers payroll + ``senior``.

    Solves ``share * (volume - pledged) * DAYS * (b - discount) / 1000 + non_oil + grants =
    payroll + senior`` for ``b`` at the as-of exchange rate, with the pledged volume counted
    while the collateralised credit is drawn.
    """
    vol = export_volume(P, t)
    pledged = np.where(
        np.asarray(P["fiscal.china_credit_line"]) > 0,
        np.minimum(P["fiscal.china_collateral_volume"], vol),
        0.0,
    )
    g = t / 12.0
    payroll = P["fiscal.payroll"] * (1 + np.asarray(P["fiscal.payroll_growth"])) ** g
    non_oil = P["fiscal.non_oil_revenue"] * (1 + np.asarray(P["fiscal.non_oil_growth"])) ** g
    need = payroll + senior - non_oil - P["fiscal.grants"]
    per_dollar = P["fiscal.oil_revenue_share"] * np.maximum(vol - pledged, 1e-9) * DAYS / 1000.0
    return np.asarray(P["oil.realised_discount"] + need / per_dollar, dtype=float)


FLOW_SOURCES = (
    "oil_revenue",
    "non_oil_revenue",
    "grants",
    "disbursement",
    "treasury_draw",
    "domestic_borrowing",
    "external_borrowing",
    "new_arrears",
)
FLOW_USES = (
    "project_spending",
    "senior_due",
    "payroll_due",
    "running_paid",
    "arrears_repaid",
    "investment_paid",
    "surplus",
)


def step(
    S: FiscalState,
    P: dict[str, np.ndarray | float],
    t: int,
    brent: np.ndarray,
    crisis: np.ndarray,
    sanctioned: np.ndarray,
    lapsed: np.ndarray,
    C: dict[str, np.ndarray | float] | None = None,
    record: bool = False,
    law_u: np.ndarray | None = None,
) -> tuple[np.ndarray, dict[str, np.ndarray] | None]:
    """Advance the accounts one month; return payroll due and, if ``record``, every flow.

    ``crisis``, ``sanctioned`` and ``lapsed`` are per-path indicators of a territorial security
    crisis, of sanctions and of a lapsed energy waiver; ``law_u`` the per-path uniforms of the
    borrowing-law draw (needed only when the scenario declares borrowing-law parameters). A
    one-month use of :class:`Accounts` (the engine runs the same code on slabs of months);
    ``C`` is accepted for compatibility and not needed.
    """
    acc = Accounts(P, len(brent))
    X = acc.exogenous(
        S,
        t,
        np.asarray(brent, dtype=float)[None],
        np.asarray(crisis)[None],
        np.asarray(sanctioned)[None],
        np.asarray(lapsed)[None],
    )
    if law_u is not None:
        X["law_u"] = np.asarray(law_u)[None]
    return acc.month(S, X, 0, record)


class Accounts:
    """The monthly public accounts of a block of paths, split for speed into two parts.

    :meth:`exogenous` computes, for a slab of ``k`` months at once, every flow that does not
    depend on the budget's own state: export volume, realised price, barrels pledged to the
    collateralised creditor and its disbursements (their recursion runs here, month by month,
    because it depends only on oil prices), oil revenue, grants, crisis and waiver costs, the
    external-access factor and the dinar-denominated payroll and non-oil revenue before any
    devaluation. :meth:`month` then runs the state-dependent part (devaluation, debt service,
    financing, arrears, reserves) for one month, as the module docstring describes. All
    arithmetic is float64, so the budget identity holds to rounding (~1e-12 relative).
    """

    def __init__(self, P: dict[str, np.ndarray | float], n: int) -> None:
        """Per-path constants of the accounts for ``n`` paths with parameters ``P``.

        Every constant is held as a contiguous array of ``n`` values: numpy's ``minimum`` and
        ``maximum`` are several times slower with a scalar operand than with an array.
        """
        self.P = P
        self.n = n

        def a(name: str) -> np.ndarray:
            v = P[name]
            return np.full(n, v) if isinstance(v, float) else np.ascontiguousarray(v, dtype=float)

        self.zero = np.zeros(n)
        self.dom_m = a("fiscal.domestic_rate") / 12.0
        self.ext_m = a("fiscal.external_rate") / 12.0
        self.amort_m = a("fiscal.external_amortisation") / 12.0
        self.ext_sm = self.ext_m + self.amort_m
        self.china_m = 1.0 + a("fiscal.china_rate") / 12.0
        self.china = bool(np.any(np.asarray(P["fiscal.china_credit_line"]) > 0))
        self.log_non_oil_g = np.log1p(a("fiscal.non_oil_growth")) / 12.0
        self.log_payroll_g = np.log1p(a("fiscal.payroll_growth")) / 12.0
        self.non_oil0 = a("fiscal.non_oil_revenue")
        self.payroll0 = a("fiscal.payroll")
        self.running = a("fiscal.running_costs")
        self.invest = a("fiscal.investment_spending")
        self.grants = a("fiscal.grants")
        self.cap_d = a("fiscal.domestic_borrowing_cap")
        self.lim_d = a("fiscal.domestic_debt_limit")
        self.cap_x = a("fiscal.external_borrowing_cap")
        self.lim_x = a("fiscal.external_debt_limit")
        self.access = a("fiscal.external_access")
        self.leak = a("fiscal.import_leakage")
        self.bshare = a("fiscal.china_budget_share")
        self.trigger = a("fiscal.devaluation_trigger")
        self.fx_new = 1.0 / (1.0 + a("fiscal.devaluation_size"))
        self.share = a("fiscal.oil_revenue_share")
        self.discount = a("oil.realised_discount")
        self.collateral = a("fiscal.china_collateral_volume")
        self.line = a("fiscal.china_credit_line")
        self.disb_cap = a("fiscal.china_disbursement")
        self.export_loss = a("security.crisis_export_loss")
        self.crisis_cost = a("security.crisis_cost")
        self.lapse_cost = a("sanctions.waiver_lapse_cost")
        self.extra_discount = a("sanctions.extra_discount")
        self.blocked = a("sanctions.revenue_blocked")
        self.qvol = a("oil.quota_volume")
        self.dvol = a("oil.unconstrained_volume") - self.qvol
        self.law = law_active(P)
        if self.law:
            law = {k: law_value(P, k) for k in LAW_NAMES}
            self.hazard = np.broadcast_to(
                np.asarray(law["fiscal.borrowing_law_hazard"], float), (n,)
            )
            self.tranche = np.broadcast_to(np.asarray(law["fiscal.borrowing_tranche"], float), (n,))

    def quota_ramp(self, tt: np.ndarray) -> np.ndarray:
        """Share of the way from the quota to the unconstrained volume in months ``tt``.

        As in :func:`export_volume`: ``clip((t + 1 - quota_months) / recovery_months, 0, 1)``.
        """
        qm = np.asarray(self.P["oil.quota_months"], dtype=float)
        rm = np.maximum(np.asarray(self.P["oil.recovery_months"], dtype=float), 1e-9)
        f = (tt + 1.0 - qm) / rm
        return np.minimum(np.maximum(f, np.zeros_like(f)), np.ones_like(f))

    def exogenous(
        self,
        S: FiscalState,
        t0: int,
        brent: np.ndarray,
        crisis: np.ndarray,
        sanctioned: np.ndarray,
        lapsed: np.ndarray,
    ) -> dict[str, Any]:
        """State-independent flows of months ``t0 .. t0 + k - 1`` (inputs and outputs ``(k, n)``).

        Advances the collateralised credit (``S.china_debt``, ``S.china_drawn``). Payroll and
        non-oil revenue grow as ``x_0 exp(t log(1 + g) / 12)`` (dinar values before devaluation).
        """
        k = brent.shape[0]
        zero = np.broadcast_to(self.zero, brent.shape)
        tt = np.arange(t0, t0 + k, dtype=float)[:, None]
        vol = np.empty(brent.shape)
        np.multiply(self.quota_ramp(tt), self.dvol, out=vol)  # quota -> unconstrained volume
        vol += self.qvol
        if crisis.any():
            vol *= 1.0 - crisis * self.export_loss
        sanc_any = bool(sanctioned.any())
        per_mbd = brent - self.discount
        if sanc_any:
            per_mbd -= sanctioned * self.extra_discount
        np.maximum(per_mbd, zero, out=per_mbd)
        per_mbd *= DAYS / 1000.0
        gross = vol * per_mbd
        china_debt = None
        if self.china:
            collat = np.minimum(np.broadcast_to(self.collateral, vol.shape), vol)
            collat *= per_mbd
            pledged = np.empty_like(collat)
            disb = np.empty_like(collat)
            china_debt = np.empty_like(collat)
            for j in range(k):  # oil-for-credit: pledged barrels repay the creditor first
                due = S.china_debt * self.china_m
                np.minimum(collat[j], due, out=pledged[j])
                np.maximum(self.line - S.china_drawn, self.zero, out=disb[j])
                np.minimum(disb[j], self.disb_cap, out=disb[j])
                S.china_drawn = S.china_drawn + disb[j]
                due -= pledged[j]
                due += disb[j]
                S.china_debt = due
                china_debt[j] = due
            gross -= pledged
        else:
            pledged = disb = zero
        oil_rev = gross
        oil_rev *= self.share
        if sanc_any:
            oil_rev *= 1.0 - sanctioned * self.blocked
        lapse_cost = lapsed * self.lapse_cost
        cash0 = oil_rev + self.grants
        fxin = cash0 - lapse_cost
        senior_x = crisis * self.crisis_cost
        senior_x += lapse_cost
        if self.china:
            fxin += self.bshare * disb
            cash0 += disb
            project = (1.0 - self.bshare) * disb
        else:
            project = zero
        xfac = (
            (1.0 - sanctioned) * self.access
            if sanc_any
            else np.broadcast_to(self.access, brent.shape)
        )
        non_oil = tt * self.log_non_oil_g
        np.exp(non_oil, out=non_oil)
        non_oil *= self.non_oil0
        payroll = tt * self.log_payroll_g
        np.exp(payroll, out=payroll)
        payroll *= self.payroll0
        return {
            "oil_revenue": oil_rev,
            "cash0": cash0,
            "fx_in": fxin,
            "senior_x": senior_x,
            "project": project,
            "ext_factor": xfac,
            "disbursement": disb,
            "pledged": pledged,
            "china_debt": china_debt,
            "non_oil": non_oil,
            "payroll": payroll,
        }

    def month(
        self, S: FiscalState, X: dict[str, Any], j: int, record: bool = False
    ) -> tuple[np.ndarray, dict[str, np.ndarray] | None]:
        """Month ``j`` of the slab ``X`` (from :meth:`exogenous`): update ``S``; return payroll due.

        With ``record`` every flow of the budget identity is returned as well.
        """
        zero = self.zero
        # one-off devaluation when reserves fall below the trigger
        trig = S.reserves < self.trigger
        trig &= ~S.devalued
        if trig.any():
            idx = np.flatnonzero(trig)
            S.domestic_debt[idx] *= self.fx_new[idx]
            S.fx[idx] = self.fx_new[idx]
            S.devalued[idx] = True
            S.any_devalued = True
            if S.authorised is not None:
                S.authorised[idx] *= self.fx_new[idx]
        D, Xd, T, A = S.domestic_debt, S.external_debt, S.treasury, S.arrears
        if S.any_devalued:  # fx is exactly 1 on every path until the first devaluation
            fx = S.fx
            non_oil = X["non_oil"][j] * fx
            payroll = X["payroll"][j] * fx
            running = self.running * fx
            invest = self.invest * fx
        else:
            non_oil, payroll = X["non_oil"][j], X["payroll"][j]
            running, invest = self.running, self.invest
        cash = X["cash0"][j] + non_oil
        dom_int = D * self.dom_m
        ext_int = Xd * self.ext_m
        amort = Xd * self.amort_m
        senior = dom_int + ext_int
        senior += amort
        senior += X["senior_x"][j]
        l1 = senior + X["project"][j]
        l2 = l1 + payroll
        l3 = l2 + running
        l4 = l3 + A
        avail_d = self.lim_d - D
        np.maximum(avail_d, zero, out=avail_d)
        np.minimum(avail_d, self.cap_d, out=avail_d)
        avail_x = self.lim_x - Xd
        np.maximum(avail_x, zero, out=avail_x)
        np.minimum(avail_x, self.cap_x, out=avail_x)
        avail_x *= X["ext_factor"][j]
        blocked = None
        if self.law:
            avail_d, blocked = self._borrowing_law(S, X, j, cash, T, avail_d, l4)
        # borrowing finances claims up to arrears repayment; investment only from current cash
        spend = cash + T
        spend += avail_d
        spend += avail_x
        np.minimum(spend, l4, out=spend)
        need = spend - cash
        np.maximum(need, zero, out=need)
        draw_t = np.minimum(need, T)
        need -= draw_t
        dom = np.minimum(need, avail_d)
        ext = need
        ext -= dom
        spare = cash - l4
        np.maximum(spare, zero, out=spare)
        invest_paid = np.minimum(spare, invest)
        surplus = spare
        surplus -= invest_paid
        payroll_paid = spend - l1
        np.maximum(payroll_paid, zero, out=payroll_paid)
        np.minimum(payroll_paid, payroll, out=payroll_paid)
        running_paid = spend - l2
        np.maximum(running_paid, zero, out=running_paid)
        np.minimum(running_paid, running, out=running_paid)
        arrears_repaid = spend - l3
        np.maximum(arrears_repaid, zero, out=arrears_repaid)
        np.minimum(arrears_repaid, A, out=arrears_repaid)
        short = l1 - spend
        np.maximum(short, zero, out=short)
        new_arrears = payroll - payroll_paid
        new_arrears += short
        S.arrears = A - arrears_repaid
        S.arrears += new_arrears
        S.treasury = T - draw_t
        S.treasury += surplus
        S.domestic_debt = D + dom
        if S.authorised is not None:
            S.authorised = S.authorised - dom
            np.maximum(S.authorised, zero, out=S.authorised)
        S.external_debt = Xd + ext
        S.external_debt -= amort
        dinar_out = payroll_paid + running_paid
        dinar_out += arrears_repaid
        dinar_out += invest_paid
        dinar_out += dom_int
        dinar_out *= self.leak
        R = S.reserves + X["fx_in"][j]
        R += ext
        R -= dinar_out
        R -= ext_int
        R -= amort
        S.reserves = np.maximum(R, zero, out=R)
        flows = None
        if record:
            n = self.n
            flows = {
                "oil_revenue": X["oil_revenue"][j],
                "non_oil_revenue": non_oil,
                "grants": self.grants,
                "disbursement": X["disbursement"][j],
                "treasury_draw": draw_t,
                "domestic_borrowing": dom,
                "external_borrowing": ext,
                "new_arrears": new_arrears,
                "project_spending": X["project"][j],
                "senior_due": senior,
                "payroll_due": payroll,
                "running_paid": running_paid,
                "arrears_repaid": arrears_repaid,
                "investment_paid": invest_paid,
                "surplus": surplus,
                "payroll_paid": payroll_paid,
                "pledged": X["pledged"][j],
            }
            if self.law:
                assert S.authorised is not None
                flows["authorised"] = S.authorised
                flows["borrowing_blocked"] = zero if blocked is None else blocked
            flows = {
                k: np.broadcast_to(np.asarray(v, dtype=float), (n,)).copy()
                for k, v in flows.items()
            }
        return payroll, flows

    def _borrowing_law(
        self,
        S: FiscalState,
        X: dict[str, Any],
        j: int,
        cash: np.ndarray,
        T: np.ndarray,
        avail_d: np.ndarray,
        l4: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Apply the legal borrowing envelope: return the domestic borrowing available this month.

        ``W`` = the domestic borrowing the month would take without an envelope (treasury cash
        first, then domestic borrowing up to ``avail_d``; external borrowing comes after
        domestic); where ``W`` exceeds the envelope
        ``S.authorised`` a law passes when the month's uniform is below the hazard, raising the
        envelope by ``max(tranche, W - envelope)``; elsewhere domestic borrowing is limited to
        the envelope. Paths where the envelope does not bind keep ``avail_d`` unchanged (so the
        defaults reproduce the accounts without the mechanism bit for bit). Also returns the
        per-path indicator of a blocked month (None when no path is blocked).
        """
        A = S.authorised
        assert A is not None
        if "law_u" not in X:
            raise ValueError("borrowing-law parameters are declared but no law uniforms given")
        # W = min(max(l4 - cash - T, 0), avail_d): the financing below, with no envelope,
        # takes ``min(cash + T + avail_d + avail_x, l4) - cash`` and draws the treasury first
        gap = l4 - cash
        gap -= T
        np.maximum(gap, self.zero, out=gap)
        np.minimum(gap, avail_d, out=gap)
        gap -= A
        binding = gap > 0
        if not binding.any():
            return avail_d, None
        passes = X["law_u"][j] < self.hazard
        passes &= binding
        tranche = self.tranche * S.fx if S.any_devalued else self.tranche
        S.authorised = np.where(passes, A + np.maximum(tranche, gap), A)
        blocked = binding & ~passes
        if not blocked.any():
            return avail_d, None
        return np.where(blocked, S.authorised, avail_d), blocked


def constants(P: dict[str, np.ndarray | float]) -> dict[str, np.ndarray | float]:
    """Per-path constants of the monthly step (monthly rates and growth factors)."""
    return {
        "china_monthly": 1.0 + np.asarray(P["fiscal.china_rate"]) / 12.0,
        "dom_monthly": np.asarray(P["fiscal.domestic_rate"]) / 12.0,
        "ext_monthly": np.asarray(P["fiscal.external_rate"]) / 12.0,
        "amort_monthly": np.asarray(P["fiscal.external_amortisation"]) / 12.0,
        "non_oil0": P["fiscal.non_oil_revenue"],
        "non_oil_g": (1.0 + np.asarray(P["fiscal.non_oil_growth"])) ** (1.0 / 12.0),
        "payroll0": P["fiscal.payroll"],
        "payroll_g": (1.0 + np.asarray(P["fiscal.payroll_growth"])) ** (1.0 / 12.0),
    }
