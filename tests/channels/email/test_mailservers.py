"""The test mail servers themselves: what the e-mail tests rely on works against real Dovecot + Postfix."""

from __future__ import annotations

import imaplib
import smtplib
import ssl
from email.message import EmailMessage

import pytest

from tests.support.mailservers import ALICE, BOB, PASSWORDS, REJECTED, SUPPORT, TEMPFAIL, MailServers


def _mail(sender: str, to: str, subject: str) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message.set_content("Привет, the printer is on fire.\n")
    return message


async def test_mail_sent_to_support_is_readable_over_imap(mail_servers: MailServers) -> None:
    await mail_servers.send_mail(_mail(ALICE, SUPPORT, "Printer"))

    [received] = await mail_servers.wait_for_mail(SUPPORT)

    assert received["Subject"] == "Printer"
    assert received["From"] == ALICE
    assert received.get_content() == "Привет, the printer is on fire.\n"
    assert await mail_servers.read_mailbox(BOB) == []


async def test_a_logged_in_customer_submits_over_smtps(mail_servers: MailServers) -> None:
    await mail_servers.send_mail(_mail(BOB, SUPPORT, "From Bob"), login=BOB)

    [received] = await mail_servers.wait_for_mail(SUPPORT)
    assert received["Subject"] == "From Bob"


def test_starttls_and_implicit_tls_verify_the_servers_certificate(mail_servers: MailServers) -> None:
    context = mail_servers.ssl_context()
    with imaplib.IMAP4_SSL(mail_servers.host, mail_servers.imaps_port, ssl_context=context) as imaps:
        assert imaps.login(SUPPORT, PASSWORDS[SUPPORT])[0] == "OK"
    with imaplib.IMAP4(mail_servers.host, mail_servers.imap_port) as imap:
        imap.starttls(context)
        assert imap.login(SUPPORT, PASSWORDS[SUPPORT])[0] == "OK"
    with smtplib.SMTP(mail_servers.host, mail_servers.smtp_port) as smtp:
        smtp.starttls(context=context)
        assert smtp.login(ALICE, PASSWORDS[ALICE])[0] == 235
    # Without the test CA the certificate is refused: the TLS paths really check it.
    with pytest.raises(ssl.SSLCertVerificationError):
        imaplib.IMAP4_SSL(mail_servers.host, mail_servers.imaps_port, ssl_context=ssl.create_default_context())


def test_postfix_answers_tempfail_and_rejected_addresses(mail_servers: MailServers) -> None:
    with smtplib.SMTP(mail_servers.host, mail_servers.smtp_port) as smtp:
        smtp.mail(ALICE)
        assert smtp.rcpt(TEMPFAIL)[0] == 451
        assert smtp.rcpt(REJECTED)[0] == 550
        assert smtp.rcpt("nobody@switchboard.test")[0] == 550


def test_dovecot_restart_cuts_open_sessions(mail_servers: MailServers) -> None:
    client = mail_servers.imap(SUPPORT)
    client.select("INBOX")

    mail_servers.restart_dovecot()

    with pytest.raises((imaplib.IMAP4.abort, OSError)):
        client.noop()
    with mail_servers.imap(SUPPORT) as again:
        assert again.noop()[0] == "OK"
