"""One stored response in full, fetched from the API, plus the actions both response screens share.

The browser (responses_screen.py) lists the local index; this screen asks the
server for the stored object (a worker, with a loading indicator) and shows the
reply as Markdown, the reasoning summary, usage, the previous_response_id chain
and, on demand, the raw JSON. Everything the model wrote is untrusted: it is
sanitised (`safe_text`) and drawn through Rich Markdown / Syntax / Text, never
parsed as markup. The rules for 404s, network faults, continue and branch live
in grokterm.chat.responses; this module only presents them.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from rich.console import Group
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Footer, Static

from grokterm.chat import responses as rs
from grokterm.chat.sources import ReplySources, reply_sources
from grokterm.store import ResponseIndexEntry
from grokterm.ui import format as fmt
from grokterm.ui.citations import has_inline_citations, reply_body, sources_block, tool_cost_line
from grokterm.ui.render import markdown_renderable, plain, safe_text
from grokterm.ui.safe import literal
from grokterm.ui.services import services
from grokterm.xai.errors import XAIError
from grokterm.xai.tools import citations_from_output, tool_calls_from_output, tool_usage_from_wire

if TYPE_CHECKING:
    from grokterm.ui.app import GrokApp

STYLES = Path(__file__).parent.parent / "styles" / "responses.tcss"
STATUS_STYLES = {"live": "green", "deleted": "red", "expired": "dim", "unknown": "yellow"}


def tell(app: Any, message: str, **options: Any) -> None:
    """A notification whose text (ids, server messages) is shown literally, never as markup."""
    if "title" in options:
        options["title"] = safe_text(options["title"])
    app.notify(safe_text(message), markup=False, **options)


def status_text(status: str) -> Text:
    return Text(status, style=STATUS_STYLES.get(status, ""))


def time_left(entry: ResponseIndexEntry, now: float) -> str:
    """'29d', '5h', '12m' while live; '—' once deleted, expired or unknown."""
    if rs.effective_status(entry, now) != "live":
        return "—"
    seconds = entry.seconds_left(now)
    if seconds >= 86400:
        return f"{int(seconds / 86400 + 0.5)}d"
    if seconds >= 3600:
        return f"{int(seconds / 3600 + 0.5)}h"
    return f"{max(1, int(seconds / 60 + 0.5))}m"


class ConfirmDialog(ModalScreen[bool]):
    """Yes/no before anything that cannot be undone; the safe answer has the focus."""

    CSS_PATH = STYLES
    BINDINGS = [
        Binding("escape,n", "answer(False)", "Cancel", id="confirm.cancel"),
        Binding("y", "answer(True)", "Confirm", id="confirm.yes"),
    ]

    def __init__(self, title: str, body: str, confirm_label: str = "Delete") -> None:
        super().__init__()
        self.title_text = title
        self.body = body
        self.confirm_label = confirm_label

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Static(literal(self.title_text), id="confirm-title")
            yield Static(literal(self.body), id="confirm-body")
            with Horizontal(id="confirm-buttons"):
                yield Button(literal(f"{self.confirm_label} (y)"), variant="error", id="confirm-yes")
                yield Button("Cancel (n)", id="confirm-no")

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm-yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class ResponseActions:
    """Continue, branch, delete, forget and copy: shared by the list and the detail screen.

    Mixed into a Screen. Each action runs in a worker of that screen, reports with a
    notification, and calls `responses_changed()` so the screen can redraw what changed.
    """

    is_responses_browser = True  # lets an action pop every browser screen before opening a tab

    @property
    def grok(self) -> GrokApp:
        """The app, typed (this mixin's `self` is always the Screen it is mixed into)."""
        return cast("GrokApp", cast("Screen[Any]", self).app)

    def responses_changed(self, acted_on: Sequence[str] = ()) -> None:  # overridden by the screens
        """Redraw after an action; `acted_on` lists ids deleted or forgotten (their marks go)."""

    # -- copy -------------------------------------------------------------------------
    def copy_id(self, response_id: str) -> None:
        self.grok.copy_to_clipboard(response_id)
        tell(self.grok, f"Copied {response_id}")

    # -- continue / branch ------------------------------------------------------------
    @work(group="responses-action", exclusive=True)
    async def continue_response(self, response_id: str, branch: bool = False) -> None:
        app = self.grok
        verb = "Branching from" if branch else "Continuing"
        tell(app, f"{verb} {response_id}…", timeout=3)
        try:
            target = await rs.continue_from(services(app).store, services(app).client, response_id, branch=branch,
                                            models=getattr(app, "models", ()))
        except rs.ResponseGone as gone:
            tell(app, str(gone), title="Not on the server", severity="error", timeout=10)
            self.responses_changed()
            return
        except XAIError as error:
            tell(app, f"{error}\nNothing was changed.", title="Could not reach the API", severity="error")
            return
        if branch:
            note = f"Branched from {response_id} into a new conversation."
        elif target.created:
            note = f"Continuing {response_id} in a new conversation (it is not the last reply of its own)."
        else:
            note = f"Continuing {response_id} in its own conversation (it is the last reply there)."
        app.call_later(_open_in_chat, app, target.conversation_id, note)

    # -- delete -------------------------------------------------------------------------
    def confirm_delete(self, ids: Sequence[str]) -> None:
        ids = list(ids)
        if not ids:
            return
        what = f"response {ids[0]}" if len(ids) == 1 else f"{len(ids)} responses"
        body = (f"Delete {what} on the server? This cannot be undone.\n"
                "The rows stay in this index, marked deleted, so you still know they existed.")

        def answered(yes: bool | None) -> None:
            if yes:
                self.delete_responses(ids)

        self.grok.push_screen(ConfirmDialog("Delete on the server", body), answered)

    @work(group="responses-action", exclusive=True)
    async def delete_responses(self, ids: list[str]) -> None:
        app = self.grok
        report = await rs.delete_many(services(app).store, services(app).client, ids)
        if len(ids) == 1 and report.gone:
            tell(app, rs.gone_message(*report.gone[0]), title="Not on the server", severity="warning", timeout=10)
        elif report.error is not None:
            tell(app, report.summary("deleted") + ".", title="Could not reach the API", severity="error",
                       timeout=10)
        else:
            tell(app, report.summary("deleted") + ".", severity="warning" if report.gone else "information")
        self.responses_changed([*report.done, *(response_id for response_id, _ in report.gone)])

    # -- forget -------------------------------------------------------------------------
    def confirm_forget(self, ids: Sequence[str]) -> None:
        ids = list(ids)
        if not ids:
            return
        what = f"response {ids[0]}" if len(ids) == 1 else f"{len(ids)} responses"
        body = (f"Forget {what}? Only this local index entry is removed; the server copy is untouched.\n"
                "The API cannot list stored responses, so a forgotten id cannot be found here again.")

        def answered(yes: bool | None) -> None:
            if yes:
                self.forget_responses(ids)

        self.grok.push_screen(ConfirmDialog("Forget locally", body, confirm_label="Forget"), answered)

    @work(group="responses-action", exclusive=True)
    async def forget_responses(self, ids: list[str]) -> None:
        removed = await asyncio.to_thread(rs.forget, services(self.grok).store, ids)
        tell(self.grok, f"Forgot {removed} response(s) locally.")
        self.responses_changed(ids)


def _open_in_chat(app: Any, conversation_id: int, note: str) -> None:
    """Close the response screens and open the conversation in a tab."""
    while len(app.screen_stack) > 1 and getattr(app.screen, "is_responses_browser", False):
        app.pop_screen()
    opener = getattr(app, "open_conversation_by_id", None)
    if opener is not None:
        app.run_worker(opener(conversation_id), group="responses-open")
    tell(app, note)


class ResponseDetailScreen(ResponseActions, Screen):
    """The stored response as the API returns it now (or why it cannot)."""

    CSS_PATH = STYLES
    AUTO_FOCUS = "#detail-body"
    BINDINGS = [
        Binding("escape", "back", "Back", id="response.back"),
        Binding("c", "continue", "Continue", id="response.continue"),
        Binding("b", "branch", "Branch", id="response.branch"),
        Binding("d", "delete", "Delete", id="response.delete"),
        Binding("f", "forget", "Forget", id="response.forget"),
        Binding("y", "copy_id", "Copy id", id="response.copy_id"),
        Binding("j", "toggle_json", "Raw JSON", id="response.json"),
        Binding("p", "previous", "Previous", id="response.previous"),
        Binding("r,ctrl+r", "reload", "Reload", show=False, id="response.reload"),
    ]

    def __init__(self, response_id: str, entry: ResponseIndexEntry | None = None, *,
                 now: Callable[[], float] = time.time, response: Any = None) -> None:
        super().__init__()
        self.response_id = response_id
        self.entry = entry
        self.now = now
        self.response = response  # a ResponseObject once fetched (or handed over by "open by id")
        self.chain: rs.Chain | None = None
        self.gone: str | None = None  # the 404 message, when the server does not have it

    def compose(self) -> ComposeResult:
        yield Static(plain(f"Response {self.response_id}", "bold"), id="detail-title")
        yield Static(id="detail-meta")
        with VerticalScroll(id="detail-body"):
            yield Static(id="detail-problem")
            yield Static("Reply", classes="detail-section")
            yield Static(id="detail-text")
            yield Static("Reasoning summary", classes="detail-section")
            yield Static(id="detail-reasoning")
            yield Static("Sources (web and X search)", classes="detail-section", id="detail-sources-title")
            yield Static(id="detail-sources")
            yield Static("Usage", classes="detail-section")
            yield Static(id="detail-usage")
            yield Static("Chain (previous_response_id, oldest first)", classes="detail-section")
            yield Static(id="detail-chain")
            yield Static("Raw JSON", classes="detail-section detail-json")
            yield Static(id="detail-json", classes="detail-json")
        yield Static(
            "c continue (in its conversation if this is its last reply, else branch) · b branch (new "
            "conversation) · d delete on server · f forget locally · j JSON",
            id="detail-help",
        )
        yield Footer()

    def on_mount(self) -> None:
        for widget in self.query(".detail-json"):
            widget.display = False
        self.query_one("#detail-problem").display = False
        self._show_sources(ReplySources())
        self._show_meta()
        if self.response is not None:
            self._show_response()
            self.load_chain()
        else:
            self.load()

    # -- loading --------------------------------------------------------------------------
    @work(exclusive=True, group="response-load")
    async def load(self) -> None:
        body = self.query_one("#detail-body")
        body.loading = True
        try:
            fetched = await rs.fetch(services(self).store, services(self).client, self.response_id,
                                     models=getattr(self.app, "models", ()))
        except rs.ResponseGone as gone:
            self.entry = gone.entry
            self.gone = str(gone)
            await self._show_gone(gone)
            return
        except XAIError as error:
            tell(self.app, f"{error}\nThe index is unchanged.", title="Could not reach the API", severity="error")
            self._problem(f"Could not fetch it: {error}\nThe index is unchanged; press r to try again.")
            return
        finally:
            body.loading = False
        self.response, self.entry, self.gone = fetched.response, fetched.entry, None
        self._show_meta()
        self._show_response()
        self.load_chain()

    @work(exclusive=True, group="response-chain")
    async def load_chain(self) -> None:
        chain_view = self.query_one("#detail-chain", Static)
        if not self.response.previous_response_id:
            chain_view.update(Text("This response starts its chain (no previous_response_id).", style="dim"))
            return
        chain_view.update(Text("following previous_response_id…", style="dim italic"))
        self.chain = await rs.walk_chain(services(self).store, services(self).client, self.response)
        chain_view.update(self._chain_renderable(self.chain))  # display-safe: Text of plain() parts

    # -- drawing --------------------------------------------------------------------------
    def _show_meta(self) -> None:
        entry, now = self.entry, self.now()
        meta = Text()
        model = (self.response.model if self.response is not None else None) or (entry.model if entry else None)
        meta.append_text(plain(model or "model ?", "bold"))
        if entry is not None:
            status = rs.effective_status(entry, now)
            meta.append("  ·  ")
            meta.append_text(status_text(status))
            meta.append(f"  ·  created {fmt.timestamp(entry.created_at)}")
            if status == "live":
                meta.append(f"  ·  expires {fmt.timestamp(entry.expires_at)} ({time_left(entry, now)} left)")
            meta.append("  ·  conversation ")
            meta.append_text(plain(entry.conversation_title or "(none here)", "italic"))
        else:
            meta.append("  ·  not in the local index")
        self.query_one("#detail-meta", Static).update(meta)  # display-safe: Text of plain() parts

    def _problem(self, message: str) -> None:
        problem = self.query_one("#detail-problem", Static)
        problem.update(plain(message, "bold"))
        problem.display = True

    def _show_response(self) -> None:
        response = self.response
        self.query_one("#detail-problem").display = False
        code_theme = getattr(self.app, "code_theme", "monokai")
        usage = response.usage.model_dump() if response.usage is not None else None
        found = ReplySources(citations_from_output(response.output), tool_calls_from_output(response.output),
                             tool_usage_from_wire(usage))
        self._show_text(response.output_text, found, code_theme)
        self._show_sources(found)
        reasoning = response.reasoning_text
        self.query_one("#detail-reasoning", Static).update(
            plain(reasoning, "italic") if reasoning else Text("(none returned)", style="dim"))
        self.query_one("#detail-usage", Static).update(self._usage_renderable())  # display-safe: numbers
        raw = json.dumps(rs.response_json(response), indent=2, ensure_ascii=False)
        self.query_one("#detail-json", Static).update(
            # display-safe: Syntax: no markup
            Syntax(safe_text(raw), "json", theme=code_theme, word_wrap=True, background_color="default"))

    def _show_text(self, text: str, found: ReplySources, code_theme: str) -> None:
        """The reply; with citations, its inline `[[n]](url)` links become `[k]` markers."""
        body = self.query_one("#detail-text", Static)
        if text and found.citations and has_inline_citations(text):
            body.update(reply_body(text, found.citations, code_theme))  # display-safe: sanitised, no markup
        elif text:
            body.update(markdown_renderable(text, code_theme))
        else:
            body.update(Text("(no text output)", style="dim"))

    def _show_sources(self, found: ReplySources) -> None:
        """The response's citations and search calls (the section is hidden when it used no search)."""
        block = sources_block(found)
        cost = tool_cost_line(found)
        for selector in ("#detail-sources-title", "#detail-sources"):
            self.query_one(selector).display = block is not None
        if block is not None:
            parts = [block, Text(cost, style="dim")] if cost else [block]
            self.query_one("#detail-sources", Static).update(Group(*parts))  # display-safe: Text of sanitised parts

    def _usage_renderable(self) -> Table | Text:
        usage = rs.reply_usage(self.response, getattr(self.app, "models", ()))
        if usage is None:
            return Text("(not reported)", style="dim")
        table = Table.grid(padding=(0, 2))
        for _ in ("input", "cached", "output", "reasoning", "image"):
            table.add_column(justify="right")
        table.add_column()
        table.add_row("input", "cached", "output", "reasoning", "image", "cost", style="dim")
        table.add_row(*(fmt.tokens(getattr(usage, f"{name}_tokens")) for name in
                        # display-safe: numbers
                        ("input", "cached", "output", "reasoning", "image")), fmt.dollars(usage.cost_ticks))
        return table

    def _chain_renderable(self, chain: rs.Chain) -> Group:
        lines: list[Text] = []
        for number, link in enumerate(chain.links, 1):
            line = Text(f"{number:>2}. ")
            line.append_text(plain(link.response_id))
            line.append("  ")
            line.append_text(status_text(link.status))
            if link.source == "index":
                line.append("  (local index)", style="dim")
            if link.preview:
                line.append("  ")
                line.append_text(plain(" ".join(link.preview.split())[:60], "dim"))
            lines.append(line)
        lines.append(Text(f"{len(chain.links) + 1:>2}. this response", style="bold"))
        if chain.note:
            lines.append(plain(chain.note, "yellow"))
        return Group(*lines)

    async def _show_gone(self, gone: rs.ResponseGone) -> None:
        self._show_meta()
        message = f"{gone}\nThe row is now marked {gone.status}."
        local = None
        if gone.entry is not None and gone.entry.message_id is not None:
            local = await asyncio.to_thread(services(self).store.get_message, gone.entry.message_id)
        if local is not None and local.text:
            message += " Below is the local copy of the reply from its conversation."
            stored = await asyncio.to_thread(services(self).store.sources_of, [local.id])
            found = reply_sources(stored.get(local.id))
            self._show_text(local.text, found, getattr(self.app, "code_theme", "monokai"))
            self._show_sources(found)
            self.query_one("#detail-reasoning", Static).update(
                plain(local.reasoning, "italic") if local.reasoning else Text("(none kept)", style="dim"))
        self._problem(message)

    # -- actions --------------------------------------------------------------------------
    def responses_changed(self, acted_on: Sequence[str] = ()) -> None:
        self.refresh_entry()

    @work(exclusive=True, group="response-entry")
    async def refresh_entry(self) -> None:
        self.entry = await asyncio.to_thread(services(self).store.get_response_entry, self.response_id)
        self._show_meta()

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_continue(self) -> None:
        self.continue_response(self.response_id)

    def action_branch(self) -> None:
        self.continue_response(self.response_id, branch=True)

    def action_delete(self) -> None:
        self.confirm_delete([self.response_id])

    def action_forget(self) -> None:
        self.confirm_forget([self.response_id])

    def action_copy_id(self) -> None:
        self.copy_id(self.response_id)

    def action_toggle_json(self) -> None:
        if self.response is None:
            tell(self.app, "Nothing fetched: no JSON to show.", severity="warning")
            return
        widgets = list(self.query(".detail-json"))
        show = not widgets[0].display
        for widget in widgets:
            widget.display = show
        if show:
            self.query_one("#detail-body", VerticalScroll).scroll_to_widget(widgets[0], top=True)

    def action_previous(self) -> None:
        previous = self.response.previous_response_id if self.response is not None else None
        if not previous:
            tell(self.app, "No previous response in this chain.", severity="warning")
            return
        self.app.push_screen(ResponseDetailScreen(previous, now=self.now))

    def action_reload(self) -> None:
        self.load()
