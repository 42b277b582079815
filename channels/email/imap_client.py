"""One IMAP session on the support folder, over aioimaplib: connect (TLS, STARTTLS or plain), log in,
select, find new mail, fetch it, mark it done, IDLE.

aioimaplib is asyncio-native, maintained, and speaks IDLE; it lacks STARTTLS, which asyncio's own
`loop.start_tls` adds here in a few lines. It also does not notice a dropped connection while a
command or IDLE waits, so every wait here also watches the connection-lost callback.
"""

from __future__ import annotations

import asyncio
import re
import ssl
from collections.abc import Awaitable
from typing import Any, TypeVar

import aioimaplib  # type: ignore[import-untyped]  # (no type hints published)

from channels.email.settings import EmailSettings

# Set on every mail handed over: together with \Seen it says "in the desk", and a restarted or
# second reader skips it even before it reads the database. A keyword, not a move to another
# folder: every server keeps keywords without a folder set up, UIDs stay as they are, and people
# who look into the mailbox still see every mail where it arrived.
DONE_KEYWORD = "$Switchboard"

T = TypeVar("T")


class ConnectionLost(Exception):
    """The server closed the connection (restart, idle timeout, network)."""


class ImapError(Exception):
    """The server refused a command (NO/BAD) or answered something we cannot read."""


class ImapSession:
    """A logged-in session with the folder selected. Use `open`; `close` logs out."""

    def __init__(self, client: aioimaplib.IMAP4, lost: asyncio.Event, timeout: float) -> None:
        self._client, self._lost, self._timeout = client, lost, timeout
        self.uidvalidity = 0
        self.uidnext = 0  # as of SELECT; 0 when the server did not say
        self.keywords = False

    @classmethod
    async def open(cls, settings: EmailSettings, *, ssl_context: ssl.SSLContext | None, timeout: float) -> ImapSession:
        lost = asyncio.Event()
        tls = settings.imap_security == "tls"
        context = ssl_context or ssl.create_default_context()
        client = aioimaplib.IMAP4(
            settings.imap_host,
            settings.imap_port,
            timeout=timeout,
            conn_lost_cb=lambda _exc: lost.set(),
            ssl_context=context if tls else None,
        )
        session = cls(client, lost, timeout)
        try:
            await session._call(client.wait_hello_from_server())
            if settings.imap_security == "starttls":
                await session._starttls(settings.imap_host, context)
            await session._check(client.login(settings.imap_user, settings.imap_password), "LOGIN")
            await session._select(settings.imap_folder)
        except BaseException:
            await session.close()
            raise
        return session

    @property
    def can_idle(self) -> bool:
        return bool(self._client.has_capability("IDLE"))

    async def new_uids(self, after: int, *, unseen_only: bool) -> list[int]:
        """UIDs above `after` not yet marked done, ascending."""
        criteria = ["UID", f"{after + 1}:*", "UNKEYWORD", DONE_KEYWORD]
        if unseen_only:
            criteria.append("UNSEEN")
        response = await self._check(self._client.uid_search(*criteria, charset=None), "SEARCH")
        found = {int(word) for line in response.lines[:-1] for word in line.split() if word.isdigit()}
        # "n:*" always matches the highest UID, even when it is below n.
        return sorted(uid for uid in found if uid > after)

    async def sizes(self, uids: list[int]) -> dict[int, int]:
        response = await self._check(self._client.uid("fetch", _uid_set(uids), "(UID RFC822.SIZE)"), "FETCH")
        sizes = {}
        for line in response.lines:
            if isinstance(line, bytes) and (match := _SIZE.search(line)) and (uid := _UID.search(line)):
                sizes[int(uid.group(1))] = int(match.group(1))
        return sizes

    async def fetch(self, uids: list[int]) -> list[tuple[int, bytes]]:
        """The whole mails (RFC 822 bytes) of `uids` as (uid, data), ascending; \\Seen is left alone."""
        response = await self._check(self._client.uid("fetch", _uid_set(uids), "(UID BODY.PEEK[])"), "FETCH")
        mails, pending_uid = [], None
        for line in response.lines:
            # aioimaplib gives each literal (the mail) as a bytearray after the line that announced it.
            if isinstance(line, bytearray) and pending_uid is not None:
                mails.append((pending_uid, bytes(line)))
                pending_uid = None
            elif isinstance(line, bytes) and line.endswith(b"}") and (uid := _UID.search(line)):
                pending_uid = int(uid.group(1))
        return sorted(mails)

    async def mark_done(self, uid: int) -> None:
        flags = f"(\\Seen {DONE_KEYWORD})" if self.keywords else "(\\Seen)"
        await self._check(self._client.uid("store", str(uid), "+FLAGS.SILENT", flags), "STORE")

    async def idle(self, renew: float, stop: asyncio.Event) -> None:
        """Wait in IDLE until the server reports a change, `renew` seconds pass, or `stop` is set.

        Raises `ImapError` when the server refuses IDLE (the caller polls instead)."""
        try:
            idle = await self._call(self._client.idle_start(timeout=renew))
        except aioimaplib.Abort as error:
            raise ImapError(f"IDLE refused: {error}") from error
        push = asyncio.ensure_future(self._client.wait_server_push(timeout=renew + self._timeout))
        stopped = asyncio.ensure_future(stop.wait())
        try:
            await self._call(asyncio.wait({push, stopped}, return_when=asyncio.FIRST_COMPLETED))
        finally:
            for task in (push, stopped):
                task.cancel()
        self._client.idle_done()
        await self._call(asyncio.wait_for(idle, self._timeout))

    async def close(self) -> None:
        if not self._lost.is_set():
            try:
                await asyncio.wait_for(self._client.logout(), 2)
            except Exception:  # logging out of a broken session: nothing to save
                pass
        transport = self._client.protocol.transport
        if transport is not None:
            transport.close()

    async def _starttls(self, host: str, context: ssl.SSLContext) -> None:
        protocol = self._client.protocol
        if not self._client.has_capability("STARTTLS"):
            raise ImapError("the server does not offer STARTTLS")
        command = aioimaplib.Command("STARTTLS", protocol.new_tag(), loop=protocol.loop)
        await self._check(protocol.execute(command), "STARTTLS")
        loop = asyncio.get_running_loop()
        protocol.transport = await self._call(
            loop.start_tls(protocol.transport, protocol, context, server_hostname=host)
        )
        # Capabilities seen before TLS must not be trusted (RFC 3501 6.2.1): ask again.
        await self._call(protocol.capability())

    async def _select(self, folder: str) -> None:
        response = await self._check(self._client.select(folder), "SELECT")
        text = b"\n".join(line for line in response.lines if isinstance(line, bytes))
        if (match := re.search(rb"\[UIDVALIDITY (\d+)\]", text)) is None:
            raise ImapError(f"no UIDVALIDITY in the answer to SELECT {folder}")
        self.uidvalidity = int(match.group(1))
        uidnext = re.search(rb"\[UIDNEXT (\d+)\]", text)
        self.uidnext = int(uidnext.group(1)) if uidnext else 0
        # Keywords only where the server keeps new ones ("\*" in PERMANENTFLAGS).
        flags = re.search(rb"\[PERMANENTFLAGS \(([^)]*)\)\]", text)
        self.keywords = flags is not None and b"\\*" in flags.group(1)

    async def _check(self, awaitable: Awaitable[Any], name: str) -> Any:
        response = await self._call(awaitable)
        if response.result != "OK":
            raise ImapError(f"{name}: {response.result} {response.lines[-1:]!r}")
        return response

    async def _call(self, awaitable: Awaitable[T]) -> T:
        """Await `awaitable` unless the connection drops first (then `ConnectionLost`)."""
        if self._lost.is_set():
            if asyncio.iscoroutine(awaitable):
                awaitable.close()  # never started; closing it spares a "never awaited" warning
            raise ConnectionLost("the IMAP connection is closed")
        task = asyncio.ensure_future(awaitable)
        lost = asyncio.ensure_future(self._lost.wait())
        try:
            await asyncio.wait({task, lost}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            lost.cancel()
        if not task.done():
            task.cancel()
            raise ConnectionLost("the IMAP server closed the connection")
        return task.result()


_UID = re.compile(rb"UID (\d+)")
_SIZE = re.compile(rb"RFC822\.SIZE (\d+)")


def _uid_set(uids: list[int]) -> str:
    return ",".join(str(uid) for uid in uids)
