"""SQLite for the async engine, called inline instead of through a thread.

aiosqlite runs every driver call (cursor, execute, fetch, close...) in a helper thread; a message
needs about 70 such round trips, and each costs two thread switches: measured 7-9 ms of a
message's 10 ms. SQLite statements on a local file take microseconds, so calling the standard
`sqlite3` module directly from the event loop is both faster and simpler. The pool stays
asyncio-aware (AsyncAdaptedQueuePool), so waiting for the connection never blocks the loop.
The one blocking wait left is SQLite's busy timeout when another *process* holds the write lock;
several instances belong on PostgreSQL.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlalchemy import pool
from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.engine import URL
from sqlalchemy.engine.interfaces import ConnectArgsType
from sqlalchemy.util.concurrency import await_


async def _done() -> None:
    return None


def _mark_async() -> None:
    # AsyncConnection.execute insists that the driver awaited something; awaiting a finished
    # coroutine satisfies it without yielding to the event loop.
    await_(_done())


class _Cursor(sqlite3.Cursor):
    async def _async_soft_close(self) -> None:
        """Called by AsyncConnection on every result; a stdlib cursor has nothing to release."""


class _Connection(sqlite3.Connection):
    def cursor(self, factory: Any = _Cursor) -> Any:
        return super().cursor(factory)


class SQLiteDialectInline(SQLiteDialect_pysqlite):
    driver = "inline"
    is_async = True
    supports_statement_cache = True

    @classmethod
    def get_pool_class(cls, url: URL) -> type[pool.Pool]:
        return pool.AsyncAdaptedQueuePool if cls._is_url_file_db(url) else pool.StaticPool

    def create_connect_args(self, url: URL) -> ConnectArgsType:
        args, options = super().create_connect_args(url)
        options["factory"] = _Connection
        return args, options

    def do_execute(self, cursor: Any, statement: Any, parameters: Any, context: Any = None) -> None:
        _mark_async()
        super().do_execute(cursor, statement, parameters, context)

    def do_executemany(self, cursor: Any, statement: Any, parameters: Any, context: Any = None) -> None:
        _mark_async()
        super().do_executemany(cursor, statement, parameters, context)

    def do_execute_no_params(self, cursor: Any, statement: Any, context: Any = None) -> None:
        _mark_async()
        super().do_execute_no_params(cursor, statement, context)


registry.register("sqlite.inline", "core.sqlite_inline", "SQLiteDialectInline")


def inline_url(url: str) -> str:
    """`sqlite://`, `sqlite+aiosqlite://` or `sqlite+pysqlite://` -> the inline driver."""
    scheme, _, rest = url.partition("://")
    return f"sqlite+inline://{rest}" if scheme.split("+")[0] == "sqlite" else url
