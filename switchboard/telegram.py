"""The one Telegram bot, built once from platforms.telegram and shared by the customers' chats and the desk."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramNetworkError

from bot.help_commands import register_menus
from bot.plugin import desk_side
from channels.base import ChannelPlugin
from channels.telegram.file_keeper import FileKeeper
from channels.telegram.inbound import CHANNEL
from channels.telegram.plugin import customers_side
from core.redis_fanout import RedisFanout
from core.redis_ratelimit import RedisRateLimiter
from core.services import Services
from platforms.telegram.context import BotContext
from platforms.telegram.dispatcher import build_dispatcher
from platforms.telegram.limiter import LocalRateLimiter, RateLimiter, telegram_rules
from platforms.telegram.runtime import WEBHOOK_PATH, TelegramRuntime
from platforms.telegram.sender import Sender
from platforms.telegram.session import BotSession
from platforms.telegram.settings import TelegramSettings
from platforms.telegram.updates import TelegramInbox
from platforms.telegram.webhook import webhook_door

log = logging.getLogger(__name__)


def telegram_plugin(services: Services, settings: TelegramSettings) -> ChannelPlugin | None:
    """Off while TELEGRAM_BOT_TOKEN is empty; the agents' desk needs TELEGRAM_AGENT_CHAT_ID too."""
    if not settings.bot_token:
        return None
    core = services.settings
    bot = Bot(settings.bot_token, session=BotSession(settings.api_url))
    rules = telegram_rules(settings)
    # Several instances send for one token: the budget must be counted once, in Redis.
    limiter: RateLimiter = (
        RedisRateLimiter(services.fanout.client, rules, prefix=services.fanout.prefix)
        if isinstance(services.fanout, RedisFanout)
        else LocalRateLimiter(rules)
    )
    ctx = BotContext(
        bot=bot,
        desk=services.desk,
        sessions=services.sessions,
        files=services.files,
        sender=Sender(bot, limiter, settings.agent_chat_id),
        agent_chat_id=settings.agent_chat_id,
        language=core.default_language,
        max_file_size=core.max_file_size,
    )
    desk = desk_side(ctx, bot_channels=[CHANNEL])
    customers = customers_side(ctx, refused_commands=desk.commands)
    runtime = TelegramRuntime(
        ctx,
        build_dispatcher(ctx, [desk, customers]),
        public_url=core.public_url,
        webhook_secret=settings.webhook_secret,
    )
    TelegramInbox(services.inbox, runtime)  # updates are stored, acknowledged, then handled
    plugin = ChannelPlugin(
        name=CHANNEL,
        adapters={**customers.adapters, **desk.adapters},
        doors={WEBHOOK_PATH: webhook_door(runtime)} if core.public_url else {},
        start=lambda: start(runtime),
        stop=lambda: stop(runtime),
    )
    # Customers' Telegram files copied into the file store, so backups hold them.
    keeper = FileKeeper(
        bot,
        services.desk,
        services.files,
        api_url=settings.api_url,
        max_size=core.max_file_size,
        poll_interval=core.timers_poll_interval,
    )
    keeper.attach(plugin, services.desk)
    return plugin


async def start(runtime: TelegramRuntime) -> None:
    await runtime.start()
    try:
        await register_menus(runtime.ctx)
    except (TelegramAPIError, TelegramNetworkError) as error:
        log.warning("telegram: command menus not registered (%s)", error)  # the bot works without them


async def stop(runtime: TelegramRuntime) -> None:
    if runtime.ctx.cards is not None:
        await runtime.ctx.cards.stop()
    await runtime.stop()
