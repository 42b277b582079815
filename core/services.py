"""The long-lived objects of one process, built once by the composition root."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from core.db import SessionFactory, create_engine, create_session_factory
from core.delivery import ChannelAdapter, DeliveryWorker, RetryPolicy
from core.desk import Desk
from core.fanout import Fanout, LocalFanout
from core.files import FileStore
from core.inbox import Inbox, InboxPolicy
from core.lookalike_text import Thresholds
from core.redis_fanout import RedisFanout
from core.settings import Settings
from core.turn import Limits


@dataclass
class Services:
    settings: Settings
    engine: AsyncEngine
    sessions: SessionFactory
    files: FileStore
    desk: Desk
    worker: DeliveryWorker
    fanout: Fanout
    inbox: Inbox
    adapters: dict[str, ChannelAdapter] = field(default_factory=dict)

    @classmethod
    def build(cls, settings: Settings) -> Services:
        engine = create_engine(settings.resolved_database_url)
        sessions = create_session_factory(engine)
        files = FileStore(settings.files_dir)
        adapters: dict[str, ChannelAdapter] = {}
        worker = DeliveryWorker(
            sessions,
            adapters,
            policy=RetryPolicy(
                base_delay=settings.outbox_retry_base,
                max_delay=settings.outbox_retry_max_delay,
                max_attempts=settings.outbox_max_attempts,
                lease=settings.outbox_lease,
            ),
            concurrency=settings.outbox_concurrency,
            poll_interval=settings.outbox_poll_interval,
        )
        fanout: Fanout = LocalFanout()
        on_queued = worker.wake
        if settings.redis_url:
            # Several instances: live events and "something was queued" reach every process.
            fanout = redis = RedisFanout(settings.redis_url, prefix=settings.redis_prefix)

            def wake_everywhere() -> None:
                worker.wake()
                redis.announce_queued()

            on_queued = wake_everywhere

        desk = Desk(
            engine,
            sessions,
            files,
            default_language=settings.default_language,
            limits=Limits(
                ticket_number_start=settings.ticket_number_start,
                require_contract=settings.require_contract,
                public_url=settings.public_url,
                reopen_window_days=settings.reopen_window_days,
                lookalike=lookalike_thresholds(settings),
                suggestions_channel_id=settings.suggestions_channel_id,
            ),
            on_queued=on_queued,
            full_path_concurrency=settings.full_path_concurrency,
        )
        inbox = Inbox(
            sessions,
            desk.receive,
            policy=InboxPolicy(
                lease=settings.inbox_lease,
                max_attempts=settings.inbox_max_attempts,
                base_delay=settings.inbox_retry_base,
                concurrency=settings.inbox_concurrency,
            ),
            poll_interval=settings.outbox_poll_interval,
            on_queued=on_queued,
        )
        return cls(settings, engine, sessions, files, desk, worker, fanout, inbox, adapters)


def lookalike_thresholds(settings: Settings) -> Thresholds | None:
    if settings.lookalike_min_reports < 2:
        return None
    return Thresholds(
        window=timedelta(minutes=settings.lookalike_window_minutes),
        min_reports=settings.lookalike_min_reports,
        similarity=settings.lookalike_similarity,
    )
