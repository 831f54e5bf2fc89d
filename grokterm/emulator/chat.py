"""POST /v1/chat/completions, streamed and not, shaped like recorded xAI traffic.

Stream: `data: <compact JSON>` events, role only on the first chunk,
reasoning_content deltas (visible-reasoning models only) before content, a
finish chunk with `"delta":{}`, then either one usage-only chunk with
`"choices":[]` (stream_options.include_usage) or cumulative usage on every
chunk, and finally `data: [DONE]` (as in recorded real api.x.ai streams: the go-vcr cassettes
of charmbracelet/fantasy `providertests/testdata`, recorded 2025-09 to 2026-03).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from json.encoder import encode_basestring

from starlette.responses import JSONResponse

from grokterm.emulator.accounting import chat_usage
from grokterm.emulator.calls import Call
from grokterm.emulator.catalogue import ModelInfo, find_language_model
from grokterm.emulator.context import parse_chat_messages
from grokterm.emulator.errors import STATUS_CODE_TEXT, ApiError, model_not_found, unprocessable
from grokterm.emulator.faults import Fault
from grokterm.emulator.sse import Frame, SSEResponse, data_frame
from grokterm.emulator.turns import Turn, plan_turn, positive_int, turn_directives

DONE_FRAME = b"data: [DONE]\n\n"
CHAT_EFFORTS = ("low", "high")
REASONING_REJECTS = {"presence_penalty": "presencePenalty", "frequency_penalty": "frequencyPenalty",
                     "stop": "stop"}
STREAM_ERROR_MESSAGE = "The model stopped unexpectedly while generating the response."


def resolve_model(body: dict) -> ModelInfo:
    if "model" not in body:
        raise unprocessable("missing field `model`")
    model = find_language_model(body["model"])
    if model is None:
        raise model_not_found(body["model"])
    return model


def stream_flag(body: dict) -> bool:
    stream = body.get("stream", False)
    if stream is None:
        return False
    if not isinstance(stream, bool):
        raise unprocessable("`stream`: expected a boolean")
    return stream


async def chat_completions(call: Call):
    body = call.json_object()
    model = resolve_model(body)
    if "messages" not in body:
        raise unprocessable("missing field `messages`")
    context = parse_chat_messages(body["messages"])
    stream = stream_flag(body)
    effort = body.get("reasoning_effort")
    if effort is not None:
        if not model.takes_reasoning_effort:
            raise ApiError(400, f"Model {model.id} does not support parameter reasoningEffort.")
        if effort not in CHAT_EFFORTS:
            raise ApiError(400, f"reasoning_effort must be one of {', '.join(CHAT_EFFORTS)}, not {effort!r}.")
    if model.is_reasoning:
        for key, wire_name in REASONING_REJECTS.items():
            if body.get(key) is not None:
                raise ApiError(400, f"Model {model.id} does not support parameter {wire_name}.")
    max_tokens = positive_int(body.get("max_completion_tokens", body.get("max_tokens")), "max_tokens")
    directives = turn_directives(context)
    fault = call.stream_fault(directives, stream)
    model_name = f"{model.id}-high" if effort == "high" else model.id
    turn = plan_turn(call.state, model, context, directives, effort, model_name=model_name,
                     max_text_tokens=max_tokens)
    if not stream:
        return JSONResponse(completion_body(turn))
    options = body.get("stream_options") or {}
    include_usage = isinstance(options, dict) and options.get("include_usage") is True
    return SSEResponse(chat_frames(turn, include_usage), call.pacing(), call.streams, fault,
                       error_frame=chat_error_frame(fault))


def completion_body(turn: Turn) -> dict:
    message: dict = {"role": "assistant", "content": turn.text}
    if turn.model.reasoning == "visible":
        message["reasoning_content"] = turn.reasoning
    message["refusal"] = None
    return {
        "id": turn.id,
        "object": "chat.completion",
        "created": turn.created,
        "model": turn.model_name,
        "choices": [{"index": 0, "message": message, "finish_reason": _finish_reason(turn)}],
        "usage": _usage(turn, len(turn.text_tokens), len(turn.reasoning_tokens)),
        "system_fingerprint": turn.model.fingerprint,
    }


def _usage(turn: Turn, completion: int, reasoning: int) -> dict:
    usage = chat_usage(turn.model, turn.prompt, completion, reasoning)
    if not turn.report_cost:
        del usage["cost_in_usd_ticks"]
    return usage


def _finish_reason(turn: Turn) -> str:
    return "length" if turn.truncated else "stop"


def chat_frames(turn: Turn, include_usage: bool) -> Iterator[Frame]:
    """The SSE events of one streamed completion, built from string templates (fast)."""
    fingerprint = turn.model.fingerprint
    envelope = (f'data: {{"id":"{turn.id}","object":"chat.completion.chunk","created":{turn.created},'
                f'"model":"{turn.model_name}","choices":')
    close = f',"system_fingerprint":"{fingerprint}"}}\n\n'
    visible = turn.model.reasoning == "visible"
    reasoning_total = len(turn.reasoning_tokens)
    deltas: list[tuple[str, list[str]]] = []
    if visible:
        deltas.append(("reasoning_content", turn.reasoning_tokens))
    deltas.append(("content", turn.text_tokens or [""]))

    def usage_part(completion: int, reasoning: int) -> str:
        if include_usage:
            return ""
        return ',"usage":' + json.dumps(_usage(turn, completion, reasoning), separators=(",", ":"))

    role = ',"role":"assistant"'
    completion = reasoning = 0
    for field, tokens in deltas:
        for token in tokens:
            if field == "content":
                completion += 1 if token else 0
            else:
                reasoning += 1
            chunk = (f'{envelope}[{{"index":0,"delta":{{"{field}":{encode_basestring(token)}{role}}}}}]'
                     f'{usage_part(completion, reasoning)}{close}')
            role = ""
            yield chunk.encode("utf-8"), True
    # hidden reasoning is only counted, at the end
    reasoning = reasoning_total
    finish = f'{envelope}[{{"index":0,"delta":{{}},"finish_reason":"{_finish_reason(turn)}"}}]'
    yield (finish + usage_part(completion, reasoning) + close).encode("utf-8"), False
    if include_usage:
        usage = json.dumps(_usage(turn, completion, reasoning), separators=(",", ":"))
        yield f'{envelope}[],"usage":{usage}{close}'.encode(), False
    yield DONE_FRAME, False


def chat_error_frame(fault: Fault | None):
    message = (fault.message if fault and fault.message else STREAM_ERROR_MESSAGE)
    payload = json.dumps({"code": STATUS_CODE_TEXT[500], "error": message}, separators=(",", ":"))
    frame = data_frame(payload)
    return lambda _sent: frame
