"""Async client for xAI's REST API (and any OpenAI-compatible server).

One turn in, one stream of TurnEvents out (`stream_turn`), whichever wire API
serves it: the Responses API first (stored replies, reasoning summaries,
`previous_response_id` chaining), chat completions when `api_style="chat"` or,
with `api_style="auto"`, when the server has no `/v1/responses` route (the
choice is remembered for the life of the client).

IMAGE RULE: xAI warns that `store: true` with images "may fail". Any turn
whose history contains an image is therefore sent stateless: the full history
inline, `store: false`, no `previous_response_id`. `Completed.stored` tells the
caller whether the reply was stored (only stored replies can be chained on or
fetched later). See grokterm.xai.payloads.

Errors: API failures never escape `stream_turn`; they end it with one `Failed`
event holding a typed `XAIError` and the partial text. Requests are retried
(with a `Retrying` event first) only before any reply arrived; see retry.py.
Cancelling the consuming task closes the HTTP response and re-raises.
A chained turn whose stored response is gone (any 404 that does not name the
model) is re-sent once with the full history in the same wire API, with a
`Notice` event first; it never makes `auto` switch to chat completions.
"""

from __future__ import annotations

# ruff: noqa: E402  (httpx is imported after _import_httpx_without_its_cli, on purpose)
import asyncio
import dataclasses
import json
import math
import re
import socket
import ssl
import sys
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from typing import Any, Literal, TypeVar
from urllib.parse import quote, urlsplit


def _import_httpx_without_its_cli() -> None:
    """httpx's `__init__` imports its command-line tool (click, rich, pygments) whenever those are
    installed, as they are here through Textual: ~70 ms of every `grokterm ask`. Blocking
    `httpx._main` for the duration of the import makes httpx use its built-in fallback; the block
    is lifted right after, so an explicit `import httpx._main` still works."""
    if "httpx" in sys.modules or "httpx._main" in sys.modules:
        return
    sys.modules["httpx._main"] = None  # type: ignore[assignment]
    try:
        import httpx  # noqa: F401
    except ImportError:  # a future httpx that needs it: import normally below
        pass
    finally:
        del sys.modules["httpx._main"]


_import_httpx_without_its_cli()

import httpx
from pydantic import BaseModel, ValidationError

from grokterm import __version__, defaults
from grokterm.secret import Secret, SecretFilter, known_secrets, redact
from grokterm.xai import limits
from grokterm.xai.chat_stream import ChatStreamState, completed_from_chat
from grokterm.xai.errors import (
    APIConnectionError,
    APITimeoutError,
    BadRequestError,
    MalformedResponseError,
    NotFoundError,
    StreamInterruptedError,
    StreamStalledError,
    XAIError,
    error_from_status,
)
from grokterm.xai.events import (
    Completed,
    Failed,
    Notice,
    ReasoningDelta,
    Retrying,
    TextDelta,
    TurnEvent,
    TurnRequest,
    TurnStarted,
    UsageUpdate,
    coalesce,
)
from grokterm.xai.images import DownloadGuard, ImageGeneration, ImageRequest
from grokterm.xai.limits import (
    MAX_ERROR_BODY,
    LimitExceeded,
    StreamIdle,
    aiter_sse_batches,
    read_bounded,
    read_prefix,
)
from grokterm.xai.payloads import chat_headers, chat_payload, responses_payload
from grokterm.xai.responses_stream import ResponsesStreamState, completed_from_response
from grokterm.xai.retry import RETRY_AFTER_CAP, RetryPolicy, retry_after_seconds
from grokterm.xai.urls import normalize_base_url
from grokterm.xai.wire import (
    ApiKeyInfo,
    ChatCompletion,
    DeletedResponse,
    LanguageModel,
    LanguageModelList,
    ModelCard,
    ModelList,
    ResponseObject,
    TokenizeResult,
)

ApiStyle = defaults.ApiStyle
_Model = TypeVar("_Model", bound=BaseModel)
_SSE_HEADERS = {"Accept": "text/event-stream", "Cache-Control": "no-store"}
Sleep = Callable[[float], Awaitable[Any]]


class XAIClient:
    """Async context manager around one `httpx.AsyncClient`; never shows the key."""

    def __init__(
        self,
        api_key: str | Secret,
        base_url: str = defaults.BASE_URL,
        api_style: ApiStyle = defaults.API_STYLE,
        max_retries: int = defaults.MAX_RETRIES,
        connect_timeout: float = 5.0,
        read_timeout: float = defaults.READ_TIMEOUT_S,
        *,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if api_style not in ("auto", "responses", "chat"):
            raise ValueError(f"api_style must be auto, responses or chat, not {api_style!r}")
        self.base_url = normalize_base_url(base_url)
        self.api_style: ApiStyle = api_style
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.retry = RetryPolicy(max_retries)
        self._sleep = sleep
        # a Secret: never in a repr or a traceback's locals; stripped (a pasted key's newline breaks the header)
        self._api_key = Secret(api_key)
        self.on_retry: Callable[[Retrying], Any] | None = None  # told before each wait of a plain API call
        self._resolved_style: Literal["responses", "chat"] | None = (
            None if api_style == "auto" else api_style
        )
        self._http = httpx.AsyncClient(
            timeout=httpx.Timeout(read_timeout, connect=connect_timeout, write=max(60.0, connect_timeout)),
            headers={
                "Authorization": f"Bearer {self._api_key.reveal()}",
                "Accept-Encoding": "gzip, deflate",  # what grokterm.xai.limits inflates (in bounded steps)
                "User-Agent": f"grokterm/{__version__}",
            },
        )

    def __repr__(self) -> str:
        return f"XAIClient(base_url={self.base_url!r}, api_style={self.api_style!r})"

    async def __aenter__(self) -> XAIClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    @property
    def style_in_use(self) -> Literal["responses", "chat"] | None:
        """The wire API turns go to (None until `auto` has made its choice)."""
        return self._resolved_style

    # ------------------------------------------------------------ HTTP plumbing

    def _host(self) -> str:
        return urlsplit(self.base_url).netloc or self.base_url

    def _error(self, cls: type[XAIError], message: str, **kwargs: Any) -> XAIError:
        return cls(redact(message, [self._api_key]), **kwargs)

    async def _send(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        """One attempt; the response is returned open (streamed), whatever its status."""
        request = self._http.build_request(method, self.base_url + path, json=body, headers=headers)
        try:
            return await self._http.send(request, stream=True)
        except httpx.ConnectTimeout as exc:
            raise self._error(
                APITimeoutError, f"timed out connecting to {self._host()} after {self.connect_timeout:g} s"
            ) from exc
        except httpx.TimeoutException as exc:
            raise self._error(
                APITimeoutError, f"timed out: no answer from {self._host()} within {self.read_timeout:g} s"
            ) from exc
        except httpx.ConnectError as exc:
            raise self._error(APIConnectionError, f"cannot connect to {self._host()} ({_connect_reason(exc)})") from exc
        except httpx.TransportError as exc:
            raise self._error(
                APIConnectionError, f"connection to {self._host()} failed ({str(exc) or type(exc).__name__})"
            ) from exc

    async def _status_error(self, response: httpx.Response) -> XAIError:
        try:
            body = await read_prefix(response, MAX_ERROR_BODY)  # an error text: its start is enough
        except httpx.HTTPError:
            body = b""
        finally:
            await response.aclose()
        error = error_from_status(
            response.status_code,
            redact(body.decode("utf-8", "replace"), [self._api_key]),
            request_id=response.headers.get("x-request-id"),
            retry_after=retry_after_seconds(response.headers),
        )
        return error

    async def _attempts(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None,
        *, no_retry: Callable[[XAIError], bool] | None = None,
    ) -> AsyncIterator[Retrying | httpx.Response]:
        """Yields `Retrying` before each wait, then the open 2xx response; raises XAIError when giving up.

        `no_retry(error)` True: give up on that error at once. A server that asks for a wait longer
        than grokterm waits by itself (Retry-After over 120 s) gets no retry, and the error says
        how long it asked for.
        """
        retries = 0
        while True:
            response_headers: httpx.Headers | None = None
            try:
                response = await self._send(method, path, body, headers)
                if response.status_code < 400:
                    yield response
                    return
                response_headers = response.headers
                raise await self._status_error(response)
            except XAIError as error:
                if no_retry is not None and no_retry(error):
                    raise
                delay = self.retry.next_delay(error, retries, response_headers)
                if delay is None:
                    wait = retry_after_seconds(response_headers)
                    if wait is not None and wait > RETRY_AFTER_CAP and retries < self.retry.max_retries:
                        error.add_note_to_message(_wait_advice(wait))
                    raise
                retries += 1
                yield Retrying(retries, delay, str(error))
                await self._sleep(delay)

    async def _read_json(self, response: httpx.Response) -> Any:
        try:
            raw = await read_bounded(response)
        except LimitExceeded as exc:
            raise self._error(MalformedResponseError, f"unreadable reply: {exc}") from None
        except httpx.TimeoutException as exc:
            raise self._error(APITimeoutError, f"timed out reading the reply from {self._host()}") from exc
        except httpx.TransportError as exc:
            raise self._error(StreamInterruptedError, f"reply interrupted ({type(exc).__name__})") from exc
        finally:
            await response.aclose()
        try:
            return json.loads(raw)
        except ValueError:
            raise self._error(
                MalformedResponseError, f"unreadable reply: not JSON ({raw[:80].decode('utf-8', 'replace')!r})"
            ) from None

    async def _request_json(self, method: str, path: str, body: Any = None) -> Any:
        """One JSON API call with retries; each wait is reported to `on_retry` (e.g. `grokterm models`)."""
        response: httpx.Response | None = None
        async for item in self._attempts(method, path, body):
            if isinstance(item, Retrying):
                if self.on_retry is not None:
                    self.on_retry(item)
            else:
                response = item
        assert response is not None
        return await self._read_json(response)

    @staticmethod
    def _parse(model: type[_Model], data: Any) -> _Model:
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            errors = exc.errors()
            where = ".".join(str(p) for p in errors[0]["loc"]) if errors else ""
            raise MalformedResponseError(
                f"unreadable reply: unexpected {model.__name__} shape at {where or 'top level'}"
            ) from None

    # ------------------------------------------------------------ simple endpoints

    async def list_language_models(self) -> list[LanguageModel]:
        """`/v1/language-models` (prices, modalities); `/v1/models` where that route is missing.

        Models from the fallback have empty modalities and no prices (unknown).
        """
        try:
            data = await self._request_json("GET", "/language-models")
        except NotFoundError:
            cards = self._parse(ModelList, await self._request_json("GET", "/models")).data
            return [self._model_from_card(card) for card in cards]
        if isinstance(data, dict) and "models" not in data and "data" in data:  # OpenAI-style server
            return [self._model_from_card(card) for card in self._parse(ModelList, data).data]
        return self._parse(LanguageModelList, data).models

    @staticmethod
    def _model_from_card(card: ModelCard) -> LanguageModel:
        return LanguageModel(
            id=card.id, created=card.created, object=card.object, owned_by=card.owned_by,
            input_modalities=[], output_modalities=[],
        )

    async def get_language_model(self, model_id: str) -> LanguageModel:
        path = quote(model_id, safe="")
        try:
            return self._parse(LanguageModel, await self._request_json("GET", f"/language-models/{path}"))
        except NotFoundError as not_found:
            try:
                card = self._parse(ModelCard, await self._request_json("GET", f"/models/{path}"))
            except NotFoundError:
                raise not_found from None
            return self._model_from_card(card)

    async def api_key_info(self) -> ApiKeyInfo:
        return self._parse(ApiKeyInfo, await self._request_json("GET", "/api-key"))

    async def tokenize(self, text: str, model: str) -> int:
        """Token count of `text` (an estimate: the server adds its own framing tokens)."""
        data = await self._request_json("POST", "/tokenize-text", {"text": text, "model": model})
        return len(self._parse(TokenizeResult, data).token_ids)

    async def get_response(self, response_id: str) -> ResponseObject:
        data = await self._request_json("GET", _response_path(response_id))
        return self._parse(ResponseObject, data)

    async def delete_response(self, response_id: str) -> DeletedResponse:
        data = await self._request_json("DELETE", _response_path(response_id))
        return self._parse(DeletedResponse, data)

    # Generated pictures come from public addresses only, or from any when the API is on this
    # machine (the emulator); True/False here overrides that (grokterm.xai.images.DownloadGuard).
    local_image_urls: bool | None = None

    def image_url_guard(self) -> DownloadGuard:
        if self.local_image_urls is None:
            return DownloadGuard.for_base_url(self.base_url)
        return DownloadGuard(allow_local=self.local_image_urls)

    async def generate_images(self, request: ImageRequest) -> ImageGeneration:
        """`POST /v1/images/generations`; pictures sent as URLs are fetched (never with the key).

        Raises XAIError: ContentPolicyError when the request was refused on content grounds.
        """
        from grokterm.xai import images

        data = await self._request_json("POST", "/images/generations", request.payload())
        items, ticks = images.parse_generation(request, data)
        pictures: list[images.GeneratedImage] = []
        fetcher: httpx.AsyncClient | None = None
        try:
            for item in items:
                if item.b64_json:
                    raw = await asyncio.to_thread(images.decode_b64, item.b64_json)
                    pictures.append(images.picture_from_bytes(raw, item.revised_prompt))
                elif item.url:
                    if fetcher is None:  # no Authorization header: the key stays with the API
                        fetcher = images.download_client(self.connect_timeout, f"grokterm/{__version__}")
                    raw = await images.download_image(fetcher, item.url, guard=self.image_url_guard())
                    pictures.append(images.picture_from_bytes(raw, item.revised_prompt, item.url))
                else:
                    raise MalformedResponseError("unreadable reply: a generated image has neither url nor b64_json")
        finally:
            if fetcher is not None:
                await fetcher.aclose()
        return images.ImageGeneration(request.model, request.prompt, tuple(pictures), ticks)

    # ------------------------------------------------------------ turns

    def _route_missing(self, error: XAIError, request: TurnRequest) -> bool:
        """404/405 for the `/v1/responses` route itself (not for the model or a stored response).

        Only an unchained request can tell: a chained one's 404 may be its stored response.
        """
        if self.api_style != "auto" or self._resolved_style is not None or request.previous_response_id:
            return False
        if error.status == 405:
            return True
        return error.status == 404 and not self._about_the_model(error, request)

    @staticmethod
    def _about_the_model(error: XAIError, request: TurnRequest) -> bool:
        text = error.message.lower()
        return "model" in text or request.model.lower() in text

    def _previous_gone(self, error: XAIError, request: TurnRequest) -> bool:
        """A chained turn's 404, whatever its text says (unless it names the model): the stored
        response is gone (deleted, expired, stored elsewhere or never)."""
        return (
            isinstance(error, NotFoundError)
            and bool(request.previous_response_id)
            and not self._about_the_model(error, request)
        )

    async def _open_turn(
        self, request: TurnRequest, stream: bool
    ) -> AsyncIterator[Retrying | Notice | _OpenTurn]:
        """Yields `Retrying`/`Notice` events, then the open reply; raises XAIError.

        With `api_style="auto"` a missing `/v1/responses` route (seen on an unchained request)
        switches this client to chat completions for good. A chained turn whose stored response
        is gone is re-sent once, in the same wire API, with the full history, and a `Notice`
        says so; that 404 never changes the wire API.
        """
        turn_style: Literal["responses", "chat"] | None = None  # this turn only (auto, responses failing)
        while True:
            style = turn_style or self._resolved_style or "responses"
            if style == "chat" and request.search is not None and request.search.enabled:
                raise self._error(BadRequestError, "web and X search need the Responses API "
                                  "(/v1/responses); this server or --api-style uses chat completions")
            if style == "chat":
                path, body, headers = "/chat/completions", chat_payload(request, stream=stream), chat_headers(request)
            else:
                path, body, headers = "/responses", responses_payload(request, stream=stream), {}
            if stream:
                headers.update(_SSE_HEADERS)
            probing = style == "responses" and self.api_style == "auto" and self._resolved_style is None
            try:
                async for item in self._attempts(
                    "POST", path, body, headers, no_retry=_server_error if probing else None,
                ):
                    if isinstance(item, Retrying):
                        yield item
                        continue
                    if turn_style is None:
                        self._resolved_style = style
                    yield _OpenTurn(style, bool(body.get("store")), item)
                    return
            except XAIError as error:
                if style == "responses" and self._previous_gone(error, request):
                    gone = request.previous_response_id
                    request = dataclasses.replace(request, previous_response_id=None)
                    yield Notice(f"the stored response {gone} is gone from the server (HTTP 404): "
                                 "sending the whole conversation again")
                elif style == "responses" and self._route_missing(error, request):
                    self._resolved_style = "chat"
                elif probing and _server_error(error):
                    # auto, nothing worked yet: a server whose /v1/responses fails (some proxies answer 500)
                    # may still serve chat completions. This turn only: the next one tries responses again.
                    turn_style = "chat"
                    yield Notice(f"/v1/responses failed ({error.summary}, HTTP {error.status}): "
                                 "using chat completions for this turn")
                else:
                    raise

    async def stream_turn(self, request: TurnRequest) -> AsyncGenerator[TurnEvent]:
        """Stream one turn; always ends with exactly one `Completed` or `Failed`.

        A reply whose first event never comes (headers, then silence for the read timeout) is
        retried like a timeout, since nothing was received; a stall after the first event is not.
        """
        silent_retries = 0
        while True:
            opened: _OpenTurn | None = None
            try:
                async for item in self._open_turn(request, stream=True):
                    if isinstance(item, (Retrying, Notice)):
                        yield item
                    else:
                        opened = item
            except XAIError as error:
                yield Failed(error)
                return
            assert opened is not None
            secrets = _SecretScrubber()
            try:
                async for event in self._read_stream(opened):
                    for clean in secrets.scrub(event):
                        yield clean
                return
            except _NothingReceived as silent:
                delay = self.retry.next_delay(silent.error, silent_retries)
                if delay is None:
                    yield Failed(silent.error)
                    return
                silent_retries += 1
                yield Retrying(silent_retries, delay, str(silent.error))
                await self._sleep(delay)
            finally:
                await opened.response.aclose()

    async def complete_turn(self, request: TurnRequest) -> Completed:
        """One turn without streaming; raises XAIError on failure."""
        opened = [item async for item in self._open_turn(request, stream=False) if isinstance(item, _OpenTurn)][-1]
        return self._completed_from_body(opened, await self._read_json(opened.response))

    async def _read_stream(self, opened: _OpenTurn) -> AsyncIterator[TurnEvent]:
        response = opened.response
        if "text/event-stream" not in response.headers.get("content-type", ""):  # stream=true ignored
            try:
                completed = self._completed_from_body(opened, await self._read_json(response))
            except XAIError as error:
                yield Failed(error)
                return
            for event in _events_of(completed):
                yield event
            return
        state: ChatStreamState | ResponsesStreamState = (
            ChatStreamState() if opened.style == "chat" else ResponsesStreamState(opened.requested_store)
        )
        any_event = False  # any event at all (keep-alives included)
        try:
            batch_reader = _BatchReader(state, self._error)
            async for batch in aiter_sse_batches(response, idle_timeout=self.read_timeout):
                any_event = True
                events, cut = batch_reader.read(batch)
                for event in coalesce(events):  # one event per run of deltas: every layer above works per batch
                    yield event
                if cut is not None:
                    raise cut
                if batch_reader.ended:
                    return
            for event in state.eof():
                yield event
        except httpx.ReadTimeout:
            if not any_event:
                raise self._nothing_received() from None
            yield state.interrupted(self._error(
                StreamStalledError, f"reply stalled: no data for {self.read_timeout:g} s"
            ))
        except StreamIdle as exc:  # comments/keep-alives only: they do not keep a dead reply alive
            if not any_event:
                raise self._nothing_received() from None
            yield state.interrupted(self._error(StreamStalledError, str(exc)))
        except LimitExceeded as exc:  # a line, an event or a compressed body past our limits
            yield state.interrupted(self._error(StreamInterruptedError, f"reply stopped: {exc}"))
        except httpx.TransportError as exc:
            if isinstance(state, ChatStreamState) and state.finish_reason is not None:
                for event in state.eof():  # closed after the finish chunk: nothing is missing
                    yield event
                return
            yield state.interrupted(self._error(
                StreamInterruptedError, f"reply interrupted ({str(exc) or type(exc).__name__})"
            ))
        except ValidationError:
            yield state.interrupted(self._error(
                MalformedResponseError, "unreadable reply: a stream event had an unexpected shape"
            ))

    def _nothing_received(self) -> _NothingReceived:
        return _NothingReceived(self._error(
            APITimeoutError, f"timed out: {self._host()} sent no reply within {self.read_timeout:g} s"
        ))

    def _completed_from_body(self, opened: _OpenTurn, data: Any) -> Completed:
        if opened.style == "chat":
            return completed_from_chat(self._parse(ChatCompletion, data))
        response = self._parse(ResponseObject, data)
        if response.status == "failed":
            detail = response.error.message if response.error and response.error.message else "no details"
            raise self._error(StreamInterruptedError, f"the server reported a failed reply: {detail}")
        return completed_from_response(response, opened.requested_store)


class _BatchReader:
    """Turns the SSE events of one network read into TurnEvents, counting the reply against its limit.

    `read(batch)` returns the events and the exception that cut the batch short (a limit, an event
    of an unexpected shape), so the events before it still reach the caller first. `ended` turns True
    on `[DONE]`, unreadable data or the terminal event: nothing after it is read.
    """

    def __init__(self, state: ChatStreamState | ResponsesStreamState, error: Callable[..., XAIError]) -> None:
        self.state = state
        self._make_error = error
        self.received = 0  # characters of text and reasoning so far
        self.ended = False

    def read(self, batch: list[str]) -> tuple[list[TurnEvent], Exception | None]:
        state, events = self.state, list[TurnEvent]()
        run: list[str] = []  # consecutive plain deltas of one kind (the fast path makes no event per token)
        run_reasoning = False
        try:
            for data in batch:
                if not data:
                    continue
                if data == "[DONE]":
                    self._close_run(events, run, run_reasoning)
                    events += state.done()
                    self.ended = True
                    break
                payload = _json_value(data)
                if not isinstance(payload, dict):
                    self._close_run(events, run, run_reasoning)
                    events.append(state.interrupted(self._make_error(
                        MalformedResponseError, f"unreadable reply: bad stream data {data[:60]!r}"
                    )))
                    self.ended = True
                    break
                plain = state.feed_delta(payload)
                if plain is not None:
                    self._count(plain[1])
                    if run and plain[0] is not run_reasoning:
                        self._close_run(events, run, run_reasoning)
                        run = []
                    run.append(plain[1])
                    run_reasoning = plain[0]
                    continue
                self._close_run(events, run, run_reasoning)
                run = []
                for event in state.feed(payload):
                    if type(event) is TextDelta or type(event) is ReasoningDelta:
                        self._count(event.text)
                    events.append(event)
                if state.finished:
                    self.ended = True
                    break
            else:
                self._close_run(events, run, run_reasoning)
        except (LimitExceeded, ValidationError) as exc:
            self._close_run(events, run, run_reasoning)
            return events, exc
        return events, None

    def _count(self, text: str) -> None:
        self.received += len(text)
        if self.received > limits.MAX_REPLY_CHARS:
            raise LimitExceeded(f"reply longer than {limits.MAX_REPLY_CHARS // (1 << 20)}M characters")

    @staticmethod
    def _close_run(events: list[TurnEvent], run: list[str], reasoning: bool) -> None:
        if run:
            events.append((ReasoningDelta if reasoning else TextDelta)("".join(run), len(run)))


_scan_json = json.JSONDecoder().scan_once  # type: ignore[attr-defined]  # (the C scanner; not in the stubs)


def _json_value(data: str) -> Any:
    """`json.loads(data)`, or None when `data` is not JSON.

    An object that fills the whole string (every stream event) is read by the decoder's own scanner,
    which is what `json.loads` calls after checking its argument; skipping those checks halves the
    cost of a small event. Anything else (whitespace around it, a BOM, an error) takes `json.loads`.
    """
    if data[0] == "{":
        try:
            value, end = _scan_json(data, 0)
        except (StopIteration, ValueError, RecursionError):
            pass
        else:
            if end == len(data):
                return value
    try:
        return json.loads(data)
    except (ValueError, RecursionError):  # RecursionError: nesting deeper than Python's stack (a hostile server)
        return None


class _NothingReceived(Exception):
    """The reply's headers came but no event before the read timeout: safe to ask again."""

    def __init__(self, error: XAIError) -> None:
        super().__init__(str(error))
        self.error = error


def _server_error(error: XAIError) -> bool:
    return error.status is not None and error.status >= 500


@dataclasses.dataclass(frozen=True)
class _OpenTurn:
    """A turn request the server accepted: which wire API, whether we asked to store, the open reply."""

    style: Literal["responses", "chat"]
    requested_store: bool
    response: httpx.Response


def _connect_reason(exc: BaseException) -> str:
    """The root cause of a connect failure in a few words ("connection refused", "host not found")."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ConnectionRefusedError):
            return "connection refused"
        if isinstance(seen, socket.gaierror):
            return "host not found"
        if isinstance(seen, ssl.SSLError):
            return f"TLS error: {seen.reason or seen}"
        seen = seen.__cause__ or seen.__context__
    return str(exc) or type(exc).__name__


def _wait_advice(seconds: float) -> str:
    """'the server asks to wait 5 min (until 14:05), more than grokterm waits by itself'."""
    amount = f"{math.ceil(seconds / 60)} min" if seconds < 3600 else f"{seconds / 3600:.1f} h"
    until = time.strftime("%H:%M", time.localtime(time.time() + seconds))
    return f"the server asks to wait {amount} (until {until}) before trying again, longer than grokterm waits"


def _events_of(completed: Completed) -> list[TurnEvent]:
    """The event sequence a stream would have produced for an already complete reply."""
    events: list[TurnEvent] = [TurnStarted(completed.response_id, completed.model)]
    if completed.reasoning:
        events.append(ReasoningDelta(completed.reasoning))
    if completed.text:
        events.append(TextDelta(completed.text))
    if completed.usage:
        events.append(UsageUpdate(completed.usage))
    events.append(completed)
    return events


__all__ = ["ApiStyle", "XAIClient"]


_RESPONSE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_:.\-]{0,255}")


def _response_path(response_id: str) -> str:
    """`/responses/{id}` for a plausible id only. `..` (or `.`, `a/../b`) would otherwise be
    normalised by the URL layer into `/v1` itself: `responses delete ..` must not send DELETE /v1."""
    if not _RESPONSE_ID.fullmatch(response_id) or ".." in response_id:
        raise BadRequestError(f"not a response id: {response_id[:80]!r} (letters, digits, '_', '-', ':', '.')")
    return f"/responses/{quote(response_id, safe='')}"


class _SecretScrubber:
    """Removes every registered secret (grokterm.secret) from a turn's text as it streams.

    A server may echo the key back in a reply; deltas go through `SecretFilter` (a key split
    across deltas is caught), the final and partial texts through `redact`.
    """

    def __init__(self) -> None:
        self._text = SecretFilter()
        self._reasoning = SecretFilter()
        self._held_text = 0  # deltas whose text is all held back: counted with the next text out
        self._held_reasoning = 0

    def scrub(self, event: TurnEvent) -> list[TurnEvent]:
        if not known_secrets():
            return [event]
        if isinstance(event, TextDelta):
            text, count = self._text.feed(event.text), event.count + self._held_text
            self._held_text = 0 if text else count
            return [TextDelta(text, count)] if text else []
        if isinstance(event, ReasoningDelta):
            text, count = self._reasoning.feed(event.text), event.count + self._held_reasoning
            self._held_reasoning = 0 if text else count
            return [ReasoningDelta(text, count)] if text else []
        if isinstance(event, (Completed, Failed)):
            tails: list[TurnEvent] = []
            if text := self._text.flush():
                tails.append(TextDelta(text, self._held_text))
            if text := self._reasoning.flush():
                tails.append(ReasoningDelta(text, self._held_reasoning))
            if isinstance(event, Completed):
                event = dataclasses.replace(event, text=redact(event.text, shapes=False),
                                            reasoning=redact(event.reasoning, shapes=False))
            else:
                event = dataclasses.replace(event, partial_text=redact(event.partial_text, shapes=False),
                                            partial_reasoning=redact(event.partial_reasoning, shapes=False))
            return [*tails, event]
        return [event]
