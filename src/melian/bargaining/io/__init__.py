"""Readers and writers of the external formats of the bargaining field: DEU data sets, KTAB CSV
input, forecasts as CSV/JSON (decide tables are read by :mod:`melian.scenario.importers`).
"""
