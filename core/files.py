from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


class FileStore:
    """Content-addressed files on disk: the same bytes are stored once, under their SHA-256."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def put(self, content: bytes) -> str:
        digest = hashlib.sha256(content).hexdigest()
        key = f"{digest[:2]}/{digest}"
        path = self.root / key
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            # Write to a temporary file and rename, so a crash never leaves half a file under the key.
            fd, tmp = tempfile.mkstemp(dir=path.parent)
            with os.fdopen(fd, "wb") as out:
                out.write(content)
            os.replace(tmp, path)
        return key

    def path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise ValueError(f"file key outside the store: {key!r}")
        return path

    def read(self, key: str) -> bytes:
        return self.path(key).read_bytes()
