"""Text that every database and platform accepts: no lone surrogates."""

from __future__ import annotations

import re

# json.loads pairs valid surrogates into one code point; whatever remains is a lone half, which
# UTF-8 cannot encode (PostgreSQL refuses it, and so would every platform we send to).
_SURROGATE = re.compile("[\ud800-\udfff]")


def scrub(text: str) -> str:
    """`text` with every lone surrogate replaced by U+FFFD."""
    return _SURROGATE.sub("\ufffd", text)
