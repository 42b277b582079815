"""The Telegram channel: customers' private chats and the agents' forum group, served by one bot."""

from __future__ import annotations

from aiogram import Bot

from bot.context import BotContext
from bot.contract_events import renderers as contract_renderers
from bot.customer_adapter import TelegramAdapter
from bot.desk_adapter import AgentDeskAdapter
from bot.desk_events import renderers
from bot.dispatcher import build_dispatcher
from bot.limiter import LocalRateLimiter, RateLimiter, Rule
from bot.runtime import TelegramRuntime
from bot.sender import Sender
from bot.session import BotSession
from bot.webhook import webhook_router
from channels.base import ChannelPlugin
from core.delivery import ChannelAdapter
from core.messages import AGENT_DESK
from core.redis_fanout import RedisFanout
from core.redis_ratelimit import RedisRateLimiter
from core.services import Services


def telegram_plugin(services: Services) -> ChannelPlugin | None:
    """Off while TELEGRAM_BOT_TOKEN is empty; the agents' desk needs TELEGRAM_AGENT_CHAT_ID too."""
    settings = services.settings
    if not settings.telegram_bot_token:
        return None
    bot = Bot(settings.telegram_bot_token, session=BotSession(settings.telegram_api_url))
    rules = {
        # Evenly spaced, 2% under the limit, so network jitter never puts one too many in Telegram's second.
        "global": Rule(settings.telegram_global_per_second, 1.0, spacing=1.02 / settings.telegram_global_per_second),
        "chat": Rule(settings.telegram_chat_per_second, 1.0),
        "group": Rule(settings.telegram_group_per_minute, 60.0),
    }
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
        sender=Sender(bot, limiter, settings.telegram_agent_chat_id),
        agent_chat_id=settings.telegram_agent_chat_id,
        language=settings.default_language,
        max_file_size=settings.max_file_size,
    )
    runtime = TelegramRuntime(
        ctx, build_dispatcher(ctx), public_url=settings.public_url, webhook_secret=settings.telegram_webhook_secret
    )
    adapters: dict[str, ChannelAdapter] = {"telegram": TelegramAdapter(ctx)}
    if settings.telegram_agent_chat_id is not None:
        adapters[AGENT_DESK] = AgentDeskAdapter(ctx, {**renderers(), **contract_renderers()})
    return ChannelPlugin(
        name="telegram",
        adapters=adapters,
        router=webhook_router(runtime) if settings.public_url else None,
        start=runtime.start,
        stop=runtime.stop,
    )
