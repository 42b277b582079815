"""SmtpSender against the real Postfix: delivery over TLS, STARTTLS and plain, and every failure."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from email.message import EmailMessage
from typing import Any

import pytest

from channels.email.settings import Security
from channels.email.smtp import SmtpSender
from core.delivery import PermanentFailure, RetryLater
from tests.channels.email.helpers import email_settings
from tests.support.mailservers import ALICE, PASSWORDS, REJECTED, SUPPORT, TEMPFAIL, MailServers
from tests.support.servers import free_port


def _reply(to: str = ALICE) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = SUPPORT, to, "[#1001] Your request"
    message["Message-ID"] = "<reply-1@switchboard.test>"
    message.set_content("Мы получили ваш запрос.\n")
    return message


def _sender(servers: MailServers, security: Security = "none", **overrides: Any) -> SmtpSender:
    overrides.setdefault("smtp_port", servers.smtps_port if security == "tls" else servers.smtp_port)
    settings = email_settings(servers, smtp_security=security, **overrides)
    return SmtpSender(settings, ssl_context=servers.ssl_context(), timeout=5.0)


@pytest.mark.parametrize(("security", "login"), [("tls", True), ("starttls", True), ("none", False)])
async def test_a_message_reaches_the_customers_mailbox(
    mail_servers: MailServers, security: Security, login: bool
) -> None:
    credentials = {"smtp_user": SUPPORT, "smtp_password": PASSWORDS[SUPPORT]} if login else {}

    await _sender(mail_servers, security, **credentials).send(_reply())

    [received] = await mail_servers.wait_for_mail(ALICE)
    assert received["Subject"] == "[#1001] Your request"
    assert received["Message-ID"] == "<reply-1@switchboard.test>"
    assert received.get_content() == "Мы получили ваш запрос.\n"


async def test_a_temporary_refusal_is_retried_later(mail_servers: MailServers) -> None:
    with pytest.raises(RetryLater, match=r"451 4\.3\.0 .*Mailbox temporarily unavailable"):
        await _sender(mail_servers).send(_reply(to=TEMPFAIL))


@pytest.mark.parametrize("to", [REJECTED, "nobody@switchboard.test"])
async def test_a_refused_recipient_fails_for_good_with_the_servers_reply(mail_servers: MailServers, to: str) -> None:
    with pytest.raises(PermanentFailure, match=f"{to}: 550 5.1.1"):
        await _sender(mail_servers).send(_reply(to=to))


async def test_a_message_without_recipients_fails_for_good(mail_servers: MailServers) -> None:
    message = _reply()
    del message["To"]
    with pytest.raises(PermanentFailure, match="recipient"):
        await _sender(mail_servers).send(message)


async def test_a_wrong_password_fails_with_the_servers_reply(mail_servers: MailServers) -> None:
    sender = _sender(mail_servers, "starttls", smtp_user=SUPPORT, smtp_password="wrong")
    with pytest.raises(PermanentFailure, match="535"):
        await sender.send(_reply())


async def test_a_refused_connection_is_retried_later(mail_servers: MailServers) -> None:
    with pytest.raises(RetryLater, match=r"SMTP 127\.0\.0\.1"):
        await _sender(mail_servers, smtp_port=free_port()).send(_reply())


async def test_an_unverifiable_certificate_is_not_trusted(mail_servers: MailServers) -> None:
    settings = email_settings(mail_servers, smtp_security="tls", smtp_port=mail_servers.smtps_port)
    with pytest.raises(RetryLater, match="CERTIFICATE_VERIFY_FAILED"):
        await SmtpSender(settings, timeout=5.0).send(_reply())
    assert await mail_servers.read_mailbox(ALICE) == []


@pytest.fixture
async def silent_server() -> AsyncIterator[int]:
    """Accepts connections and never answers (a hung SMTP server)."""
    connections: list[asyncio.StreamWriter] = []

    async def _accept(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(writer)

    server = await asyncio.start_server(_accept, "127.0.0.1", 0)
    yield int(server.sockets[0].getsockname()[1])
    for writer in connections:
        writer.close()
    server.close()
    await server.wait_closed()


async def test_a_server_that_does_not_answer_times_out_and_is_retried_later(
    mail_servers: MailServers, silent_server: int
) -> None:
    settings = email_settings(mail_servers, smtp_port=silent_server)
    with pytest.raises(RetryLater, match="imed out"):
        await SmtpSender(settings, timeout=0.3).send(_reply())
