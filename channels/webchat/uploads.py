"""What visitors may upload: recognised by the file's first bytes, never by its name or stated type."""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.messages import AttachmentKind


@dataclass(frozen=True)
class FileType:
    mime_type: str
    kind: AttachmentKind
    extension: str


PNG = FileType("image/png", "image", "png")
JPEG = FileType("image/jpeg", "image", "jpg")
WEBP = FileType("image/webp", "image", "webp")
PDF = FileType("application/pdf", "document", "pdf")
INLINE_TYPES = {t.mime_type for t in (PNG, JPEG, WEBP, PDF)}


def sniff(content: bytes) -> FileType | None:
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if content.startswith(b"\xff\xd8\xff"):
        return JPEG
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return WEBP
    if content.startswith(b"%PDF-"):
        return PDF
    return None


def safe_filename(name: str | None, file_type: FileType) -> str:
    """A plain file name: no directories, no control characters, the right extension."""
    base = re.sub(r"[\x00-\x1f\x7f/\\]+", "_", (name or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]).strip(" .")
    stem = base.rsplit(".", 1)[0][:100] if base else "file"
    return f"{stem or 'file'}.{file_type.extension}"
