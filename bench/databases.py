"""For benchmarks of the core alone: a migrated database of either backend, and the option to pick it."""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from core.migrate import upgrade
from core.services import Services
from core.settings import Settings
from tests.support.databases import fresh_database


@asynccontextmanager
async def migrated_services(backend: str) -> AsyncIterator[Services]:
    """The core's services on a fresh, migrated database, dropped afterwards."""
    with tempfile.TemporaryDirectory() as directory:
        async with fresh_database(backend, Path(directory)) as url:
            settings = Settings(_env_file=None, database_url=url, data_dir=Path(directory) / "data")  # type: ignore[call-arg]
            services = Services.build(settings)
            try:
                await upgrade(services.engine)
                yield services
            finally:
                await services.engine.dispose()


def add_backend_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")


def chosen_backends(args: argparse.Namespace) -> list[str]:
    return ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
