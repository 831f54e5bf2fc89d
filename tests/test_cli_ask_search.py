"""`grokterm ask --search`: tools sent, sources printed, citations and tool usage in --json, clear refusals."""

from __future__ import annotations

import json
import re

from test_cli_ask import ask


def test_ask_search_web_x_json_lists_citations_and_tool_usage(emulator) -> None:
    result = ask(emulator, "--search", "web,x", "--json", "What is new at xAI?")
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    urls = [citation["url"] for citation in body["citations"]]
    assert len(urls) == 5 and len(set(urls)) == 5
    assert any(url.startswith("https://x.com/") for url in urls)
    assert all(set(citation) == {"url", "title"} for citation in body["citations"])
    titled = [c for c in body["citations"] if c["title"]]
    assert titled and all(c["title"] != c["url"] for c in body["citations"])
    assert body["tool_usage"]["calls"] == {"web_search": 1, "x_search": 1}
    assert body["tool_usage"]["estimated_cost_ticks"] == 100_000_000
    assert [call["tool"] for call in body["tool_calls"]] == ["web_search", "x_search"]
    assert body["cost_ticks"] > 100_000_000  # the server's bill includes the two calls
    sent = emulator.state.requests[-1].json
    assert sent["tools"] == [{"type": "web_search"}, {"type": "x_search"}]


def test_plain_output_ends_with_numbered_sources(emulator) -> None:
    result = ask(emulator, "--search", "web", "--search-domain", "arxiv.org", "!echo Found it.", "tell me")
    assert result.returncode == 0, result.stderr
    text = result.stdout.decode()
    answer, _, sources = text.partition("\nSources:\n")
    assert "Found it." in answer
    lines = sources.splitlines()
    assert lines[0].startswith("[1] ") and lines[0].endswith("\u2014 arxiv.org")
    assert lines[1].strip().startswith("https://arxiv.org/")
    assert [line.split()[0] for line in lines[::2]] == ["[1]", "[2]", "[3]"]  # a single domain: 3 results
    sent = emulator.state.requests[-1].json
    assert sent["tools"] == [{"type": "web_search", "allowed_domains": ["arxiv.org"]}]


def test_x_filters_imply_x_search(emulator) -> None:
    result = ask(emulator, "--x-handle", "@xai", "--from-date", "2026-01-01", "--json", "latest posts")
    assert result.returncode == 0, result.stderr
    sent = emulator.state.requests[-1].json
    assert sent["tools"] == [{"type": "x_search", "allowed_x_handles": ["xai"], "from_date": "2026-01-01"}]
    assert all(c["url"].startswith("https://x.com/xai/") for c in json.loads(result.stdout)["citations"])


def test_bad_filters_are_usage_errors_before_any_request(emulator) -> None:
    result = ask(emulator, "--search-domain", "a.com", "--exclude-domain", "b.com", "question")
    assert result.returncode == 2
    assert b"not both" in result.stderr
    assert ask(emulator, "--search", "web,mars", "q").returncode == 2
    assert ask(emulator, "--x-handle", "x", "--from-date", "yesterday", "q").returncode == 2
    assert not emulator.state.requests


def test_refused_search_gives_a_clear_message(emulator) -> None:
    result = ask(emulator, "-m", "grok-3", "--search", "web", "question")
    assert result.returncode == 9
    assert b"does not support server-side tools" in result.stderr
    chat = ask(emulator, "--api-style", "chat", "--search", "x", "question")
    assert chat.returncode == 9 and b"need the Responses API" in chat.stderr


def test_search_that_finds_nothing_or_fails_still_answers(emulator) -> None:
    empty = ask(emulator, "--search", "web", "--json", "!search-empty obscure thing")
    body = json.loads(empty.stdout)
    assert empty.returncode == 0 and body["citations"] == [] and "found no results" in body["text"]
    failed = ask(emulator, "--search", "web", "--json", "!search-fail obscure thing")
    body = json.loads(failed.stdout)
    assert failed.returncode == 0 and body["citations"] == []
    assert body["tool_calls"][0]["status"] == "failed" and body["tool_usage"] is None


def test_responses_show_lists_a_stored_responses_sources(emulator) -> None:
    from test_cli_ask import run_cli

    asked = ask(emulator, "--search", "web", "--json", "grokterm release notes")
    response_id = json.loads(asked.stdout)["response_id"]
    shown = run_cli("responses", "show", response_id, "--base-url", emulator.base_url,
                    "--api-key", emulator.api_key)
    assert shown.returncode == 0, shown.stderr
    text = shown.stdout.decode()
    assert "--- reply ---" in text
    assert "\nSources:\n[1] Grokterm Release Notes - Wikipedia \u2014 en.wikipedia.org" in text
    assert "[[" not in text and " [1] [2] [3]" in text  # inline citations as footnotes, as `ask` prints them
    continued = run_cli("--base-url", emulator.base_url, "--api-key", emulator.api_key, "responses", "continue",
                        response_id, "!echo more in [[1]](https://c.example/)")
    assert continued.returncode == 0, continued.stderr
    assert continued.stdout.decode() == "more in [1]\n\nSources:\n[1] c.example\n    https://c.example/\n"


def test_plain_output_shows_inline_citations_as_footnotes(emulator) -> None:
    """`[[n]](url)` prints as `[k]`; line [k] of "Sources:" is that URL (numbered by first use in the
    text, as the TUI's markers point at its sources block); --json keeps the raw text."""
    result = ask(emulator, "--search", "web,x", "What is new at xAI?")
    assert result.returncode == 0, result.stderr
    answer, _, sources = result.stdout.decode().partition("\nSources:\n")
    assert "[[" not in answer and "](http" not in answer and "[1] [2] [3] [4] [5]" in answer
    body = json.loads(ask(emulator, "--search", "web,x", "--json", "What is new at xAI?").stdout)
    assert "[[1]](" in body["text"]
    inline = re.findall(r"\[\[\d+\]\]\((\S+?)\)(?:\s|$)", body["text"])
    listed = [line.strip() for line in sources.splitlines() if not line.startswith("[")]
    assert listed[: len(inline)] == inline and len(listed) == 5  # [k] in the text is line [k] below
    for mode in ([], ["--no-stream"]):
        same = ask(emulator, *mode, "--search", "web,x", "What is new at xAI?")
        assert same.stdout == result.stdout, mode


def test_cited_urls_reach_the_sources_list_only_through_the_sanitiser(emulator) -> None:
    text = ("See [[1]](https://a.example/x_(y)) and [[2]](javascript:alert(1)) then [[1]](https://a.example/x_(y))"
            " and [[7]](https://b.example/\x1b]0;pwned\x07t) and [[x]](not-a-citation) [[3]] end")
    result = ask(emulator, f"!echo {text}")
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode()
    answer, _, sources = out.partition("\nSources:\n")
    assert answer.rstrip("\n") == "See [1] and [2] then [1] and [3] and [[x]](not-a-citation) [[3]] end"
    assert sources.splitlines() == ["[1] a.example", "    https://a.example/x_(y)", "[2] source",
                                    "    javascript:alert(1)", "[3] b.example", "    https://b.example/t"]
    assert "\x1b" not in out and "\x07" not in out and "pwned" not in out
