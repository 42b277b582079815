"""Fresh databases for tests: a SQLite file, or a new database on the real PostgreSQL server."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg

POSTGRES_DSN = os.environ.get("SWITCHBOARD_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
BACKENDS = [b.strip() for b in os.environ.get("SWITCHBOARD_TEST_DATABASES", "sqlite,postgres").split(",") if b.strip()]


@contextlib.asynccontextmanager
async def fresh_database(backend: str, directory: Path) -> AsyncIterator[str]:
    """A SQLAlchemy URL of an empty database that is dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{directory / f'test-{uuid.uuid4().hex[:8]}.db'}"
        return
    name = f"sb_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(POSTGRES_DSN)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    base = POSTGRES_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    try:
        yield f"{base}/{name}"
    finally:
        admin = await asyncpg.connect(POSTGRES_DSN)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()
