"""Validation of the bargaining models on real outcomes: the DEU backtest (point errors with
cluster-bootstrap intervals) and the calibration and scoring of predictive distributions.
"""
