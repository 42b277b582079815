"""Realistic raw mails, built as the mail programs build them (headers, encodings, structure)."""

from __future__ import annotations

import base64
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from core.timeutil import utcnow

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def thunderbird(
    *,
    sender: str = "Alice Smith <alice@switchboard.test>",
    to: str = "support@switchboard.test",
    subject: str = "Printer on floor 3 is offline",
    body: str = "Hello,\n\nthe printer on floor 3 shows offline since this morning.\n\nAlice",
    message_id: str = "<a1b2c3@mail.switchboard.test>",
    screenshot: bytes | None = None,
    filename: str = "screenshot.png",
    headers: dict[str, str] | None = None,
) -> bytes:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = sender, to, subject
    mail["Date"] = format_datetime(utcnow())
    mail["Message-ID"] = message_id
    mail["User-Agent"] = "Mozilla Thunderbird"
    for name, value in (headers or {}).items():
        mail[name] = value
    mail.set_content(body)
    if screenshot is not None:
        mail.add_attachment(screenshot, maintype="image", subtype="png", filename=filename)
    return mail.as_bytes(policy=SMTP)


def outlook_cp1251_html_reply(
    *, in_reply_to: str, references: str, subject: str, quoted: str, address: str = "bob@switchboard.test"
) -> bytes:
    """An Outlook reply in windows-1251: HTML only, quoted-printable, the history under a header block."""
    html = (
        "<html><head><style>p{margin:0}</style><script>alert(1)</script></head><body>"
        "<p>Добрый день!</p><p>Принтер снова <b>работает</b>, спасибо.</p>"
        '<div style="border-top:solid #E1E1E1 1.0pt">'
        "<p><b>From:</b> Support &lt;support@switchboard.test&gt;<br><b>Sent:</b> Tuesday, December 1, 2026 10:00"
        f"<br><b>To:</b> Bob<br><b>Subject:</b> {subject}</p></div><p>{quoted}</p></body></html>"
    )
    lines = [
        "From: =?windows-1251?B?" + base64.b64encode("Боб Петров".encode("cp1251")).decode() + f"?= <{address}>",
        "To: support@switchboard.test",
        "Subject: =?windows-1251?B?" + base64.b64encode(f"RE: {subject}".encode("cp1251")).decode() + "?=",
        f"In-Reply-To: {in_reply_to}",
        f"References: {references}",
        "Message-ID: <outlook-777@switchboard.test>",
        "X-Mailer: Microsoft Outlook 16.0",
        "MIME-Version: 1.0",
        'Content-Type: text/html; charset="windows-1251"',
        "Content-Transfer-Encoding: quoted-printable",
        "",
    ]
    import quopri

    body = quopri.encodestring(html.encode("cp1251")).decode("ascii")
    return ("\r\n".join(lines) + "\r\n" + body).encode("ascii")


def koi8r_plain() -> bytes:
    lines = [
        "From: =?KOI8-R?B?" + base64.b64encode("Иван".encode("koi8-r")).decode() + "?= <ivan@switchboard.test>",
        "To: support@switchboard.test",
        "Subject: =?KOI8-R?B?" + base64.b64encode("Не работает почта".encode("koi8-r")).decode() + "?=",
        "Message-ID: <koi@switchboard.test>",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=koi8-r",
        "Content-Transfer-Encoding: 8bit",
        "",
        "",
    ]
    return "\r\n".join(lines).encode("ascii") + "Почта не уходит со вчерашнего дня.\r\n".encode("koi8-r")


def gmail_alternative_with_inline_image() -> bytes:
    """multipart/alternative whose HTML branch is multipart/related with an inline image (Content-ID)."""
    mail = EmailMessage()
    mail["From"] = "Carol <carol@gmail.test>"
    mail["To"] = "support@switchboard.test"
    mail["Subject"] = "Error dialog"
    mail["Message-ID"] = "<CAgmail123@mail.gmail.com>"
    mail.set_content("See the error below.\n\n[image: error.png]\n")
    mail.add_alternative('<div dir="ltr">See the error below.<br><img src="cid:ii_abc"></div>', subtype="html")
    html_part = next(part for part in mail.iter_parts() if part.get_content_type() == "text/html")
    html_part.add_related(PNG, maintype="image", subtype="png", cid="<ii_abc>", filename="error.png")
    mail.add_attachment(b"log line\n", maintype="text", subtype="plain", filename="Отчёт об ошибке.txt")
    return mail.as_bytes(policy=SMTP)


def out_of_office(to: str = "support@switchboard.test") -> bytes:
    return thunderbird(
        sender="Alice Smith <alice@switchboard.test>",
        to=to,
        subject="Automatic reply: Re: Printer [#1001]",
        body="I am out of the office until Monday.",
        message_id="<ooo-1@switchboard.test>",
        headers={"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"},
    )


def bounce(*, original_message_id: str, recipient: str = "nobody@switchboard.test") -> bytes:
    """A Postfix-style RFC 3464 delivery status notification."""
    boundary = "B0UND"
    text = f"""From: MAILER-DAEMON@switchboard.test (Mail Delivery System)
To: support@switchboard.test
Subject: Undelivered Mail Returned to Sender
Auto-Submitted: auto-replied
Message-ID: <bounce-{abs(hash(original_message_id))}@switchboard.test>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"

--{boundary}
Content-Type: text/plain; charset=us-ascii

I'm sorry to have to inform you that your message could not be delivered.

--{boundary}
Content-Type: message/delivery-status

Reporting-MTA: dns; switchboard.test

Final-Recipient: rfc822; {recipient}
Original-Recipient: rfc822;{recipient}
Action: failed
Status: 5.1.1
Diagnostic-Code: X-Postfix; unknown user: "nobody"

--{boundary}
Content-Type: text/rfc822-headers

From: Support <support@switchboard.test>
To: {recipient}
Subject: Re: Printer [#1001]
Message-ID: {original_message_id}

--{boundary}--
"""
    return text.replace("\n", "\r\n").encode("ascii")
