"""The stored-responses browser: every response id the app knows, from the local index.

Why a local table: the API keeps a response stored with `store: true` for 30
days and can GET or DELETE it, but has no endpoint that lists them. The index
is loaded from the store in a worker thread, then filtered and sorted in memory
(tens of thousands of rows take milliseconds); only the first MAX_ROWS matches
are put in the DataTable so drawing stays quick. Enter opens a row in
ResponseDetailScreen, which fetches the full stored object from the API.

Everything time-dependent (days left, expired) is computed from `now`, which a
snapshot test freezes.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Input, Select, Static

from grokterm.chat import responses as rs
from grokterm.store import ResponseIndexEntry
from grokterm.store.display import one_line
from grokterm.ui import format as fmt
from grokterm.ui.render import safe_text
from grokterm.ui.screens.response_detail import STYLES, ResponseActions, ResponseDetailScreen, tell, time_left
from grokterm.ui.services import services
from grokterm.xai.errors import XAIError

log = logging.getLogger(__name__)

MAX_INDEX_ROWS = 1_000_000  # read them all: the index is the whole catalogue
MAX_ROWS = 1_000  # rows put in the table at once (filter or sort to reach others): keeps redraws fast
EXPIRING_SOON_SECONDS = 3 * 24 * 3600  # "days left" turns yellow  # rows put in the table at once; filter to see others
SORTS = ("created", "expires", "cost", "model", "tokens")
SORT_KEYS: dict[str, Callable[[ResponseIndexEntry], Any]] = {
    "created": lambda e: e.created_at,
    "expires": lambda e: e.expires_at,
    "cost": lambda e: e.cost_ticks or 0,
    "model": lambda e: (e.model or "").lower(),
    "tokens": lambda e: (e.input_tokens or 0) + (e.output_tokens or 0) + (e.reasoning_tokens or 0),
}
COLUMN_SORTS = {"created": "created", "model": "model", "tokens": "tokens", "cost": "cost", "expires": "expires"}
COLUMNS = (  # key, label, width
    ("mark", " ", 1), ("created", "Created", 16), ("model", "Model", 14), ("conversation", "Conversation", 20),
    ("prompt", "Prompt", 22), ("reply", "Reply", 22), ("tokens", "Tokens", 7), ("cost", "Cost", 9),
    ("expires", "Left", 4), ("status", "Status", 8),
)
STATUS_OPTIONS = [("every status", "all"), ("live", "live"), ("expired", "expired"), ("deleted", "deleted"),
                  ("unknown", "unknown"), ("unstored", "unstored")]
HELP = """\
enter  open: fetch the stored response from the API and show it in full (Markdown, reasoning, usage, chain, JSON)
space  mark/unmark the row · a mark/unmark every shown row · e mark every expired row
d      delete on the server (the marked rows, else the current one); the rows stay here, marked deleted
f      forget: remove from this local index only (the server copy is untouched)
c      continue: if the response is the last reply of its conversation, reopen that conversation
       (your next message chains on it); otherwise the same as branch
b      branch: a NEW conversation holding the history up to this response; its next turn is sent with
       previous_response_id = this response. The original conversation is never changed
y      copy the id · o open any response id (made elsewhere with this API key: it joins the index)
r      ask the server about the marked rows, else every shown live/unknown row
s / S  sort by created → expiry → cost → model → tokens / reverse · or click a column header
/      filter by model, conversation, text or id · the list next to it filters by status
The API keeps stored responses 30 days and cannot list them: this index is the only catalogue.
A 404 shows as deleted (you deleted it), expired (older than 30 days) or unknown (deleted elsewhere,
or created with another API key); unstored replies (image turns, chat completions) were never kept
by the server. Network errors never change the index."""


def matches(entry: ResponseIndexEntry, words: list[str]) -> bool:
    """Every word appears in the model, conversation title, prompt, reply or id (case-insensitive)."""
    if not words:
        return True
    haystack = " ".join((entry.model or "", entry.conversation_title or "", entry.prompt_preview,
                         entry.reply_preview, entry.response_id)).lower()
    return all(word in haystack for word in words)


def _cell(text: str, limit: int, style: str = "") -> Text:
    # Cut before cleaning: previews run to 200 characters and one_line looks at each one.
    return Text(one_line(safe_text(text[: limit * 3]), limit), style=style, no_wrap=True, overflow="ellipsis")


class Cell:
    """A table cell that DataTable cannot measure (no `__rich_measure__`).

    DataTable measures every cell of every new row to size auto-width columns; ours all
    have fixed widths, and that measuring was 2/3 of the time to show 2,000 rows.
    """

    __slots__ = ("text",)

    def __init__(self, text: Text) -> None:
        self.text = text

    def __rich_console__(self, console: Any, options: Any) -> Any:
        yield self.text

    def __str__(self) -> str:
        return self.text.plain


# Dropped first to last as the terminal narrows; mark, Model, Cost, Left and Status always stay.
DROP_ORDER = ("conversation", "prompt", "tokens", "created", "reply")
CELL_PADDING = 2  # DataTable's default cell_padding, each side counted
GROWS = {"reply": 60}  # the column that takes spare width, up to this many characters


def columns_for(width: int) -> tuple[tuple[str, str, int], ...]:
    """The columns that fit `width` cells: the least useful go first (see DROP_ORDER)."""
    columns = list(COLUMNS)

    def used() -> int:
        return sum(w + CELL_PADDING for _, _, w in columns)

    for key in DROP_ORDER:
        if used() <= width:
            break
        columns = [c for c in columns if c[0] != key]
    spare = width - used()
    if spare > 0:
        columns = [(k, label, min(w + spare, GROWS[k]) if k in GROWS else w) for k, label, w in columns]
    return tuple(columns)


def row_cells(entry: ResponseIndexEntry, now: float, marked: bool,
              columns: Sequence[tuple[str, str, int]] = COLUMNS) -> list[Cell]:
    """One table row (the given columns); untrusted text is sanitised and never parsed as markup;
    expired rows are grey."""
    status = rs.effective_status(entry, now)
    grey = "dim" if status in ("expired", "deleted") else ""
    tokens = None
    if any(v is not None for v in (entry.input_tokens, entry.output_tokens, entry.reasoning_tokens)):
        tokens = (entry.input_tokens or 0) + (entry.output_tokens or 0) + (entry.reasoning_tokens or 0)
    soon = "yellow" if status == "live" and entry.seconds_left(now) < EXPIRING_SOON_SECONDS else ""
    status_style = {"live": "green", "deleted": "red dim", "expired": "dim", "unknown": "yellow",
                    rs.UNSTORED: "dim"}.get(status, "")
    makers: dict[str, Callable[[int], Text]] = {
        "mark": lambda w: Text("●" if marked else " ", style="bold magenta"),
        "created": lambda w: Text(fmt.timestamp(entry.created_at), style=grey),
        "model": lambda w: _cell(entry.model or "?", w, grey),
        "conversation": lambda w: _cell(entry.conversation_title or "—", w,
                                        grey or ("" if entry.conversation_title else "dim")),
        "prompt": lambda w: _cell(entry.prompt_preview or "—", w, grey),
        "reply": lambda w: _cell(entry.reply_preview or "—", w, grey),
        "tokens": lambda w: Text(f"{fmt.tokens(tokens):>7}", style=grey),
        "cost": lambda w: Text(f"{fmt.dollars(entry.cost_ticks):>9}", style=grey),
        "expires": lambda w: Text(f"{time_left(entry, now):>4}", style=grey or soon),
        "status": lambda w: Text(status, style=status_style),
    }
    return [Cell(makers[key](width)) for key, _, width in columns]


class ResponsesScreen(ResponseActions, Screen):
    """Browse, filter, sort and act on the response index (ctrl+r)."""

    CSS_PATH = STYLES
    AUTO_FOCUS = "#responses-table"
    BINDINGS = [
        Binding("escape", "close", "Close", id="responses.close"),
        Binding("ctrl+r", "reload", "Reload", show=False, id="responses.reload"),
        Binding("space", "toggle_mark", "Mark", id="responses.mark"),
        Binding("d", "delete", "Delete", id="responses.delete"),
        Binding("f", "forget", "Forget", id="responses.forget"),
        Binding("c", "continue", "Continue", id="responses.continue"),
        Binding("b", "branch", "Branch", id="responses.branch"),
        Binding("o", "open_by_id", "Open id", id="responses.open_id"),
        Binding("y", "copy_id", "Copy id", id="responses.copy_id"),
        Binding("r", "check", "Check", id="responses.check"),
        Binding("s", "next_sort", "Sort", id="responses.sort"),
        Binding("S", "reverse_sort", "Reverse", show=False, id="responses.reverse"),
        Binding("a", "mark_all", "Mark all", show=False, id="responses.mark_all"),
        Binding("e", "mark_expired", "Mark expired", show=False, id="responses.mark_expired"),
        Binding("slash", "focus_filter", "Filter", id="responses.filter"),
        Binding("question_mark", "toggle_help", "Help", id="responses.help"),
    ]

    def __init__(self, *, now: float | Callable[[], float] | None = None) -> None:
        super().__init__()
        if now is None:  # the app's clock (AppContext.clock, frozen in snapshots), else wall time
            self.now: Callable[[], float] = lambda: getattr(getattr(self.app, "context", None), "clock", time.time)()
        elif callable(now):
            self.now = now
        else:
            self.now = lambda: float(now)
        self.entries: list[ResponseIndexEntry] = []
        self.shown: list[ResponseIndexEntry] = []
        self.marked: set[str] = set()
        self.sort = "created"
        self.descending = True
        self.loaded = False
        self._filter_timer: Timer | None = None
        self.columns: tuple[tuple[str, str, int], ...] = ()

    # -- layout -----------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static(id="responses-title")
        with Horizontal(id="responses-filters"):
            yield Input(placeholder="filter: model, conversation, text or id  (/)", id="responses-filter")
            yield Select(STATUS_OPTIONS, value="all", allow_blank=False, id="responses-status")
        yield DataTable(id="responses-table", cursor_type="row", zebra_stripes=True)
        yield Static(HELP, id="responses-help", markup=False)  # display-safe: our constant
        yield Static("enter open · space mark · d delete · f forget · c continue · b branch · o open id · "
                     "y copy id · r check · s sort · / filter · ? help", id="responses-hint")
        yield Footer()

    def on_mount(self) -> None:
        self._set_columns(self.size.width)
        self.query_one("#responses-help").display = False
        self.load_entries(first=True)

    def on_resize(self, event: events.Resize) -> None:
        if self._set_columns(event.size.width) and self.loaded:
            self.refill()

    def _set_columns(self, width: int) -> bool:
        """Fit the columns to the width (a narrow terminal keeps Cost, Left and Status). True if changed."""
        columns = columns_for(width - 2)  # the table's vertical scrollbar
        if columns == self.columns:
            return False
        self.columns = columns
        table = self.table
        table.clear(columns=True)
        for key, label, column_width in columns:
            table.add_column(label, key=key, width=column_width)  # display-safe: COLUMNS constant
        return True

    @property
    def table(self) -> DataTable:
        return self.query_one("#responses-table", DataTable)

    # -- data -------------------------------------------------------------------------------
    @work(exclusive=True, group="responses-load")
    async def load_entries(self, first: bool = False) -> None:
        """Read the whole index in a worker thread, then redraw the table."""
        if first:
            self.table.loading = True
        try:
            entries = await asyncio.to_thread(services(self).store.list_responses, limit=MAX_INDEX_ROWS)
        finally:
            self.table.loading = False
        self.entries = entries
        known = {e.response_id for e in entries}
        self.marked &= known
        self.loaded = True
        self.refill()

    def on_screen_resume(self) -> None:
        if self.loaded:  # back from a detail screen or dialog: statuses may have changed
            self.load_entries()

    def responses_changed(self, acted_on: Sequence[str] = ()) -> None:
        self.marked.difference_update(acted_on)
        self.load_entries()

    def visible_entries(self) -> list[ResponseIndexEntry]:
        now = self.now()
        words = self.query_one("#responses-filter", Input).value.lower().split()
        wanted = self.query_one("#responses-status", Select).value
        shown = [e for e in self.entries
                 if matches(e, words) and (wanted == "all" or rs.effective_status(e, now) == wanted)]
        shown.sort(key=SORT_KEYS[self.sort], reverse=self.descending)
        return shown

    def refill(self) -> None:
        """Redraw the table from `entries`, keeping the cursor on the same response when it is still shown."""
        table = self.table
        current = self.current_id()
        self.shown = self.visible_entries()
        now = self.now()
        table.clear()
        for entry in self.shown[:MAX_ROWS]:
            table.add_row(*row_cells(entry, now, entry.response_id in self.marked, self.columns),
                          key=entry.response_id)
        if current is not None and current in {e.response_id for e in self.shown[:MAX_ROWS]}:
            table.move_cursor(row=table.get_row_index(current), animate=False)
        self._update_title()

    def _update_title(self) -> None:
        total, shown = len(self.entries), len(self.shown)
        arrow = "↓" if self.descending else "↑"
        title = Text("Stored responses", style="bold")
        title.append(f"   {total} indexed")
        if shown != total:
            title.append(f" · {shown} match")
        if shown > MAX_ROWS:
            title.append(f" · showing the first {MAX_ROWS}: filter to narrow", style="yellow")
        if self.marked:
            title.append(f" · {len(self.marked)} marked", style="bold magenta")
        title.append(f" · sort {self.sort} {arrow}", style="dim")
        if not total and self.loaded:
            title.append("\nNothing yet: replies sent with store=true appear here (o opens any id).", style="dim")
        self.query_one("#responses-title", Static).update(title)  # display-safe: Text, numbers

    def current_id(self) -> str | None:
        table = self.table
        if not table.row_count:
            return None
        try:
            return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        except Exception:  # cursor outside the rows while the table is being rebuilt
            log.debug("no row under the cursor while the table is rebuilt", exc_info=True)
            return None

    def targets(self) -> list[str]:
        """The marked rows, else the current row."""
        if self.marked:
            return [e.response_id for e in self.entries if e.response_id in self.marked]
        current = self.current_id()
        return [current] if current else []

    def _entry(self, response_id: str) -> ResponseIndexEntry | None:
        return next((e for e in self.entries if e.response_id == response_id), None)

    # -- filter / sort -----------------------------------------------------------------------
    @on(Input.Changed, "#responses-filter")
    def _filter_changed(self) -> None:
        if self._filter_timer is not None:
            self._filter_timer.stop()
        self._filter_timer = self.set_timer(0.15, self.refill)

    @on(Input.Submitted, "#responses-filter")
    def _filter_submitted(self) -> None:
        self.refill()
        self.table.focus()

    @on(Select.Changed, "#responses-status")
    def _status_changed(self) -> None:
        if self.loaded:
            self.refill()

    @on(DataTable.HeaderSelected)
    def _header_clicked(self, event: DataTable.HeaderSelected) -> None:
        sort = COLUMN_SORTS.get(event.column_key.value or "")
        if sort is None:
            return
        if sort == self.sort:
            self.descending = not self.descending
        else:
            self.sort, self.descending = sort, sort != "model"
        self.refill()

    def action_next_sort(self) -> None:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self.descending = self.sort != "model"
        self.refill()

    def action_reverse_sort(self) -> None:
        self.descending = not self.descending
        self.refill()

    def action_focus_filter(self) -> None:
        self.query_one("#responses-filter", Input).focus()

    def action_reload(self) -> None:
        self.load_entries()

    def action_toggle_help(self) -> None:
        help_text = self.query_one("#responses-help")
        help_text.display = not help_text.display

    def action_close(self) -> None:
        if self.query_one("#responses-filter", Input).has_focus:
            self.table.focus()
            return
        self.app.pop_screen()

    # -- marks ---------------------------------------------------------------------------------
    def _redraw_marks(self, ids: set[str]) -> None:
        now = self.now()
        table = self.table
        for response_id in ids:
            entry = self._entry(response_id)
            if entry is None:
                continue
            try:
                table.update_cell(response_id, "mark", row_cells(entry, now, response_id in self.marked,
                                                                 self.columns[:1])[0])
            except Exception:  # not among the rows drawn (beyond MAX_ROWS)
                log.debug("response row not drawn; mark not shown", exc_info=True)
                continue
        self._update_title()

    def action_toggle_mark(self) -> None:
        current = self.current_id()
        if current is None:
            return
        self.marked ^= {current}
        self._redraw_marks({current})
        if self.table.cursor_row < self.table.row_count - 1:
            self.table.move_cursor(row=self.table.cursor_row + 1)

    def action_mark_all(self) -> None:
        shown = {e.response_id for e in self.shown}
        changed = set(shown) if not shown <= self.marked else shown
        if shown <= self.marked:
            self.marked -= shown
        else:
            self.marked |= shown
        self._redraw_marks(changed)

    def action_mark_expired(self) -> None:
        now = self.now()
        expired = {e.response_id for e in self.entries if rs.effective_status(e, now) == "expired"}
        if not expired:
            tell(self.app, "No expired responses.")
            return
        self.marked |= expired
        self._redraw_marks(expired)
        tell(self.app, f"Marked {len(expired)} expired response(s): f forgets them, d asks the server.")

    # -- row actions ------------------------------------------------------------------------------
    @on(DataTable.RowSelected, "#responses-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        response_id = event.row_key.value
        if response_id:
            self.app.push_screen(ResponseDetailScreen(response_id, self._entry(response_id), now=self.now))

    def action_delete(self) -> None:
        self.confirm_delete(self.targets())

    def action_forget(self) -> None:
        self.confirm_forget(self.targets())

    def action_continue(self) -> None:
        current = self.current_id()
        if current:
            self.continue_response(current)

    def action_branch(self) -> None:
        current = self.current_id()
        if current:
            self.continue_response(current, branch=True)

    def action_copy_id(self) -> None:
        current = self.current_id()
        if current:
            self.copy_id(current)

    def action_check(self) -> None:
        now = self.now()
        ids = self.targets() if self.marked else [
            e.response_id for e in self.shown if rs.effective_status(e, now) in ("live", "unknown")]
        if not ids:
            tell(self.app, "Nothing to check: no live or unknown rows shown.")
            return
        self.check_responses(ids)

    @work(group="responses-action", exclusive=True)
    async def check_responses(self, ids: list[str]) -> None:
        tell(self.app, f"Asking the server about {len(ids)} response(s)…", timeout=3)
        report = await rs.refresh_many(services(self).store, services(self).client, ids)
        severity = "error" if report.error else ("warning" if report.gone else "information")
        tell(self.app, report.summary("live") + ".", title="Checked", severity=severity)
        self.load_entries()

    def action_open_by_id(self) -> None:
        from grokterm.ui.screens.prompt_dialog import PromptDialog

        def entered(response_id: str | None) -> None:
            if response_id:
                self.open_by_id(response_id.strip())

        self.app.push_screen(
            PromptDialog("Open a stored response by id", placeholder="paste a response id"), entered)

    @work(group="responses-action", exclusive=True)
    async def open_by_id(self, response_id: str) -> None:
        """Fetch any id made with this key; it joins the index, then opens like a row."""
        self.table.loading = True
        try:
            fetched = await rs.fetch(services(self).store, services(self).client, response_id,
                                     models=getattr(self.app, "models", ()))
        except rs.ResponseGone as gone:
            tell(self.app, str(gone), title="Not on the server", severity="error", timeout=10)
            return
        except XAIError as error:
            tell(self.app, f"{error}\nThe index is unchanged.", title="Could not reach the API", severity="error")
            return
        finally:
            self.table.loading = False
        self.app.push_screen(
            ResponseDetailScreen(fetched.response.id, fetched.entry, now=self.now, response=fetched.response))
