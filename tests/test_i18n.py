"""melian's one message catalogue (melian.i18n): lookups, fallbacks, and every translation keeps
the fields of its English text."""

from __future__ import annotations

import re

import pytest

from melian.advise.text import t as advise_t
from melian.advise.text import tf as advise_tf
from melian.i18n import LANGS, catalogue, check_lang, direction, gettext, message, translator


def test_worded_and_keyed_lookups() -> None:
    assert LANGS[0] == "en" and "ar" in LANGS
    assert gettext("Runs", "ar") == "التشغيلات" and gettext("Runs", "en") == "Runs"
    assert gettext("no such message", "ar") == "no such message"
    assert translator("ar")("%(n)s unchanged rows", n=3).startswith("3 ")
    assert translator("fr")("Runs") == "Runs"  # a language melian does not speak: English
    assert check_lang("ar") == "ar" and check_lang("../../etc") == "en" and check_lang(None) == "en"
    assert direction("ar") == "rtl" and direction("en") == "ltr"
    assert message("advise", "robust", "ar") == "متين"
    assert message("advise", "robust", "en") == message("advise", "robust", "fr") == "Robust"
    with pytest.raises(KeyError):
        message("advise", "no-such-key", "en")


def test_the_levers_wording_comes_from_the_catalogue() -> None:
    assert advise_t("persuasion", "ar") == "من ينبغي إقناعه"
    text = advise_tf("support_central", "en", models=2, n=3)
    assert text == "it helps under 2 of 3 models"
    assert advise_tf("support_central", "ar", models=2, n=3) == "وهو مفيد في 2 من أصل 3 نماذج"


def test_every_translation_keeps_the_fields_of_its_english_text() -> None:
    en = catalogue("en")
    for lang in LANGS[1:]:
        for (ctx, msgid), text in catalogue(lang).items():
            if ctx is None:  # worded: %(name)s fields of the English msgid
                assert set(re.findall(r"%\(\w+\)s", msgid)) == set(
                    re.findall(r"%\(\w+\)s", text)
                ), msgid
            else:  # keyed: {name} fields of the English text
                assert (ctx, msgid) in en, (ctx, msgid)
                assert set(re.findall(r"\{(\w+)\}", en[(ctx, msgid)])) == set(
                    re.findall(r"\{(\w+)\}", text)
                ), (ctx, msgid, lang)
    # every keyed English message has its translation
    for ctx, key in en:
        for lang in LANGS[1:]:
            assert (ctx, key) in catalogue(lang), (ctx, key, lang)
