"""The world model's code names no country, commodity benchmark, currency or organisation.

Those are scenario data (built-in scenario YAML, data files). The words below are the ones the
built-in scenarios and the cases the model was written for would tempt code to use; the check
is on whole words, case-insensitive, over every Python file of ``melian.world``.
"""

from __future__ import annotations

import re
from pathlib import Path

import melian.world

WORDS = (
    # countries, regions, places, peoples and armed groups
    r"iraq\w*",
    r"iran\w*",
    r"china",
    r"chinese",
    r"russia\w*",
    r"kyrgyz\w*",
    r"manas",
    r"afghan\w*",
    r"united states",
    r"america\w*",
    r"mosul",
    r"basra\w*",
    r"kurd\w*",
    r"isis",
    r"daesh",
    # commodity benchmarks
    r"brent",
    r"wti",
    r"urals",
    r"henry hub",
    # currencies
    r"dinars?",
    r"dollars?",
    r"usd",
    r"us\$",
    r"iqd",
    r"euros?",
    r"roubles?",
    r"rubles?",
    r"soms?",
    # organisations
    r"opec\+?",
    r"imf",
    r"world bank",
    r"nato",
    r"csto",
    r"cow",
    r"sipri",
    r"eia",
)


def test_world_code_names_no_country_benchmark_currency_or_organisation():
    root = Path(melian.world.__file__).parent
    pat = re.compile(r"(?<![A-Za-z$])(" + "|".join(WORDS) + r")(?![A-Za-z$])", re.IGNORECASE)
    found = []
    for f in sorted(root.rglob("*.py")):
        for k, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1):
            for m in pat.finditer(line):
                found.append(f"{f.relative_to(root)}:{k}: {m.group(0)!r}")
    assert not found, "\n".join(found)
