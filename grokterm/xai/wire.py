"""Pydantic models of the JSON shapes grokterm reads from the API (xAI REST API reference, docs.x.ai).

Why lenient: xAI adds fields often, omits others (absent instead of null), and
OpenAI-compatible servers differ in details. Every model keeps unknown fields
(`extra="allow"`), and every field the reference says may be missing is optional.
Usage objects are kept raw here and normalised by `grokterm.xai.usage`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from grokterm.xai.usage import Usage, usage_from_wire


class WireModel(BaseModel):
    """Base: keep unknown fields, allow `model_` field names."""

    model_config = ConfigDict(extra="allow", protected_namespaces=())


# ---------------------------------------------------------------- usage


class PromptTokensDetails(WireModel):
    text_tokens: int | None = None
    audio_tokens: int | None = None
    image_tokens: int | None = None
    cached_tokens: int | None = None


class CompletionTokensDetails(WireModel):
    reasoning_tokens: int | None = None
    audio_tokens: int | None = None
    accepted_prediction_tokens: int | None = None
    rejected_prediction_tokens: int | None = None


class WireUsage(WireModel):
    """Usage in either naming style: chat (prompt/completion) or responses (input/output)."""

    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    total_tokens: int | None = None
    prompt_tokens_details: PromptTokensDetails | None = None
    completion_tokens_details: CompletionTokensDetails | None = None
    input_tokens_details: PromptTokensDetails | None = None
    output_tokens_details: CompletionTokensDetails | None = None
    num_sources_used: int | None = None
    num_server_side_tools_used: int | None = None
    cost_in_usd_ticks: int | None = None

    def normalised(self) -> Usage | None:
        return usage_from_wire(self.model_dump(exclude_none=True))


# ---------------------------------------------------------------- errors


class OpenAIErrorDetail(WireModel):
    message: str | None = None
    type: str | None = None
    param: str | None = None
    code: str | int | None = None


class ErrorBody(WireModel):
    """`{"code": "<grpc text>", "error": "<message>"}` (xAI) or `{"error": {...}}` (OpenAI)."""

    code: str | int | None = None
    error: str | OpenAIErrorDetail | None = None

    @property
    def text(self) -> str | None:
        return self.error.message if isinstance(self.error, OpenAIErrorDetail) else self.error


# ---------------------------------------------------------------- chat completions


class FunctionCall(WireModel):
    name: str | None = None
    arguments: str | None = None


class ToolCall(WireModel):
    id: str | None = None
    index: int | None = None
    type: str | None = None
    function: FunctionCall | None = None


class ChatDelta(WireModel):
    role: str | None = None
    content: str | None = None
    reasoning_content: str | None = None
    tool_calls: list[ToolCall] | None = None
    refusal: str | None = None


class ChunkChoice(WireModel):
    index: int = 0
    delta: ChatDelta = Field(default_factory=ChatDelta)
    finish_reason: str | None = None


class ChatCompletionChunk(WireModel):
    id: str | None = None
    object: str | None = None
    created: int | None = None
    model: str | None = None
    choices: list[ChunkChoice] = Field(default_factory=list)
    usage: WireUsage | None = None
    system_fingerprint: str | None = None
    citations: list[Any] | None = None


class ChatMessage(WireModel):
    role: str | None = None
    content: str | None = None
    reasoning_content: str | None = None
    refusal: str | None = None
    tool_calls: list[ToolCall] | None = None


class ChatChoice(WireModel):
    index: int = 0
    message: ChatMessage = Field(default_factory=ChatMessage)
    finish_reason: str | None = None


class ChatCompletion(WireModel):
    id: str | None = None
    object: str | None = None
    created: int | None = None
    model: str | None = None
    choices: list[ChatChoice] = Field(default_factory=list)
    usage: WireUsage | None = None
    system_fingerprint: str | None = None


# ---------------------------------------------------------------- responses: output items


class OutputText(WireModel):
    type: str = "output_text"  # or "refusal"
    text: str | None = None
    refusal: str | None = None
    logprobs: list[Any] | None = None
    annotations: list[Any] | None = None


class SummaryText(WireModel):
    type: str = "summary_text"
    text: str = ""


class MessageItem(WireModel):
    type: Literal["message"] = "message"
    id: str | None = None
    role: str | None = None
    status: str | None = None
    content: list[OutputText] = Field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(part.text or "" for part in self.content if part.type == "output_text")


class ReasoningItem(WireModel):
    type: Literal["reasoning"] = "reasoning"
    id: str | None = None
    status: str | None = None
    summary: list[SummaryText] = Field(default_factory=list)
    content: list[Any] | None = None
    encrypted_content: str | None = None

    @property
    def text(self) -> str:
        return "\n\n".join(part.text for part in self.summary if part.text)


class FunctionCallItem(WireModel):
    type: Literal["function_call"] = "function_call"
    id: str | None = None
    call_id: str | None = None
    name: str | None = None
    arguments: str | None = None
    status: str | None = None


class OtherItem(WireModel):
    """web_search_call, x_search_call, code_interpreter_call, mcp_call, ... kept as they come."""

    type: str
    id: str | None = None
    status: str | None = None


OUTPUT_ITEM_MODELS: dict[str, type[WireModel]] = {
    "message": MessageItem,
    "reasoning": ReasoningItem,
    "function_call": FunctionCallItem,
}
OutputItem = MessageItem | ReasoningItem | FunctionCallItem | OtherItem


def parse_output_item(data: dict[str, Any]) -> OutputItem:
    """Pick the item model by `type`; unknown types stay as `OtherItem`."""
    return OUTPUT_ITEM_MODELS.get(data.get("type", ""), OtherItem).model_validate(data)  # type: ignore[return-value]


class IncompleteDetails(WireModel):
    reason: str | None = None


class ResponseError(WireModel):
    code: str | None = None
    message: str | None = None


class ResponseObject(WireModel):
    """`POST/GET /v1/responses[/{id}]` and the `response` snapshot inside stream events."""

    id: str
    object: str | None = None
    created_at: int | None = None
    model: str | None = None
    status: str | None = None
    output: list[dict[str, Any]] = Field(default_factory=list)
    usage: WireUsage | None = None
    store: bool | None = None
    previous_response_id: str | None = None
    incomplete_details: IncompleteDetails | None = None
    error: ResponseError | None = None
    max_output_tokens: int | None = None
    temperature: float | None = None
    top_p: float | None = None
    reasoning: dict[str, Any] | None = None

    @property
    def items(self) -> list[OutputItem]:
        return [parse_output_item(item) for item in self.output]

    @property
    def output_text(self) -> str:
        return "".join(item.text for item in self.items if isinstance(item, MessageItem))

    @property
    def reasoning_text(self) -> str:
        return "\n\n".join(item.text for item in self.items if isinstance(item, ReasoningItem) and item.text)


class DeletedResponse(WireModel):
    id: str
    object: str | None = None
    deleted: bool = False


# ---------------------------------------------------------------- responses: stream events


class StreamEvent(WireModel):
    """Any Responses stream event; typed subclasses below for the ones we act on."""

    type: str
    sequence_number: int | None = None


class ResponseSnapshotEvent(StreamEvent):
    """response.created / in_progress / completed / incomplete / failed / done."""

    response: ResponseObject | None = None


class OutputItemEvent(StreamEvent):
    """response.output_item.added / done."""

    output_index: int | None = None
    item: dict[str, Any] = Field(default_factory=dict)

    @property
    def parsed_item(self) -> OutputItem:
        return parse_output_item(self.item)


class TextDeltaEvent(StreamEvent):
    """response.output_text.delta, response.reasoning_summary_text.delta, ..."""

    delta: str = ""
    item_id: str | None = None
    output_index: int | None = None
    content_index: int | None = None
    summary_index: int | None = None


class TextDoneEvent(StreamEvent):
    """response.output_text.done, response.reasoning_summary_text.done."""

    text: str = ""
    item_id: str | None = None
    output_index: int | None = None
    content_index: int | None = None
    summary_index: int | None = None


class ErrorEvent(StreamEvent):
    """`{"type":"error","code":null,"message":"...","param":null}`."""

    code: str | int | None = None
    message: str | None = None
    param: str | None = None


RESPONSE_EVENT_MODELS: dict[str, type[StreamEvent]] = {
    "response.created": ResponseSnapshotEvent,
    "response.in_progress": ResponseSnapshotEvent,
    "response.completed": ResponseSnapshotEvent,
    "response.done": ResponseSnapshotEvent,
    "response.incomplete": ResponseSnapshotEvent,
    "response.failed": ResponseSnapshotEvent,
    "response.queued": ResponseSnapshotEvent,
    "response.output_item.added": OutputItemEvent,
    "response.output_item.done": OutputItemEvent,
    "response.output_text.delta": TextDeltaEvent,
    "response.reasoning_summary_text.delta": TextDeltaEvent,
    "response.reasoning_text.delta": TextDeltaEvent,
    "response.function_call_arguments.delta": TextDeltaEvent,
    "response.output_text.done": TextDoneEvent,
    "response.reasoning_summary_text.done": TextDoneEvent,
    "response.reasoning_text.done": TextDoneEvent,
    "error": ErrorEvent,
}


def parse_stream_event(data: dict[str, Any]) -> StreamEvent:
    """Typed model for the events we act on; the lenient `StreamEvent` for everything else."""
    return RESPONSE_EVENT_MODELS.get(data.get("type", ""), StreamEvent).model_validate(data)


# ---------------------------------------------------------------- models, key, tokenizer


class LanguageModel(WireModel):
    """A `/v1/language-models` entry; prices are ticks per token (USD cents per 100M tokens)."""

    id: str
    fingerprint: str | None = None
    created: int | None = None
    object: str | None = None
    owned_by: str | None = None
    version: str | None = None
    input_modalities: list[str] = Field(default_factory=lambda: ["text"])
    output_modalities: list[str] = Field(default_factory=lambda: ["text"])
    prompt_text_token_price: int | None = None
    cached_prompt_text_token_price: int | None = None
    prompt_image_token_price: int | None = None
    completion_text_token_price: int | None = None
    search_price: int | None = None
    aliases: list[str] = Field(default_factory=list)
    max_prompt_length: int | None = None

    @property
    def supports_images(self) -> bool:
        return "image" in self.input_modalities

    def matches(self, name: str) -> bool:
        return name == self.id or name in self.aliases


class LanguageModelList(WireModel):
    models: list[LanguageModel] = Field(default_factory=list)


class ModelCard(WireModel):
    """A `/v1/models` entry (no modalities, no prices)."""

    id: str
    created: int | None = None
    object: str | None = None
    owned_by: str | None = None


class ModelList(WireModel):
    data: list[ModelCard] = Field(default_factory=list)
    object: str | None = None


class TokenInfo(WireModel):
    token_id: int | None = None
    string_token: str | None = None
    token_bytes: list[int] | None = None


class TokenizeResult(WireModel):
    token_ids: list[TokenInfo] = Field(default_factory=list)


class ApiKeyInfo(WireModel):
    """`GET /v1/api-key`; times may be ISO strings or Unix numbers."""

    redacted_api_key: str | None = None
    user_id: str | None = None
    name: str | None = None
    create_time: str | int | None = None
    modify_time: str | int | None = None
    modified_by: str | None = None
    team_id: str | None = None
    acls: list[str] = Field(default_factory=list)
    api_key_id: str | None = None
    team_blocked: bool = False
    api_key_blocked: bool = False
    api_key_disabled: bool = False

    @property
    def usable(self) -> bool:
        return not (self.team_blocked or self.api_key_blocked or self.api_key_disabled)
