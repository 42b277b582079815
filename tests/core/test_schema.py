from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection
from sqlmodel import SQLModel

import bot.desk_models  # every package's own tables, so autogenerate sees them all
import bot.models  # noqa: F401
import channels.email.models
import channels.email.progress
import channels.webchat.models
import channels.whatsapp.models  # noqa: F401
import core.customer_models
import core.desk_models
import core.models  # noqa: F401
from core.db import create_engine
from core.settings import Settings


async def test_migrations_match_the_models(migrated: Settings) -> None:
    """A model changed without a migration would break `switchboard migrate` users."""

    def _diff(connection: Connection) -> list[object]:
        # The full-text search objects (FTS5 tables, expression indexes) are the database's, not models.
        context = MigrationContext.configure(
            connection,
            opts={"compare_type": False, "include_name": lambda name, *_: not str(name).startswith("search_")},
        )
        return list(compare_metadata(context, SQLModel.metadata))

    engine = create_engine(migrated.resolved_database_url)
    try:
        async with engine.connect() as connection:
            diff = await connection.run_sync(_diff)
    finally:
        await engine.dispose()
    assert diff == []
