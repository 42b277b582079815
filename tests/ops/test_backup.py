"""`switchboard backup` / `restore` through the command line (in process), on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import hashlib
import subprocess
from pathlib import Path

from sqlalchemy import select

from core.db import create_engine
from core.models import Attachment, Ticket
from core.services import Services
from core.settings import Settings
from tests.support.cli import run_cli
from tests.support.customers import CoreCustomer, png
from tests.support.databases import fresh_database


def settings_for(database_url: str, data_dir: Path) -> Settings:
    """What `switchboard` would read from DATABASE_URL and DATA_DIR."""
    return Settings(_env_file=None, database_url=database_url, data_dir=data_dir)


async def cli(settings: Settings, *args: str) -> tuple[int, str]:
    result = await run_cli(settings, *args)
    return result.code, result.output


async def snapshot(url: str) -> tuple[dict[int, tuple[int, str, str]], dict[int, tuple[str | None, int | None]]]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            tickets = {r.id: (r.number, r.subject, r.status) for r in await connection.execute(select(Ticket))}
            attachments = {r.id: (r.storage_key, r.size) for r in await connection.execute(select(Attachment))}
    finally:
        await engine.dispose()
    return tickets, attachments


async def write_tickets(services: Services, prefix: str, count: int) -> None:
    for i in range(count):
        person = CoreCustomer(services, f"{prefix}{i}")
        await person.open_ticket(f"Ticket {prefix}{i}")
        await person.say("the screen", files=[png(100 + i + 1000 * len(prefix))])


async def test_a_backup_taken_under_traffic_restores_every_ticket_and_attachment(
    services: Services, settings: Settings, backend: str, tmp_path: Path
) -> None:
    await write_tickets(services, "a", 3)
    before, _ = await snapshot(settings.resolved_database_url)
    stop = asyncio.Event()

    async def traffic() -> int:
        written = 0
        while not stop.is_set():
            await write_tickets(services, f"t{written}-", 1)
            written += 1
        return written

    flowing = asyncio.create_task(traffic())
    await asyncio.sleep(0.3)
    archive = tmp_path / "backups" / "nightly.tar.gz"
    code, output = await cli(
        settings_for(settings.resolved_database_url, settings.data_dir), "backup", "--output", str(archive)
    )
    stop.set()
    written = await flowing
    assert code == 0, output
    assert written > 0 and archive.exists()

    async with fresh_database(backend, tmp_path) as target_url:
        restored_dir = tmp_path / "restored"
        code, output = await cli(settings_for(target_url, restored_dir), "restore", str(archive))
        assert code == 0, output
        tickets, attachments = await snapshot(target_url)
    source_tickets, source_attachments = await snapshot(settings.resolved_database_url)

    assert before.items() <= tickets.items()  # nothing written before the backup is missing
    # A consistent snapshot: the restored rows are exactly the source's first rows, no gaps.
    assert tickets == {k: v for k, v in source_tickets.items() if k <= max(tickets)}
    assert attachments == {k: v for k, v in source_attachments.items() if k <= max(attachments)}
    assert len(attachments) >= 3
    for key, size in attachments.values():
        assert key is not None
        content = (restored_dir / "files" / key).read_bytes()
        assert hashlib.sha256(content).hexdigest() == key.split("/")[-1] and len(content) == size


async def test_restore_refuses_a_database_in_use_and_keeps_it(
    services: Services, settings: Settings, tmp_path: Path
) -> None:
    await write_tickets(services, "b", 1)
    env = settings_for(settings.resolved_database_url, settings.data_dir)
    archive = tmp_path / "b.tar.gz"
    assert (await cli(env, "backup", "--output", str(archive)))[0] == 0
    await write_tickets(services, "c", 1)
    code, output = await cli(env, "restore", str(archive))
    assert code == 1 and "--force" in output
    tickets, _ = await snapshot(settings.resolved_database_url)
    assert len(tickets) == 2


async def test_forced_restore_brings_the_backup_back(services: Services, settings: Settings, tmp_path: Path) -> None:
    await write_tickets(services, "d", 1)
    env = settings_for(settings.resolved_database_url, settings.data_dir)
    archive = tmp_path / "d.tar.gz"
    assert (await cli(env, "backup", "--output", str(archive)))[0] == 0
    backed_up, _ = await snapshot(settings.resolved_database_url)
    await write_tickets(services, "e", 1)
    await services.engine.dispose()  # the service is stopped for a restore
    code, output = await cli(env, "restore", "--force", str(archive))
    assert code == 0, output
    assert (await snapshot(settings.resolved_database_url))[0] == backed_up


async def test_a_file_that_is_not_a_backup_is_refused_with_a_reason(settings: Settings, tmp_path: Path) -> None:
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not an archive")
    code, output = await cli(settings_for(settings.resolved_database_url, settings.data_dir), "restore", str(junk))
    assert code == 1 and "not a readable backup archive" in output
    await asyncio.to_thread(
        subprocess.run, ["tar", "czf", str(junk), "-C", str(tmp_path), "."], check=True, capture_output=True
    )
    code, output = await cli(settings_for(settings.resolved_database_url, settings.data_dir), "restore", str(junk))
    assert code == 1 and "not made by `switchboard backup`" in output
