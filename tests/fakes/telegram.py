"""A fake Telegram Bot API: a real ASGI app that answers like api.telegram.org.

Serve it and point the bot at it::

    fake = FakeTelegram()                      # token fake.token, agents' group fake.group_id
    async with serve(fake.app) as api_url:     # tests/support/servers.serve
        settings = make_settings(telegram_bot_token=fake.token, telegram_api_url=api_url,
                                 telegram_agent_chat_id=fake.group_id)

URLs are `/bot<token>/<method>` and `/file/bot<token>/<path>`; requests are form-encoded or
multipart (nested objects as JSON strings), as aiogram sends them. Answers have Telegram's shapes,
error codes and descriptions (`{"ok": false, "error_code": 403, "description": "Forbidden: bot was
blocked by the user"}`, 429 with `parameters.retry_after`).

People (every action becomes an Update, queued for getUpdates or POSTed to the webhook that
setWebhook registered, with its secret header; `push` returns our HTTP status in webhook mode):

    alice = fake.user(language_code="ru")      # a customer in a private chat
    await alice.send("hello"); await alice.send_photo(png_bytes, caption="screen")
    await alice.send_document(data, "log.txt"); await alice.press("type:incident")  # inline button
    await alice.send("more", reply_to=message_id)
    bob = fake.agent("Bob")                    # a member of the agents' forum group
    await bob.send("/ask which floor?", thread_id=topic_id)  # or reply_to=... without topics
    await fake.push(update) / fake.redeliver(update)          # raw updates, duplicates

What the bot did:

    fake.calls / fake.calls_to("sendMessage")  # every request: Call(method, params, files)
    alice.inbox()                               # messages the bot sent to Alice (dicts, as Telegram)
    fake.topics                                 # thread id -> Topic(name, closed, deleted, icon)
    fake.commands_for({"type": "chat", "chat_id": fake.group_id}, "ru")  # menus set by setMyCommands
    fake.edits                                  # each message as an editMessageText left it
    message["bot_reaction"]                     # emoji the bot set on a message (setMessageReaction)
    fake.thread_messages(thread_id)             # bot messages in one topic
    await fake.wait_for(lambda: ..., "what we wait for")   # poll a condition, fail after a timeout

Failures to script:

    fake.blocked.add(alice.id)                  # 403 Forbidden: bot was blocked by the user
    fake.delete_topic(thread_id)                # 400 Bad Request: message thread not found
    fake.fail_next("sendMessage", 429, retry_after=1, times=3, chat_id=...)
    fake.limit("global", 30, per=1.0); fake.limit("group", 20, per=60.0); fake.limit("chat", 1, per=1.0)
    fake.forum = False                          # the group has topics disabled
    fake.channel(chat_id)                       # a public channel the bot may post in
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

JSON_FIELDS = {
    "reply_markup",
    "reply_parameters",
    "entities",
    "caption_entities",
    "allowed_updates",
    "media",
    "commands",
    "scope",
    "reaction",
}
INT_FIELDS = {
    "chat_id",
    "from_chat_id",
    "message_id",
    "message_thread_id",
    "offset",
    "limit",
    "timeout",
    "user_id",
    "icon_color",
    "max_connections",
}
BOOL_FIELDS = {"show_alert", "drop_pending_updates", "disable_notification", "protect_content"}
MENTION = re.compile(r"(?<!\w)@\w{4,32}")
SEND_METHODS = {"sendMessage", "sendPhoto", "sendDocument", "copyMessage"}


class ApiError(Exception):
    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code, self.description, self.retry_after = code, description, retry_after


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)


@dataclass
class Topic:
    thread_id: int
    name: str
    icon_custom_emoji_id: str | None = None
    closed: bool = False
    deleted: bool = False


@dataclass
class ScriptedError:
    method: str
    code: int
    description: str
    retry_after: int | None
    times: int
    chat_id: int | None


@dataclass
class Window:
    count: int
    per: float
    hits: dict[Any, deque[float]] = field(default_factory=dict)

    def take(self, key: Any) -> int | None:
        """Seconds to wait when `key` is over the limit, else None (and the hit is counted)."""
        now = time.monotonic()
        hits = self.hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.per:
            hits.popleft()
        if len(hits) >= self.count:
            return max(1, math.ceil(hits[0] + self.per - now))
        hits.append(now)
        return None


class FakeTelegram:
    def __init__(self, token: str = "123456:TEST-token_abc", *, group_id: int = -1001234567890, forum: bool = True):
        self.token, self.group_id, self.forum = token, group_id, forum
        self.bot_user = {
            "id": int(token.split(":")[0]),
            "is_bot": True,
            "first_name": "Switchboard",
            "username": "switchboard_test_bot",
        }
        self.calls: list[Call] = []
        self.blocked: set[int] = set()
        self.topics: dict[int, Topic] = {}
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.files: dict[str, tuple[str, bytes]] = {}
        self.members: dict[int, dict[str, Any]] = {}
        self.users: dict[int, dict[str, Any]] = {}
        self.channels: dict[int, dict[str, Any]] = {}
        self.webhook_url, self.webhook_secret = "", ""
        self.webhook_statuses: list[int] = []
        self.limits: dict[str, Window] = {}
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.edits: list[dict[str, Any]] = []  # every message as an editMessageText left it
        self._errors: list[ScriptedError] = []
        self._updates: list[dict[str, Any]] = []
        self.pushed: set[int] = set()  # every update id delivered (or queued for getUpdates)
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._user_ids = itertools.count(5001)
        self._file_ids = itertools.count(1)
        self._new_update = asyncio.Condition()
        self._closing = False
        self.app = Starlette(
            routes=[
                Route("/bot{token}/{method}", self._api, methods=["GET", "POST"]),
                Route("/file/bot{token}/{path:path}", self._download, methods=["GET"]),
            ]
        )

    # ---- scripting -------------------------------------------------------------------------

    def user(
        self, first_name: str = "Alice", *, language_code: str | None = "en", user_id: int | None = None
    ) -> FakeUser:
        user = {"id": user_id or next(self._user_ids), "is_bot": False, "first_name": first_name}
        if language_code:
            user["language_code"] = language_code
        self.users[user["id"]] = user
        return FakeUser(self, user, chat={"id": user["id"], "type": "private", "first_name": first_name})

    def agent(self, first_name: str = "Bob", *, user_id: int | None = None, member: bool = True) -> FakeUser:
        person = self.user(first_name, user_id=user_id)
        if member:
            self.members[person.id] = person.user
        return FakeUser(self, person.user, chat=self.group_chat())

    def channel(self, chat_id: int = -1009876543210, title: str = "Ideas") -> dict[str, Any]:
        """A public channel the bot may post in (fake.chat_messages(chat_id) shows the posts)."""
        self.channels[chat_id] = {"id": chat_id, "type": "channel", "title": title}
        return self.channels[chat_id]

    def group_chat(self) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": self.group_id, "type": "supergroup", "title": "Support agents"}
        if self.forum:
            chat["is_forum"] = True
        return chat

    def fail_next(
        self,
        method: str,
        code: int = 429,
        description: str | None = None,
        *,
        retry_after: int | None = None,
        times: int = 1,
        chat_id: int | None = None,
    ) -> None:
        if code == 429 and retry_after is None:
            retry_after = 1
        default = f"Too Many Requests: retry after {retry_after}" if code == 429 else "Internal Server Error"
        self._errors.append(ScriptedError(method, code, description or default, retry_after, times, chat_id))

    def limit(self, scope: str, count: int, *, per: float) -> None:
        """Enforce a rate limit with 429s: scope "global" (all sends), "group" (the agents' group), "chat"."""
        self.limits[scope] = Window(count, per)

    def delete_topic(self, thread_id: int) -> None:
        self.topics[thread_id].deleted = True

    # ---- inspection ------------------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    def chat_messages(self, chat_id: int) -> list[dict[str, Any]]:
        return [m for (chat, _), m in sorted(self.messages.items()) if chat == chat_id and m["from"]["is_bot"]]

    def thread_messages(self, thread_id: int) -> list[dict[str, Any]]:
        return [
            m
            for m in self.chat_messages(self.group_id)
            if m.get("message_thread_id") == thread_id and "forum_topic_created" not in m
        ]

    async def wait_for(self, condition: Callable[[], Any], what: str = "a condition", timeout: float = 10.0) -> Any:
        deadline = time.monotonic() + timeout
        while not (result := condition()):
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; calls: {[c.method for c in self.calls[-20:]]}")
            await asyncio.sleep(0.02)
        return result

    async def close(self) -> None:
        """End pending long polls now, so the server can stop without waiting for their timeout."""
        self._closing = True
        async with self._new_update:
            self._new_update.notify_all()

    # ---- updates ---------------------------------------------------------------------------

    async def push(self, update: dict[str, Any]) -> int:
        """Deliver an update: POST it to the webhook (our status code) or queue it for getUpdates (200)."""
        if "update_id" not in update:
            update = {"update_id": next(self._update_ids), **update}
        self.pushed.add(update["update_id"])
        if self.webhook_url:
            headers = {"X-Telegram-Bot-Api-Secret-Token": self.webhook_secret} if self.webhook_secret else {}
            async with httpx.AsyncClient() as client:
                response = await client.post(self.webhook_url, json=update, headers=headers, timeout=30)
            self.webhook_statuses.append(response.status_code)
            return response.status_code
        async with self._new_update:
            self._updates.append(update)
            self._new_update.notify_all()
        return 200

    async def redeliver(self, update: dict[str, Any]) -> int:
        """Telegram's retry: the same update, the same update_id."""
        return await self.push(update)

    def new_update(self, **content: Any) -> dict[str, Any]:
        return {"update_id": next(self._update_ids), **content}

    def store_message(self, chat: dict[str, Any], sender: dict[str, Any], **content: Any) -> dict[str, Any]:
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat,
            "from": sender,
            **{k: v for k, v in content.items() if v is not None},
        }
        self.messages[(chat["id"], message["message_id"])] = message
        return message

    def store_file(self, content: bytes, filename: str, kind: str = "documents") -> dict[str, Any]:
        number = next(self._file_ids)
        file_id = f"FILE{number:06d}"
        path = f"{kind}/file_{number}{_extension(filename)}"
        self.files[file_id] = (path, content)
        return {"file_id": file_id, "file_unique_id": f"U{number:06d}", "file_size": len(content)}

    # ---- the HTTP API ----------------------------------------------------------------------

    async def _api(self, request: Request) -> Response:
        if request.path_params["token"] != self.token:
            return _error(ApiError(401, "Unauthorized"))
        method = request.path_params["method"]
        params, files = await _read_params(request)
        self.calls.append(Call(method, params, files))
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return _error(ApiError(404, "Not Found"))
        try:
            self._check_scripted(method, params)
            if method in SEND_METHODS:
                self._check_send(params)
            result = await handler(params, files)
        except ApiError as error:
            return _error(error)
        return JSONResponse({"ok": True, "result": result})

    async def _download(self, request: Request) -> Response:
        if request.path_params["token"] != self.token:
            return _error(ApiError(401, "Unauthorized"))
        for path, content in self.files.values():
            if path == request.path_params["path"]:
                return Response(content, media_type="application/octet-stream")
        return _error(ApiError(404, "Not Found"))

    def _check_scripted(self, method: str, params: dict[str, Any]) -> None:
        for error in self._errors:
            if error.method == method and error.times > 0 and error.chat_id in (None, params.get("chat_id")):
                error.times -= 1
                raise ApiError(error.code, error.description, error.retry_after)

    def _check_send(self, params: dict[str, Any]) -> None:
        chat_id = params.get("chat_id")
        scopes = [("global", None), ("chat", chat_id)]
        if chat_id == self.group_id:
            scopes.append(("group", chat_id))
        for scope, key in scopes:
            window = self.limits.get(scope)
            if window and (wait := window.take(key)) is not None:
                raise ApiError(429, f"Too Many Requests: retry after {wait}", wait)
        if chat_id in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        self._chat(chat_id)
        if (thread_id := params.get("message_thread_id")) is not None and chat_id == self.group_id:
            self._live_topic(thread_id)

    def _chat(self, chat_id: Any) -> dict[str, Any]:
        if chat_id == self.group_id:
            return self.group_chat()
        if chat_id in self.channels:
            return self.channels[chat_id]
        if chat_id in self.users:
            user = self.users[chat_id]
            return {"id": chat_id, "type": "private", "first_name": user["first_name"]}
        raise ApiError(400, "Bad Request: chat not found")

    def _live_topic(self, thread_id: int) -> Topic:
        topic = self.topics.get(thread_id)
        if not self.forum or topic is None or topic.deleted:
            raise ApiError(400, "Bad Request: message thread not found")
        if topic.closed:
            raise ApiError(400, "Bad Request: TOPIC_CLOSED")
        return topic

    def _bot_message(self, params: dict[str, Any], **content: Any) -> dict[str, Any]:
        chat = self._chat(params["chat_id"])
        thread_id = params.get("message_thread_id") if chat["id"] == self.group_id else None
        reply = (params.get("reply_parameters") or {}).get("message_id") or params.get("reply_to_message_id")
        reply_to = self.messages.get((chat["id"], reply)) if reply else None
        if reply and reply_to is None:
            raise ApiError(400, "Bad Request: message to be replied not found")
        return self.store_message(
            chat,
            self.bot_user,
            message_thread_id=thread_id,
            is_topic_message=True if thread_id else None,
            reply_to_message=reply_to,
            reply_markup=_inline(params.get("reply_markup")),
            **content,
        )

    def _input_file(self, value: Any, files: dict[str, tuple[str, bytes]], kind: str) -> tuple[dict[str, Any], str]:
        if isinstance(value, str) and value.startswith("attach://"):
            filename, content = files[value.removeprefix("attach://")]
            return self.store_file(content, filename, kind), filename
        if isinstance(value, str) and value in self.files:
            path, content = self.files[value]
            return {"file_id": value, "file_unique_id": "U" + value, "file_size": len(content)}, path.rsplit("/")[-1]
        raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")

    async def _m_getMe(self, params: dict[str, Any], files: Any) -> Any:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": True,
            "supports_inline_queries": False,
        }

    async def _m_setWebhook(self, params: dict[str, Any], files: Any) -> Any:
        url = params.get("url", "")
        if url and not url.startswith(("http://", "https://")):
            raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        self.webhook_url, self.webhook_secret = url, params.get("secret_token", "")
        return True

    async def _m_deleteWebhook(self, params: dict[str, Any], files: Any) -> Any:
        self.webhook_url = self.webhook_secret = ""
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _m_getWebhookInfo(self, params: dict[str, Any], files: Any) -> Any:
        return {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": 0 if self.webhook_url else len(self._updates),
        }

    async def _m_getUpdates(self, params: dict[str, Any], files: Any) -> Any:
        if self.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset, limit, timeout = params.get("offset", 0), params.get("limit", 100), params.get("timeout", 0)
        async with self._new_update:
            if offset:
                # An offset confirms every update before it: Telegram forgets them.
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            if not self._updates and timeout and not self._closing:
                try:
                    await asyncio.wait_for(self._new_update.wait(), timeout)
                except TimeoutError:
                    pass
            return [u for u in self._updates if u["update_id"] >= offset][:limit]

    async def _m_sendMessage(self, params: dict[str, Any], files: Any) -> Any:
        text = params.get("text", "")
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if len(text) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        return self._bot_message(params, text=text, entities=params.get("entities"))

    async def _m_sendPhoto(self, params: dict[str, Any], files: Any) -> Any:
        photo, _ = self._input_file(params.get("photo"), files, "photos")
        return self._bot_message(params, photo=[{**photo, "width": 640, "height": 480}], **_caption(params))

    async def _m_sendDocument(self, params: dict[str, Any], files: Any) -> Any:
        document, filename = self._input_file(params.get("document"), files, "documents")
        return self._bot_message(params, document={**document, "file_name": filename}, **_caption(params))

    async def _m_copyMessage(self, params: dict[str, Any], files: Any) -> Any:
        source = self.messages.get((params.get("from_chat_id"), params.get("message_id")))
        if source is None:
            raise ApiError(400, "Bad Request: message to copy not found")
        content = {k: source[k] for k in ("text", "photo", "document", "caption") if k in source}
        if "caption" in params:
            content.update(_caption(params))
        return {"message_id": self._bot_message(params, **content)["message_id"]}

    async def _m_editMessageText(self, params: dict[str, Any], files: Any) -> Any:
        message = self._own_message(params)
        if message.get("text") == params.get("text") and message.get("reply_markup") == params.get("reply_markup"):
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and reply "
                "markup are exactly the same as a current content and reply markup of the message",
            )
        message["text"] = params.get("text", "")
        message["reply_markup"] = _inline(params.get("reply_markup"))
        message["entities"] = params.get("entities") or []
        self.edits.append(dict(message))
        return message

    async def _m_editMessageReplyMarkup(self, params: dict[str, Any], files: Any) -> Any:
        message = self._own_message(params)
        message["reply_markup"] = params.get("reply_markup")
        return message

    def _own_message(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self.messages.get((params.get("chat_id"), params.get("message_id")))
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        if not message["from"]["is_bot"]:
            raise ApiError(400, "Bad Request: message can't be edited")
        return message

    async def _m_setMyCommands(self, params: dict[str, Any], files: Any) -> Any:
        scope = params.get("scope") or {"type": "default"}
        for command in params.get("commands", []):
            if not 1 <= len(command.get("command", "")) <= 32 or not 1 <= len(command.get("description", "")) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
        self.commands[(json.dumps(scope, sort_keys=True), params.get("language_code") or "")] = params["commands"]
        return True

    def commands_for(self, scope: dict[str, Any], language_code: str = "") -> list[dict[str, Any]]:
        """The command menu registered for a scope and language ("" = every other language)."""
        return self.commands.get((json.dumps(scope, sort_keys=True), language_code), [])

    async def _m_setMessageReaction(self, params: dict[str, Any], files: Any) -> Any:
        message = self.messages.get((int(params.get("chat_id", 0)), int(params.get("message_id", 0))))
        if message is None:
            raise ApiError(400, "Bad Request: message to react not found")
        message["bot_reaction"] = [r.get("emoji") for r in params.get("reaction") or []]
        return True

    async def _m_answerCallbackQuery(self, params: dict[str, Any], files: Any) -> Any:
        return True

    async def _m_sendChatAction(self, params: dict[str, Any], files: Any) -> Any:
        self._chat(params.get("chat_id"))
        return True

    async def _m_createForumTopic(self, params: dict[str, Any], files: Any) -> Any:
        self._check_group(params)
        name = params.get("name", "")
        if not 1 <= len(name) <= 128:
            raise ApiError(400, "Bad Request: TOPIC_NAME_INVALID")
        service = self.store_message(
            self.group_chat(), self.bot_user, forum_topic_created={"name": name, "icon_color": 7322096}
        )
        thread_id = service["message_id"]
        service["message_thread_id"] = thread_id
        self.topics[thread_id] = Topic(thread_id, name, params.get("icon_custom_emoji_id"))
        return {"message_thread_id": thread_id, "name": name, "icon_color": params.get("icon_color", 7322096)}

    async def _m_editForumTopic(self, params: dict[str, Any], files: Any) -> Any:
        topic = self._topic(params)
        if "name" in params:
            topic.name = params["name"]
        if "icon_custom_emoji_id" in params:
            topic.icon_custom_emoji_id = params["icon_custom_emoji_id"]
        return True

    async def _m_closeForumTopic(self, params: dict[str, Any], files: Any) -> Any:
        topic = self._topic(params)
        if topic.closed:
            raise ApiError(400, "Bad Request: TOPIC_NOT_MODIFIED")
        topic.closed = True
        return True

    async def _m_reopenForumTopic(self, params: dict[str, Any], files: Any) -> Any:
        topic = self._topic(params)
        if not topic.closed:
            raise ApiError(400, "Bad Request: TOPIC_NOT_MODIFIED")
        topic.closed = False
        return True

    async def _m_deleteForumTopic(self, params: dict[str, Any], files: Any) -> Any:
        self._topic(params).deleted = True
        return True

    def _check_group(self, params: dict[str, Any]) -> None:
        self._chat(params.get("chat_id"))
        if params.get("chat_id") != self.group_id or not self.forum:
            raise ApiError(400, "Bad Request: the chat is not a forum")

    def _topic(self, params: dict[str, Any]) -> Topic:
        self._check_group(params)
        topic = self.topics.get(params.get("message_thread_id", 0))
        if topic is None or topic.deleted:
            raise ApiError(400, "Bad Request: TOPIC_ID_INVALID")
        return topic

    async def _m_getChat(self, params: dict[str, Any], files: Any) -> Any:
        chat = self._chat(params.get("chat_id"))
        return {
            **chat,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    async def _m_getChatMember(self, params: dict[str, Any], files: Any) -> Any:
        chat_id, user_id = params.get("chat_id"), params.get("user_id")
        self._chat(chat_id)
        if user_id == self.bot_user["id"] and chat_id == self.group_id:
            return {
                "status": "administrator",
                "user": self.bot_user,
                "can_be_edited": False,
                "is_anonymous": False,
                "can_manage_chat": True,
                "can_delete_messages": True,
                "can_manage_video_chats": True,
                "can_restrict_members": True,
                "can_promote_members": False,
                "can_change_info": True,
                "can_invite_users": True,
                "can_post_stories": False,
                "can_edit_stories": False,
                "can_delete_stories": False,
                "can_pin_messages": True,
                "can_manage_topics": True,
            }
        if chat_id == self.group_id and user_id in self.members:
            return {"status": "member", "user": self.members[user_id]}
        if user_id in self.users:
            return {"status": "left", "user": self.users[user_id]}
        raise ApiError(400, "Bad Request: PARTICIPANT_ID_INVALID")

    async def _m_getFile(self, params: dict[str, Any], files: Any) -> Any:
        file_id = params.get("file_id", "")
        if file_id not in self.files:
            raise ApiError(400, "Bad Request: invalid file_id")
        path, content = self.files[file_id]
        if len(content) > 20 * 1024 * 1024:
            raise ApiError(400, "Bad Request: file is too big")
        return {"file_id": file_id, "file_unique_id": "U" + file_id, "file_size": len(content), "file_path": path}


class FakeUser:
    """A person acting in one chat: a customer in their private chat or an agent in the group."""

    def __init__(self, fake: FakeTelegram, user: dict[str, Any], chat: dict[str, Any]) -> None:
        self.fake, self.user, self.chat = fake, user, chat

    @property
    def id(self) -> int:
        return int(self.user["id"])

    def message(self, *, thread_id: int | None = None, reply_to: int | None = None, **content: Any) -> dict[str, Any]:
        replied = self.fake.messages.get((self.chat["id"], reply_to)) if reply_to else None
        if thread_id is not None and replied is None and self.chat["id"] == self.fake.group_id:
            # In a forum every topic message replies to the topic's first (service) message.
            replied = self.fake.messages.get((self.chat["id"], thread_id))
        return self.fake.store_message(
            self.chat,
            self.user,
            message_thread_id=thread_id,
            is_topic_message=True if thread_id else None,
            reply_to_message=replied,
            **content,
        )

    async def send(self, text: str, **where: Any) -> dict[str, Any]:
        entities = (
            [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}] if text.startswith("/") else []
        )
        # Telegram marks @usernames as "mention" entities (offsets in UTF-16 units; tests write ASCII).
        entities += [{"type": "mention", "offset": m.start(), "length": len(m[0])} for m in MENTION.finditer(text)]
        message = self.message(text=text, entities=entities or None, **where)
        await self.fake.push(self.fake.new_update(message=message))
        return message

    async def send_photo(self, content: bytes, caption: str | None = None, **where: Any) -> dict[str, Any]:
        photo = self.fake.store_file(content, "photo.jpg", "photos")
        sizes = [{**photo, "width": 90, "height": 90}, {**photo, "width": 1280, "height": 720}]
        message = self.message(photo=sizes, caption=caption, **where)
        await self.fake.push(self.fake.new_update(message=message))
        return message

    async def send_document(
        self,
        content: bytes,
        filename: str,
        mime_type: str = "application/octet-stream",
        caption: str | None = None,
        **where: Any,
    ) -> dict[str, Any]:
        document = {**self.fake.store_file(content, filename), "file_name": filename, "mime_type": mime_type}
        message = self.message(document=document, caption=caption, **where)
        await self.fake.push(self.fake.new_update(message=message))
        return message

    async def press(self, data: str, message: dict[str, Any] | None = None) -> dict[str, Any]:
        """Press an inline button with callback `data` on `message` (default: the newest bot message)."""
        message = message or self.inbox()[-1]
        query = {
            "id": f"cb{next(self.fake._update_ids)}",
            "from": self.user,
            "chat_instance": "ci",
            "message": message,
            "data": data,
        }
        update = self.fake.new_update(callback_query=query)
        await self.fake.push(update)
        return update

    def inbox(self) -> list[dict[str, Any]]:
        return self.fake.chat_messages(self.chat["id"])

    def texts(self) -> list[str]:
        return [m.get("text") or m.get("caption") or "" for m in self.inbox()]


def _inline(markup: Any) -> Any:
    """Only inline keyboards stay on a message; a reply keyboard or force_reply is not part of it."""
    return markup if isinstance(markup, dict) and "inline_keyboard" in markup else None


def _caption(params: dict[str, Any]) -> dict[str, Any]:
    caption = params.get("caption")
    if caption and len(caption) > 1024:
        raise ApiError(400, "Bad Request: message caption is too long")
    return {"caption": caption} if caption else {}


def _extension(filename: str) -> str:
    return "." + filename.rsplit(".", 1)[1] if "." in filename else ""


def _error(error: ApiError) -> JSONResponse:
    body: dict[str, Any] = {"ok": False, "error_code": error.code, "description": error.description}
    if error.retry_after is not None:
        body["parameters"] = {"retry_after": error.retry_after}
    return JSONResponse(body, status_code=error.code)


async def _read_params(request: Request) -> tuple[dict[str, Any], dict[str, tuple[str, bytes]]]:
    params: dict[str, Any] = dict(request.query_params)
    files: dict[str, tuple[str, bytes]] = {}
    if request.headers.get("content-type", "").startswith("application/json"):
        params.update(await request.json())
        return params, files
    form = await request.form()
    for key, value in form.multi_items():
        if isinstance(value, str):
            params[key] = value
        else:
            files[key] = (value.filename or key, await value.read())
    for key, value in list(params.items()):
        if not isinstance(value, str):
            continue
        if key in JSON_FIELDS:
            params[key] = json.loads(value)
        elif key in INT_FIELDS and value.lstrip("-").isdigit():
            params[key] = int(value)
        elif key in BOOL_FIELDS:
            params[key] = value == "true"
    return params, files
