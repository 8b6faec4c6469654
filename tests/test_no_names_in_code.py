"""No country, commodity benchmark, currency or organisation is named in melian's Python code.

Those names are scenario data: they belong in a scenario file (``src/melian/data/scenarios`` or
``src/melian/scenario/builtin``), a data file under ``src/melian/data``, or the docs, never in a
``.py`` file under ``src/melian`` -- code, comments and docstrings alike (issue 13, item 8).

The word list is built from data: the country names and ISO 3166 alpha-3 codes of every country
the World Bank lists (``tests/data/names/countries-wb.csv``, provenance in its README), with a
few common short forms and demonyms, plus curated lists of commodity benchmarks, currencies and
organisations. Names are matched as whole words, case-insensitively; codes (``USA``, ``IRQ``,
``USD``, ``EU``) are matched case-sensitively, since lower-case ``are``, ``can`` or ``try`` are
English words. :data:`ALLOWED` is a small reviewed list of exceptions, each with its reason.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "melian"
COUNTRIES = ROOT / "tests" / "data" / "names" / "countries-wb.csv"

#: Short forms and demonyms the World Bank's formal names do not give.
COUNTRY_EXTRA = [
    "Russia", "Kyrgyzstan", "Turkey", "Syria", "Vietnam", "Laos", "Slovakia", "Venezuela",
    "Czech Republic", "Ivory Coast", "Burma", "Persia", "Taiwan", "Palestine", "Kurdistan",
    "North Korea", "South Korea", "Britain", "Great Britain", "England", "America",
    "Soviet Union", "USSR",
    "American", "Americans", "Iraqi", "Iraqis", "Iranian", "Iranians", "Russian", "Russians",
    "Chinese", "Turkish", "Saudi", "Saudis", "Kyrgyz", "Afghan", "Afghans", "Uzbek", "Kazakh",
    "Tajik", "Kurdish", "Kurds", "Syrian", "Israeli", "British", "French", "German", "Japanese",
    "Emirati", "Qatari", "Kuwaiti", "Jordanian", "Egyptian", "Pakistani", "Indian",
    # places of the built-in scenarios, which code would be tempted to name
    "Baghdad", "Mosul", "Basra", "Erbil", "Bishkek", "Manas", "Tehran", "Moscow", "Beijing",
]  # fmt: skip

#: Upper-case codes matched case-sensitively, beside the ISO alpha-3 codes of the data file.
CODES_EXTRA = ["US", "UK", "UAE", "KSA", "PRC", "ROK", "DPRK"]

#: Commodity price benchmarks.
BENCHMARKS = [
    "Brent", "WTI", "West Texas", "Urals", "Dubai", "Henry Hub", "OPEC Basket", "ESPO",
    "Murban", "Dated Brent", "Platts", "LME", "COMEX", "NYMEX",
]  # fmt: skip

#: Currency names (case-insensitive) and ISO 4217 codes (case-sensitive).
CURRENCIES = [
    "dollar", "dollars", "dinar", "dinars", "som", "soms", "rouble", "roubles", "ruble", "rubles",
    "euro", "euros", "yuan", "renminbi", "rial", "rials", "riyal", "riyals", "lira", "liras",
    "sterling", "tenge", "manat", "afghani", "rupee", "rupees", "yen", "dirham", "dirhams",
    "hryvnia", "shekel", "shekels",
]  # fmt: skip
CURRENCY_CODES = [
    "USD", "EUR", "IQD", "KGS", "RUB", "RUR", "CNY", "RMB", "IRR", "SAR", "TRY", "GBP", "JPY",
    "KZT", "UZS", "TJS", "AFN", "AED", "INR", "CHF", "US$",
]  # fmt: skip

#: International organisations, alliances and armed groups.
ORGANISATIONS = [
    "NATO", "OPEC", "OPEC+", "United Nations", "European Union", "IMF", "World Bank", "CSTO",
    "ASEAN", "EAEU", "Eurasian Economic Union", "Arab League", "African Union", "OSCE",
    "IAEA", "OECD", "G7", "G20", "WTO", "Warsaw Pact", "ISIS", "ISIL", "Islamic State", "Daesh",
    "Hezbollah", "Kataib", "Taliban", "al-Qaeda", "Al Qaeda", "CENTCOM", "Pentagon", "Kremlin",
    "Popular Mobilization", "Popular Mobilisation", "PMF", "PMU",
]  # fmt: skip
ORGANISATION_CODES = ["UN", "EU", "SCO", "CIS", "EEU", "GCC"]

#: ISO alpha-3 codes that are also upper-case English words (never matched), and codes that
#: stand for something else in melian's field, with what they stand for.
CODE_NOT_A_NAME: dict[str, str] = {
    **{c: "an English word" for c in (
        "AND", "ARE", "CAN", "PER", "FIN", "MAR", "NOR", "PAN", "TON", "COM", "DOM", "GIN", "BEN",
        "SUR", "MAC", "LIE", "ARM", "CHE", "NAM", "EST", "POL", "ISL", "IND", "TUN", "GAB",
        "BRA", "CUB", "MEX", "PRT", "DMA",
    )},
    "DEU": "the DEU data set (Decision-making in the EU), the bargaining field's benchmark",
    "COD": "the codecision procedure code of the DEU data set",
    "PNG": "the image format",
    "WSM": "the weighted sum model of MCDA (pymcdm.methods.WSM)",
}  # fmt: skip

#: Field-specific files where a name is allowed: the DEU data set (Thomson, Stokman, Achen &
#: Koenig, *The European Union Decides*, 2006) is the bargaining field's benchmark, the reader of
#: its files and melian-deu, the model fitted on it, are about that legislature by design.
DEU_FILES = {
    "bargaining/io/deu.py", "bargaining/melian_deu.py", "bargaining/compromise.py",
    "bargaining/median.py", "bargaining/nash.py", "bargaining/uncertainty.py",
    "scenario/importers.py",
}  # fmt: skip

#: Reviewed exceptions: word as written -> (reason, files relative to src/melian).
ALLOWED: dict[str, tuple[str, set[str]]] = {
    "European Union": ("title of the DEU book and the DEU data set's name", DEU_FILES),
    "EU": (
        "the legislature the DEU reader and melian-deu model by design (its Commission, "
        "Parliament and member states)",
        {"bargaining/io/deu.py", "bargaining/melian_deu.py"},
    ),
}


def _country_names() -> tuple[list[str], list[str]]:
    names: set[str] = set()
    codes: set[str] = set()
    with COUNTRIES.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            full = row["name"]
            names.add(full.split(",")[0].split(" (")[0].strip())
            if "," not in full:
                names.add(full)
            codes.add(row["code"])
    return sorted(names), sorted(codes - set(CODE_NOT_A_NAME))


_TOKEN = re.compile(r"(?<![\w$])\w+(?![\w$+])")


class Words:
    """A list of words matched whole: one-token words by a set look-up on the text's tokens,
    the others (several tokens, ``US$``, ``OPEC+``) by a regular expression.
    """

    def __init__(self, words: list[str], *, ignore_case: bool) -> None:
        self.fold = str.lower if ignore_case else str
        single = [w for w in words if re.fullmatch(r"\w+", w)]
        self.single = {self.fold(w) for w in single}
        multi = sorted({re.escape(w).replace(r"\ ", r"\s+") for w in words if w not in single})
        flags = re.IGNORECASE if ignore_case else 0
        self.multi = (
            re.compile(r"(?<![\w$])(" + "|".join(multi) + r")(?![\w$+])", flags) if multi else None
        )

    def finditer(self, text: str) -> list[tuple[int, str]]:
        """(offset, word as written) of every match in ``text``."""
        out = [
            (m.start(), m.group())
            for m in _TOKEN.finditer(text)
            if self.fold(m.group()) in self.single
        ]
        if self.multi is not None:
            out += [(m.start(), m.group(1)) for m in self.multi.finditer(text)]
        return out


def patterns() -> list[tuple[str, Words]]:
    """The (kind, words) pairs the sources are searched with."""
    names, codes = _country_names()
    return [
        ("country", Words(names + COUNTRY_EXTRA, ignore_case=True)),
        ("country code", Words(codes + CODES_EXTRA, ignore_case=False)),
        ("commodity benchmark", Words(BENCHMARKS, ignore_case=True)),
        ("currency", Words(CURRENCIES, ignore_case=True)),
        ("currency code", Words(CURRENCY_CODES, ignore_case=False)),
        ("organisation", Words(ORGANISATIONS, ignore_case=True)),
        ("organisation", Words(ORGANISATION_CODES, ignore_case=False)),
    ]


def offenders() -> list[str]:
    """Every ``file:line: kind 'word'`` found in the Python sources under ``src/melian``."""
    pats = patterns()
    out: list[str] = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        text = path.read_text(encoding="utf-8")
        for kind, words in pats:
            for start, word in words.finditer(text):
                reason_files = ALLOWED.get(word)
                if reason_files is not None and rel in reason_files[1]:
                    continue
                line = text.count("\n", 0, start) + 1
                out.append(f"src/melian/{rel}:{line}: {kind} {word!r}")
    return sorted(out)


def test_word_list_finds_names() -> None:
    """The patterns catch what they must and leave ordinary words alone."""
    found = {
        word
        for _, words in patterns()
        for _, word in words.finditer(
            "the Iraqi budget in dinars, Brent at 60 US$/bbl; NATO and the EU; KGZ and "
            "the United  States; are we there? can it try? USA"
        )
    }
    assert {
        "Iraqi",
        "dinars",
        "Brent",
        "US$",
        "NATO",
        "EU",
        "KGZ",
        "United  States",
        "USA",
    } <= found
    assert not {"are", "can", "try", "there"} & found


def test_allowlist_is_used() -> None:
    """Every allowlisted exception still occurs (stale entries are removed)."""
    pats = patterns()
    for word, (reason, files) in ALLOWED.items():
        assert reason
        for rel in files:
            text = (SRC / rel).read_text(encoding="utf-8")
            assert any(w == word for _, p in pats for _, w in p.finditer(text)), (rel, word)


def test_no_country_benchmark_currency_or_organisation_in_code() -> None:
    """No ``.py`` file under src/melian names a country, benchmark, currency or organisation."""
    found = offenders()
    assert not found, f"{len(found)} names in code (move them to scenario data):\n" + "\n".join(
        found
    )
