"""Content-addressed image files next to the database: `images/<sha256>.<ext>`, mode 0600.

Why files and not BLOBs: the encoded images are the largest thing we keep (often
hundreds of KB each) and are written once, never changed. As files they are
de-duplicated by hash (the same screenshot sent twice is stored once), they keep
the database small so listing, search, VACUUM and backups of the text stay fast,
they never pass through the WAL twice, and a viewer can open them by path. The
cost is that deleting must check nothing else still refers to a file; the store
does that inside the delete's write transaction, and `sweep` removes files left
behind by a crash between writing a file and committing its row.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import tempfile
import time
from pathlib import Path

from grokterm.store.database import make_private_dir

EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/gif": "gif"}
_FILE_NAME = re.compile(r"^[0-9a-f]{64}\.[a-z0-9]{1,5}$")


def extension_for(mime: str) -> str:
    return EXTENSIONS.get(mime.lower(), "bin")


def is_valid_file_name(file_name: str) -> bool:
    """Only `<64 hex>.<ext>` names are ever joined to the folder (no path tricks from imports)."""
    return bool(_FILE_NAME.match(file_name))


def data_url(mime: str, data: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


class ImageFiles:
    """The folder of encoded images, named by the SHA-256 of their bytes."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def path(self, file_name: str) -> Path:
        if not is_valid_file_name(file_name):
            raise ValueError("not an image file name the store wrote")
        return self.folder / file_name

    def put(self, data: bytes, mime: str) -> tuple[str, str]:
        """Write `data` unless the same bytes are already there; returns (sha256, file_name)."""
        digest = hashlib.sha256(data).hexdigest()
        file_name = f"{digest}.{extension_for(mime)}"
        target = self.folder / file_name
        if target.exists() and target.stat().st_size == len(data):
            return digest, file_name
        make_private_dir(self.folder)
        fd, temp = tempfile.mkstemp(dir=self.folder, prefix=".incoming-")  # mkstemp: mode 0600
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        return digest, file_name

    def read(self, file_name: str) -> bytes | None:
        try:
            return self.path(file_name).read_bytes()
        except (FileNotFoundError, ValueError):
            return None

    def remove(self, file_name: str) -> None:
        try:
            self.path(file_name).unlink(missing_ok=True)
        except ValueError:
            pass

    def sweep(self, referenced: set[str], *, older_than: float = 3600.0) -> list[str]:
        """Delete files no row refers to, if older than `older_than` seconds (a younger one
        may belong to a row another process is about to commit). Returns the names removed."""
        if not self.folder.is_dir():
            return []
        cutoff = time.time() - older_than
        removed = []
        for entry in self.folder.iterdir():
            name = entry.name
            orphan = is_valid_file_name(name) and name not in referenced
            leftover = name.startswith(".incoming-")
            if (orphan or leftover) and entry.stat().st_mtime < cutoff:
                entry.unlink(missing_ok=True)
                removed.append(name)
        return removed
