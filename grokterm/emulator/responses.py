"""The Responses API: create (stream or not), retrieve, delete, and real chaining.

`previous_response_id` rebuilds the context from the stored earlier turn
(its full input context plus its output), so `!recall` can prove that the
server, not the client, supplied the history. Streams follow the event order of a recorded
real xAI stream (vercel/ai `packages/xai` fixture `xai-text-with-reasoning-streaming.1.chunks.txt`):
contiguous sequence numbers from 0,
`rs_<id>`/`msg_<id>` item ids, no `[DONE]`.
"""

from __future__ import annotations

import base64
import copy
import dataclasses
import hashlib
import json
from collections.abc import Iterator
from json.encoder import encode_basestring

from starlette.responses import JSONResponse

from grokterm.emulator.accounting import responses_usage
from grokterm.emulator.calls import Call
from grokterm.emulator.chat import resolve_model, stream_flag
from grokterm.emulator.context import ContextMessage, last_user_message, parse_responses_input
from grokterm.emulator.directives import parse_directives
from grokterm.emulator.errors import ApiError, response_not_found, unprocessable
from grokterm.emulator.faults import Fault
from grokterm.emulator.search import (
    CALL_PRICE_TICKS,
    SearchResult,
    call_item,
    call_item_id,
    citation_annotations,
    parse_tools,
    plan_search,
    strip_search_directives,
    tool_usage,
    x_input,
)
from grokterm.emulator.sse import Frame, SSEResponse, data_frame
from grokterm.emulator.state import StoredResponse
from grokterm.emulator.tokenizer import tokenize
from grokterm.emulator.turns import Turn, plan_turn, positive_int

EFFORTS = ("low", "high")  # the same values as chat (xAI Reasoning guide)
STREAM_ERROR_MESSAGE = "The model stopped unexpectedly while generating the response."


def _compact(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


async def create_response(call: Call):
    body = call.json_object()
    model = resolve_model(body)
    stream = stream_flag(body)
    store = body.get("store", True)
    if not isinstance(store, bool):
        raise unprocessable("`store`: expected a boolean")
    previous_id = body.get("previous_response_id")
    instructions = body.get("instructions")
    if previous_id is not None and instructions is not None:
        raise ApiError(400, "`instructions` cannot be used together with `previous_response_id`: the previous "
                            "response's system prompt is used.")
    if "input" not in body:
        raise unprocessable("missing field `input`")
    earlier: list[ContextMessage] = []
    if previous_id is not None:
        stored = call.state.get_response(str(previous_id))
        if stored is None:
            raise response_not_found(str(previous_id))
        earlier = stored.continued_context()
    new_items = parse_responses_input(body["input"], instructions)
    context = earlier + new_items
    effort, summary = _reasoning_options(body, model)
    if body.get("tool_choice") is not None and not body.get("tools"):
        raise ApiError(400, "Invalid request content: A tool_choice was set on the request but no tools were "
                            "specified.")
    search_tools = parse_tools(body.get("tools"), model)
    max_output = positive_int(body.get("max_output_tokens"), "max_output_tokens")
    last_new_user = last_user_message(new_items)
    directives = parse_directives(last_new_user.text if last_new_user else "")
    if search_tools.enabled:  # !search-empty / !search-fail are not part of the question
        directives = dataclasses.replace(directives, prompt=strip_search_directives(directives.prompt)[0])
    fault = call.stream_fault(directives, stream)
    turn = plan_turn(call.state, model, context, directives, effort, max_output_tokens=max_output)
    search = None
    if search_tools.enabled:
        raw_prompt = parse_directives(last_new_user.text if last_new_user else "").prompt
        search = plan_search(search_tools, raw_prompt, turn.text)
        prompt = dataclasses.replace(turn.prompt, text=turn.prompt.text + search.extra_input_tokens)
        turn = dataclasses.replace(turn, text=search.text, text_tokens=tokenize(search.text), prompt=prompt)
    final = response_object(turn, body, effort, summary, search)
    failing = fault is not None and fault.kind == "error_event"
    if store and not failing:
        call.state.store_response(StoredResponse(
            id=turn.id, body=final, context=tuple(context), output_text=turn.text, created_at=turn.created,
        ))
    if not stream:
        return JSONResponse(final)
    return SSEResponse(response_frames(turn, final, search), call.pacing(), call.streams, fault,
                       error_frame=_error_frame_builder(fault))


async def get_response(call: Call):
    response_id = call.request.path_params["response_id"]
    stored = call.state.get_response(response_id)
    if stored is None:
        raise response_not_found(response_id)
    return JSONResponse(stored.body)


async def delete_response(call: Call):
    response_id = call.request.path_params["response_id"]
    if not call.state.delete_response(response_id):
        raise response_not_found(response_id)
    return JSONResponse({"id": response_id, "object": "response", "deleted": True})


def _reasoning_options(body: dict, model) -> tuple[str | None, str | None]:
    reasoning = body.get("reasoning")
    if reasoning is None:
        return None, None
    if not isinstance(reasoning, dict):
        raise unprocessable("`reasoning`: expected an object")
    effort, summary = reasoning.get("effort"), reasoning.get("summary")
    if (effort is not None or summary is not None) and not model.is_reasoning:
        raise ApiError(400, f"Model {model.id} does not support reasoning options.")
    # xAI Reasoning guide: "Only grok-3-mini supports reasoning_effort", low or high.
    if effort is not None and not model.takes_reasoning_effort:
        raise ApiError(400, f"Model {model.id} does not support parameter reasoningEffort.")
    if effort is not None and effort not in EFFORTS:
        raise ApiError(400, f"reasoning.effort must be one of {', '.join(EFFORTS)}, not {effort!r}.")
    if effort is not None and summary is None:
        summary = "detailed"
    return effort, summary


# ---------------------------------------------------------------- objects


def reasoning_item(turn: Turn, include: object) -> dict | None:
    if not turn.model.is_reasoning or not turn.reasoning:
        return None
    item = {"id": f"rs_{turn.id}", "summary": [{"text": turn.reasoning, "type": "summary_text"}],
            "type": "reasoning", "status": "completed"}
    if isinstance(include, list) and "reasoning.encrypted_content" in include:
        digest = hashlib.sha256(turn.reasoning.encode()).digest()
        item["encrypted_content"] = base64.b64encode(b"grokterm-emulator:" + digest).decode()
    return item


def message_item(turn: Turn, search: SearchResult | None = None) -> dict:
    notes = citation_annotations(search) if search is not None else []
    return {
        "content": [{"type": "output_text", "text": turn.text, "logprobs": [], "annotations": notes}],
        "id": f"msg_{turn.id}", "role": "assistant", "type": "message",
        "status": "incomplete" if turn.truncated else "completed",
    }


def response_object(turn: Turn, body: dict, effort: str | None, summary: str | None,
                    search: SearchResult | None = None) -> dict:
    calls = [call_item(turn.id, call, done=True) for call in (search.calls if search else ())]
    reasoning = reasoning_item(turn, body.get("include"))
    output = [*([reasoning] if reasoning else []), *calls, message_item(turn, search)]
    usage = responses_usage(turn.model, turn.prompt, len(turn.text_tokens), len(turn.reasoning_tokens))
    if search is not None:
        usage.update(tool_usage(search))
        usage["cost_in_usd_ticks"] += search.successful * CALL_PRICE_TICKS
    if not turn.report_cost:
        del usage["cost_in_usd_ticks"]
    return {
        "created_at": turn.created,
        "id": turn.id,
        "max_output_tokens": body.get("max_output_tokens"),
        "model": turn.model.id,
        "object": "response",
        "output": output,
        "parallel_tool_calls": body.get("parallel_tool_calls", True),
        "previous_response_id": body.get("previous_response_id"),
        "reasoning": {"effort": effort, "summary": summary},
        "temperature": body.get("temperature"),
        "text": body.get("text") or {"format": {"type": "text"}},
        "tool_choice": body.get("tool_choice") or "auto",
        "tools": body.get("tools") or [],
        "top_p": body.get("top_p"),
        "usage": usage,
        "user": body.get("user"),
        "incomplete_details": {"reason": "max_output_tokens"} if turn.truncated else None,
        "status": "incomplete" if turn.truncated else "completed",
        "store": body.get("store", True),
        "metadata": body.get("metadata") or {},
        "instructions": body.get("instructions"),
        "error": None,
    }


# ---------------------------------------------------------------- stream


def response_frames(turn: Turn, final: dict, search: SearchResult | None = None) -> Iterator[Frame]:
    """Every event of a streamed response, numbered from 0: items in output order."""
    seq = 0

    def event(kind: str, fields: dict) -> bytes:
        nonlocal seq
        payload = _compact({"sequence_number": seq, "type": kind, **fields})
        seq += 1
        return data_frame(payload)

    snapshot = copy.deepcopy(final)
    snapshot.update(status="in_progress", output=[], incomplete_details=None)
    del snapshot["usage"]
    yield event("response.created", {"response": snapshot}), False
    yield event("response.in_progress", {"response": snapshot}), False

    calls = {call_item_id(turn.id, call): call for call in (search.calls if search else ())}
    pending: list[tuple[int, dict]] = []  # started tool calls, finished after all have started
    for output_index, item in enumerate(final["output"]):
        if item["type"] == "reasoning":
            frames = _reasoning_frames(turn, item, output_index, seq)
        elif item["id"] in calls:
            frames = _tool_start_frames(turn, calls[item["id"]], output_index, seq)
            pending.append((output_index, item))
        else:
            for index, done_item in pending:  # as recorded: every call starts, then each finishes
                for frame in _tool_done_frames(done_item, index, seq):
                    seq += 1
                    yield frame
            pending = []
            frames = _message_frames(turn, item, output_index, seq, search)
        for frame in frames:
            seq += 1
            yield frame
    terminal = "response.incomplete" if turn.truncated else "response.completed"
    yield event(terminal, {"response": final}), False


def _numbered(seq: int, kind: str, fields: dict) -> Frame:
    return data_frame(_compact({"sequence_number": seq, "type": kind, **fields})), False


def _reasoning_frames(turn: Turn, item: dict, index: int, seq: int) -> Iterator[Frame]:
    rid, text = item["id"], turn.reasoning
    added = {"id": rid, "summary": [], "type": "reasoning", "status": "in_progress"}
    yield _numbered(seq, "response.output_item.added", {"item": added, "output_index": index})
    yield _numbered(seq + 1, "response.reasoning_summary_part.added", {
        "item_id": rid, "output_index": index, "part": {"text": "", "type": "summary_text"}, "summary_index": 0,
    })
    seq += 2
    middle = '"type":"response.reasoning_summary_text.delta","delta":'
    tail = f',"item_id":"{rid}","output_index":{index},"summary_index":0}}\n\n'
    for token in turn.reasoning_tokens:
        yield f'data: {{"sequence_number":{seq},{middle}{encode_basestring(token)}{tail}'.encode(), True
        seq += 1
    yield _numbered(seq, "response.reasoning_summary_text.done", {
        "item_id": rid, "output_index": index, "summary_index": 0, "text": text,
    })
    yield _numbered(seq + 1, "response.reasoning_summary_part.done", {
        "item_id": rid, "output_index": index, "part": {"text": text, "type": "summary_text"}, "summary_index": 0,
    })
    yield _numbered(seq + 2, "response.output_item.done", {"item": item, "output_index": index})


def _tool_start_frames(turn: Turn, call, index: int, seq: int) -> Iterator[Frame]:
    """A search call starting (recorded shapes: web_search_call 2026, x_search custom_tool_call 2025-12).
    Marked as token frames so pacing spreads them out like the real, slow searches."""
    added = call_item(turn.id, call, done=False)
    item_id = added["id"]
    yield _numbered(seq, "response.output_item.added", {"item": added, "output_index": index})[0], True
    if added["type"] == "web_search_call":
        yield _numbered(seq + 1, "response.web_search_call.in_progress",
                        {"item_id": item_id, "output_index": index})[0], True
        yield _numbered(seq + 2, "response.web_search_call.searching",
                        {"item_id": item_id, "output_index": index})[0], True
    else:
        arguments = x_input(call)
        yield _numbered(seq + 1, "response.custom_tool_call_input.delta",
                        {"item_id": item_id, "output_index": index, "delta": arguments})[0], True
        yield _numbered(seq + 2, "response.custom_tool_call_input.done",
                        {"item_id": item_id, "output_index": index, "input": arguments})[0], True


def _tool_done_frames(item: dict, index: int, seq: int) -> Iterator[Frame]:
    if item["type"] == "web_search_call" and item["status"] == "completed":
        yield _numbered(seq, "response.web_search_call.completed", {"item_id": item["id"], "output_index": index})
        seq += 1
    yield _numbered(seq, "response.output_item.done", {"item": item, "output_index": index})[0], True


def _message_frames(turn: Turn, message: dict, index: int, seq: int,
                    search: SearchResult | None) -> Iterator[Frame]:
    mid = message["id"]
    added = {"content": [], "id": mid, "role": "assistant", "type": "message", "status": "in_progress"}
    yield _numbered(seq, "response.output_item.added", {"item": added, "output_index": index})
    empty_part = {"type": "output_text", "text": "", "logprobs": [], "annotations": []}
    yield _numbered(seq + 1, "response.content_part.added", {
        "content_index": 0, "item_id": mid, "output_index": index, "part": empty_part,
    })
    seq += 2
    middle = '"type":"response.output_text.delta","content_index":0,"delta":'
    tail = f',"item_id":"{mid}","output_index":{index},"logprobs":[]}}\n\n'
    for token in turn.text_tokens:
        yield f'data: {{"sequence_number":{seq},{middle}{encode_basestring(token)}{tail}'.encode(), True
        seq += 1
    for number, annotation in enumerate(message["content"][0]["annotations"]):  # after the text, as recorded
        yield _numbered(seq, "response.output_text.annotation.added", {
            "annotation": annotation, "annotation_index": number, "content_index": 0, "item_id": mid,
            "output_index": index,
        })
        seq += 1
    yield _numbered(seq, "response.output_text.done", {
        "content_index": 0, "item_id": mid, "output_index": index, "text": turn.text,
    })
    yield _numbered(seq + 1, "response.content_part.done", {
        "content_index": 0, "item_id": mid, "output_index": index, "part": message["content"][0],
    })
    yield _numbered(seq + 2, "response.output_item.done", {"item": message, "output_index": index})


def _error_frame_builder(fault: Fault | None):
    message = fault.message if fault and fault.message else STREAM_ERROR_MESSAGE

    def build(sent: int) -> bytes:
        return data_frame(_compact(
            {"sequence_number": sent, "type": "error", "code": None, "message": message, "param": None}
        ))

    return build
