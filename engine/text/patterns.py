"""The patterns every reader of a thread shares: e-mail addresses, links, phone numbers, domains.

Defined once here so the offline analysis, template variables, the semantic cache and the scrubber
agree on what an address or a phone number is.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["DOMAIN", "EMAIL", "PHONE", "URL", "fold"]

EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")
URL = re.compile(r"\bhttps?://\S+|\bwww\.\S+", re.IGNORECASE)
# Seven or more digits with spaces, brackets or dashes between them; not part of a word or an amount.
PHONE = re.compile(r"(?<![\w$€£])\+?\d[\d ()\-]{7,}\d(?!\w)")
# The host of an address or a link: `mateus@rotaverde.example` -> `rotaverde.example`.
DOMAIN = re.compile(r"(?:@|https?://|www\.)((?:[\w-]+\.)+[a-z]{2,})", re.IGNORECASE)


def fold(word: str) -> str:
    """`word` case-folded, without accents and with a plain apostrophe: "José’s" -> "jose's"."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).replace("’", "'")
