"""Request bodies for both wire APIs, built from one `TurnRequest`.

Kept apart from the HTTP code so the rules are easy to read and test:

* Responses API: the system prompt goes in as the first `input` message (never
  `instructions`, which older xAI versions reject and which cannot be combined
  with `previous_response_id`); with `previous_response_id` only the messages
  after the last assistant message are sent; `prompt_cache_key` is the
  conversation id.
* Chat completions: always the full history, `stream_options.include_usage`.
* Search: `web_search` / `x_search` entries in `tools` (Responses API only; the
  chat completions "Live Search" is deprecated, so a search turn never goes there).
* IMAGE RULE: xAI warns that `store: true` with images "may fail", so a turn
  whose history contains any image is sent stateless: full history inline,
  `store: false`, no `previous_response_id` (see `is_stateless`).
"""

from __future__ import annotations

from typing import Any

from grokterm.xai.events import Message, TurnRequest


def has_images(request: TurnRequest) -> bool:
    return any(message.images for message in request.history)


def is_stateless(request: TurnRequest) -> bool:
    """True when the IMAGE RULE forces full history and store=false."""
    return has_images(request)


def _messages_to_send(request: TurnRequest, chained: bool) -> tuple[Message, ...]:
    if not chained:
        return request.history
    last_assistant = max(
        (i for i, m in enumerate(request.history) if m.role == "assistant"), default=None
    )
    if last_assistant is None:
        return request.history
    return request.history[last_assistant + 1 :]


def _responses_content(message: Message) -> str | list[dict[str, Any]]:
    if not message.images:
        return message.text
    text_type = "output_text" if message.role == "assistant" else "input_text"
    parts: list[dict[str, Any]] = [{"type": text_type, "text": message.text}] if message.text else []
    parts += [
        {"type": "input_image", "image_url": image.data_url, "detail": image.detail}
        for image in message.images
    ]
    return parts


def _chat_content(message: Message) -> str | list[dict[str, Any]]:
    if not message.images:
        return message.text
    parts: list[dict[str, Any]] = [{"type": "text", "text": message.text}] if message.text else []
    parts += [
        {"type": "image_url", "image_url": {"url": image.data_url, "detail": image.detail}}
        for image in message.images
    ]
    return parts


def responses_payload(request: TurnRequest, *, stream: bool) -> dict[str, Any]:
    """Body for `POST /v1/responses`; `store` and chaining follow the IMAGE RULE."""
    stateless = is_stateless(request)
    chained = bool(request.previous_response_id) and not stateless
    payload: dict[str, Any] = {
        "model": request.model,
        "input": [
            {"role": m.role, "content": _responses_content(m)}
            for m in _messages_to_send(request, chained)
        ],
        "stream": stream,
        "store": False if stateless else request.store,
    }
    if chained:
        payload["previous_response_id"] = request.previous_response_id
    if request.conversation_id:
        payload["prompt_cache_key"] = request.conversation_id
    if request.reasoning_effort:
        payload["reasoning"] = {"effort": request.reasoning_effort}
    if request.max_output_tokens is not None:
        payload["max_output_tokens"] = request.max_output_tokens
    if request.temperature is not None:
        payload["temperature"] = request.temperature
    if request.search is not None and request.search.enabled:
        payload["tools"] = request.search.tools_payload()
    return payload


def chat_payload(request: TurnRequest, *, stream: bool) -> dict[str, Any]:
    """Body for `POST /v1/chat/completions` (always the full history)."""
    payload: dict[str, Any] = {
        "model": request.model,
        "messages": [{"role": m.role, "content": _chat_content(m)} for m in request.history],
        "stream": stream,
    }
    if stream:
        payload["stream_options"] = {"include_usage": True}
    if request.reasoning_effort:
        payload["reasoning_effort"] = request.reasoning_effort
    if request.max_output_tokens is not None:
        payload["max_tokens"] = request.max_output_tokens
    if request.temperature is not None:
        payload["temperature"] = request.temperature
    return payload


def chat_headers(request: TurnRequest) -> dict[str, str]:
    return {"x-grok-conv-id": request.conversation_id} if request.conversation_id else {}
