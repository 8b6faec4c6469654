"""Public finances of a state that lives on commodity exports: revenue, payroll, financing, arrears.

One month of the accounts, vectorised over paths (money bn per month unless noted):

Revenue
    the gross export value (read from ``exports``), less what repays collateralised creditors
    (``credits``: ``pledged``), times ``export_revenue_share``, less the share blocked by
    sanctions (``sanctions``: ``revenue_blocked``); other revenue growing at
    ``other_revenue_growth``; grants; transfers to the budget (``transfers``: ``to_budget``).
Spending, by priority
    1. senior claims: interest on domestic and external debt, external amortisation, the extra
       cost of crises (``disruptions``: ``extra_cost``) and of lapsed exemptions (``sanctions``:
       ``fx_cost``), and creditor-tied project spending (``credits``: ``project``); 2. payroll;
       3. running costs; 4. repayment of past payroll arrears; 5. investment.
Financing of a shortfall, in order
    treasury cash, domestic borrowing (monthly cap, stock limit), external borrowing (access
    index x monthly cap, stock limit; closed under sanctions, ``external_closed``); borrowing
    finances items 1-4 only, investment is paid from current revenue alone. What still cannot
    be paid is left unpaid in reverse priority: running costs are cut, payroll (and any unpaid
    senior claim) becomes arrears, repaid before investment when money returns.
Borrowing laws (optional: ``borrowing_law_hazard``, ``borrowing_authorised``, ``borrowing_tranche``)
    domestic borrowing must also stay within an envelope authorised by law ``A_t`` (local
    currency, ``A_0 = borrowing_authorised``). With ``W_t`` the domestic borrowing the month would
    take with no envelope, if ``W_t > A_t`` a law is needed; it passes this month with
    probability ``h = borrowing_law_hazard`` (one uniform per path and month from a stream of its
    own), raising the envelope by ``max(T, W_t - A_t)``, ``T = borrowing_tranche``; until it
    passes domestic borrowing is ``min(W_t, A_t)``. ``A_{t+1} = A_t (+ law) - borrowing``. The
    defaults (``h = 1``, ``A_0 = 0``, ``T = 0``) give the accounts without the mechanism bit for
    bit; a scenario declaring none of the three skips it.
Reserves
    rise with foreign-currency inflows (export revenue, grants, transfers, external and
    budget-relevant creditor loans, and the optional ``non_commodity_inflow``: remittances,
    tourism, non-commodity exports, aid not declared as transfers, which reach the reserves
    without passing through the budget) and fall with the import demand of local-currency
    spending (``import_leakage``) and foreign-currency outlays (external debt service, lapsed
    exemptions); below ``devaluation_trigger`` the currency is devalued once by
    ``devaluation_size``, which lowers the foreign-currency value of local-currency spending,
    other revenue and domestic debt (not of the non-commodity inflow, which is in foreign
    currency). ``non_commodity_inflow`` defaults to 0, and a scenario that does not declare it
    computes the reserves exactly as before.

Budget identity, every month and path (tested): ``export revenue + other revenue + grants +
transfers + disbursements + treasury draw + domestic borrowing + external borrowing + new arrears
= project spending + senior claims + payroll due + running costs paid + arrears repaid +
investment paid + surplus``.

The payroll-covering price (outcome ``payroll_breakeven``) is the commodity price at which the
first month's revenue equals payroll plus senior claims; the simulated covering price is where
the share of paths with arrears in the first 24 months, binned by their average price, crosses
one half. Both follow from the accounts; neither is read by the model.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from melian.world.components.base import (
    BandSpec,
    EventSpec,
    Finished,
    InputSpec,
    Kind,
    OutcomeSpec,
    Params,
    Setup,
    SlabStates,
    StateSpec,
    compiled,
    full,
    labels,
    money_scale,
    uniforms,
)
from melian.world.components.commodity_exports import DAYS
from melian.world.results import HistSpec
from melian.world.spec import ParamSpec

#: Months over which the emergent payroll-covering price is measured.
COVER_MONTHS = 24
#: Extra random stream of the borrowing-law uniforms (so declaring the mechanism leaves every
#: other draw unchanged).
LAW_STREAM = 0x6C6177  # "law"


def _p(name: str, unit: str, meaning: str, low: float | None, high: float | None) -> ParamSpec:
    return ParamSpec(name, unit, meaning, low, high)


LAW_PARAMS: tuple[ParamSpec, ...] = (
    ParamSpec(
        "borrowing_law_hazard",
        "per month",
        "probability that a borrowing law passes in a month in which domestic borrowing needs "
        "more than the authorised envelope (1 = borrowing never waits for a law)",
        0,
        1,
        default=1.0,
    ),
    ParamSpec(
        "borrowing_authorised",
        "money bn",
        "domestic borrowing authorised by law and not yet used at the as-of date "
        "(local-currency denominated)",
        0,
        None,
        default=0.0,
    ),
    ParamSpec(
        "borrowing_tranche",
        "money bn",
        "domestic borrowing authorised by each borrowing law (local-currency denominated); a "
        "law authorises at least the month's unmet need",
        0,
        None,
        default=0.0,
    ),
)
LAW_NAMES = tuple(p.path for p in LAW_PARAMS)

#: The optional foreign-currency inflow that bypasses the budget (reserves only).
INFLOW = ParamSpec(
    "non_commodity_inflow",
    "money bn/month",
    "foreign-currency inflows per month that reach the reserves outside the commodity exports "
    "and the budget (remittances, tourism, non-commodity exports, aid not declared as "
    "transfers), net; in foreign currency, so a devaluation leaves it unchanged",
    0,
    None,
    default=0.0,
)


class CommodityBudget(Kind):
    """The public accounts of a state living on commodity exports (see the module docstring)."""

    kind = "commodity_budget"
    title = "Commodity-export budget"
    PARAMS = (
        _p(
            "export_revenue_share",
            "fraction",
            "share of the value of unpledged exports that reaches the budget",
            0,
            1,
        ),
        _p(
            "other_revenue",
            "money bn/month",
            "other budget revenue at the as-of date (local-currency denominated)",
            0,
            None,
        ),
        _p("other_revenue_growth", "fraction/year", "growth of other revenue", -0.5, 1),
        _p(
            "payroll",
            "money bn/month",
            "salaries, pensions and welfare due per month at the as-of date (local currency)",
            0,
            None,
        ),
        _p("payroll_growth", "fraction/year", "growth of the nominal payroll", -0.5, 1),
        _p(
            "running_costs",
            "money bn/month",
            "non-payroll current spending needed to run the government; cut when unfunded",
            0,
            None,
        ),
        _p(
            "investment_spending",
            "money bn/month",
            "planned investment spending; the first item cut",
            0,
            None,
        ),
        _p("treasury_cash", "money bn", "cash in treasury accounts at the as-of date", 0, None),
        _p("reserves", "money bn", "central-bank foreign reserves at the as-of date", 0, None),
        _p(
            "import_leakage",
            "fraction",
            "foreign-currency demand (imports) created per unit of local-currency spending",
            0,
            2,
        ),
        INFLOW,
        _p("domestic_debt", "money bn", "domestic public debt at the as-of date", 0, None),
        _p("domestic_rate", "fraction/year", "interest rate on domestic debt", 0, 1),
        _p(
            "domestic_borrowing_cap",
            "money bn/month",
            "most the budget can borrow domestically in a month",
            0,
            None,
        ),
        _p(
            "domestic_debt_limit",
            "money bn",
            "stock of domestic debt beyond which no more can be raised",
            0,
            None,
        ),
        _p("external_debt", "money bn", "serviced external public debt at the as-of date", 0, None),
        _p("external_rate", "fraction/year", "interest rate on external debt", 0, 1),
        _p(
            "external_amortisation",
            "fraction/year",
            "share of the external debt stock repaid per year",
            0,
            1,
        ),
        _p(
            "external_access",
            "index 0-1",
            "access to international lenders and markets; 0 = none, 1 = full",
            0,
            1,
        ),
        _p(
            "external_borrowing_cap",
            "money bn/month",
            "most that can be borrowed externally in a month at full access",
            0,
            None,
        ),
        _p(
            "external_debt_limit",
            "money bn",
            "stock of external debt beyond which no more can be raised",
            0,
            None,
        ),
        _p("grants", "money bn/month", "budget support grants", 0, None),
        _p(
            "devaluation_trigger",
            "money bn",
            "reserve level below which the currency is devalued (once)",
            0,
            None,
        ),
        _p(
            "devaluation_size",
            "fraction",
            "devaluation: rise of the local-currency price of foreign currency (0.2 = 20%)",
            0,
            10,
        ),
        _p(
            "salary_crisis_months",
            "months of payroll",
            "payroll arrears (stock) that count as a salary crisis",
            0,
            None,
        ),
        ParamSpec(
            "reference_payroll_price",
            "money/unit",
            "a source's payroll-covering price, reported beside the emergent one (never simulated)",
            0,
            None,
            default=0.0,
        ),
        *LAW_PARAMS,
    )
    INPUTS = (
        InputSpec("exports", ("value", "base_volume", "discount"), "the commodity exports"),
        InputSpec(
            "price", ("price",), "the commodity price (for the covering price)", required=False
        ),
        InputSpec(
            "credits",
            ("pledged", "pledged_volume", "disbursed", "to_budget", "project", "debt"),
            "collateralised credit lines",
            many=True,
            required=False,
        ),
        InputSpec(
            "disruptions",
            ("extra_cost",),
            "crises that cost the budget money",
            many=True,
            required=False,
        ),
        InputSpec(
            "sanctions",
            ("revenue_blocked", "fx_cost", "external_closed"),
            "sanctions on the state",
            many=True,
            required=False,
        ),
        InputSpec(
            "transfers",
            ("to_budget",),
            "transfers (aid, rent, loans) paid into the budget",
            many=True,
            required=False,
        ),
    )
    STATES = (
        StateSpec("salary_stress", "months of payroll", "payroll arrears outstanding"),
        StateSpec("reserves", "money bn", "foreign reserves"),
        StateSpec("debt", "money bn", "public debt (domestic, external, collateralised)"),
    )
    EVENTS = (
        EventSpec(
            "salary_crisis",
            labels(
                "a salary crisis (payroll not paid in full)", "أزمة رواتب (عدم دفع الرواتب كاملة)"
            ),
            "payroll arrears reach salary_crisis_months at least once",
        ),
        EventSpec(
            "devaluation",
            labels("a devaluation", "تخفيض قيمة العملة"),
            "reserves fall below the devaluation trigger",
        ),
    )
    OUTCOMES = (
        OutcomeSpec(
            "arrears_months",
            "months",
            "higher_worse",
            labels("months of salary arrears", "أشهر تأخر الرواتب"),
            "months in which payroll was not paid in full",
        ),
        OutcomeSpec(
            "max_salary_stress",
            "months of payroll",
            "higher_worse",
            labels("largest payroll arrears", "أكبر متأخرات الرواتب"),
            "largest stock of payroll arrears, in months of payroll",
        ),
        OutcomeSpec(
            "reserves_end",
            "money bn",
            "higher_better",
            labels("foreign reserves at the horizon", "الاحتياطيات الأجنبية في نهاية الأفق"),
            "foreign reserves at the horizon",
        ),
        OutcomeSpec(
            "reserves_min",
            "money bn",
            "higher_better",
            labels("lowest foreign reserves", "أدنى احتياطيات أجنبية"),
            "lowest foreign reserves over the horizon",
        ),
        OutcomeSpec(
            "debt_end",
            "money bn",
            "higher_worse",
            labels("public debt at the horizon", "الدين العام في نهاية الأفق"),
            "public debt (domestic, external, collateralised) at the horizon",
        ),
        OutcomeSpec(
            "payroll_breakeven",
            "money/unit",
            "higher_worse",
            labels("payroll-covering price", "السعر الذي يغطي الرواتب"),
            "commodity price at which the first month's budget revenue covers payroll and "
            "senior claims",
            role="breakeven",
        ),
    )
    BANDS = (
        BandSpec(
            "reserves", "money bn", labels("foreign reserves", "الاحتياطيات الأجنبية"), "reserves"
        ),
        BandSpec(
            "salary_stress",
            "months of payroll",
            labels("payroll arrears outstanding", "متأخرات الرواتب"),
            "payroll arrears outstanding",
        ),
        BandSpec("debt", "money bn", labels("public debt", "الدين العام"), "public debt"),
    )

    def __init__(self, cid: str, setup: Setup) -> None:
        """Bins from the nominal money stocks."""
        super().__init__(cid, setup)
        self.scale = money_scale(
            self.nominal, ("reserves", "domestic_debt", "external_debt"), self.horizon
        )
        self.law = any(k in setup.nominal for k in LAW_NAMES)
        ref = setup.nominal.get("reference_payroll_price")
        self.reference_price = ref if "reference_payroll_price" in setup.nominal else None

    def hist(self, name: str) -> HistSpec:
        """Bins of each outcome and band."""
        H = self.horizon
        if name == "arrears_months":
            return HistSpec(-0.5, H + 0.5, H + 1)
        if name == "max_salary_stress":
            return HistSpec(0.0, 36.0, 7200)
        if name == "payroll_breakeven":
            return HistSpec(0.0, 400.0, 8000)
        if name == "salary_stress":
            return HistSpec(1e-9, 24.0, 2400)
        if name in ("reserves", "debt"):
            return HistSpec(0.0, self.scale, 2000)
        return HistSpec(0.0, self.scale, 8000)

    def cover_spec(self, scale: float = 1.0) -> HistSpec:
        """Bins of the average price over the first months (for the covering price): 5 to 400
        money units per unit times ``scale``, the price component's
        :meth:`~melian.world.components.commodity_price.CommodityPrice.price_scale`.
        """
        return HistSpec(5.0 * scale, 400.0 * scale, 80, log=True)

    # ------------------------------------------------------------------ simulation
    def start(self, P: Params, n: int, rng: np.random.Generator, tile: int) -> dict[str, Any]:
        """State at the as-of date and per-path constants (contiguous arrays of ``n`` values)."""

        def a(name: str) -> np.ndarray:
            return full(P[name], n)

        S: dict[str, Any] = {
            "n": n,
            "zero": np.zeros(n),
            "treasury": a("treasury_cash").copy(),
            "reserves": a("reserves").copy(),
            "domestic_debt": a("domestic_debt").copy(),
            "external_debt": a("external_debt").copy(),
            "arrears": np.zeros(n),
            "fx": np.ones(n),
            "devalued": np.zeros(n, bool),
            "any_devalued": False,
            "dom_m": a("domestic_rate") / 12.0,
            "ext_m": a("external_rate") / 12.0,
            "amort_m": a("external_amortisation") / 12.0,
            "log_other_g": np.log1p(a("other_revenue_growth")) / 12.0,
            "log_payroll_g": np.log1p(a("payroll_growth")) / 12.0,
            "other0": a("other_revenue"),
            "payroll0": a("payroll"),
            "running": a("running_costs"),
            "invest": a("investment_spending"),
            "grants": a("grants"),
            "cap_d": a("domestic_borrowing_cap"),
            "lim_d": a("domestic_debt_limit"),
            "cap_x": a("external_borrowing_cap"),
            "lim_x": a("external_debt_limit"),
            "access": a("external_access"),
            "leak": a("import_leakage"),
            "trigger": a("devaluation_trigger"),
            "fx_new": 1.0 / (1.0 + a("devaluation_size")),
            "share": a("export_revenue_share"),
            "crisis_months": P["salary_crisis_months"],
            "arrears_months": np.zeros(n, np.int64),
            "max_stress": np.zeros(n),
            "res_min": a("reserves").copy(),
            "cover_sum": np.zeros(n),
            "cover_flag": np.zeros(n, bool),
            "breakeven": None,
            "credit_debt": np.zeros(n),
            "authorised": None,
            "law_rng": None,
            "record": None,
            "inflow": a(INFLOW.path) if INFLOW.path in P else None,
        }
        S["ext_sm"] = S["ext_m"] + S["amort_m"]
        if self.law:

            def lv(name: str) -> np.ndarray:
                d = next(p.default for p in LAW_PARAMS if p.path == name)
                return full(P[name] if name in P else float(d), n)  # type: ignore[arg-type]

            S["authorised"] = lv("borrowing_authorised").copy()
            S["hazard"] = lv("borrowing_law_hazard")
            S["tranche"] = lv("borrowing_tranche")
            S["law_rng"] = _stream(rng, LAW_STREAM)
        return S

    def advance(
        self,
        S: dict[str, Any],
        t0: int,
        k: int,
        inputs: dict[str, Any],
        rng: np.random.Generator,
        tile: int,
    ) -> SlabStates:
        """The state-independent flows of the slab, then the accounts month by month."""
        n = S["n"]
        ex = inputs["exports"]
        credits = inputs.get("credits", [])
        if S["breakeven"] is None:
            S["breakeven"] = self._breakeven(S, ex, credits, inputs.get("transfers", []))
        X = self._exogenous(S, t0, k, inputs)
        if S["law_rng"] is not None:
            X["law_u"] = uniforms(S["law_rng"], 1, k, n, tile)[0]
        ST = np.empty((k, n))
        RS = np.empty((k, n))
        DB = np.empty((k, n))
        kernel = compiled("budget_months") if S["record"] is None else None
        if kernel is not None:
            self._months_compiled(kernel, S, X, ST, RS, DB)
        else:
            for j in range(k):
                payroll = self.month(S, X, j)
                np.divide(S["arrears"], payroll, out=ST[j])
                RS[j] = S["reserves"]
                np.add(S["domestic_debt"], S["external_debt"], out=DB[j])
        for c in credits:
            DB += c["debt"]
        if credits:
            S["credit_debt"] = sum(np.asarray(c["debt"][-1]) for c in credits) + np.zeros(n)
        short = ST > 0.005
        S["arrears_months"] += np.count_nonzero(short, axis=0)
        np.maximum(S["max_stress"], ST.max(axis=0), out=S["max_stress"])
        np.minimum(S["res_min"], RS.min(axis=0), out=S["res_min"])
        cover_T = min(COVER_MONTHS, self.horizon)
        if t0 < cover_T and "price" in inputs:
            c = cover_T - t0
            S["cover_sum"] += inputs["price"]["price"][:c].sum(axis=0)
            S["cover_flag"] |= short[:c].any(axis=0)
        return {"salary_stress": ST, "reserves": RS, "debt": DB}

    def finish(self, S: dict[str, Any], rng: np.random.Generator, tile: int) -> Finished:
        """Outcomes, events and the covering-price data of the block."""
        cover_T = min(COVER_MONTHS, self.horizon)
        return Finished(
            {
                "arrears_months": S["arrears_months"].astype(float),
                "max_salary_stress": S["max_stress"],
                "reserves_end": S["reserves"].copy(),
                "reserves_min": S["res_min"],
                "debt_end": S["domestic_debt"] + S["external_debt"] + S["credit_debt"],
                "payroll_breakeven": S["breakeven"],
            },
            {
                "salary_crisis": S["max_stress"] >= S["crisis_months"],
                "devaluation": S["devalued"].copy(),
            },
            (S["cover_sum"] / cover_T, S["cover_flag"]),
        )

    # ------------------------------------------------------------------ accounts
    def _breakeven(
        self, S: dict[str, Any], ex: dict[str, Any], credits: list[Any], transfers: list[Any]
    ) -> np.ndarray:
        """Price at which month 0's revenue covers payroll and senior claims, per path.

        Solves ``share (volume - pledged) DAYS (b - discount) / 1000 + other + grants +
        transfers = payroll + senior`` for ``b`` at the as-of exchange rate (volume before
        disruptions; pledged volume counted while a collateralised credit is drawn).
        """
        n = S["n"]
        vol = np.asarray(ex["base_volume"][0], float)
        pledged = np.zeros(n)
        for c in credits:
            pledged = pledged + c["pledged_volume"][0]
        senior = S["domestic_debt"] * S["dom_m"] + S["external_debt"] * S["ext_sm"]
        need = S["payroll0"] + senior - S["other0"] - S["grants"]
        for tr in transfers:
            need = need - tr["to_budget"][0]
        per = S["share"] * np.maximum(vol - pledged, 1e-9) * DAYS / 1000.0
        return np.asarray(ex["discount"] + need / per, dtype=float) * np.ones(n)

    def _exogenous(
        self, S: dict[str, Any], t0: int, k: int, inputs: dict[str, Any]
    ) -> dict[str, Any]:
        """State-independent flows of months ``t0 .. t0 + k - 1`` (``(k, n)`` arrays)."""
        n = S["n"]
        shape = (k, n)
        credits = inputs.get("credits", [])
        value = inputs["exports"]["value"]
        gross = np.subtract(value, credits[0]["pledged"]) if credits else np.array(value, float)
        for c in credits[1:]:
            gross -= c["pledged"]
        rev = gross
        rev *= S["share"]
        lapse = np.zeros((1, n))
        closed = None
        for s in inputs.get("sanctions", []):
            if np.any(s["revenue_blocked"]):
                rev *= 1.0 - s["revenue_blocked"]
            lapse = lapse + s["fx_cost"]
            if np.any(s["external_closed"]):
                open_ = 1.0 - s["external_closed"]
                closed = open_ if closed is None else closed * open_
        cash0 = rev + S["grants"]
        for tr in inputs.get("transfers", []):
            cash0 += tr["to_budget"]
        fxin = cash0 - lapse
        if S["inflow"] is not None:  # undeclared: no addition (the reserves as before, bitwise)
            fxin += S["inflow"]
        senior_x = np.broadcast_to(lapse, shape).copy()
        for d in inputs.get("disruptions", []):
            senior_x += d["extra_cost"]
        project = np.zeros((1, n))
        for c in credits:
            fxin += c["to_budget"]
            cash0 += c["disbursed"]
            project = project + c["project"]
        xfac = S["access"] * closed if closed is not None else np.broadcast_to(S["access"], shape)
        tt = np.arange(t0, t0 + k, dtype=float)[:, None]
        other = tt * S["log_other_g"]
        np.exp(other, out=other)
        other *= S["other0"]
        payroll = tt * S["log_payroll_g"]
        np.exp(payroll, out=payroll)
        payroll *= S["payroll0"]
        return {
            "revenue": np.broadcast_to(rev, shape),
            "cash0": np.broadcast_to(cash0, shape),
            "fx_in": np.broadcast_to(fxin, shape),
            "senior_x": senior_x,
            "project": np.broadcast_to(project, shape),
            "ext_factor": xfac,
            "other": other,
            "payroll": payroll,
        }

    @staticmethod
    def _months_compiled(
        kernel: Any,  # noqa: ANN401 - a numba dispatcher
        S: dict[str, Any],
        X: dict[str, Any],
        ST: np.ndarray,
        RS: np.ndarray,
        DB: np.ndarray,
    ) -> None:
        """:meth:`month` for every month of the slab in the compiled kernel
        (:func:`melian.world._kernels.budget_months`: the same numbers), with the slab's rows.
        """
        k, n = ST.shape
        law = S["authorised"] is not None
        accounts = ("treasury", "reserves", "domestic_debt", "external_debt", "arrears", "fx")
        for name in (*accounts, "authorised") if law else accounts:
            S[name] = np.require(S[name], np.float64, ["C", "W"])
        none = np.zeros(n)

        def x(name: str) -> np.ndarray:
            return np.broadcast_to(np.asarray(X[name], np.float64), (k, n))

        kernel(
            S["treasury"], S["reserves"], S["domestic_debt"], S["external_debt"], S["arrears"],
            S["fx"], S["devalued"], S["authorised"] if law else none,
            *(S[p] for p in ("dom_m", "ext_m", "amort_m", "running", "invest", "cap_d")),
            *(S[p] for p in ("lim_d", "cap_x", "lim_x", "leak", "trigger", "fx_new")),
            S["hazard"] if law else none, S["tranche"] if law else none,
            *(x(p) for p in ("cash0", "other", "payroll", "senior_x", "project", "ext_factor")),
            x("fx_in"), x("law_u") if law else np.broadcast_to(0.0, (k, n)),
            law, ST, RS, DB,
        )  # fmt: skip
        if not S["any_devalued"] and S["devalued"].any():
            S["any_devalued"] = True

    def month(
        self, S: dict[str, Any], X: dict[str, Any], j: int, record: bool = False
    ) -> np.ndarray:
        """Month ``j`` of the slab ``X``: update ``S``; return payroll due.

        With ``record`` every flow of the budget identity is stored in ``S["record"]``.
        """
        zero = S["zero"]
        trig = S["reserves"] < S["trigger"]
        trig &= ~S["devalued"]
        if trig.any():
            idx = np.flatnonzero(trig)
            S["domestic_debt"][idx] *= S["fx_new"][idx]
            S["fx"][idx] = S["fx_new"][idx]
            S["devalued"][idx] = True
            S["any_devalued"] = True
            if S["authorised"] is not None:
                S["authorised"][idx] *= S["fx_new"][idx]
        D, Xd, T, A = S["domestic_debt"], S["external_debt"], S["treasury"], S["arrears"]
        if S["any_devalued"]:
            fx = S["fx"]
            other = X["other"][j] * fx
            payroll = X["payroll"][j] * fx
            running = S["running"] * fx
            invest = S["invest"] * fx
        else:
            other, payroll = X["other"][j], X["payroll"][j]
            running, invest = S["running"], S["invest"]
        cash = X["cash0"][j] + other
        dom_int = D * S["dom_m"]
        ext_int = Xd * S["ext_m"]
        amort = Xd * S["amort_m"]
        senior = dom_int + ext_int
        senior += amort
        senior += X["senior_x"][j]
        l1 = senior + X["project"][j]
        l2 = l1 + payroll
        l3 = l2 + running
        l4 = l3 + A
        avail_d = S["lim_d"] - D
        np.maximum(avail_d, zero, out=avail_d)
        np.minimum(avail_d, S["cap_d"], out=avail_d)
        avail_x = S["lim_x"] - Xd
        np.maximum(avail_x, zero, out=avail_x)
        np.minimum(avail_x, S["cap_x"], out=avail_x)
        avail_x *= X["ext_factor"][j]
        blocked = None
        if S["authorised"] is not None:
            avail_d, blocked = self._borrowing_law(S, X, j, cash, T, avail_d, l4)
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
        S["arrears"] = A - arrears_repaid
        S["arrears"] += new_arrears
        S["treasury"] = T - draw_t
        S["treasury"] += surplus
        S["domestic_debt"] = D + dom
        if S["authorised"] is not None:
            S["authorised"] = S["authorised"] - dom
            np.maximum(S["authorised"], zero, out=S["authorised"])
        S["external_debt"] = Xd + ext
        S["external_debt"] -= amort
        local_out = payroll_paid + running_paid
        local_out += arrears_repaid
        local_out += invest_paid
        local_out += dom_int
        local_out *= S["leak"]
        R = S["reserves"] + X["fx_in"][j]
        R += ext
        R -= local_out
        R -= ext_int
        R -= amort
        S["reserves"] = np.maximum(R, zero, out=R)
        if S["record"] is not None:
            n = S["n"]
            fl = {
                "sources": X["cash0"][j] + other + draw_t + dom + ext + new_arrears,
                "uses": X["project"][j]
                + senior
                + payroll
                + running_paid
                + arrears_repaid
                + invest_paid
                + surplus,
                "payroll_paid": payroll_paid,
                "domestic_borrowing": dom,
                "external_borrowing": ext,
                "new_arrears": new_arrears,
            }
            if S["authorised"] is not None:
                fl["authorised"] = S["authorised"]
                fl["borrowing_blocked"] = zero if blocked is None else blocked
            S["record"].append(
                {k2: np.broadcast_to(np.asarray(v, float), (n,)).copy() for k2, v in fl.items()}
            )
        return payroll

    def _borrowing_law(
        self,
        S: dict[str, Any],
        X: dict[str, Any],
        j: int,
        cash: np.ndarray,
        T: np.ndarray,
        avail_d: np.ndarray,
        l4: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """The domestic borrowing available this month under the legal envelope.

        ``W = min(max(l4 - cash - T, 0), avail_d)``; where ``W`` exceeds the envelope a law
        passes when the month's uniform is below the hazard, raising the envelope by
        ``max(tranche, W - envelope)``; elsewhere domestic borrowing is limited to the envelope.
        Paths where the envelope does not bind keep ``avail_d``. Also returns the indicator of
        a blocked month (None when no path is blocked).
        """
        A = S["authorised"]
        gap = l4 - cash
        gap -= T
        np.maximum(gap, S["zero"], out=gap)
        np.minimum(gap, avail_d, out=gap)
        gap -= A
        binding = gap > 0
        if not binding.any():
            return avail_d, None
        passes = X["law_u"][j] < S["hazard"]
        passes &= binding
        tranche = S["tranche"] * S["fx"] if S["any_devalued"] else S["tranche"]
        S["authorised"] = np.where(passes, A + np.maximum(tranche, gap), A)
        blocked = binding & ~passes
        if not blocked.any():
            return avail_d, None
        return np.where(blocked, S["authorised"], avail_d), blocked


def _stream(rng: np.random.Generator, key: int) -> np.random.Generator:
    """The child ``key`` of ``rng``'s seed sequence (does not consume ``rng``)."""
    ss = rng.bit_generator.seed_seq
    assert isinstance(ss, np.random.SeedSequence)
    child = np.random.SeedSequence(ss.entropy, spawn_key=(*ss.spawn_key, key))
    return np.random.Generator(np.random.PCG64(child))
