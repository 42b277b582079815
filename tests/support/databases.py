"""Databases for tests: a SQLite file, or a new database on the real PostgreSQL server.

Migrating a database with Alembic costs ~0.1 s on SQLite and ~0.5 s on PostgreSQL, once per test.
Instead each process migrates one template per backend and every test gets a copy of it: a file
copy on SQLite, `CREATE DATABASE ... TEMPLATE` on PostgreSQL (a few milliseconds). Dropping a
PostgreSQL database waits for every server process to acknowledge it (seconds on a busy machine),
so used databases are dropped by a background thread while the next test runs.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import queue
import shutil
import tempfile
import threading
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg

from core.db import create_engine
from core.migrate import upgrade

POSTGRES_DSN = os.environ.get("SWITCHBOARD_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
BACKENDS = [b.strip() for b in os.environ.get("SWITCHBOARD_TEST_DATABASES", "sqlite,postgres").split(",") if b.strip()]

_templates: dict[str, str] = {}  # backend -> migrated template (a file path, or a database name)


def _postgres_url(name: str) -> str:
    base = POSTGRES_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    return f"{base}/{name}"


async def _admin(statement: str) -> None:
    admin = await asyncpg.connect(POSTGRES_DSN)
    try:
        await admin.execute(statement)
    finally:
        await admin.close()


async def _migrate(url: str) -> None:
    engine = create_engine(url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()  # a template must have no open connection when it is copied


async def _template(backend: str) -> str:
    # Tests of one process run one at a time, so no lock: a test never builds two templates at once.
    if backend not in _templates:
        if backend == "sqlite":
            path = Path(tempfile.mkdtemp(prefix="sb-template-")) / "template.db"
            await _migrate(f"sqlite:///{path}")
            _templates[backend] = str(path)
        else:
            name = f"sb_template_{uuid.uuid4().hex[:12]}"
            await _admin(f'CREATE DATABASE "{name}"')
            await _migrate(_postgres_url(name))
            _templates[backend] = name
    return _templates[backend]


class _Dropper:
    """Drops PostgreSQL databases in a thread of its own, in the order they were handed over."""

    def __init__(self) -> None:
        self._names: queue.Queue[str | None] = queue.Queue()
        self._thread: threading.Thread | None = None

    def drop(self, name: str) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="drop-test-databases", daemon=True)
            self._thread.start()
            atexit.register(self.wait)  # benches use these databases too, with no session end
        self._names.put(name)

    def wait(self) -> None:
        if self._thread is not None:
            self._names.put(None)
            self._thread.join()
            self._thread = None

    def _run(self) -> None:
        while (name := self._names.get()) is not None:
            asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


_dropper = _Dropper()


def drop_all() -> None:
    """The end of a test session: every used database and this process's templates are gone."""
    for backend, template in list(_templates.items()):
        if backend == "sqlite":
            shutil.rmtree(Path(template).parent, ignore_errors=True)
        else:
            _dropper.drop(template)
        del _templates[backend]
    _dropper.wait()


@contextlib.asynccontextmanager
async def fresh_database(backend: str, directory: Path, *, migrated: bool = False) -> AsyncIterator[str]:
    """A SQLAlchemy URL of a new database, empty or at the current schema, dropped afterwards."""
    if backend == "sqlite":
        path = directory / f"test-{uuid.uuid4().hex[:8]}.db"
        if migrated:
            shutil.copyfile(await _template(backend), path)
        yield f"sqlite:///{path}"
        return
    name = f"sb_test_{uuid.uuid4().hex[:12]}"
    template = f' TEMPLATE "{await _template(backend)}"' if migrated else ""
    await _admin(f'CREATE DATABASE "{name}"{template}')
    try:
        yield _postgres_url(name)
    finally:
        _dropper.drop(name)
