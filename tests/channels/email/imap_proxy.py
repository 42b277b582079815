"""A TCP proxy in front of Dovecot that makes it a lesser server: without IDLE, refusing IDLE, or
keeping no keywords."""

from __future__ import annotations

import asyncio
import contextlib
from types import TracebackType


class LesserServer:
    """`async with LesserServer(host, port, ...) as proxy_port`: plain IMAP on 127.0.0.1:proxy_port.

    `idle=False` takes IDLE out of the capabilities; `refuse_idle=True` offers it but answers the
    command with NO; `keywords=False` takes "\\*" out of PERMANENTFLAGS (the server would keep no
    keywords of its own)."""

    def __init__(
        self, host: str, port: int, *, idle: bool = True, refuse_idle: bool = False, keywords: bool = True
    ) -> None:
        self._target, self._refuse_idle = (host, port), refuse_idle
        self._changes = ([] if idle else [(b"CAPABILITY", b" IDLE", b"")]) + (
            [] if keywords else [(b"PERMANENTFLAGS", b" \\*", b"")]
        )
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def __aenter__(self) -> int:
        self._server = await asyncio.start_server(self._connect, "127.0.0.1", 0)
        return int(self._server.sockets[0].getsockname()[1])

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._server is not None
        self._server.close()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()

    async def _connect(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        server_reader, server_writer = await asyncio.open_connection(*self._target)
        up = asyncio.create_task(_commands(client_reader, server_writer, client_writer, self._refuse_idle))
        down = asyncio.create_task(_pump(server_reader, client_writer, self._changes))
        self._tasks.update((up, down))
        await asyncio.wait({up, down}, return_when=asyncio.FIRST_COMPLETED)
        for writer in (client_writer, server_writer):
            writer.close()


async def _pump(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, changes: list[tuple[bytes, bytes, bytes]]
) -> None:
    with contextlib.suppress(ConnectionError):
        while line := await reader.readline():
            for marker, old, new in changes:
                if marker in line:
                    line = line.replace(old, new)
            writer.write(line)
            await writer.drain()


async def _commands(
    reader: asyncio.StreamReader, server: asyncio.StreamWriter, client: asyncio.StreamWriter, refuse_idle: bool
) -> None:
    with contextlib.suppress(ConnectionError):
        while line := await reader.readline():
            words = line.split()
            if refuse_idle and len(words) == 2 and words[1].upper() == b"IDLE":
                client.write(words[0] + b" NO IDLE is switched off here\r\n")
                continue
            server.write(line)
            await server.drain()
