"""Dump and load the database for `switchboard backup` / `restore`: SQLite online backup, pg_dump."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import URL, make_url

from core.db import create_engine


class BackupError(RuntimeError):
    """Something the admin must fix; the message says what."""


def kind_of(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgresql"


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(database)


def _pg_env(url: str) -> dict[str, str]:
    """libpq settings for pg_dump/pg_restore; the password goes in the environment, not argv (ps shows argv)."""
    parsed: URL = make_url(url)
    env = {**os.environ, "PGDATABASE": parsed.database or "", "PGHOST": parsed.host or "127.0.0.1"}
    if parsed.port:
        env["PGPORT"] = str(parsed.port)
    if parsed.username:
        env["PGUSER"] = parsed.username
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    return env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed; install the PostgreSQL client tools matching the server")
    return found


def _major(version_text: str) -> int:
    match = re.search(r"(\d+)(?:\.\d+)?", version_text)
    if match is None:
        raise BackupError(f"cannot read a version from {version_text!r}")
    return int(match.group(1))


async def _server_major(url: str) -> int:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            number = (await connection.exec_driver_sql("SHOW server_version_num")).scalar_one()
    finally:
        await engine.dispose()
    return int(number) // 10000


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip() or result.returncode}")


def dump(url: str, target: Path) -> None:
    """Write a consistent copy of the live database to `target` (others may keep writing)."""
    if kind_of(url) == "sqlite":
        source = _sqlite_path(url)
        if not source.exists():
            raise BackupError(f"no database at {source}")
        # The online backup API copies a consistent snapshot while the service keeps writing.
        with closing(sqlite3.connect(source)) as live, closing(sqlite3.connect(target)) as copy:
            live.backup(copy)
        return
    pg_dump = _tool("pg_dump")
    client = _major(subprocess.run([pg_dump, "--version"], capture_output=True, text=True, check=True).stdout)
    server = asyncio.run(_server_major(url))
    if client < server:
        raise BackupError(f"pg_dump {client} cannot dump a PostgreSQL {server} server; install client tools {server}")
    # pg_dump takes one snapshot (repeatable read), so the dump is consistent under load.
    _run([pg_dump, "--format=custom", "--no-owner", "--no-privileges", f"--file={target}"], _pg_env(url))


async def _has_tables(url: str) -> bool:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            names = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    except Exception as error:
        raise BackupError(f"cannot reach the target database: {type(error).__name__}: {error}") from error
    finally:
        await engine.dispose()
    return bool(names)


def load(url: str, source: Path, *, force: bool) -> Path | None:
    """Load a dump into the configured database; returns where the replaced SQLite file was kept."""
    if kind_of(url) == "sqlite":
        target = _sqlite_path(url)
        kept = None
        if target.exists():
            if not force:
                raise BackupError(f"{target} already exists; use --force to replace it (it is kept aside)")
            kept = target.with_name(f"{target.name}.before-restore")
            target.replace(kept)
            for suffix in ("-wal", "-shm"):
                Path(f"{target}{suffix}").unlink(missing_ok=True)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        return kept
    if asyncio.run(_has_tables(url)) and not force:
        raise BackupError("the target database is not empty; restore into an empty one, or use --force to replace it")
    command = [_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
    if force:
        command += ["--clean", "--if-exists"]
    _run([*command, "--dbname", _pg_env(url)["PGDATABASE"], str(source)], _pg_env(url))
    return None
