"""Deterministic Markdown replies (and reasoning text) chosen from the prompt.

The same prompt always gets the same answer, so tests, snapshots and demos are
repeatable. Every templated reply quotes the first words of the prompt and
contains paragraphs, a bullet list, a fenced code block and a table, so the
client's Markdown rendering is exercised on every turn.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

from grokterm.emulator.catalogue import ModelInfo
from grokterm.emulator.context import ContextMessage
from grokterm.emulator.directives import Directives
from grokterm.emulator.tokenizer import count_tokens

QUOTE_WORDS = 8
STOPWORDS = frozenset(
    ["a", "an", "and", "are", "can", "could", "do", "does", "for", "from", "how", "i", "in", "is", "it", "me", "my",
     "of", "on", "or", "please", "should", "tell", "the", "this", "to", "what", "when", "where", "which", "who", "why",
     "will", "with", "would", "you", "your", "about", "explain", "show", "give", "write", "make", "compare", "vs",
     "versus"]
)
KEYWORDS: dict[str, tuple[str, ...]] = {
    "code": ("code", "python", "function", "bug", "script", "program", "rust", "javascript", "bash", "class",
             "compile", "error", "regex", "sql"),
    "compare": ("compare", "comparison", "versus", "vs", "difference", "differences", "better", "table"),
    "steps": ("how", "steps", "guide", "install", "setup", "configure", "tutorial", "plan"),
}
FILLER_WORDS = ["lorem", "ipsum", "dolor", "sit", "amet", "consectetur", "adipiscing", "elit", "sed", "do", "eiusmod",
                "tempor", "incididunt", "ut", "labore", "et", "dolore", "magna", "aliqua", "enim", "ad", "minim",
                "veniam", "quis", "nostrud"]


@dataclass(frozen=True)
class Reply:
    text: str
    reasoning: str  # "" when the model does not reason


def compose_reply(
    context: list[ContextMessage], last_user: ContextMessage | None, directives: Directives,
    model: ModelInfo, effort: str | None,
) -> Reply:
    images = last_user.images if last_user else ()
    if directives.echo is not None:
        text = directives.echo
    else:
        parts = []
        if images:
            noun = "image" if len(images) == 1 else "images"
            lines = "\n".join(f"- {image.describe(i)}" for i, image in enumerate(images, 1))
            parts.append(f"I received {len(images)} {noun}:\n\n{lines}")
        if directives.recall:
            parts.append(recall_text(context, last_user))
        elif directives.long is not None:
            parts.append(long_text(directives.long, directives.prompt))
        elif directives.prompt or not images:
            parts.append(template_text(directives.prompt, model))
        text = "\n\n".join(parts)
    reasoning = reasoning_text(directives, model, effort, len(images)) if model.is_reasoning else ""
    return Reply(text=text, reasoning=reasoning)


# ---------------------------------------------------------------- directives


def recall_text(context: list[ContextMessage], last_user: ContextMessage | None) -> str:
    earlier = [m for m in context if m.role == "user" and m is not last_user]
    if not earlier:
        return "No earlier user messages in this context."
    lines = []
    for number, message in enumerate(earlier, 1):
        line = " ".join(message.text.split()) or "(no text)"
        if message.images:
            line += f" [{len(message.images)} image{'s' if len(message.images) > 1 else ''}]"
        lines.append(f"{number}. {line}")
    return f"Earlier user messages in this context ({len(earlier)}):\n\n" + "\n".join(lines)


def long_text(tokens: int, prompt: str) -> str:
    """Markdown of exactly `tokens` tokens: whole sections, then filler words."""
    topic = _topic(prompt)
    sections: list[str] = []
    used = 0
    number = 1
    while True:
        section = _long_section(number, topic)
        cost = count_tokens(section) + 2  # sections start and end with punctuation: "\n\n" is 2 tokens
        if used + cost > tokens - 8:
            break
        sections.append(section)
        used += cost
        number += 1
    head = "\n\n".join(sections)
    head = head + "\n\n" if head else ""
    words = FILLER_WORDS
    count = max(tokens - count_tokens(head), 0)
    filler = [words[i % len(words)] for i in range(count)]
    text = head + " ".join(filler)
    while count_tokens(text) > tokens and filler:  # adjust for tokenizer joins
        filler.pop()
        text = head + " ".join(filler)
    while count_tokens(text) < tokens:
        filler.append(words[len(filler) % len(words)])
        text = head + " ".join(filler)
    return text


def _long_section(number: int, topic: str) -> str:
    kind = number % 4
    if kind == 1:
        return (
            f"## Part {number}: {topic.capitalize()}\n\n"
            f"Section {number} looks at {topic} from another angle. Each part of this long answer is built "
            f"the same way, so the reply can grow to any length while staying valid Markdown."
        )
    if kind == 2:
        return "\n".join(f"- Point {number}.{i}: {topic} detail number {i}" for i in range(1, 5))
    if kind == 3:
        return (
            f"```python\ndef part_{number}(values: list[int]) -> int:\n"
            f"    \"\"\"Sum the values of part {number}.\"\"\"\n    return sum(v * {number} for v in values)\n```"
        )
    return (
        f"| Part | Item | Value |\n|---|---|---|\n| {number} | alpha | {number * 3} |\n"
        f"| {number} | beta | {number * 7} |"
    )


# ---------------------------------------------------------------- templates


def choose_template(prompt: str) -> str:
    words = set(re.findall(r"[a-z]+", prompt.lower()))
    for name, keys in KEYWORDS.items():
        if words.intersection(keys):
            return name
    return ("explain", "summary")[zlib.crc32(prompt.encode("utf-8")) % 2]


def template_text(prompt: str, model: ModelInfo) -> str:
    name = choose_template(prompt)
    quote = _quote(prompt)
    topic = _topic(prompt)
    language = _language(prompt)
    seed = zlib.crc32(prompt.encode("utf-8"))
    words = len(prompt.split())
    return TEMPLATES[name](quote=quote, topic=topic, language=language, seed=seed, words=words, model=model.id)


def _explain(quote: str, topic: str, language: str, seed: int, words: int, model: str) -> str:
    return f"""You asked: “{quote}”. Here is a short, structured answer about **{topic}**.

## Overview

{topic.capitalize()} is easiest to understand in small pieces. This reply is generated by the grokterm emulator, so the same prompt always gets the same answer.

- **Context:** what {topic} is and where it shows up.
- **Mechanics:** how the parts fit together.
- **Pitfalls:** the mistakes people make most often.

```{language}
{_snippet(language, topic, seed)}
```

| Aspect | Detail |
|---|---|
| Prompt words | {words} |
| Template | explain |
| Model | {model} |

Ask a follow-up question to go deeper."""


def _summary(quote: str, topic: str, language: str, seed: int, words: int, model: str) -> str:
    return f"""**Summary** of “{quote}”

In short: {topic} comes down to a few ideas that build on each other. The emulator answers deterministically, variant {seed % 97}.

1. Start with the simplest case.
2. Add one rule at a time.
3. Check each step before moving on.

Key facts:

- It is repeatable.
- It is testable.

```{language}
{_snippet(language, topic, seed)}
```

| Idea | Why it matters |
|---|---|
| Simplicity | fewer surprises |
| Repetition | same prompt, same answer |

That covers the essentials for {model}."""


def _code(quote: str, topic: str, language: str, seed: int, words: int, model: str) -> str:
    return f"""Here is a {language} example for “{quote}”.

```{language}
{_snippet(language, topic, seed)}
```

How it works:

- The function takes plain inputs and returns a plain value.
- There is no hidden state, so it is easy to test.
- Edge cases (empty input) are handled first.

| Input | Output |
|---|---|
| `[]` | `0` |
| `[1, 2, 3]` | `6` |

Run it, then adapt the names to your own {topic} code."""


def _compare(quote: str, topic: str, language: str, seed: int, words: int, model: str) -> str:
    return f"""Comparing the options in “{quote}”:

| Criterion | Option A | Option B |
|---|---|---|
| Speed | fast | faster |
| Simplicity | high | medium |
| Cost | low | {seed % 9 + 1} units |

Summary of the trade-offs:

- **Option A** is simpler to start with.
- **Option B** pays off at scale.

```{language}
{_snippet(language, topic, seed)}
```

Pick the one that fits your {topic} constraints today; switching later is cheap."""


def _steps(quote: str, topic: str, language: str, seed: int, words: int, model: str) -> str:
    return f"""Step by step, for “{quote}”:

1. **Prepare** everything {topic} needs.
2. **Run** the first command below.
3. **Verify** the result before going further.

```{language}
{_snippet(language, topic, seed)}
```

Things to watch:

- Read error messages fully.
- Change one thing at a time.

| Step | Expected result |
|---|---|
| 1 | ready |
| 2 | output printed |
| 3 | checks pass |

You are done once every row of the table matches."""


TEMPLATES = {"explain": _explain, "summary": _summary, "code": _code, "compare": _compare, "steps": _steps}


def _snippet(language: str, topic: str, seed: int) -> str:
    name = re.sub(r"\W+", "_", topic.lower()).strip("_") or "answer"
    if language == "rust":
        return f"fn {name}(values: &[i64]) -> i64 {{\n    values.iter().sum::<i64>() + {seed % 10}\n}}"
    if language == "javascript":
        return f"function {name}(values) {{\n  return values.reduce((a, b) => a + b, {seed % 10});\n}}"
    if language == "bash":
        return f"#!/usr/bin/env bash\nset -euo pipefail\necho \"{topic}: step {seed % 10}\""
    return (f"def {name}(values: list[int]) -> int:\n"
            f"    \"\"\"Add up the values (variant {seed % 10}).\"\"\"\n    return sum(values)")


def _language(prompt: str) -> str:
    words = set(re.findall(r"[a-z]+", prompt.lower()))
    if "rust" in words:
        return "rust"
    if words & {"javascript", "js", "typescript", "node"}:
        return "javascript"
    if words & {"bash", "shell", "install", "setup", "terminal"}:
        return "bash"
    return "python"


def _quote(prompt: str) -> str:
    words = prompt.split()
    if not words:
        return "(an empty message)"
    quote = " ".join(words[:QUOTE_WORDS])
    return quote + ("…" if len(words) > QUOTE_WORDS else "")


def _topic(prompt: str) -> str:
    words = [w for w in re.findall(r"[A-Za-z][A-Za-z0-9+#-]*", prompt) if w.lower() not in STOPWORDS]
    return " ".join(words[:3]).lower() if words else "your question"


# ---------------------------------------------------------------- reasoning


def reasoning_text(directives: Directives, model: ModelInfo, effort: str | None, images: int) -> str:
    if directives.echo is not None:
        return "The user asked me to repeat their text exactly, so I will echo it without changes."
    quote = _quote(directives.prompt)
    paragraphs = [f"First, the user wrote “{quote}”. Let me work out what they want."]
    if images:
        paragraphs[0] += f" They attached {images} image{'s' if images > 1 else ''}; I should describe what arrived."
    if effort != "low":
        kind = "recall" if directives.recall else choose_template(directives.prompt)
        paragraphs.append(
            f"This looks like {_article(kind)} {kind} request about {_topic(directives.prompt)}. A good answer "
            "has a short overview, a few key points, a small example and a table."
        )
    if effort == "high":
        paragraphs.append(
            "Checking the details again: keep it concise, use Markdown headings, and make sure the code block "
            "is runnable as written."
        )
    return "\n\n".join(paragraphs)


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"
