"""The web chat passes the visitor's network address, so guessing codes from new visitors is limited too."""

from __future__ import annotations

from sqlmodel import col, select

from core.messages import AGENT_DESK, GENERAL
from core.models import OutboxMessage
from tests.channels.webchat.conftest import StartChat
from tests.channels.webchat.visitor import Visitor


async def test_many_visitors_from_one_address_are_locked_together(start_chat: StartChat) -> None:
    async with start_chat(require_contract=True) as chat:
        for number in range(4):  # 4 visitors x 5 wrong codes: 20 from 127.0.0.1
            async with Visitor(chat.url) as visitor:
                await visitor.send("hello")
                await visitor.reply_with(lambda e: "access code" in e["text"])
                for guess in range(5):
                    await visitor.send(f"V{number}-GUESS-{guess}")
                await visitor.reply_with(lambda e: e["text"].startswith("Too many wrong codes"))
        async with Visitor(chat.url) as fresh:
            await fresh.send("hello")
            await fresh.reply_with(lambda e: "access code" in e["text"])
            await fresh.send("ANY-CODE")
            locked = await fresh.reply_with(lambda e: "code" in e["text"])
        assert locked["text"].startswith("Too many wrong codes in a row.")
        async with chat.services.sessions() as session:
            query = select(OutboxMessage).where(
                col(OutboxMessage.channel) == AGENT_DESK, col(OutboxMessage.address) == GENERAL
            )
            query = query.order_by(col(OutboxMessage.id))  # PostgreSQL returns updated rows in any order
            alerts = [row.payload["meta"] for row in (await session.execute(query)).scalars()]
    assert [a["key"] for a in alerts] == ["contact"] * 3 + ["contact", "address"]
    assert alerts[-1]["client_address"] == "127.0.0.1" and alerts[-1]["channel"] == "webchat"
