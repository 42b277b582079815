"""Visitor B can never read visitor A's conversation, and only allowed sites may embed the chat."""

from __future__ import annotations

import httpx
import pytest
from sqlmodel import select
from websockets.exceptions import InvalidStatus

from channels.webchat.models import WebchatEvent, WebchatVisitor
from channels.webchat.visitors import hash_token, sign_user
from core.contacts import find_identity
from core.models import Message
from tests.channels.webchat.conftest import Chat, StartChat
from tests.channels.webchat.visitor import Visitor
from tests.support.customers import png

SECRET_TEXT = "my password is hunter2"


async def test_visitor_b_cannot_read_visitor_a_by_any_id_or_token(chat: Chat) -> None:
    async with Visitor(chat.url) as alice:
        await alice.open_ticket(SECRET_TEXT, screenshot=png().content)
    upload_seq = next(e["id"] for e in alice.events if e["attachments"])
    async with chat.services.sessions() as session:
        row = (await session.execute(select(WebchatVisitor))).scalar_one()
    assert alice.token is not None
    # Everything about Alice that Bob could learn or guess, sent where an id or token goes.
    forged = [row.address, row.token_hash, str(row.id), row.id, alice.token[:-1] + "x", alice.token.upper(), "", None]
    for token in forged:
        async with Visitor(chat.url, token=token, visitor_id=row.id, address=row.address) as bob:  # type: ignore[arg-type]
            assert bob.welcome["token"] and bob.welcome["token"] != alice.token
            await bob.send("hi")
            await bob.reply_with(lambda e: True)
        assert all(SECRET_TEXT not in str(frame) for frame in bob.frames)
        assert [e["from"] for e in bob.events] == ["visitor", "bot"]
        assert (await bob.fetch_file(upload_seq)).status_code == 404
        if isinstance(token, str) and token:
            assert (await bob.fetch_file(upload_seq, token=token)).status_code == 404
    # Asking for "everything after 0" with Bob's own token, even with Alice's numbers, shows Bob's only.
    async with Visitor(chat.url, token=bob.token) as bob_again:
        await bob_again.reply_with(lambda e: e["id"] == 2)
    assert all(SECRET_TEXT not in str(frame) for frame in bob_again.frames)
    assert (await alice.fetch_file(upload_seq)).status_code == 200
    async with httpx.AsyncClient(base_url=chat.url) as client:
        assert (await client.get(f"/webchat/files/{upload_seq}/0")).status_code == 404


async def test_a_visitor_claiming_more_history_than_its_token_has_starts_over(chat: Chat) -> None:
    async with Visitor(chat.url) as alice:
        await alice.send("hello")
    async with Visitor(chat.url) as bob:
        await bob.close()
        await bob.connect(after=alice.seen + 50)
    assert bob.welcome["reset"] is True and bob.welcome["last"] == 0


async def test_html_is_kept_as_text(chat: Chat) -> None:
    payload = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    async with Visitor(chat.url) as visitor:
        await visitor.send(payload)
        echo = next(e for e in visitor.events if e["from"] == "visitor")
    await chat.handled()
    async with chat.services.sessions() as session:
        stored = (await session.execute(select(Message.text))).scalar_one()
    assert echo["text"] == stored == payload


async def test_only_allowed_sites_may_open_the_socket(start_chat: StartChat) -> None:
    async with start_chat(webchat_allowed_origins="https://shop.example, https://help.example/") as chat:
        for origin in ("https://shop.example", "https://help.example", chat.url):
            visitor = await Visitor(chat.url).connect(origin=origin)
            await visitor.close()
        refused_origins: tuple[str | None, ...] = (
            "https://evil.example",
            "null",
            "https://shop.example.evil.example",
            None,
        )
        for refused_origin in refused_origins:
            with pytest.raises(InvalidStatus) as refused:
                await Visitor(chat.url).connect(origin=refused_origin)
            assert refused.value.response.status_code == 403
        async with chat.services.sessions() as session:
            assert len(list((await session.execute(select(WebchatVisitor))).scalars())) == 3


async def test_a_signed_site_user_is_linked_and_a_bad_signature_is_ignored(start_chat: StartChat) -> None:
    async with start_chat(webchat_identity_secret="s3cret") as chat:
        good = sign_user("s3cret", "user-42")
        async with Visitor(chat.url, user_id="user-42", user_hash=good, name="Ann") as laptop:
            await laptop.send("hello")
        async with Visitor(chat.url, user_id="user-42", user_hash=good.upper()) as phone:
            await phone.send("hello")
        async with Visitor(chat.url, user_id="user-42", user_hash=sign_user("guess", "user-42")) as forger:
            await forger.send("hello")
        await chat.handled()
        async with chat.services.sessions() as session:
            site = await find_identity(session, "site", "user-42")
            rows = {v.token_hash: v for v in (await session.execute(select(WebchatVisitor))).scalars()}
            contacts = {}
            for name, visitor in (("laptop", laptop), ("phone", phone), ("forger", forger)):
                row = rows[hash_token(visitor.token or "")]
                identity = await find_identity(session, "webchat", row.address)
                assert identity is not None
                contacts[name] = (identity.contact_id, row.user_id)
    assert site is not None
    assert contacts["laptop"] == contacts["phone"] == (site.contact_id, "user-42")
    assert contacts["forger"][0] != site.contact_id and contacts["forger"][1] is None


async def test_uploads_other_than_images_and_pdf_are_refused_with_a_reason_and_store_nothing(
    start_chat: StartChat,
) -> None:
    async with start_chat(max_file_size=2000) as chat:
        async with Visitor(chat.url, lang="ru") as visitor:
            await visitor.send("hello")
            script = await visitor.upload(b"<script>alert(1)</script>", "screen.png")
            exe = await visitor.upload(b"MZ\x90\x00" + bytes(100), "setup.exe")
            big = await visitor.upload(b"\x89PNG\r\n\x1a\n" + bytes(3000))
            empty = await visitor.upload(b"")
            visitor.token = "not-a-token"
            anonymous = await visitor.upload(png().content or b"")
        async with chat.services.sessions() as session:
            uploads = [e for e in (await session.execute(select(WebchatEvent))).scalars() if e.payload["attachments"]]
    assert (script.status_code, exe.status_code) == (415, 415)
    assert "PNG, JPEG" in script.json()["error"] and "PDF" in exe.json()["error"]
    assert big.status_code == 413 and "не более" in big.json()["error"]
    assert empty.status_code == 422 and anonymous.status_code == 401
    assert uploads == []


async def test_the_widget_and_its_styles_stay_under_30_kb_and_the_demo_page_embeds_it(chat: Chat) -> None:
    async with httpx.AsyncClient(base_url=chat.url) as client:
        script, styles, demo = [await client.get(p) for p in ("/webchat/widget.js", "/webchat/widget.css", "/")]
    assert script.headers["content-type"].startswith("text/javascript")
    assert len(script.content) + len(styles.content) < 30 * 1024
    assert ".innerHTML" not in script.text and "insertAdjacentHTML" not in script.text
    assert '<script src="/webchat/widget.js"' in demo.text
