"""The one exception the media layer raises for anything wrong with an image.

Why a single type: the composer shows the message next to the attachment and
carries on, whatever went wrong (missing file, corrupt data, unsupported
format, clipboard tool missing). `str(error)` is always one human line.
"""

from __future__ import annotations


class ImageError(Exception):
    """An image could not be read or prepared; `str(e)` is one line for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message
