"""`switchboard backup` and `switchboard restore`: the database and the file store in one archive."""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import shutil
import sys
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from core import file_copies
from core.db import create_engine, create_session_factory
from core.settings import Settings
from switchboard.dumps import BackupError, dump, kind_of, load

FORMAT = 1
DUMP_NAMES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    backup = commands.add_parser("backup", help="write the database and stored files to one archive")
    backup.add_argument("--output", type=Path, help="archive path (default: ./switchboard-backup-<time>.tar.gz)")
    backup.set_defaults(handler=run_backup)
    restore = commands.add_parser("restore", help="bring back an archive made by `switchboard backup`")
    restore.add_argument("archive", type=Path)
    restore.add_argument("--force", action="store_true", help="replace a database that is not empty")
    restore.set_defaults(handler=run_restore)


def backup(settings: Settings, output: Path) -> dict[str, object]:
    """Write the archive atomically; returns its manifest."""
    url = settings.resolved_database_url
    kind = kind_of(url)
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=output.parent, prefix=".backup-") as work:
        database = Path(work) / DUMP_NAMES[kind]
        # Database first, files after: the store only ever gains files, and a file is written
        # before the row naming it commits, so every file the dump names is already on disk.
        dump(url, database)
        manifest: dict[str, object] = {
            "format": FORMAT,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "database": kind,
        }
        partial = Path(work) / "archive.tar.gz"
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(database, arcname=database.name)
            files = 0
            if settings.files_dir.is_dir():
                for path in sorted(settings.files_dir.rglob("*")):
                    if path.is_file() and not path.name.startswith("tmp"):
                        archive.add(path, arcname=f"files/{path.relative_to(settings.files_dir).as_posix()}")
                        files += 1
            manifest["files"] = files
            data = json.dumps(manifest, indent=2).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        os.replace(partial, output)  # never a half-written archive under the final name
    return manifest


def restore(settings: Settings, archive_path: Path, *, force: bool) -> dict[str, object]:
    """Load the archive's database into the configured one and its files into the store."""
    url = settings.resolved_database_url
    try:
        archive = tarfile.open(archive_path, "r:*")  # noqa: SIM115 - closed by the `with` below
    except (OSError, tarfile.TarError) as error:
        raise BackupError(f"{archive_path} is not a readable backup archive: {error}") from error
    with archive, tempfile.TemporaryDirectory(prefix="switchboard-restore-") as work:
        try:
            archive.extractall(work, filter="data")  # refuses absolute paths, links out, devices
        except (OSError, tarfile.TarError) as error:
            raise BackupError(f"{archive_path} is damaged: {error}") from error
        manifest = _manifest(Path(work) / "manifest.json")
        if manifest["database"] != kind_of(url):
            raise BackupError(
                f"the archive holds a {manifest['database']} database but DATABASE_URL points to {kind_of(url)}"
            )
        dumped = Path(work) / DUMP_NAMES[str(manifest["database"])]
        if not dumped.is_file():
            raise BackupError(f"{archive_path} has no {dumped.name}")
        kept = load(url, dumped, force=force)
        restored_files = Path(work) / "files"
        if restored_files.is_dir():
            # Content-addressed: merging never overwrites a different file under the same name.
            shutil.copytree(restored_files, settings.files_dir, dirs_exist_ok=True)
    return {**manifest, "kept_aside": str(kept) if kept else None}


def _manifest(path: Path) -> dict[str, object]:
    try:
        manifest = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise BackupError("the archive has no valid manifest.json: not made by `switchboard backup`") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or manifest.get("database") not in DUMP_NAMES:
        raise BackupError(f"unsupported backup format: {manifest!r:.200}")
    return manifest


def run_backup(settings: Settings, args: argparse.Namespace) -> int:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    output = args.output or Path(f"switchboard-backup-{stamp}.tar.gz")
    try:
        manifest = backup(settings, output)
    except BackupError as error:
        print(f"switchboard: backup failed: {error}", file=sys.stderr)
        return 1
    print(f"switchboard: wrote {output} ({manifest['database']} database, {manifest['files']} files)")
    if missing := asyncio.run(platform_files_missing(settings)):
        # Kept only as platform references (a Telegram file_id): the running service copies them.
        print(f"switchboard: {missing} customer files are not in the file store yet (Telegram copies pending)")
    return 0


async def platform_files_missing(settings: Settings) -> int:
    """Customers' files known only by a Telegram file_id, so not in this archive."""
    engine = create_engine(settings.resolved_database_url)
    try:
        async with create_session_factory(engine)() as session:
            return await file_copies.count_missing(session, "telegram:")
    except Exception:  # a count for the report only: never fail a finished backup over it
        return 0
    finally:
        await engine.dispose()


def run_restore(settings: Settings, args: argparse.Namespace) -> int:
    try:
        manifest = restore(settings, args.archive, force=args.force)
    except BackupError as error:
        print(f"switchboard: restore failed: {error}", file=sys.stderr)
        return 1
    print(f"switchboard: restored the backup of {manifest['created_at']} ({manifest['files']} files)")
    if manifest["kept_aside"]:
        print(f"switchboard: the replaced database was kept at {manifest['kept_aside']}")
    print("switchboard: run `switchboard migrate` if this backup is older than the installed version")
    return 0
