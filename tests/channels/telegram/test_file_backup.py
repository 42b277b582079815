"""Customers' Telegram screenshots are copied into the file store, so a backup holds and restores them."""

from __future__ import annotations

import asyncio
import tarfile
from pathlib import Path

import pytest
from sqlalchemy import select

from core.models import Attachment
from tests.ops.test_backup import cli, settings_for, snapshot
from tests.support.databases import fresh_database
from tests.support.telegram import Telegram
from tests.support.telegram_steps import said

SCREEN = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
LOG = b"2026-12-02 recorder: disk error\n" * 50


@pytest.mark.parametrize("mode", ["polling"])
async def test_telegram_screenshots_are_in_the_backup_and_restored(
    telegram: Telegram, backend: str, tmp_path: Path
) -> None:
    alice = telegram.fake.user("Alice")
    await alice.send("/new")
    await said(telegram, alice, "What kind of request")
    await alice.send("1")
    await said(telegram, alice, "In a few words")
    await alice.send("Recorder down")
    await said(telegram, alice, "Please describe it")
    await alice.send("Black screen")
    await said(telegram, alice, "If you have a screenshot")
    await alice.send_photo(SCREEN)
    await said(telegram, alice, "is registered")
    await alice.send_document(LOG, "recorder.log", "text/plain")

    async def copied() -> list[Attachment]:
        for _ in range(200):
            rows = [row for (row,) in await telegram.query(select(Attachment).order_by(Attachment.id))]  # type: ignore[arg-type]
            if len(rows) == 2 and all(row.storage_key for row in rows):
                return rows
            await asyncio.sleep(0.05)
        raise AssertionError(f"the files were not copied into the store: {rows}")

    attachments = await copied()
    assert [a.external_ref.startswith("telegram:") for a in attachments] == [True, True]  # type: ignore[union-attr]

    settings = telegram.settings.core
    archive = tmp_path / "backup.tar.gz"
    code, output = await cli(
        settings_for(settings.resolved_database_url, settings.data_dir), "backup", "--output", str(archive)
    )
    assert code == 0 and "2 files" in output, output
    with tarfile.open(archive) as opened:
        names = set(opened.getnames())
    assert {f"files/{a.storage_key}" for a in attachments} <= names

    async with fresh_database(backend, tmp_path) as target_url:
        restored = tmp_path / "restored"
        code, output = await cli(settings_for(target_url, restored), "restore", str(archive))
        assert code == 0, output
        _, rows = await snapshot(target_url)
    contents = {(restored / "files" / key).read_bytes() for key, _ in rows.values() if key}
    assert contents == {SCREEN, LOG}
