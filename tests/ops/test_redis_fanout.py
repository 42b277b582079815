"""Two sets of services in one process, sharing PostgreSQL/SQLite and the real Redis."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable

import pytest

from core.migrate import upgrade
from core.redis_fanout import RedisFanout
from core.services import Services
from core.settings import Settings
from switchboard import cluster
from tests.core.test_delivery import FakePlatform, HttpAdapter
from tests.support.customers import CoreCustomer
from tests.support.servers import serve


@pytest.fixture
async def pair(make_cluster_settings: Callable[..., Settings]) -> AsyncIterator[tuple[Services, Services]]:
    # A long poll interval: only a Redis wake-up can make the other instance deliver quickly.
    settings = make_cluster_settings(outbox_poll_interval=30.0)
    first, second = Services.build(settings), Services.build(settings)
    await upgrade(first.engine)
    for services in (first, second):
        await cluster.start(services)
    try:
        yield first, second
    finally:
        for services in (first, second):
            await cluster.stop(services)
            await services.engine.dispose()


async def test_redis_is_chosen_when_redis_url_is_set(pair: tuple[Services, Services]) -> None:
    assert all(isinstance(services.fanout, RedisFanout) for services in pair)


async def test_an_event_published_on_one_instance_reaches_listeners_on_the_other(
    pair: tuple[Services, Services],
) -> None:
    first, second = pair
    async with (
        second.fanout.subscribe("visitor-1") as theirs,
        first.fanout.subscribe("visitor-1") as ours,
        second.fanout.subscribe("visitor-2") as other,
    ):
        await first.fanout.publish("visitor-1", {"text": "Привет <b>", "id": 7})
        assert await asyncio.wait_for(theirs.get(), 5) == {"text": "Привет <b>", "id": 7}
        assert await asyncio.wait_for(ours.get(), 5) == {"text": "Привет <b>", "id": 7}
        await asyncio.sleep(0.2)
        assert other.empty()


async def test_a_listener_that_left_gets_nothing_and_others_still_do(pair: tuple[Services, Services]) -> None:
    first, second = pair
    async with second.fanout.subscribe("visitor-3") as staying:
        async with second.fanout.subscribe("visitor-3"):
            pass
        await first.fanout.publish("visitor-3", {"n": 1})
        assert await asyncio.wait_for(staying.get(), 5) == {"n": 1}
    async with second.fanout.subscribe("visitor-3") as again:
        await first.fanout.publish("visitor-3", {"n": 2})
        assert await asyncio.wait_for(again.get(), 5) == {"n": 2}


async def test_a_message_queued_on_one_instance_wakes_the_worker_of_the_other(
    pair: tuple[Services, Services],
) -> None:
    first, second = pair
    platform = FakePlatform()
    async with serve(platform.app()) as url:
        first.adapters["test"] = HttpAdapter(url)
        worker = asyncio.create_task(first.worker.run())
        try:
            await asyncio.sleep(0.3)  # the worker's first pass finds nothing and waits 30 s
            started = time.monotonic()
            await CoreCustomer(second, "bob").say("hello")
            while not platform.accepted["bob"]:
                assert time.monotonic() - started < 5, "the other instance's worker was not woken"
                await asyncio.sleep(0.02)
        finally:
            worker.cancel()
            await asyncio.gather(worker, return_exceptions=True)
    assert len(platform.accepted["bob"]) == 1
