"""Personal data out of log lines: phone numbers and e-mail addresses masked, addresses and names hashed.

Addresses (a WhatsApp number, a Telegram chat id, a widget visitor) become a keyed hash, so the lines
of one customer can still be followed without the number being readable. The key comes from the
deployment's secrets: stable across restarts and instances, unknown to whoever reads only the logs
(a plain hash of a phone number is reversed by trying every number). LOG_PERSONAL_DATA=true turns
all of this off for debugging.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
import secrets
from collections.abc import Iterable

# Record attributes that name or reach a person (`extra={"address": ...}` and the like).
PERSONAL_FIELDS = ("address", "sender", "sender_name", "name", "author", "display_name", "email", "phone")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# "+7 999 123-45-67" (written with a plus) or a bare run of 10-15 digits (79991234567); shorter runs
# are ids and counts, and dates keep their dashes.
PHONE = re.compile(r"\+\d[\d ()-]{7,18}\d|(?<![\w.])\d{10,15}(?![\w.])")


def hash_key(deployment_secrets: Iterable[str]) -> bytes:
    """The hashing key: from the configured secrets, or random for this process when there are none."""
    material = "\0".join(sorted(s for s in deployment_secrets if s))
    return hashlib.sha256(material.encode()).digest() if material else secrets.token_bytes(32)


def mask_text(text: str) -> str:
    """The text with e-mail addresses and phone numbers replaced by [email] and [phone]."""
    return PHONE.sub("[phone]", EMAIL.sub("[email]", text))


class PersonalDataFilter(logging.Filter):
    """Hashes personal fields and masks the message of every record passing the handler."""

    def __init__(self, key: bytes) -> None:
        super().__init__()
        self.key = key

    def pseudonym(self, value: object) -> str:
        digest = hmac.new(self.key, str(value).encode(), hashlib.sha256).digest()
        # Base64 rather than hex: twelve hex digits can be all digits and read as a phone number.
        return "h:" + base64.urlsafe_b64encode(digest[:9]).decode()

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "personal_data_masked", False):
            return True  # the record passed another handler with this filter already
        for name in PERSONAL_FIELDS:
            value = getattr(record, name, None)
            if value is not None and not str(value).startswith("h:"):
                setattr(record, name, self.pseudonym(value))
        message = record.getMessage()
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        record.personal_data_masked = True
        return True
