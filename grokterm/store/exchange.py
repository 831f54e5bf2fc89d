"""Export a conversation as Markdown (to read) or JSON (to keep or move), and import our JSON.

Markdown never inlines images: each is a link `images/<sha256>.<ext>`, the file
name the store uses, so the text stays readable and the image is identified by
its hash. JSON is the lossless format: every field of every message, and each
image either embedded as base64 (`include_images=True`, the default: one
self-contained file that imports anywhere) or only referenced by hash (smaller;
on import the image is linked if a file with that hash is already in the store).

The conversation's turn options (reasoning effort, temperature, max output tokens;
grokterm.chat.options keeps them in the key/value table) travel as its optional
`options` object: exports from before they were carried have none and import with
the defaults, and older grokterms ignore the field (so the format version stays 1).

On import the conversation gets new local ids and keeps its uid (a fresh one if
that uid is taken); its chain head is cleared, because the stored responses may
belong to another account or have expired, so the next turn sends full history.
Replies exported mid-stream come back as 'interrupted'.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import sqlite3
import uuid
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from grokterm.store.errors import ImportFormatError, NotFoundError
from grokterm.store.image_requests import ImageRequestRow, write_image_request
from grokterm.store.images import extension_for, is_valid_file_name
from grokterm.store.keyvalue import TEMPERATURE_RANGE, KeyValueMixin, conversation_options_key
from grokterm.store.messages import MessagesMixin
from grokterm.store.rows import (
    TICKS_PER_USD,
    USAGE_FIELDS,
    Attachment,
    Conversation,
    MessageRow,
    MessageSources,
    NewImage,
)
from grokterm.store.schema import MESSAGE_KINDS, MESSAGE_STATUSES
from grokterm.store.sources import SourcesMixin, write_sources

FORMAT = "grokterm-conversation"
FORMAT_VERSION = 1
_ATTACHMENT_FIELDS = (
    "name", "mime", "width", "height", "original_width", "original_height", "original_bytes", "sent_bytes",
    "detail", "sha256", "file_name",
)


def _when(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp).astimezone().strftime("%Y-%m-%d %H:%M")


def _usage_line(message: MessageRow) -> str:
    bits = []
    for label, value in (("in", message.input_tokens), ("cached", message.cached_tokens),
                         ("out", message.output_tokens), ("reasoning", message.reasoning_tokens)):
        if value is not None:
            bits.append(f"{label} {value}")
    if message.cost_ticks is not None:
        usd = message.cost_ticks / TICKS_PER_USD
        bits.append(f"${usd:.4f}" if usd >= 0.01 or usd == 0 else f"${usd:.6f}")
    if message.ttft_ms is not None:
        bits.append(f"{message.ttft_ms / 1000:.1f} s to first token")
    if message.tokens_per_s is not None:
        bits.append(f"{message.tokens_per_s:.0f} tok/s")
    if message.response_id:
        bits.append(f"response `{message.response_id}`")
    return " · ".join(bits)


def _is_web_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and not any(
        ch.isspace() or ord(ch) < 0x20 or ch in "<>`" for ch in url)


def _one_line(text: str) -> str:
    return " ".join(text.split()).replace("[", "\\[").replace("]", "\\]")


def sources_markdown(sources: MessageSources) -> list[str]:
    """A reply's search results as Markdown lines: numbered sources (links only for plain http(s)
    URLs; anything else is shown as code, never as a link), then what each search did."""
    out: list[str] = []
    if sources.citations:
        out += ["**Sources**", ""]
        for number, citation in enumerate(sources.citations, 1):
            url = str(citation.get("url") or "")
            title = citation.get("title") if isinstance(citation.get("title"), str) else None
            host = (urlsplit(url).hostname or "") if _is_web_url(url) else ""
            label = _one_line(title or host or "source")
            if _is_web_url(url):
                target = url.replace("(", "%28").replace(")", "%29")  # a Markdown link target stays whole
                line = f"{number}. [{label}]({target})" + (f" — {host}" if title and host else "")
            else:
                line = f"{number}. {label} `{url.replace('`', '')}`"
            out.append(line)
        out.append("")
    names = {"web_search": "web search", "x_search": "X search"}
    calls = []
    for call in sources.tool_calls:
        name = names.get(str(call.get("tool")), str(call.get("tool") or "tool"))
        query = call.get("query")
        found = call.get("sources")
        detail = "failed" if call.get("status") == "failed" else (
            f"{len(found)} results" if isinstance(found, list) and found else str(call.get("status") or ""))
        calls.append(f"{name}" + (f" “{_one_line(query)}”" if isinstance(query, str) and query else "")
                     + (f" ({detail})" if detail else ""))
    if calls:
        out += ["*Searches: " + "; ".join(calls) + "*", ""]
    return out


def conversation_markdown(conversation: Conversation, messages: list[MessageRow], image_prefix: str = "images/",
                          sources: dict[int, MessageSources] | None = None) -> str:
    title = " ".join(conversation.title.split()) or "Untitled conversation"
    out = [f"# {title}", ""]
    facts = [f"created {_when(conversation.created_at)}", f"id `{conversation.uid}`"]
    if conversation.model:
        facts.insert(0, f"model {conversation.model}")
    out += ["*Exported from grokterm · " + " · ".join(facts) + "*", ""]
    if conversation.system_prompt:
        out += ["## System prompt", "", conversation.system_prompt, ""]
    for message in messages:
        if message.role == "user":
            heading = "You"
        elif message.role == "assistant":
            heading = f"Grok ({message.model})" if message.model else "Grok"
        else:
            heading = "System"
        out += ["---", "", f"### {heading} · {_when(message.created_at)}", ""]
        if message.reasoning:
            out += ["<details><summary>Reasoning</summary>", "", message.reasoning, "", "</details>", ""]
        if message.text:
            out += [message.text, ""]
        if sources and message.id in sources:
            out += sources_markdown(sources[message.id])
        for attachment in message.attachments:
            label = attachment.name or attachment.file_name
            size = f" {attachment.width}×{attachment.height}" if attachment.width and attachment.height else ""
            out += [f"![{label}{size}]({image_prefix}{attachment.file_name})", ""]
        if message.status not in ("complete",):
            note = f"*status: {message.status}*" if not message.error else (
                f"*status: {message.status} — {message.error}*")
            out += [note, ""]
        usage = _usage_line(message) if message.role == "assistant" else ""
        if usage:
            out += [f"*{usage}*", ""]
    return "\n".join(out).rstrip() + "\n"


def _attachment_json(attachment: Attachment, data: bytes | None) -> dict[str, Any]:
    item: dict[str, Any] = {name: getattr(attachment, name) for name in _ATTACHMENT_FIELDS}
    if data is not None:
        item["data_base64"] = base64.b64encode(data).decode("ascii")
    return item


def _message_json(message: MessageRow, attachments: list[dict[str, Any]],
                  sources: MessageSources | None = None, image_request: ImageRequestRow | None = None,
                  ) -> dict[str, Any]:
    found: dict[str, Any] = {} if sources is None or sources.empty else {"sources": {
        "citations": list(sources.citations), "tool_calls": list(sources.tool_calls),
        "tool_usage": sources.tool_usage,
    }}
    if image_request is not None:
        found["image_request"] = {"n": image_request.n, "model": image_request.model}
    return {
        "role": message.role, "text": message.text, "reasoning": message.reasoning, "model": message.model,
        "created_at": message.created_at, "updated_at": message.updated_at, "status": message.status,
        "error": message.error, "response_id": message.response_id,
        "usage": {name: getattr(message, name) for name in USAGE_FIELDS},
        "ttft_ms": message.ttft_ms, "tokens_per_s": message.tokens_per_s, "attachments": attachments,
        **({"kind": message.kind} if message.kind else {}),
        **found,
    }


# -- validation of untrusted import files ---------------------------------------------------------
def _field(obj: dict[str, Any], name: str, kinds: tuple[type, ...], default: Any = None, required: bool = False) -> Any:
    if name not in obj or obj[name] is None:
        if required:
            raise ImportFormatError(f"missing field {name!r}")
        return default
    value = obj[name]
    if isinstance(value, bool) and bool not in kinds:
        raise ImportFormatError(f"field {name!r} has the wrong type")
    if not isinstance(value, kinds):
        raise ImportFormatError(f"field {name!r} has the wrong type")
    return value


def _sources_field(value: Any) -> dict[str, Any]:
    """An imported reply's search results: lists of objects (citations need a string url)."""
    if not isinstance(value, dict):
        raise ImportFormatError("sources must be an object")
    citations, calls, usage = value.get("citations") or [], value.get("tool_calls") or [], value.get("tool_usage")
    if not isinstance(citations, list) or not all(isinstance(c, dict) and isinstance(c.get("url"), str)
                                                  for c in citations):
        raise ImportFormatError("sources.citations must be a list of objects with a url")
    if not isinstance(calls, list) or not all(isinstance(c, dict) for c in calls):
        raise ImportFormatError("sources.tool_calls must be a list of objects")
    if usage is not None and not isinstance(usage, dict):
        raise ImportFormatError("sources.tool_usage must be an object")
    return {"citations": citations, "tool_calls": calls, "tool_usage": usage}


_OPTION_EFFORT_CHARS = 32  # efforts are short words ("low", "high"); the model rules decide what is sent


def _options_field(value: Any) -> dict[str, Any] | None:
    """An imported conversation's turn options: only the known fields, each checked; None when all
    are defaults. A wrong type or an out-of-range value rejects the file (clear message, nothing written)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ImportFormatError("conversation.options must be an object")
    effort, temperature, max_tokens = (value.get(k) for k in ("reasoning_effort", "temperature", "max_output_tokens"))
    if effort is not None and not (isinstance(effort, str) and 0 < len(effort) <= _OPTION_EFFORT_CHARS):
        raise ImportFormatError("conversation.options.reasoning_effort must be a short text")
    low, high = TEMPERATURE_RANGE
    if temperature is not None and (isinstance(temperature, bool) or not isinstance(temperature, (int, float))
                                    or not low <= temperature <= high):
        raise ImportFormatError(f"conversation.options.temperature must be a number from {low:g} to {high:g}")
    if max_tokens is not None and (isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or max_tokens < 1):
        raise ImportFormatError("conversation.options.max_output_tokens must be a whole number of at least 1")
    options = {"reasoning_effort": effort, "temperature": None if temperature is None else float(temperature),
               "max_output_tokens": max_tokens}
    return options if any(v is not None for v in options.values()) else None


_INT = (int,)
_NUM = (int, float)
_STR = (str,)


class ExchangeMixin(MessagesMixin, KeyValueMixin, SourcesMixin):
    def _conversation_and_messages(self, conversation_id: int) -> tuple[Conversation, list[MessageRow]]:
        conversation = self.get_conversation(conversation_id)
        if conversation is None:
            raise NotFoundError(f"no conversation {conversation_id}")
        return conversation, self.list_messages(conversation_id)

    def export_markdown(self, conversation_id: int, *, image_prefix: str = "images/") -> str:
        """Readable Markdown; images as links `<image_prefix><sha256>.<ext>` (never inlined)."""
        conversation, messages = self._conversation_and_messages(conversation_id)
        sources = self.sources_of(m.id for m in messages if m.role == "assistant")
        return conversation_markdown(conversation, messages, image_prefix, sources)

    def export_json(self, conversation_id: int, *, include_images: bool = True) -> str:
        """Lossless JSON; images embedded as base64 unless include_images=False (hash reference only)."""
        conversation, messages = self._conversation_and_messages(conversation_id)
        sources = self.sources_of(m.id for m in messages if m.role == "assistant")
        options = self.ui_get(conversation_options_key(conversation_id))
        document = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "exported_at": self._now(),
            "conversation": {
                "uid": conversation.uid, "title": conversation.title, "model": conversation.model,
                "system_prompt": conversation.system_prompt, "created_at": conversation.created_at,
                "updated_at": conversation.updated_at, "archived": conversation.archived,
                "draft": conversation.draft, "last_response_id": conversation.last_response_id,
                "origin": conversation.origin,
                **({"options": options} if isinstance(options, dict) and options else {}),
            },
            "messages": [
                _message_json(m, [
                    _attachment_json(a, self._images.read(a.file_name) if include_images else None)
                    for a in m.attachments
                ], sources.get(m.id), self.image_request(m.id) if m.kind == "image_prompt" else None)
                for m in messages
            ],
        }
        return json.dumps(document, ensure_ascii=False, indent=1)

    def import_json(self, source: str | bytes | dict[str, Any]) -> Conversation:
        """Create a new conversation from `export_json` output; raises ImportFormatError on bad input."""
        try:
            document = json.loads(source) if isinstance(source, (str, bytes)) else source
        except (ValueError, UnicodeDecodeError) as error:
            raise ImportFormatError(f"not JSON: {error}") from None
        except RecursionError:  # `[[[[…` a hundred thousand deep: json recurses per level
            raise ImportFormatError("not a grokterm export: the JSON is nested too deeply") from None
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise ImportFormatError("not a grokterm conversation export")
        version = document.get("version")
        if not isinstance(version, int) or isinstance(version, bool) or version > FORMAT_VERSION:
            raise ImportFormatError(f"unsupported export version {version!r}")
        conversation = document.get("conversation")
        messages = document.get("messages")
        if not isinstance(conversation, dict) or not isinstance(messages, list):
            raise ImportFormatError("the export has no conversation or messages")
        if not all(isinstance(m, dict) for m in messages):
            raise ImportFormatError("every message must be an object")
        images = [[self._decode_image(a) for a in self._attachment_list(m)] for m in messages]
        options = _options_field(conversation.get("options"))

        def work(conn: sqlite3.Connection) -> Conversation:
            uid = _field(conversation, "uid", _STR) or uuid.uuid4().hex
            if conn.execute("SELECT 1 FROM conversations WHERE uid = ?", (uid,)).fetchone():
                uid = uuid.uuid4().hex
            now = self._now()
            created = float(_field(conversation, "created_at", _NUM, now))
            new = self._insert_conversation(
                conn, title=_field(conversation, "title", _STR, ""), model=_field(conversation, "model", _STR),
                system_prompt=_field(conversation, "system_prompt", _STR), uid=uid, created_at=created,
                updated_at=float(_field(conversation, "updated_at", _NUM, created)),
                archived=bool(_field(conversation, "archived", (bool, int), False)),
                draft=_field(conversation, "draft", _STR, ""), origin=_field(conversation, "origin", _STR),
            )
            for message, message_images in zip(messages, images, strict=True):
                message_id = self._import_message(conn, new.id, message)
                for attachment, data in message_images:
                    self._import_attachment(conn, message_id, attachment, data)
            key = conversation_options_key(new.id)
            conn.execute("DELETE FROM ui_state WHERE key = ?", (key,))  # none left by a deleted one of this id
            if options is not None:
                conn.execute("INSERT INTO ui_state (key, value, updated_at) VALUES (?, ?, ?)",
                             (key, json.dumps(options), now))
            return self._get_conversation(conn, new.id)

        return self._db.write(work)

    @staticmethod
    def _attachment_list(message: dict[str, Any]) -> list[dict[str, Any]]:
        attachments = message.get("attachments") or []
        if not isinstance(attachments, list) or not all(isinstance(a, dict) for a in attachments):
            raise ImportFormatError("attachments must be a list of objects")
        return attachments

    @staticmethod
    def _decode_image(attachment: dict[str, Any]) -> tuple[dict[str, Any], bytes | None]:
        encoded = _field(attachment, "data_base64", _STR)
        if encoded is None:
            return attachment, None
        try:
            data = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise ImportFormatError("an attachment's data is not valid base64") from None
        expected = _field(attachment, "sha256", _STR)
        if expected and hashlib.sha256(data).hexdigest() != expected.lower():
            raise ImportFormatError("an attachment's data does not match its sha256")
        return attachment, data

    def _import_message(self, conn: sqlite3.Connection, conversation_id: int, message: dict[str, Any]) -> int:
        role = _field(message, "role", _STR, required=True)
        if role not in ("system", "user", "assistant"):
            raise ImportFormatError(f"unknown role {role!r}")
        status = _field(message, "status", _STR, "complete")
        if status not in MESSAGE_STATUSES:
            raise ImportFormatError(f"unknown message status {status!r}")
        if status in ("pending", "streaming"):
            status = "interrupted"
        usage = message.get("usage") or {}
        if not isinstance(usage, dict):
            raise ImportFormatError("usage must be an object")
        created = float(_field(message, "created_at", _NUM, self._now()))
        tokens_per_s = _field(message, "tokens_per_s", _NUM)
        cursor = conn.execute(
            "INSERT INTO messages (conversation_id, role, text, reasoning, model, created_at, updated_at, status,"
            " error, response_id, input_tokens, cached_tokens, output_tokens, reasoning_tokens, image_tokens,"
            " cost_ticks, ttft_ms, tokens_per_s) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (conversation_id, role, _field(message, "text", _STR, ""), _field(message, "reasoning", _STR, ""),
             _field(message, "model", _STR), created, float(_field(message, "updated_at", _NUM, created)), status,
             _field(message, "error", _STR), _field(message, "response_id", _STR),
             *(_field(usage, name, _INT) for name in USAGE_FIELDS), _field(message, "ttft_ms", _INT),
             None if tokens_per_s is None else float(tokens_per_s)),
        )
        message_id = int(cursor.lastrowid)  # type: ignore[arg-type]
        kind = _field(message, "kind", _STR)
        if kind is not None:
            if kind not in MESSAGE_KINDS:
                raise ImportFormatError(f"unknown message kind {kind!r}")
            conn.execute("UPDATE messages SET kind = ? WHERE id = ?", (kind, message_id))
        found = message.get("sources")
        if found is not None:
            write_sources(conn, message_id, _sources_field(found))
        request = message.get("image_request")
        if request is not None:
            if not isinstance(request, dict):
                raise ImportFormatError("image_request must be an object")
            n = _field(request, "n", _INT, 1)
            if n < 1:
                raise ImportFormatError("image_request.n must be at least 1")
            write_image_request(conn, message_id, ImageRequestRow(n, _field(request, "model", _STR)))
        return message_id

    def _import_attachment(
        self, conn: sqlite3.Connection, message_id: int, attachment: dict[str, Any], data: bytes | None
    ) -> None:
        image = NewImage(
            data=data or b"", mime=_field(attachment, "mime", _STR, required=True),
            name=_field(attachment, "name", _STR, ""), width=_field(attachment, "width", _INT),
            height=_field(attachment, "height", _INT), original_width=_field(attachment, "original_width", _INT),
            original_height=_field(attachment, "original_height", _INT),
            original_bytes=_field(attachment, "original_bytes", _INT),
            detail=_field(attachment, "detail", _STR, "auto"),
        )
        if data is not None:
            self._insert_attachment(conn, message_id, image)
            return
        # A reference only: the row links the file if this store already has it.
        sha256 = _field(attachment, "sha256", _STR, required=True).lower()
        file_name = f"{sha256}.{extension_for(image.mime)}"
        if not is_valid_file_name(file_name):
            raise ImportFormatError("an attachment's sha256 is not a SHA-256 hex digest")
        self._insert_attachment_row(
            conn, message_id, image, sha256, file_name, _field(attachment, "sent_bytes", _INT, 0)
        )
