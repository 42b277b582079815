"""The inbound side of e-mail: read the support folder over IMAP and hand each new mail over once.

`MailboxReader` keeps one IMAP session open. It hands new mails to `on_mail` in UID order; only
when `on_mail` has returned (the mail is stored) does it mark the mail on the server (\\Seen and
`$Switchboard`) and record (UIDVALIDITY, UID) in the `MailboxState`. Then it waits in IDLE
(re-issued every `idle_renew` seconds, well before servers' 30-minute cut-off) or, on a server
without IDLE or when IDLE fails, polls every `imap_poll_interval`. A dropped connection is
reopened with growing pauses. A new UIDVALIDITY means the UIDs were reassigned: reading starts
over, skipping what carries the keyword. The very first start (nothing recorded) takes the unread
mail only: what people had already read in the mailbox is its past, not new requests.

Exactly once: a mail is handed over again only if the reader stops between `on_mail` returning
and the mark (or two instances read the same mailbox at the same moment: both may fetch a mail
neither has marked yet). Such a second hand-over is harmless: the core inbox drops an event whose
("email", "<uidvalidity>:<uid>") it already holds, and the desk a Message-ID it already received.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from channels.email.imap_client import ConnectionLost, ImapError, ImapSession
from channels.email.progress import MailboxState, Progress
from channels.email.settings import EmailSettings
from core.loop import wait_event

log = logging.getLogger(__name__)

IDLE_RENEW = 10 * 60.0  # RFC 2177: re-issue before 29 minutes; sooner also notices a dead link
SCAN_MAX = 200
FETCH_MAX_MAILS = 50
FETCH_MAX_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class RawMail:
    """One mail as the server holds it: (UIDVALIDITY, UID) identify it in its folder."""

    uidvalidity: int
    uid: int
    data: bytes

    @property
    def external_id(self) -> str:
        return f"email:{self.uidvalidity}:{self.uid}"


class _Stopping(Exception):
    pass


class MailboxReader:
    """Hands every new mail of the support folder to `on_mail` once (see the module docstring)."""

    def __init__(
        self,
        settings: EmailSettings,
        on_mail: Callable[[RawMail], Awaitable[None]],
        *,
        state: MailboxState,
        ssl_context: ssl.SSLContext | None = None,
        idle_renew: float = IDLE_RENEW,
        timeout: float = 30.0,
        backoff: tuple[float, float] = (0.5, 60.0),
        stop_grace: float = 5.0,
    ) -> None:
        self._settings, self._on_mail, self._state = settings, on_mail, state
        self._ssl_context, self._idle_renew, self._timeout = ssl_context, idle_renew, timeout
        self._backoff_min, self._backoff_max = backoff
        self._stop_grace = stop_grace
        self._delay = self._backoff_min
        self._last = 0
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.mailbox = f"{settings.imap_user}@{settings.imap_host}/{settings.imap_folder}"
        # Seen from outside (metrics, tests): sessions opened and how the last one waits.
        self.connections = 0
        self.idling = False

    async def start(self) -> None:
        self._stopping.clear()
        self._task = asyncio.create_task(self._run(), name="email-imap-reader")

    async def stop(self) -> None:
        """Stop after the mail being handed over (if any) is finished; cut it off after a grace period."""
        self._stopping.set()
        task, self._task = self._task, None
        if task is None:
            return
        try:
            async with asyncio.timeout(self._stop_grace):
                await asyncio.shield(task)
        except TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                await self._session()
            except _Stopping:
                return
            except (ConnectionLost, ImapError, OSError, TimeoutError) as error:
                log.warning(
                    "IMAP %s: %s; reconnecting in %.1fs", self.mailbox, error or type(error).__name__, self._delay
                )
            except Exception:
                log.exception("IMAP reader for %s failed; reconnecting in %.1fs", self.mailbox, self._delay)
            await self._pause(self._delay)
            self._delay = min(self._delay * 2, self._backoff_max)

    async def _session(self) -> None:
        session = await ImapSession.open(self._settings, ssl_context=self._ssl_context, timeout=self._timeout)
        self.connections += 1
        try:
            progress = await self._state.load(self.mailbox)
            if progress is not None and progress.uidvalidity != session.uidvalidity:
                log.warning(
                    "IMAP %s: UIDVALIDITY changed %s -> %s; reading the folder again (stored mails are dropped as duplicates)",
                    self.mailbox,
                    progress.uidvalidity,
                    session.uidvalidity,
                )
            same = progress is not None and progress.uidvalidity == session.uidvalidity
            self._last = progress.last_uid if progress is not None and same else 0
            first_start = progress is None
            use_idle = session.can_idle
            self._delay = self._backoff_min
            while True:
                try:
                    await self._drain(session, unseen_only=first_start)
                except _Retry:
                    continue
                if first_start:
                    await self._skip_older_read_mail(session)
                    first_start = False
                use_idle = await self._wait(session, use_idle)
        finally:
            self.idling = False
            await session.close()

    async def _drain(self, session: ImapSession, *, unseen_only: bool) -> None:
        """Hand over every mail above the last one handed over, in UID order."""
        while uids := await session.new_uids(self._last, unseen_only=unseen_only):
            # A few hundred at a time: aioimaplib parses an answer recursively, line by line, and
            # a FETCH of ~1,000 sizes at once exceeds Python's recursion limit.
            uids = uids[:SCAN_MAX]
            sizes = await session.sizes(uids)
            for batch in _batches(uids, sizes):
                recorded = self._last
                try:
                    for uid, data in await session.fetch(batch):
                        if self._stopping.is_set():
                            raise _Stopping
                        await self._hand_over(RawMail(session.uidvalidity, uid, data))
                        await session.mark_done(uid)
                        self._last = uid
                        if not session.keywords:
                            # Without the keyword the record alone keeps the mail from coming again.
                            await self._record(session, uid)
                            recorded = uid
                finally:
                    # With the keyword on the server, one record per batch is enough: marked mails
                    # are skipped even if the process died before recording them.
                    if self._last > recorded:
                        await self._record(session, self._last)

    async def _skip_older_read_mail(self, session: ImapSession) -> None:
        """The very first start takes the unread mail, not the mailbox's read past: after handing
        over what was unread, everything that was there at SELECT counts as done."""
        self._last = max(self._last, session.uidnext - 1)
        await self._record(session, self._last)

    async def _record(self, session: ImapSession, uid: int) -> None:
        await self._state.save(self.mailbox, Progress(session.uidvalidity, uid))

    async def _hand_over(self, mail: RawMail) -> None:
        try:
            await self._on_mail(mail)
        except Exception:
            # Not marked, not recorded: the mail comes again after the pause, before any later one.
            log.exception("storing mail %s failed; retrying in %.1fs", mail.external_id, self._delay)
            await self._pause(self._delay)
            self._delay = min(self._delay * 2, self._backoff_max)
            raise _Retry from None
        self._delay = self._backoff_min

    async def _wait(self, session: ImapSession, use_idle: bool) -> bool:
        """Wait for new mail; returns whether to IDLE next time (False once the server refused it)."""
        if self._stopping.is_set():
            raise _Stopping
        self.idling = use_idle
        if use_idle:
            try:
                await session.idle(self._idle_renew, self._stopping)
            except ImapError as error:
                log.warning(
                    "IMAP %s: %s; polling every %ss instead", self.mailbox, error, self._settings.imap_poll_interval
                )
                self.idling = use_idle = False
        else:
            await self._pause(self._settings.imap_poll_interval)
        if self._stopping.is_set():
            raise _Stopping
        return use_idle

    async def _pause(self, seconds: float) -> None:
        await wait_event(self._stopping, seconds)


class _Retry(Exception):
    """on_mail failed: search again (the same mail comes first)."""


def _batches(uids: list[int], sizes: dict[int, int]) -> list[list[int]]:
    """Split `uids` so one FETCH carries at most FETCH_MAX_MAILS mails and about FETCH_MAX_BYTES."""
    batches: list[list[int]] = [[]]
    total = 0
    for uid in uids:
        size = sizes.get(uid, 0)
        if batches[-1] and (len(batches[-1]) >= FETCH_MAX_MAILS or total + size > FETCH_MAX_BYTES):
            batches.append([])
            total = 0
        batches[-1].append(uid)
        total += size
    return [batch for batch in batches if batch]
