from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI

from channels.base import ChannelPlugin
from core.migrate import ensure_migrated, upgrade
from core.services import Services
from core.settings import Settings
from switchboard import cluster, health, observability
from switchboard.plugins import registry
from switchboard.settings import AppSettings
from switchboard.sockets import ChannelDoors

log = logging.getLogger(__name__)


def build_app(settings: AppSettings | Settings | None = None) -> FastAPI:
    """The whole service as one ASGI app; the only place that wires its parts together.

    Without settings every one comes from the environment; bare core `Settings` leave the channels that
    need settings off."""
    app_settings = (
        settings
        if isinstance(settings, AppSettings)
        else AppSettings.load()
        if settings is None
        else AppSettings(settings)
    )
    settings = app_settings.core
    services = Services.build(settings)
    plugins: list[ChannelPlugin] = [
        plugin
        for entry in registry()
        if (plugin := entry.factory(services, app_settings.channel(entry.settings))) is not None
    ]
    for plugin in plugins:
        services.adapters.update(plugin.adapters)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        if settings.is_sqlite:
            await upgrade(services.engine)  # the embedded default needs no separate step
        else:
            await ensure_migrated(services.engine)
        started: list[ChannelPlugin] = []
        await cluster.start(services)
        worker = asyncio.create_task(services.worker.run(), name="delivery-worker")
        inbox = asyncio.create_task(services.inbox.run(), name="inbox-worker")
        try:
            for plugin in plugins:
                if plugin.start is not None:
                    await plugin.start()
                started.append(plugin)
            log.info("switchboard ready; channels: %s", ", ".join(sorted(services.adapters)) or "none")
            # What startup built (modules, models, schemas: most of the heap) lives as long as the
            # process; left to the collector, every full collection walked it again (~300 ms with
            # the loop stopped, the p99 of a webhook burst). Frozen, collections see only new objects.
            gc.collect()
            gc.freeze()
            yield
        finally:
            # The workers first: a send started after a channel closed its HTTP client failed with
            # "the client has been closed" and used up an attempt. Unfinished work is leased and
            # comes back to the next process (or another instance) within a lease.
            for task in (inbox, worker):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await services.inbox.close()
            for plugin in reversed(started):
                if plugin.stop is not None:
                    await plugin.stop()
            await cluster.stop(services)
            await services.engine.dispose()

    app = FastAPI(title="Switchboard", lifespan=lifespan)
    app.state.services = services
    app.state.settings = app_settings
    # Added first, so it sits inside observability's middlewares: those still see every socket and webhook.
    app.add_middleware(
        ChannelDoors,
        sockets={path: fn for plugin in plugins for path, fn in plugin.sockets.items()},
        doors={path: fn for plugin in plugins for path, fn in plugin.doors.items()},
    )
    app.include_router(health.router)
    observability.install(app, services)
    for plugin in plugins:
        if plugin.router is not None:
            app.include_router(plugin.router)
    return app
