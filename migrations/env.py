from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import bot.desk_models  # every package's own tables, so autogenerate sees them all
import bot.models  # noqa: F401
import channels.email.models
import channels.email.progress
import channels.webchat.models
import channels.whatsapp.models  # noqa: F401
import core.customer_models
import core.desk_models
import core.models  # noqa: F401  (registers the tables on SQLModel.metadata)

target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through `switchboard migrate`")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        # Full-text search objects (migration 0009_desk) are raw SQL that autogenerate must leave alone.
        include_name=lambda name, *_: not str(name).startswith("search_"),
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
