"""Local SQLite store: conversations, messages, attachments, response index, search. No Textual.

    from grokterm.store import Store, StreamCheckpointer
    with Store() as store:               # paths.database_file(), created 0600, WAL
        turn = store.start_turn("hi", model="grok-4")
        ...
"""

from grokterm.store.checkpoint import StreamCheckpointer
from grokterm.store.errors import (
    ImportFormatError,
    NotFoundError,
    SchemaTooNewError,
    StorageFault,
    StoreBusyError,
    StoreError,
)
from grokterm.store.rows import (
    Attachment,
    CacheEntry,
    Conversation,
    MessageRow,
    NewImage,
    ResponseIndexEntry,
    SearchHit,
    TurnRecord,
    UsageTotals,
)
from grokterm.store.store import Store

__all__ = [
    "Attachment", "CacheEntry", "Conversation", "ImportFormatError", "MessageRow", "NewImage", "NotFoundError",
    "ResponseIndexEntry", "SchemaTooNewError", "SearchHit", "StorageFault", "Store", "StoreBusyError", "StoreError",
    "StreamCheckpointer", "TurnRecord", "UsageTotals",
]
