"""The Graph API calls the channel makes, with its errors mapped onto the delivery worker's kinds."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import httpx

from core.delivery import PermanentFailure, RetryLater

# Meta's codes: 4/80007/130429 throughput limits, 131056 too many messages to one user (pair rate).
RATE_LIMIT_CODES = {4, 80007, 130429, 131056}
PAIR_RATE_LIMIT = 131056
# Temporary on Meta's side: unknown error, service unavailable.
TEMPORARY_CODES = {1, 2, 131000, 131016}
DEFAULT_BACKOFF = 60.0
PAIR_BACKOFF = 6.0  # Meta allows about one message every 6 seconds to the same user


@dataclass(frozen=True)
class MediaInfo:
    id: str
    url: str
    mime_type: str | None
    sha256: str | None
    size: int | None


class TooLarge(PermanentFailure):
    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"file of {size} bytes exceeds the limit of {limit}")
        self.size, self.limit = size, limit


def _error(response: httpx.Response) -> dict[str, Any]:
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        return {}
    return error if isinstance(error, dict) else {}


def failure(response: httpx.Response) -> RetryLater | PermanentFailure:
    """What a non-2xx Graph answer means for the message: wait, retry, or give up with the reason."""
    error = _error(response)
    code = error.get("code")
    details = (error.get("error_data") or {}).get("details") or error.get("message") or response.text[:200]
    reason = f"WhatsApp HTTP {response.status_code}, error {code}: {details}"
    if response.status_code == 429 or code in RATE_LIMIT_CODES:
        header = response.headers.get("retry-after", "")
        backoff = float(header) if header.isdigit() else PAIR_BACKOFF if code == PAIR_RATE_LIMIT else DEFAULT_BACKOFF
        return RetryLater(reason, backoff, rate_limited=True)
    if response.status_code >= 500 or code in TEMPORARY_CODES:
        return RetryLater(reason)
    return PermanentFailure(reason)


class GraphClient:
    def __init__(self, client: httpx.AsyncClient, *, base_url: str, token: str, phone_number_id: str) -> None:
        self.client = client
        self.base_url = base_url
        self.phone_number_id = phone_number_id
        self._auth = {"Authorization": f"Bearer {token}"}

    async def _call(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        try:
            response = await self.client.request(method, url, headers=self._auth, **kwargs)
        except httpx.TransportError as error:
            raise RetryLater(f"WhatsApp unreachable: {type(error).__name__}: {error}") from error
        if response.is_error:
            raise failure(response)
        return response

    async def send(self, to: str, message: dict[str, Any]) -> str:
        """Send one message; the wamid Meta gave it."""
        body = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, **message}
        response = await self._call("POST", f"{self.base_url}/{self.phone_number_id}/messages", json=body)
        try:
            return str(response.json()["messages"][0]["id"])
        except (ValueError, KeyError, IndexError, TypeError) as error:
            raise RetryLater(f"unexpected answer from WhatsApp: {response.text[:200]}") from error

    async def upload(self, content: bytes, mime_type: str, filename: str) -> str:
        """Upload a file for sending; the media id."""
        response = await self._call(
            "POST",
            f"{self.base_url}/{self.phone_number_id}/media",
            data={"messaging_product": "whatsapp", "type": mime_type},
            files={"file": (filename, content, mime_type)},
        )
        return str(response.json()["id"])

    async def media_info(self, media_id: str) -> MediaInfo:
        data = (await self._call("GET", f"{self.base_url}/{media_id}")).json()
        size = data.get("file_size")
        return MediaInfo(
            id=media_id,
            url=str(data["url"]),
            mime_type=data.get("mime_type"),
            sha256=data.get("sha256"),
            size=int(size) if size is not None else None,
        )

    async def download(self, media: MediaInfo, limit: int) -> bytes:
        """The file's bytes; never more than `limit` of them, whatever the size Meta announced."""
        if media.size is not None and media.size > limit:
            raise TooLarge(media.size, limit)
        chunks, total = [], 0
        try:
            async with self.client.stream("GET", media.url, headers=self._auth) as response:
                if response.is_error:
                    await response.aread()
                    raise failure(response)
                async for chunk in response.aiter_bytes():
                    total += len(chunk)
                    if total > limit:
                        raise TooLarge(total, limit)
                    chunks.append(chunk)
        except httpx.TransportError as error:
            raise RetryLater(f"media download failed: {type(error).__name__}: {error}") from error
        content = b"".join(chunks)
        if media.sha256 and hashlib.sha256(content).hexdigest() != media.sha256.lower():
            raise RetryLater("media download corrupted: sha256 does not match")
        return content
