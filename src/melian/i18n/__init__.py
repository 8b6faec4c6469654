"""melian's one message catalogue: fixed wording in every language, gettext style.

The catalogue is a set of gettext ``.po`` files (``locale/<lang>/LC_MESSAGES/melian.po`` beside
this module), read with Babel (:func:`babel.messages.pofile.read_po`) the first time a language
is asked for. Two kinds of message live there:

- **Worded messages** (the web pages): the ``msgid`` is the English text itself (templates call
  ``_("Runs")``); :func:`gettext` and :func:`pgettext` look them up, English needs no entry, and
  a message missing from a language's file is shown in English.
- **Keyed messages** (longer sentences with ``{field}`` slots, such as the levers'): the
  ``msgctxt`` names the part of melian (``advise``), the ``msgid`` is a short key, and every
  language, English included, gives the text (``locale/en/...``); :func:`message` looks them up,
  falling back to English.

This module sits at the bottom layer (it imports nothing of melian), so every part of melian may
use it: the web pages (through the ``_()`` of their templates), the brief and the lever texts.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from importlib import resources

#: Languages melian speaks, English first (the source language).
LANGS: tuple[str, ...] = ("en", "ar")
#: Their names, each in its own language (for a language switch).
LANG_NAMES: dict[str, str] = {"en": "English", "ar": "العربية"}
#: Languages written right to left.
RTL: frozenset[str] = frozenset({"ar"})
#: The gettext domain of melian's catalogue.
DOMAIN = "melian"

_LOCK = threading.Lock()


def check_lang(lang: str | None, default: str = "en") -> str:
    """``lang`` if melian speaks it, else ``default`` (a request's language is never trusted)."""
    return lang if lang in LANGS else default


def direction(lang: str) -> str:
    """Writing direction of ``lang``: ``"rtl"`` or ``"ltr"`` (the HTML ``dir`` attribute)."""
    return "rtl" if lang in RTL else "ltr"


@lru_cache(maxsize=len(LANGS))
def catalogue(lang: str) -> dict[tuple[str | None, str], str]:
    """The messages of ``lang``: (context, msgid) -> text in ``lang``.

    Read from the language's ``.po`` file with Babel; fuzzy and empty entries are left out (the
    English text is then shown). A language without a file has an empty catalogue.
    """
    if lang not in LANGS:
        return {}
    from babel.messages.pofile import read_po

    path = resources.files("melian.i18n").joinpath(f"locale/{lang}/LC_MESSAGES/{DOMAIN}.po")
    if not path.is_file():
        return {}
    with _LOCK, path.open("rb") as fh:
        cat = read_po(fh, locale=lang)
    out: dict[tuple[str | None, str], str] = {}
    for msg in cat:
        if not msg.id or msg.fuzzy or not msg.string or isinstance(msg.id, tuple):
            continue
        out[(msg.context, str(msg.id))] = str(msg.string)
    return out


def gettext(message: str, lang: str) -> str:
    """``message`` (English) in ``lang``; the English text itself where there is no translation."""
    return catalogue(lang).get((None, message), message)


def pgettext(context: str, message: str, lang: str) -> str:
    """``message`` in ``lang`` in the given ``context`` (gettext's ``msgctxt``), else English."""
    cat = catalogue(lang)
    return cat.get((context, message)) or cat.get((None, message)) or message


def message(context: str, key: str, lang: str) -> str:
    """Keyed message ``key`` of part ``context`` (e.g. ``advise``) in ``lang``, else in English.

    A ``KeyError`` if the catalogue has no such message in English either (a programming error,
    caught by the tests of the part that asks).
    """
    text = catalogue(lang).get((context, key)) or catalogue("en").get((context, key))
    if text is None:
        raise KeyError(f"{context}:{key}")
    return text


def translator(lang: str) -> Translator:
    """A ``_()`` for templates: ``_("text")``, or ``_("%(n)s runs", n=3)`` (filled after lookup)."""
    return Translator(lang)


class Translator:
    """Callable ``_(message, **fields)`` for one language (see :func:`translator`)."""

    def __init__(self, lang: str) -> None:
        self.lang = check_lang(lang)

    def __call__(self, message: str, /, **fields: object) -> str:
        """The translation of ``message`` with ``%(name)s`` fields filled in from ``fields``."""
        text = gettext(message, self.lang)
        return text % fields if fields else text

    def pgettext(self, context: str, message: str) -> str:
        """The translation of ``message`` in ``context``."""
        return pgettext(context, message, self.lang)


__all__ = [
    "DOMAIN",
    "LANGS",
    "LANG_NAMES",
    "RTL",
    "Translator",
    "catalogue",
    "check_lang",
    "direction",
    "gettext",
    "message",
    "pgettext",
    "translator",
]
