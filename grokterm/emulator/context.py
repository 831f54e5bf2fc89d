"""The conversation a turn is answered from, parsed from either wire format.

Chat completions send the whole history as `messages`; the Responses API
sends `input` items, possibly on top of a stored earlier response. Both are
reduced to a list of ContextMessage so replies, `!recall`, token counting and
prompt caching work the same way on both endpoints.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from grokterm.emulator.errors import ApiError, bad_request, unprocessable
from grokterm.emulator.images import ImageInfo, decode_image_url
from grokterm.emulator.tokenizer import count_tokens

MESSAGE_OVERHEAD_TOKENS = 3  # role markers the "model" adds per message
CHAT_ROLES = frozenset({"system", "developer", "user", "assistant", "tool"})
RESPONSES_ROLES = frozenset({"system", "developer", "user", "assistant"})


@dataclass(frozen=True)
class ContextMessage:
    role: str
    text: str
    images: tuple[ImageInfo, ...] = ()

    @property
    def text_tokens(self) -> int:
        return count_tokens(self.text) + MESSAGE_OVERHEAD_TOKENS

    @property
    def image_tokens(self) -> int:
        return sum(image.tokens for image in self.images)

    def cache_key(self) -> bytes:
        digest = hashlib.sha1(self.role.encode())
        digest.update(b"\0" + self.text.encode("utf-8", "surrogatepass"))
        for image in self.images:
            digest.update(b"\0" + image.digest.encode())
        return digest.digest()


def last_user_message(context: list[ContextMessage]) -> ContextMessage | None:
    return next((m for m in reversed(context) if m.role == "user"), None)


# ---------------------------------------------------------------- chat completions


def parse_chat_messages(messages: object) -> list[ContextMessage]:
    if not isinstance(messages, list):
        raise unprocessable("`messages` must be an array of messages")
    if not messages:
        raise bad_request("The request must contain at least one message.")
    return [_chat_message(i, m) for i, m in enumerate(messages)]


def _chat_message(index: int, message: object) -> ContextMessage:
    if not isinstance(message, dict):
        raise unprocessable(f"messages[{index}] must be an object")
    role = message.get("role")
    if role not in CHAT_ROLES:
        raise unprocessable(f"messages[{index}].role: unknown variant `{role}`")
    content = message.get("content")
    texts: list[str] = []
    images: list[ImageInfo] = []
    if isinstance(content, str):
        texts.append(content)
    elif isinstance(content, list):
        for j, part in enumerate(content):
            where = f"messages[{index}].content[{j}]"
            if not isinstance(part, dict):
                raise unprocessable(f"{where} must be an object")
            kind = part.get("type")
            if kind == "text":
                texts.append(_string(part.get("text"), f"{where}.text"))
            elif kind == "image_url":
                image_url = part.get("image_url")
                if not isinstance(image_url, dict) or "url" not in image_url:
                    raise unprocessable(f"{where}.image_url: expected an object {{\"url\": ..., \"detail\": ...}}")
                images.append(decode_image_url(image_url["url"], image_url.get("detail", "auto")))
            else:
                raise unprocessable(f"{where}.type: unknown variant `{kind}`, expected `text` or `image_url`")
    elif content is None:
        if role != "assistant":
            raise unprocessable(f"messages[{index}].content is required")
    else:
        raise unprocessable(f"messages[{index}].content must be a string or an array of parts")
    return ContextMessage(role, "\n".join(texts), tuple(images))


# ---------------------------------------------------------------- responses


def parse_responses_input(items: object, instructions: object = None) -> list[ContextMessage]:
    context: list[ContextMessage] = []
    if instructions is not None:
        context.append(ContextMessage("system", _string(instructions, "instructions")))
    if isinstance(items, str):
        context.append(ContextMessage("user", items))
        return context
    if not isinstance(items, list):
        raise unprocessable("`input` must be a string or an array of input items")
    if not items:
        raise bad_request("The request input must not be empty.")
    for i, item in enumerate(items):
        parsed = _responses_item(i, item)
        if parsed is not None:
            context.append(parsed)
    return context


def _responses_item(index: int, item: object) -> ContextMessage | None:
    where = f"input[{index}]"
    if not isinstance(item, dict):
        raise unprocessable(f"{where} must be an object")
    kind = item.get("type", "message")
    if kind == "message":
        role = item.get("role")
        if role not in RESPONSES_ROLES:
            raise unprocessable(f"{where}.role: unknown variant `{role}`")
        return _responses_message(where, role, item.get("content"))
    if kind == "function_call_output":
        return ContextMessage("tool", _string(item.get("output"), f"{where}.output"))
    if kind == "function_call":
        return ContextMessage("assistant", f"{item.get('name')}({item.get('arguments', '')})")
    if kind == "reasoning":
        return None  # echoed reasoning is accepted and ignored
    raise unprocessable(f"{where}.type: unknown variant `{kind}`")


def _responses_message(where: str, role: str, content: object) -> ContextMessage:
    if isinstance(content, str):
        return ContextMessage(role, content)
    if not isinstance(content, list):
        raise unprocessable(f"{where}.content must be a string or an array of content parts")
    texts: list[str] = []
    images: list[ImageInfo] = []
    for j, part in enumerate(content):
        here = f"{where}.content[{j}]"
        if not isinstance(part, dict):
            raise unprocessable(f"{here} must be an object")
        kind = part.get("type")
        if kind in ("input_text", "output_text", "text"):
            texts.append(_string(part.get("text"), f"{here}.text"))
        elif kind == "input_image":
            url = part.get("image_url")
            if not isinstance(url, str):
                raise unprocessable(f"{here}.image_url: expected a string (a data URL), not {type(url).__name__}")
            images.append(decode_image_url(url, part.get("detail", "auto")))
        elif kind == "input_file":
            raise ApiError(400, "input_file parts are not supported by the emulator.")
        else:
            raise unprocessable(f"{here}.type: unknown variant `{kind}`")
    return ContextMessage(role, "\n".join(texts), tuple(images))


def _string(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise unprocessable(f"{where}: expected a string")
    return value
