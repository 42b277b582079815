"""Cut quoted history and signatures from a mail's text, so agents see only what is new.

Mail programs put the history below the answer with an attribution line ("On ... wrote:",
"... написал(а):", Outlook's "-----Original Message-----" or a From:/Sent: header block) or
as ">" lines. Everything from the first such marker is history. The whole original mail is kept
as an attachment, so a wrong cut loses nothing.
"""

from __future__ import annotations

import re

_ATTRIBUTION = re.compile(
    r"""^\s*(
        (on\s.{0,200}?\swrote:?)                               # Gmail, Thunderbird, Apple Mail
      | (.{0,200}?(написал|написала|написал\(а\)|пишет)\s*:)     # Russian mail programs
      | (.{0,200}?<[^<>\s]+@[^<>\s]+>\s*:)                     # Gmail in Russian: "пн, 1 дек. ... <a@b>:"
      | (-{2,}\s*(original\s+message|исходное\s+сообщение|пересылаемое\s+сообщение|forwarded\s+message)\s*-{2,})
      | (_{10,})                                               # Outlook's rule above its header block
      | (le\s.{0,200}?\sa\s+écrit\s*:)
    )\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
# Outlook without a separator: "From: ..." followed by "Sent:"/"Date:" lines (English or Russian).
_OUTLOOK_FROM = re.compile(r"^\s*\**(from|от|отправитель)\s*:\**\s", re.IGNORECASE)
_OUTLOOK_NEXT = re.compile(r"^\s*\**(sent|date|отправлено|дата|to|кому)\s*:", re.IGNORECASE)
_SIGNATURE = re.compile(r"^-- ?$")


def _is_quote_start(lines: list[str], index: int) -> bool:
    line = lines[index]
    if _ATTRIBUTION.match(line):
        return True
    following = lines[index + 1] if index + 1 < len(lines) else ""
    if line.strip() and following.rstrip().endswith(":") and _ATTRIBUTION.match(f"{line} {following}"):
        return True
    if _OUTLOOK_FROM.match(line):
        return any(_OUTLOOK_NEXT.match(next_line) for next_line in lines[index + 1 : index + 4])
    return line.startswith(">") and all(
        (not rest.strip()) or rest.startswith(">") for rest in lines[index:] if not _SIGNATURE.match(rest)
    )


def strip_quotes(text: str) -> str:
    """The new part of a reply: text before the quoted history and the signature."""
    lines = text.replace("\r\n", "\n").split("\n")
    kept: list[str] = []
    for index, line in enumerate(lines):
        if _SIGNATURE.match(line) or _is_quote_start(lines, index):
            break
        if line.startswith(">"):
            continue  # an inline quote between answers (bottom-posting): the answers stay
        kept.append(line)
    new = "\n".join(kept).strip()
    # A mail that is only a quote (forwarded as is) keeps its text rather than becoming empty.
    return new or text.strip()
