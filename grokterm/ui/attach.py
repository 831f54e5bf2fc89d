"""UI glue for image attachments: Pillow work in threads, errors as notifications, the vision rule.

Why one module of functions: the conversation pane (paste, typed paths), the
attach screen and the app's global keys all attach images the same way —
prepare off the UI thread (a 4K PNG takes about a second), show a "preparing"
chip meanwhile, turn an ImageError into a notification that leaves the draft
and the other attachments alone — and every send applies the same vision rule:
a text-only model never receives images.

Threads: every Pillow call goes through `asyncio.to_thread` inside a Textual
worker owned by the pane or screen, so closing a tab or screen cancels the
wait, and results are applied on the UI thread without `call_from_thread`.
The Pillow work itself (thumbnails, previews) is in `grokterm.ui.thumbnails`,
below the widgets, so the chips can use it without importing this module back.

State: what a pane's send check remembers (`SubmitCheck`) belongs to that pane
(`pane.submit_check`); this module keeps none.
"""

from __future__ import annotations

import asyncio
import functools
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grokterm.media import ImageError, ImageLimits
from grokterm.ui.render import safe_text
from grokterm.ui.thumbnails import clipboard_for_ui, prepare_for_ui
from grokterm.ui.widgets.attachment_chips import AttachmentChips

if TYPE_CHECKING:
    from grokterm.media import PreparedImage

SCREENSHOT_DIR_ENV = "GROKTERM_SCREENSHOT_DIR"
# A token ending in an image extension: the cheap test before looking at the disk on send.
_MENTIONS_IMAGE_FILE = re.compile(r"\.(png|jpe?g|gif|webp|bmp|tiff?|heic|heif|avif)\b", re.IGNORECASE)


# -- configuration ------------------------------------------------------------------------
def image_limits(app: Any) -> ImageLimits:
    """The limits from config.toml (via the app context) or the media defaults."""
    limits = getattr(getattr(app, "context", None), "image_limits", None)
    return limits if isinstance(limits, ImageLimits) else ImageLimits()


def screenshot_folder(app: Any, folder: Path | str | None = None) -> Path | None:
    """Where "latest screenshot" looks: the argument, $GROKTERM_SCREENSHOT_DIR, config.toml's
    screenshot_folder, else None (grokterm.media's per-platform defaults)."""
    if folder:
        return Path(folder).expanduser()
    env = os.environ.get(SCREENSHOT_DIR_ENV, "").strip()
    if env:
        return Path(env).expanduser()
    configured = getattr(getattr(app, "context", None), "screenshot_folder", None)
    return Path(configured).expanduser() if configured else None


# -- attaching (UI thread; workers do the waiting) --------------------------------------------
def say(app: Any, message: str, **kwargs: Any) -> None:
    """A notification whose text is literal: file names may hold "[" or control characters."""
    app.notify(safe_text(message), markup=False, **kwargs)


def report_image_error(app: Any, error: Exception) -> None:
    """One notification per unusable image; nothing else changes."""
    say(app, str(error), title="Image not attached", severity="error", timeout=8)


def _chips(node: Any) -> AttachmentChips | None:
    found = node.query(AttachmentChips)
    return found.first() if found else None


async def prepare_many(
    node: Any, jobs: Sequence[tuple[str, Callable[[], PreparedImage]]]
) -> list[PreparedImage]:
    """Run (label, job) pairs in threads at once; pending chips meanwhile; errors notified.

    Results keep the order of `jobs`; failed jobs are left out.
    """
    chips = _chips(node)
    tokens = [chips.add_pending(label) if chips is not None else None for label, _ in jobs]
    results = await asyncio.gather(*(asyncio.to_thread(job) for _, job in jobs), return_exceptions=True)
    prepared: list[PreparedImage] = []
    for token, result in zip(tokens, results, strict=True):
        if chips is not None and token is not None:
            chips.remove_pending(token)
        if isinstance(result, ImageError):
            report_image_error(node.app, result)
        elif isinstance(result, OSError):  # defensive: media turns these into ImageError already
            report_image_error(node.app, ImageError(f"Could not read the image: {result}"))
        elif isinstance(result, BaseException):
            raise result
        else:
            prepared.append(result)
    return prepared


def path_jobs(app: Any, paths: Iterable[Path]) -> list[tuple[str, Callable[[], PreparedImage]]]:
    limits = image_limits(app)
    return [(Path(p).name, functools.partial(prepare_for_ui, p, limits)) for p in paths]


def add_to_pane(pane: Any, images: Iterable[PreparedImage]) -> int:
    """Add images the pane does not hold yet (same encoded bytes = same image); returns how many."""
    held = {image.sha256 for image in pane.attachments}
    added = 0
    for image in images:
        if image.sha256 in held:
            say(pane.app, f"{image.original_name} is already attached.", severity="warning")
            continue
        held.add(image.sha256)
        pane.add_attachment(image)
        added += 1
    return added


def attach_paths(pane: Any, paths: Sequence[Path]) -> None:
    """Prepare files in threads and add them to the pane's attachments."""

    async def run() -> None:
        add_to_pane(pane, await prepare_many(pane, path_jobs(pane.app, paths)))

    pane.run_worker(run(), group="attach", exit_on_error=False)


def attach_pasted(pane: Any, text: str) -> None:
    """A paste that may hold image paths: paths become attachments, the rest goes into the draft.

    The disk is only looked at in a thread (network mounts can be slow).
    """
    from grokterm.media import parse_pasted_paths, why_not_attached

    async def run() -> None:
        paths, rest = await asyncio.to_thread(parse_pasted_paths, text)
        pane.composer.insert_plain(rest if paths else text)
        if not paths and (reason := await asyncio.to_thread(why_not_attached, text)):
            say(pane.app, reason, title="Image not attached", severity="warning", timeout=8)
        if paths:
            add_to_pane(pane, await prepare_many(pane, path_jobs(pane.app, paths)))

    pane.run_worker(run(), group="attach", exit_on_error=False)


def attach_latest_screenshot(pane: Any, folder: Path | str | None = None) -> None:
    """Attach the newest image of the screenshot folder (see `screenshot_folder`)."""
    from grokterm.media import latest_screenshot

    async def run() -> None:
        try:
            path = await asyncio.to_thread(latest_screenshot, screenshot_folder(pane.app, folder))
        except ImageError as error:
            report_image_error(pane.app, error)
            return
        add_to_pane(pane, await prepare_many(pane, path_jobs(pane.app, [path])))

    pane.run_worker(run(), group="attach", exit_on_error=False)


def attach_clipboard_image(pane: Any) -> None:
    """Attach the clipboard's image; says what to install when no clipboard tool exists."""
    limits = image_limits(pane.app)

    async def run() -> None:
        add_to_pane(pane, await prepare_many(pane, [("clipboard", lambda: clipboard_for_ui(limits))]))

    pane.run_worker(run(), group="attach", exit_on_error=False)


# -- the vision rule -------------------------------------------------------------------------
def accepts_images(app: Any, model_id: str) -> bool:
    """False only for a model the catalogue lists as text-only; unknown models are allowed
    (including /v1/models fallbacks, whose modalities are empty: nobody knows)."""
    info = app.model_info(model_id)
    if info is None or not getattr(info, "input_modalities", None):
        return True
    return bool(info.supports_images)


def first_vision_model(app: Any) -> str | None:
    for model in getattr(app, "models", None) or []:
        if getattr(model, "supports_images", False):
            return model.id
    return None


@dataclass
class SubmitCheck:
    """What one pane's send check remembers; the pane holds it as `submit_check`."""

    checked_text: str | None = None  # typed paths already looked for in this exact text
    busy: bool = False  # typed paths are being attached: further enters wait for it


def intercept_submit(pane: Any, text: str) -> bool:
    """Called first thing when the pane is about to send. True means "not now": either image paths
    typed into the message are being attached (the user sees the chips and presses enter again),
    or the model is text-only and a dialog asks what to do (it sends again itself)."""
    state: SubmitCheck = pane.submit_check
    if state.busy:
        return True
    if state.checked_text != text and _MENTIONS_IMAGE_FILE.search(text):
        state.busy = True
        pane.run_worker(_attach_typed_paths(pane, text, state), group="attach", exit_on_error=False)
        return True
    state.checked_text = None
    if pane.attachments and not accepts_images(pane.app, pane.model):
        _ask_vision_choice(pane, text)
        return True
    return False


def resubmit(pane: Any, text: str) -> None:
    """Send `text` again through the pane's normal path (the composer's Submitted message)."""
    pane.submit_check.checked_text = text
    pane.composer.submit(text)


async def _attach_typed_paths(pane: Any, text: str, state: SubmitCheck) -> None:
    try:
        await _attach_typed_paths_now(pane, text, state)
    finally:
        state.busy = False


async def _attach_typed_paths_now(pane: Any, text: str, state: SubmitCheck) -> None:
    from grokterm.media import parse_pasted_paths

    paths, rest = await asyncio.to_thread(parse_pasted_paths, text)
    if not paths:
        resubmit(pane, text)
        return
    images = await prepare_many(pane, path_jobs(pane.app, paths))
    if len(images) < len(paths):  # something failed (already notified): leave the text as typed
        add_to_pane(pane, images)
        state.checked_text = text  # enter again sends it as plain text
        return
    composer = pane.composer
    if composer.text == text:  # unchanged while we worked: take the paths out (undoable)
        composer.replace(rest, composer.document.start, composer.document.end)
    added = add_to_pane(pane, images)
    noun = "image" if added == 1 else "images"
    say(pane.app, f"Attached {added} {noun} named in your message. Press enter to send.")


def _ask_vision_choice(pane: Any, text: str) -> None:
    from grokterm.ui.screens.vision_dialog import VisionChoice, VisionDialog

    app = pane.app
    vision_model = first_vision_model(app)

    def chosen(choice: VisionChoice | None) -> None:
        if choice == "switch" and vision_model is not None:
            app.set_conversation_model(pane, vision_model)
            resubmit(pane, text)
        elif choice == "remove":
            pane.clear_attachments()
            resubmit(pane, text)
        else:
            pane.composer.focus()

    app.push_screen(VisionDialog(pane.model, len(pane.attachments), vision_model), chosen)
