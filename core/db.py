from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from sqlalchemy import Executable, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session

from core.sqlite_inline import inline_url

SessionFactory = async_sessionmaker[AsyncSession]


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine; on SQLite, WAL and write transactions that take the lock up front."""
    if not url.startswith("sqlite"):
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", 20)
        return create_async_engine(url, pool_pre_ping=True, **kwargs)
    # One connection per process: SQLite has a single writer anyway, and queueing for the pool is
    # far cheaper than SQLite's busy handler, which sleeps in growing steps while it waits.
    kwargs.setdefault("pool_size", 1)
    kwargs.setdefault("max_overflow", 0)
    kwargs.setdefault("pool_timeout", 60)
    engine = create_async_engine(inline_url(url), connect_args={"timeout": 10}, **kwargs)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (see the "begin" hook).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # IMMEDIATE takes the write lock at BEGIN: a deferred transaction that reads and then
        # writes fails at once with "database is locked" when another writer got in between.
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def create_session_factory(engine: AsyncEngine) -> SessionFactory:
    return async_sessionmaker(engine, expire_on_commit=False)


LastStep = Callable[[AsyncSession], Awaitable[None]]
_LAST_STEPS = "core.db.last_steps"


@asynccontextmanager
async def transaction(sessions: SessionFactory) -> AsyncIterator[AsyncSession]:
    """One unit of work: commits on success, rolls back on any error."""
    async with sessions() as session, session.begin():
        yield session
        if steps := session.info.pop(_LAST_STEPS, None):
            await session.flush()
            for step in steps:
                await step(session)


def at_commit(session: AsyncSession, step: LastStep) -> None:
    """Run `step` as the transaction's last work: after everything else is flushed, just before the
    commit. For work that locks a row other transactions wait for (the lock is held until the commit),
    so that they wait through the fewest statements. Only `transaction()` runs such steps: committing
    the session any other way raises rather than skip them."""
    session.info.setdefault(_LAST_STEPS, []).append(step)


@event.listens_for(Session, "before_commit")
def _last_steps_taken(session: Session) -> None:
    if session.info.get(_LAST_STEPS):
        raise RuntimeError("a transaction with at_commit() steps must be committed by core.db.transaction")


DialectInsert = postgresql.Insert | sqlite.Insert


def dialect_insert(dialect: str, table: Any) -> DialectInsert:
    """An INSERT that can take ON CONFLICT clauses: PostgreSQL's, else SQLite's."""
    if dialect == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


T = TypeVar("T")
DIALECTS = ("postgresql", "sqlite")


def per_dialect(build: Callable[[str], T]) -> dict[str, T]:
    """`build(dialect)` for each database Switchboard runs on, keyed by its name: a statement that
    differs per dialect (ON CONFLICT) built, and so compiled and cache-keyed, once each."""
    return {dialect: build(dialect) for dialect in DIALECTS}


def engine_of(sessions: SessionFactory) -> AsyncEngine:
    """The engine a session factory binds (core.db.create_session_factory binds one)."""
    engine: AsyncEngine = sessions.kw["bind"]
    return engine


def dialect_of(sessions: SessionFactory) -> str:
    return engine_of(sessions).dialect.name


def session_dialect(session: AsyncSession) -> str:
    """The name of the database a session works on: "postgresql" or "sqlite"."""
    return session.get_bind().dialect.name


def session_engine(session: AsyncSession) -> AsyncEngine:
    """The engine a session was made from: for a statement on a connection of its own (single_statement)."""
    engine = session.bind
    if not isinstance(engine, AsyncEngine):
        raise TypeError("the session is not bound to an AsyncEngine (core.db.create_session_factory binds one)")
    return engine


async def single_statement(
    sessions: SessionFactory | AsyncEngine,
    statement: Executable,
    parameters: list[dict[str, Any]] | dict[str, Any] | None = None,
) -> list[tuple[Any, ...]]:
    """Run one statement as a transaction of its own, without an ORM session; its rows.

    On PostgreSQL the statement is autocommitted: durable when it returns, one round trip instead
    of BEGIN, the statement and COMMIT. On SQLite, a write transaction of that one statement.
    """
    engine = sessions if isinstance(sessions, AsyncEngine) else engine_of(sessions)
    if engine.dialect.name == "postgresql":
        async with engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            return [tuple(row) for row in await autocommit.execute(statement, parameters)]
    async with engine.begin() as connection:
        return [tuple(row) for row in await connection.execute(statement, parameters)]


class KeptConnection:
    """`single_statement` for statements that come in quick succession: on PostgreSQL one autocommitted
    connection kept from the first statement until `release()`. Checking a connection out of the
    pool and pinging it for each statement cost more than a small INSERT, and doubled its wait.

    A kept connection is not pinged: a statement that finds it broken (the server restarted, the
    connection was killed) runs once more on a new one, so only statements that may run twice belong
    here (an INSERT ... ON CONFLICT DO NOTHING). On SQLite each statement is `single_statement`'s."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._connection: AsyncConnection | None = None

    async def execute(
        self, statement: Executable, parameters: list[dict[str, Any]] | dict[str, Any] | None = None
    ) -> list[tuple[Any, ...]]:
        if self.engine.dialect.name != "postgresql":
            return await single_statement(self.engine, statement, parameters)
        for retry in (False, True):
            if self._connection is None:
                connection = await self.engine.connect()
                self._connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            try:
                return [tuple(row) for row in await self._connection.execute(statement, parameters)]
            except Exception as error:
                await self.release()
                if retry or not (isinstance(error, DBAPIError) and error.connection_invalidated):
                    raise
        raise AssertionError("unreachable: the retry returns or raises")

    async def release(self) -> None:
        """Give the connection back to the pool (the next statement takes another)."""
        connection, self._connection = self._connection, None
        if connection is not None:
            # A broken connection's close can fail too; the pool has already discarded it.
            with contextlib.suppress(Exception):
                await connection.close()
