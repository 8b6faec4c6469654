"""melian.analysis: the one layer every face calls.

One module per analysis kind, each a plain function taking a scenario and typed keyword
parameters and returning a typed result (with ``to_dict()``, ``to_frame()`` and
``_repr_html_``):

=========  ==========================================  ===================================
kind       function                                     result
=========  ==========================================  ===================================
forecast   :func:`~melian.analysis.forecast.forecast`,  ``Forecast``, ``ForecastSet``
           :func:`~melian.analysis.forecast.forecast_all`
game       :func:`~melian.analysis.game.analyse_game`   ``GameAnalysis``
simulate   :func:`~melian.analysis.simulate.simulate`   ``Ensemble``
explore    :func:`~melian.analysis.explore.explore`     ``SensitivityResult``, ...
rank       :func:`~melian.analysis.rank.rank`           ``Ranking``
brief      :func:`~melian.analysis.brief.brief`         ``Brief``
advise     :func:`~melian.analysis.advise.advise`       ``Levers``
predictive :func:`~melian.analysis.predictive.predictive` ``PredictiveForecast``
=========  ==========================================  ===================================

The command line, the web app and the Python API (``melian.forecast`` ...) call these functions
and nothing below them; the brief gets its analyses from here (:data:`melian.analysis.brief.
RUNNERS`), decide gets its evidence from here (:func:`melian.analysis.rank.evidence`).

Adding a kind is one module here (see docs/architecture.md): ``melian/analysis/<kind>.py``
with the function, its numpydoc docstring and a result that has ``to_dict``/``to_frame``/
``_repr_html_``; then its name in :data:`KINDS` below and its function in ``melian/__init__.py``
(``_PUBLIC``, ``__all__`` and the ``TYPE_CHECKING`` import); ``tests/test_public_api.py`` fails
if one of these is missing.

Faces import the function from its module (``from melian.analysis.forecast import forecast``):
this package imports nothing itself, so a command pays only for the analysis it runs.
"""

from __future__ import annotations

#: The analysis kinds: one module each in this package.
KINDS: tuple[str, ...] = (
    "forecast",
    "game",
    "simulate",
    "explore",
    "rank",
    "brief",
    "advise",
    "predictive",
)

__all__ = ["KINDS"]
