"""The brief's wording: every phrase and sentence the code asks for exists in English and Arabic,
with the same fields in both, so an Arabic brief never falls back to English text."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from melian.brief import i18n

SRC = Path(__file__).parents[2] / "src" / "melian" / "brief"
#: Keys built at run time (f-strings) in the brief's code.
DYNAMIC = {
    "sentences": {"sp_switch_low", "sp_switch_high", "threshold_below", "threshold_above"},
}


def _used() -> tuple[set[str], set[str]]:
    code = "\n".join(p.read_text() for p in SRC.glob("*.py"))
    phrases = set(re.findall(r"\bt\(\s*\"([A-Za-z_\-]+)\"", code))
    sentences = set(re.findall(r"\btf\(\s*\"([A-Za-z_\-]+)\"", code)) | DYNAMIC["sentences"]
    return phrases, sentences


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_every_phrase_used_exists_in_both_languages():
    phrases, sentences = _used()
    assert phrases and sentences
    for key in phrases:
        assert key in i18n.STRINGS, key
        assert i18n.STRINGS[key].get("ar") and i18n.STRINGS[key].get("en"), key
    for key in sentences:
        assert key in i18n.SENTENCES, key
        entry = i18n.SENTENCES[key]
        assert entry.get("ar") and entry.get("en"), key


@pytest.mark.parametrize("key", sorted(i18n.SENTENCES))
def test_arabic_sentence_takes_the_same_fields(key):
    entry = i18n.SENTENCES[key]
    # Arabic may leave out a field that carries English text (an error message), never add one
    assert _fields(entry["ar"]) <= _fields(entry["en"]), key
    assert re.search("[\u0600-\u06ff]", entry["ar"]), key


def test_units_kinds_and_claims_are_translated():
    from melian.games.claims import CLAIMS
    from melian.world.components import KINDS

    assert set(CLAIMS) == set(i18n.CLAIMS_AR)
    declared = {x.unit for k in KINDS.values() for x in (*k.OUTCOMES, *k.BANDS)}
    missing = {u for u in declared if i18n.unit_text(u, "ar") == u}
    assert not missing, missing
    assert i18n.unit_text("a unit the scenario wrote", "ar") == "a unit the scenario wrote"
    assert i18n.t_kind("armed_group", "ar") == "جماعة مسلحة"
