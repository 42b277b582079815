"""Schema migrations (Alembic), run programmatically by `switchboard migrate` and at start-up."""

from __future__ import annotations

from importlib.resources import files

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine


class SchemaNotReady(RuntimeError):
    pass


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(files("migrations")))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


async def upgrade(engine: AsyncEngine) -> None:
    def _upgrade(connection: Connection) -> None:
        command.upgrade(alembic_config(connection), "heads")

    async with engine.begin() as connection:
        await connection.run_sync(_upgrade)


async def pending_migrations(engine: AsyncEngine) -> set[str]:
    """Heads of the migration scripts the database has not reached; empty when up to date."""

    def _missing(connection: Connection) -> set[str]:
        current = MigrationContext.configure(connection).get_current_heads()
        script = ScriptDirectory.from_config(alembic_config())
        # A revision that another one `depends_on` is applied without being recorded as a head.
        applied = {revision.revision for revision in script.iterate_revisions(current, "base")}
        return set(script.get_heads()) - applied

    async with engine.connect() as connection:
        return await connection.run_sync(_missing)


async def ensure_migrated(engine: AsyncEngine) -> None:
    missing = await pending_migrations(engine)
    if missing:
        raise SchemaNotReady(
            "The database schema is not up to date (missing migrations: "
            f"{', '.join(sorted(missing))}). Run `switchboard migrate` first."
        )
