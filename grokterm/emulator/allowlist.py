"""Every request field and header the strict emulator accepts, each with the document that names it.

`grokterm emulator --strict` (and the test suite, always) answers 400 naming the
field when a request carries anything not listed here, the way an API that
rejects unknown arguments would. So a field the client sends can only pass the
tests if some xAI document (or a recording of real api.x.ai traffic) shows it.

HOW TO ADD A FIELD: add one line to the endpoint's table below with the
document and section that shows it (a URL, a page title, a date). Paths:

* `a.b`      key `b` inside the object at key `a`;
* `a[]`      the elements of the array at `a` (so `a[].b` is key `b` of each element);
* `a.*`      anything below `a` is accepted unchecked (JSON schemas, free-form maps);
* one path covers every shape the value can take: `input` is a string or an array, and
  `input[]...` only applies to the array form.

The documents are xAI's pages on docs.x.ai (dated where the copy we read was dated); the
project's own notes on them are in docs/api/README.md.
"""

from __future__ import annotations

# ---------------------------------------------------------------- the documents (short names)

REF_2024 = "xAI REST API reference, docs.x.ai/docs/api-reference (crawl of 2024-12-25)"
REF_2025 = "xAI REST API reference, docs.x.ai/docs/api-reference (2025 edition: grok-4-0709, /v1/responses)"
MODELS_2024 = "xAI 'Models and Pricing' page, docs.x.ai/docs/models (crawl of 2024-12-25)"
IMAGES = "xAI 'Image Understanding', docs.x.ai/developers/model-capabilities/images/understanding"
CACHING = ("xAI 'Prompt Caching: Maximizing Cache Hits', "
           "docs.x.ai/developers/advanced-api-usage/prompt-caching/maximizing-cache-hits")
REASONING = "xAI 'Reasoning' guide, docs.x.ai/docs/guides/reasoning"
COMPARISON = ("xAI 'Comparison with Chat Completions API', "
              "docs.x.ai/developers/model-capabilities/text/comparison")
GENERATE_TEXT = "xAI 'Generate Text', docs.x.ai/developers/model-capabilities/text/generate-text"
RECORDED = ("recorded real api.x.ai chat-completions traffic (charmbracelet/fantasy go-vcr cassettes, "
            "2025-09-25 and 2026-03-12)")
LC_XAI = ("xAI's Responses API reference as transcribed in langchain-xai "
          "(langchainjs libs/providers/langchain-xai, responses-types.ts)")
HTTP = "HTTP semantics (RFC 9110/9111): set by the HTTP library, not an API argument"
TOOLS_WEB = "xAI 'Tools: Web Search', docs.x.ai/developers/tools/web-search (Web Search Parameters)"
TOOLS_X = ("xAI 'Tools: X Search', docs.x.ai/developers/tools/x-search (X Search Parameters; the copy "
           "whose examples use grok-4.7)")
OPENAI_SDK = ("xAI REST API reference: 'full compatibility with the OpenAI REST API' and the OpenAI SDK "
              "examples on docs.x.ai; the OpenAI SDK sends these headers on every call")

# ---------------------------------------------------------------- request headers

# Header names are compared in lower case.
ALLOWED_HEADERS: dict[str, str] = {
    "authorization": f"{REF_2025}, introduction: 'Authorization: Bearer <your xAI API key>'",
    "content-type": f"{REF_2025}, request examples ('JSON' bodies)",
    "x-grok-conv-id": f"{CACHING}, 'Set x-grok-conv-id (Chat Completions API)'",
    **{name: HTTP for name in (
        "host", "user-agent", "accept", "accept-encoding", "accept-language", "connection",
        "content-length", "cache-control", "transfer-encoding", "te", "keep-alive", "expect",
    )},
}
# Any header starting with one of these is accepted.
ALLOWED_HEADER_PREFIXES: dict[str, str] = {
    "x-stainless-": OPENAI_SDK,
}

# ---------------------------------------------------------------- request bodies

_CHAT_COMPLETIONS: dict[str, str] = {
    # The 2024 reference's request example lists every optional field of its time.
    **{name: f"{REF_2024}, 'Chat completions' request body" for name in (
        "model", "messages", "frequency_penalty", "logit_bias", "logprobs", "max_tokens", "n",
        "presence_penalty", "response_format", "seed", "stop", "stream", "stream_options",
        "temperature", "tool_choice", "tools", "top_logprobs", "top_p", "user",
    )},
    "logit_bias.*": f"{REF_2024}, 'Chat completions' request body (a map of token ids)",
    "response_format.*": "xAI 'Structured Outputs' guide, docs.x.ai/docs/guides/structured-outputs",
    "tool_choice.*": f"{REF_2025}, 'tool_choice' ({{\"type\": \"function\", \"function\": {{\"name\": ...}}}})",
    **{path: "xAI 'Function Calling' guide, docs.x.ai/docs/guides/function-calling" for path in (
        "tools[].type", "tools[].function", "tools[].function.name", "tools[].function.description",
        "tools[].function.parameters.*",
    )},
    "stream_options.include_usage": f"{REF_2024} lists stream_options (OpenAI-compatible); {RECORDED} send it",
    "reasoning_effort": f"{REASONING}, 'Control how hard the model thinks'",
    "messages[].role": f"{REF_2025}, 'Chat completions' request example",
    "messages[].content": f"{REF_2025}, 'Chat completions' request example",
    "messages[].content[].type": f"{MODELS_2024}, 'Model input and output' (image prompt example)",
    "messages[].content[].text": f"{MODELS_2024}, 'Model input and output' (image prompt example)",
    "messages[].content[].image_url": f"{MODELS_2024}, 'Model input and output' (image prompt example)",
    "messages[].content[].image_url.url": f"{MODELS_2024}, 'Model input and output' (image prompt example)",
    "messages[].content[].image_url.detail": f"{MODELS_2024}, 'Model input and output' (image prompt example)",
    "messages[].tool_calls.*": "xAI 'Function Calling' guide, docs.x.ai/docs/guides/function-calling",
    "messages[].tool_call_id": "xAI 'Function Calling' guide, docs.x.ai/docs/guides/function-calling",
    "deferred": "xAI 'Deferred Chat Completions' guide, docs.x.ai/docs/guides/deferred-chat-completions",
}

_RESPONSES: dict[str, str] = {
    "model": f"{REF_2025}, 'Create new response' request example",
    "input": f"{REF_2025}, 'Create new response' request body: input (string | array)",
    "input[].role": f"{REF_2025}, 'Create new response' request example",
    "input[].content": f"{REF_2025}, 'Create new response' request example",
    **{path: f"{LC_XAI} (XAIResponsesFunctionToolOutput: type, call_id, output)" for path in (
        "input[].type", "input[].call_id", "input[].output",
    )},
    "input[].content[].type": f"{IMAGES}, 'Constructing the message body' (input_image, input_text)",
    "input[].content[].text": f"{IMAGES}, 'Constructing the message body' (input_text)",
    "input[].content[].image_url": f"{IMAGES}, 'Constructing the message body' (image_url is a string)",
    "input[].content[].detail": f"{IMAGES}, 'Constructing the message body' (\"detail\": \"high\")",
    "stream": f"{GENERATE_TEXT}, streaming with the Responses API",
    "store": f"{REF_2025}, 'Create new response' (store, default true); {COMPARISON}, 'Parameter Mapping'",
    "previous_response_id": f"{COMPARISON}, 'Parameter Mapping' (continue a stored conversation)",
    "include": f"{COMPARISON}, 'Parameter Mapping' (reasoning.encrypted_content); {REASONING}",
    "max_output_tokens": f"{COMPARISON}, 'Parameter Mapping' (max_tokens -> max_output_tokens)",
    "prompt_cache_key": f"{CACHING}, 'Set prompt_cache_key (Responses API)'",
    "reasoning": f"{REF_2025}, 'Create new response' response body echoes `reasoning`; {REASONING}",
    "reasoning.effort": f"{REASONING}, 'Control how hard the model thinks'",
    "temperature": f"{REF_2025}, 'Create new response' (temperature, echoed in the response object)",
    "top_p": f"{REF_2025}, 'Create new response' (top_p, echoed in the response object)",
    "user": f"{REF_2025}, 'Create new response' (user, echoed in the response object)",
    "parallel_tool_calls": f"{REF_2025}, 'Create new response': parallel_tool_calls",
    "text": f"{REF_2025}, 'Create new response': text (settings for a text response)",
    "text.*": f"{REF_2025}, 'Create new response': text.format",
    "tool_choice": f"{REF_2025}, 'Create new response': tool_choice",
    "tool_choice.*": f"{REF_2025}, 'Create new response': tool_choice ({{\"type\": \"function\", ...}})",
    "tools": f"{REF_2025}, 'Create new response': tools (functions and web search, at most 128)",
    # Server-side search tools (issue 14; docs/api/tools-search.md). Which keys go with which `type`,
    # their limits and their formats are checked in emulator/search.py (TOOL_FIELDS).
    "tools[].type": f"{TOOLS_WEB}, SDK table: tool name `web_search`; {TOOLS_X}: `x_search`",
    "tools[].allowed_domains": f"{TOOLS_WEB}: allowed_domains (max 5)",
    "tools[].excluded_domains": f"{TOOLS_WEB}: excluded_domains (max 5)",
    "tools[].enable_image_understanding": f"{TOOLS_WEB}; {TOOLS_X}: enable_image_understanding",
    "tools[].allowed_x_handles": f"{TOOLS_X}: allowed_x_handles (max 20, without the @)",
    "tools[].excluded_x_handles": f"{TOOLS_X}: excluded_x_handles (max 20)",
    "tools[].from_date": f"{TOOLS_X}: from_date (YYYY-MM-DD)",
    "tools[].to_date": f"{TOOLS_X}: to_date (YYYY-MM-DD)",
    "tools[].enable_video_understanding": f"{TOOLS_X}: enable_video_understanding",
    "instructions": f"{LC_XAI}: 'Cannot be used with previous_response_id'",
}

_TOKENIZE: dict[str, str] = {
    "text": f"{REF_2025}, 'Tokenize text' request example",
    "model": f"{REF_2025}, 'Tokenize text' request example",
}

IMAGE_GENERATION = ("xAI 'Image Generation', docs.x.ai/developers/model-capabilities/images/generation "
                    "(2026 edition: grok-imagine-image; read 2026-12-01)")

_IMAGE_GENERATIONS: dict[str, str] = {
    **{name: f"{REF_2025}, 'Image generations' request example"
       for name in ("prompt", "model", "response_format", "n")},
    "aspect_ratio": f"{IMAGE_GENERATION}, 'Aspect Ratio' (default auto)",
    "resolution": f"{IMAGE_GENERATION}, intro: 'control over aspect ratio, resolution, and quality'",
}

# Endpoint ("METHOD /path" as routed, with {placeholders}) -> allowed body paths -> source.
# GET and DELETE endpoints take no body and no query parameters.
ALLOWED_FIELDS: dict[str, dict[str, str]] = {
    "POST /v1/chat/completions": _CHAT_COMPLETIONS,
    "POST /v1/responses": _RESPONSES,
    "POST /v1/tokenize-text": _TOKENIZE,
    "POST /v1/images/generations": _IMAGE_GENERATIONS,
}

# Query parameters accepted per endpoint (none are documented for the endpoints we serve).
ALLOWED_QUERY: dict[str, dict[str, str]] = {}

__all__ = ["ALLOWED_FIELDS", "ALLOWED_HEADERS", "ALLOWED_HEADER_PREFIXES", "ALLOWED_QUERY"]
