from __future__ import annotations

import struct
import zlib


def png_image(width: int = 48, height: int = 32, rgb: tuple[int, int, int] = (220, 60, 60)) -> bytes:
    """A real (decodable) PNG of one colour, so the browser can draw it."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )
