"""The outbound side of e-mail: hand one message to the SMTP server, and say whether to retry.

aiosmtplib: asyncio-native, maintained, typed; implicit TLS, STARTTLS, AUTH and a timeout on
every step. The server's answer decides the outcome for the delivery worker: 4xx, a timeout or a
connection that fails or drops is temporary (`RetryLater`), 5xx is final (`PermanentFailure`
with the server's reply, which the agents see).
"""

from __future__ import annotations

import logging
import ssl
from email.message import EmailMessage

import aiosmtplib

from channels.email.settings import EmailSettings
from core.delivery import PermanentFailure, RetryLater

log = logging.getLogger(__name__)


class SmtpSender:
    """Sends through the configured SMTP server, one connection per message."""

    def __init__(self, settings: EmailSettings, *, ssl_context: ssl.SSLContext | None = None, timeout: float = 30.0):
        self._settings, self._timeout = settings, timeout
        self._ssl_context = ssl_context or ssl.create_default_context()

    async def send(self, message: EmailMessage) -> None:
        """Deliver `message` to its recipients (To, Cc, Bcc). Raises `RetryLater` or `PermanentFailure`."""
        settings = self._settings
        client = aiosmtplib.SMTP(
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            # Logs in only when a user is set (a relay may trust this host instead).
            username=settings.smtp_user or None,
            password=settings.smtp_password if settings.smtp_user else None,
            use_tls=settings.smtp_security == "tls",
            # False, not None: "none" must not upgrade on its own, "starttls" must insist.
            start_tls=settings.smtp_security == "starttls",
            tls_context=self._ssl_context,
            timeout=self._timeout,
        )
        try:
            async with client:
                refused, _reply = await client.send_message(message)
        except aiosmtplib.SMTPRecipientsRefused as error:
            raise _outcome(
                min(refused.code for refused in error.recipients),
                "; ".join(f"{refused.recipient}: {refused.code} {refused.message}" for refused in error.recipients),
            ) from error
        except aiosmtplib.SMTPResponseException as error:
            raise _outcome(error.code, f"{error.code} {error.message}") from error
        except ValueError as error:
            # aiosmtplib found no sender or no recipient in the headers: sending again cannot help.
            raise PermanentFailure(f"the message cannot be sent: {error}") from error
        except (aiosmtplib.SMTPException, OSError, TimeoutError, ssl.SSLError) as error:
            # Timeouts, refused or dropped connections, TLS not offered or not verified.
            raise RetryLater(
                f"SMTP {settings.smtp_host}:{settings.smtp_port}: {error or type(error).__name__}"
            ) from error
        if refused:
            # Some recipients took it, others refused: sending again would repeat it to the first.
            reasons = "; ".join(
                f"{address}: {response.code} {response.message}" for address, response in refused.items()
            )
            raise PermanentFailure(f"refused by some recipients (the others received it): {reasons}")


def _outcome(code: int, reason: str) -> RetryLater | PermanentFailure:
    if 400 <= code < 500:
        return RetryLater(f"SMTP temporary failure: {reason}")
    return PermanentFailure(f"SMTP server refused the message: {reason}")
