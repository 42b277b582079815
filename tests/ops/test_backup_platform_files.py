"""`switchboard backup` says how many customers' files are still only on Telegram (not in the archive)."""

from __future__ import annotations

from pathlib import Path

from core.messages import InboundAttachment
from core.services import Services
from core.settings import Settings
from tests.ops.test_backup import cli, settings_for
from tests.support.customers import CoreCustomer


async def test_the_backup_reports_files_not_copied_yet(services: Services, settings: Settings, tmp_path: Path) -> None:
    alice = CoreCustomer(services)
    await alice.open_ticket()
    refs = [InboundAttachment(kind="image", size=10, external_ref=f"telegram:F{n}") for n in range(2)]
    await alice.say("the screen", files=refs)
    env = settings_for(settings.resolved_database_url, settings.data_dir)
    code, output = await cli(env, "backup", "--output", str(tmp_path / "b.tar.gz"))
    assert code == 0, output
    assert "0 files" in output and "2 customer files are not in the file store yet" in output
