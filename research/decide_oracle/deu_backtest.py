"""DEU backtest of the exchange model's two variants (melian's reading and decide's).

Runs in melian's environment: the packaged DEU file, GDP capabilities, the exchange model run
jointly per proposal (as ``melian backtest deu`` does), mean absolute error over the issues with
an outcome, for ``variant="melian"`` and ``variant="decide"`` (10 rounds each).

    PYTHONPATH=src python -m research.decide_oracle.deu_backtest
"""

from __future__ import annotations

import time

from melian.bargaining.base import BargainingProblem, Forecast
from melian.bargaining.exchange import run
from melian.bargaining.io.deu import packaged_path, read_deu
from melian.bargaining.validation.backtest import forecast_issues, mean_absolute_error


def main() -> None:
    issues = read_deu(packaged_path("deu-dev.tsv"))
    for variant in ("melian", "decide"):

        def runner(name: str, problem: BargainingProblem, v: str = variant) -> Forecast:
            return run(problem, variant=v)

        t0 = time.perf_counter()
        pred, failures = forecast_issues(issues, "exchange", runner=runner, joint=True)
        mae, n = mean_absolute_error(pred, issues)
        print(
            f"exchange variant={variant}: MAE {mae:.2f} on {n} issues, "
            f"{len(failures)} failures, {time.perf_counter() - t0:.0f} s"
        )


if __name__ == "__main__":
    main()
