"""Scenario format v1: schema, loading with located errors, importers and exporters."""

from melian.scenario.loader import (
    builtin_ids,
    content_hash,
    json_schema,
    load_scenario,
    parse_scenario,
    to_json,
    to_yaml,
)
from melian.scenario.schema import Scenario

__all__ = [
    "Scenario",
    "builtin_ids",
    "content_hash",
    "json_schema",
    "load_scenario",
    "parse_scenario",
    "to_json",
    "to_yaml",
]
