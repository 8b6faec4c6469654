"""The lever analysis's fixed wording in English and Arabic.

The phrases and sentence templates live in melian's one message catalogue (:mod:`melian.i18n`,
context ``advise``: ``locale/<lang>/LC_MESSAGES/melian.po``), shared with the web pages and the
brief; this module keeps the lookups the lever code has always used. Only fixed phrases live
there; names and numbers are filled in from the results.
"""

from __future__ import annotations

from melian.i18n import message

#: The catalogue context of the levers' messages.
CONTEXT = "advise"


def tf(key: str, lang: str, **fields: object) -> str:
    """Sentence ``key`` in ``lang`` with its fields filled in (English when no translation)."""
    return message(CONTEXT, key, lang).format(**fields)


def t(key: str, lang: str) -> str:
    """The phrase ``key`` in ``lang`` (English when no translation exists)."""
    return message(CONTEXT, key, lang)
