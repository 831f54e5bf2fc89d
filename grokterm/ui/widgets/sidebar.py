"""The sidebar: model and prices, usage and cost, speed, reasoning summary, response id.

It only displays what it is given (`show_model`, `show_message`, `show_totals`);
the conversation pane decides what is selected.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from grokterm.ui import format as fmt
from grokterm.ui.citations import source_line, tool_call_line, tool_cost_line
from grokterm.ui.message_data import MessageData
from grokterm.ui.render import plain
from grokterm.ui.services import grok_app
from grokterm.xai.usage import Usage


def _usage_table(usage: Usage | None, cost_ticks: int | None) -> Table:
    table = Table.grid(padding=(0, 1))
    table.add_column(style="dim")
    table.add_column(justify="right")
    u = usage or Usage()
    table.add_row("input", fmt.tokens(u.input_tokens))
    table.add_row("cached", fmt.tokens(u.cached_tokens))
    table.add_row("output", fmt.tokens(u.output_tokens))
    table.add_row("reasoning", fmt.tokens(u.reasoning_tokens))
    table.add_row("image", fmt.tokens(u.image_tokens))
    table.add_row("cost", fmt.dollars(cost_ticks))
    return table


class Sidebar(VerticalScroll):
    """Toggleable panel on the right of the chat screen."""

    def compose(self) -> ComposeResult:
        yield Static("model", classes="sidebar-title")
        yield Static("", id="sidebar-model")
        yield Static("selected reply", classes="sidebar-title")
        yield Static("no reply selected", id="sidebar-reply")
        yield Static("conversation", classes="sidebar-title")
        yield Static("", id="sidebar-totals")
        yield Static("sources", classes="sidebar-title", id="sidebar-sources-title")
        yield Static("—", id="sidebar-sources")
        yield Static("reasoning summary", classes="sidebar-title")
        yield Static("—", id="sidebar-reasoning")
        yield Static("response", classes="sidebar-title")
        yield Static("—", id="sidebar-response")

    def show_model(self, model_id: str, model=None) -> None:
        """`model` is a grokterm.xai LanguageModel when known (prices, modalities)."""
        text = Text()
        text.append_text(plain(model_id, "bold"))
        if model is not None:
            inputs = getattr(model, "input_modalities", None) or []
            if "image" in inputs:
                text.append("  [vision]", style="green")
            text.append_text(plain("\n" + fmt.model_prices(model)))
        self.query_one("#sidebar-model", Static).update(text)  # display-safe: Text of plain() parts

    def on_mount(self) -> None:
        self.show_sources(None)

    def show_sources(self, data: MessageData | None) -> None:
        """The selected reply's sources and search calls with their cost; hidden without search."""
        sources = data.sources if data is not None else None
        title = self.query_one("#sidebar-sources-title", Static)
        box = self.query_one("#sidebar-sources", Static)
        if sources is None or sources.empty:
            title.display = box.display = False
            return
        title.display = box.display = True
        lines = [source_line(number, c) for number, c in enumerate(sources.citations, 1)]
        lines += [tool_call_line(call) for call in sources.tool_calls]
        cost = tool_cost_line(sources)
        if cost:
            lines.append(Text(cost, style="dim"))
        # display-safe: Text lines from source_line/tool_call_line, every outside part sanitised
        box.update(Text("\n").join(lines) if lines else "—")

    def show_message(self, data: MessageData | None, cost_ticks: int | None = None) -> None:
        self.show_sources(data)
        reply = self.query_one("#sidebar-reply", Static)
        reasoning = self.query_one("#sidebar-reasoning", Static)
        response = self.query_one("#sidebar-response", Static)
        if data is None or data.role != "assistant":
            reply.update("no reply selected")
            reasoning.update("—")
            response.update("—")
            return
        table = _usage_table(data.usage, cost_ticks)
        if data.ttft_ms is not None:
            table.add_row("first token", f"{data.ttft_ms:d} ms")
        if data.tokens_per_s:
            table.add_row("speed", f"{data.tokens_per_s:.0f} tok/s")
        reply.update(table)  # display-safe: numbers
        reasoning.update(plain(data.reasoning, "italic") if data.reasoning else "—")
        if data.response_id:
            text = plain(data.response_id, "bold")
            text.append("\n")
            if data.stored:
                text.append(fmt.expiry(data.created_at, now=grok_app(self).context.clock()), style="dim")
            else:
                text.append("not stored on the server (sent with store: false): no expiry", style="dim")
            response.update(text)  # display-safe: Text of plain() parts
        else:
            response.update("—")

    def show_totals(self, usage: Usage, cost_ticks: int | None, replies: int) -> None:
        table = _usage_table(usage, cost_ticks)
        table.add_row("replies", f"{replies:d}")
        self.query_one("#sidebar-totals", Static).update(table)  # display-safe: numbers
