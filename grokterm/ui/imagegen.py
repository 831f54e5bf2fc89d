"""UI glue for image generation: `/image …` in the composer, the palette action, save and attach.

Why functions taking the pane (like grokterm.ui.attach): the pane owns the
message list and the composer; these add one more way to fill them. The
generation runs in a worker of the pane (network async, store and Pillow work
in threads), so typing never waits and closing the tab cancels it. The prompt
is saved before the request goes out; a refused or failed generation is kept
as a failed reply with the API's message, and the prompt goes back into an
empty composer so rewording it costs one keystroke.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grokterm.ui.services import services

if TYPE_CHECKING:
    from grokterm.ui.message_data import MessageData

log = logging.getLogger(__name__)

COMMAND = "/image"
GENERATED_BOX = 192  # thumbnail pixels for a generated picture shown in the conversation
_OPTION = re.compile(r"^-([nm])\s*(\S+)\s*", re.S)  # `-n 2`, `-n2`, `-m grok-imagine-image`
USAGE = "usage: /image [-n N] [-m MODEL] what to draw"
GROUP = "imagegen"


class UsageProblem(ValueError):
    pass


@dataclass(frozen=True)
class ImageCommand:
    prompt: str
    n: int = 1
    model: str | None = None  # None: the app's image model


def parse_command(text: str) -> ImageCommand | None:
    """`/image [-n N] [-m MODEL] prompt`; None for anything that is not an /image command.

    Raises UsageProblem for an /image command without a prompt or with a bad count."""
    stripped = text.strip()
    if not (stripped == COMMAND or stripped.startswith((COMMAND + " ", COMMAND + "\n"))):
        return None
    rest = stripped[len(COMMAND):].lstrip()
    count, model = 1, None
    while (option := _OPTION.match(rest)) is not None:
        name, value = option.groups()
        if name == "n":
            if not value.isdigit():
                raise UsageProblem(USAGE)
            count = int(value)
        else:
            model = value
        rest = rest[option.end():]
    prompt = rest.strip()
    if not prompt:
        raise UsageProblem(USAGE)
    from grokterm.xai.images import MAX_IMAGES  # pydantic wire models: not before the first frame

    if not 1 <= count <= MAX_IMAGES:
        raise UsageProblem(f"/image -n takes 1 to {MAX_IMAGES}")
    return ImageCommand(prompt, count, model)


def command_text(prompt: str, n: int = 1, model: str | None = None) -> str:
    """The `/image …` line that asks for this generation again."""
    options = (f"-n {n} " if n != 1 else "") + (f"-m {model} " if model else "")
    return f"{COMMAND} {options}{prompt}"


def image_model(app: Any) -> str:
    from grokterm.xai.images import DEFAULT_IMAGE_MODEL

    return getattr(getattr(app, "context", None), "image_model", None) or DEFAULT_IMAGE_MODEL


def intercept_submit(pane: Any, text: str) -> bool:
    """Start a generation when the composer holds `/image …`; True when the text was taken."""
    from grokterm.ui.safe import tell

    try:
        parsed = parse_command(text)
    except UsageProblem as problem:
        tell(pane.app, str(problem), severity="warning")
        return True
    if parsed is None:
        return False
    if start(pane, parsed.prompt, parsed.n, parsed.model):
        pane.composer.clear()
        pane._save_draft_now("")
    return True


def start(pane: Any, prompt: str, n: int = 1, model: str | None = None) -> bool:
    """Generate unless a generation is already running in this pane (then say so); True if started."""
    from grokterm.ui.safe import tell

    if is_generating(pane):
        tell(pane.app, "An image is still being generated in this conversation.", severity="warning")
        return False
    generate(pane, prompt, n, model)
    return True


def is_generating(pane: Any) -> bool:
    return any(worker.group == GROUP and worker.is_running for worker in pane.workers)


def stop(pane: Any) -> bool:
    """Cancel the pane's generation (esc); the prompt and a 'stopped' reply stay in history."""
    cancelled = False
    for worker in list(pane.workers):
        if worker.group == GROUP and worker.is_running:
            worker.cancel()
            cancelled = True
    return cancelled


def generate(pane: Any, prompt: str, n: int = 1, model: str | None = None) -> None:
    """Generate `n` pictures for `prompt` into the pane's conversation (in a worker)."""
    pane.run_worker(_generate(pane, prompt, n, model), group=GROUP, exit_on_error=False)


async def _generate(pane: Any, prompt: str, n: int, model: str | None) -> None:
    from grokterm.ui.safe import tell

    again = command_text(prompt, n, model)  # what goes back into the composer if this fails
    try:
        await _generate_into(pane, prompt, n, model, again)
    except asyncio.CancelledError:
        raise
    except Exception as error:  # a full disk, a locked database: say so, keep the prompt, never crash
        log.warning("image generation failed", exc_info=True)
        for waiting in list(pane.query(".-generating")):
            await waiting.remove()
        tell(pane.app, f"Image generation failed: {error}", title="No image generated", severity="error",
             timeout=10)
        if not pane.composer.text.strip():
            pane.composer.load_text(again)


async def _generate_into(pane: Any, prompt: str, n: int, chosen_model: str | None, again: str) -> None:
    from textual.widgets import Static

    from grokterm.chat.imagegen import ImageGenerator
    from grokterm.ui.render import plain
    from grokterm.ui.safe import tell

    app = pane.app
    model = chosen_model or image_model(app)
    generator = ImageGenerator(services(app).store, services(app).client)
    prompt_row = await generator.save_prompt(pane.conversation.id, prompt, n=n, model=chosen_model)
    user = app.message_data(prompt_row)
    pane.messages.append(user)
    await pane.message_list.mount(pane._finished_widget(user))
    pictures = "an image" if n == 1 else f"{n} images"
    waiting = Static(plain(f"generating {pictures} with {model}… (esc stops)", "italic"),
                     classes="message -assistant -generating")
    await pane.message_list.mount(waiting)
    pane.message_list.anchor()
    try:
        result = await generator.generate(pane.conversation.id, prompt, model=model, n=n)
    except asyncio.CancelledError:
        if generator.stopped_reply is not None:  # shown as in history: "stopped by you", r to try again
            stopped = app.message_data(generator.stopped_reply)
            pane.messages.append(stopped)
            await pane.message_list.mount(pane._finished_widget(stopped), after=waiting)
        await waiting.remove()
        tell(app, "Image generation stopped; the prompt is kept.")
        raise
    data = app.message_data(result.reply)
    await load_pictures(app, data)
    pane.messages.append(data)
    await pane.message_list.mount(pane._finished_widget(data), after=waiting)
    await waiting.remove()
    app.show_in_sidebar(pane, data)
    pane.post_message(pane.Changed(pane))
    if result.error is not None:
        tell(app, str(result.error), title="No image generated", severity="error", timeout=10)
        if not pane.composer.text.strip():
            pane.composer.load_text(again)  # reword it and press enter


async def load_pictures(app: Any, data: MessageData) -> None:
    """Bigger thumbnails for a generation's pictures (Pillow in a thread)."""
    from grokterm.ui.thumbnails import stored_thumbnail

    data.thumbnails = [await asyncio.to_thread(stored_thumbnail, services(app).store, attachment, GENERATED_BOX)
                       for attachment in data.attachment_rows]


def thumbnail_box(data: MessageData) -> int | None:
    """The thumbnail size history should load for `data` (None: the usual chip size)."""
    return GENERATED_BOX if data.kind == "image" else None


# -- actions on a generated message ------------------------------------------------------------
async def retry(pane: Any, data: MessageData) -> None:
    """r on a generation (its prompt or its reply): drop both rows and generate again."""
    from grokterm.ui.widgets.finished_message import FinishedMessage

    index = next((i for i, m in enumerate(pane.messages) if m is data), None)
    if index is None:
        return
    if data.kind == "image":
        index -= 1
    prompt = pane.messages[index] if index >= 0 else None
    if prompt is None or prompt.kind != "image_prompt" or is_generating(pane):
        return
    doomed = [prompt]
    if index + 1 < len(pane.messages) and pane.messages[index + 1].kind == "image":
        doomed.append(pane.messages[index + 1])
    reply = doomed[1] if len(doomed) > 1 else None
    count, model = await asked_for(pane, prompt, reply)  # read before the rows (and their request) go
    for message in doomed:
        if message.id is not None:
            await asyncio.to_thread(services(pane).store.delete_message, message.id)
    for widget in list(pane.query(FinishedMessage)):
        if any(widget.data is d for d in doomed):
            await widget.remove()
    pane.messages = [m for m in pane.messages if all(m is not d for d in doomed)]
    start(pane, prompt.text, count, model)


async def asked_for(pane: Any, prompt: MessageData, reply: MessageData | None = None) -> tuple[int, str | None]:
    """(n, model) the generation of `prompt` asked for, as recorded with the prompt; for prompts
    written before that was recorded, the pictures the reply holds (else 1) and the model it used."""
    request = None
    if prompt.id is not None:
        request = await asyncio.to_thread(services(pane).store.image_request, prompt.id)
    if request is not None:
        return request.n, request.model or (reply.model if reply is not None else None)
    count = len(reply.attachment_rows) if reply is not None and reply.attachment_rows else 1
    return count, reply.model if reply is not None else None


async def edit_command(pane: Any, prompt: MessageData) -> str:
    """The `/image …` line that asked for `prompt` (e on an image prompt gives it back to edit)."""
    request = await asyncio.to_thread(services(pane).store.image_request, prompt.id) if prompt.id else None
    return command_text(prompt.text, request.n, request.model) if request else command_text(prompt.text)



def _pictures(pane: Any, data: MessageData) -> bool:
    from grokterm.ui.safe import tell

    if data.kind != "image" or not data.attachment_rows:
        tell(pane.app, "This message has no generated image.", severity="warning")
        return False
    return True


def view(pane: Any, data: MessageData) -> None:
    """v: the message's pictures at full size (textual-image's best protocol for the terminal)."""
    if not _pictures(pane, data):
        return
    from grokterm.ui.screens.image_viewer import ImageViewer

    pane.app.push_screen(ImageViewer(pane, data))


def save(pane: Any, data: MessageData, target: str | None = None, *, attachments: tuple | None = None) -> None:
    """Ask for a file name (unless given) and save the pictures there (numbered if several).

    `attachments`: which of the message's pictures (default: all of them)."""
    if not _pictures(pane, data):
        return
    chosen_pictures = attachments or data.attachment_rows
    if target is not None:
        pane.run_worker(_save(pane, chosen_pictures, target), group="imagegen-save", exit_on_error=False)
        return
    from grokterm.media.generated import output_paths
    from grokterm.ui.screens.prompt_dialog import PromptDialog

    suggestion = output_paths(None, 1, chosen_pictures[0].mime)[0].name
    title = "Save image as" if len(chosen_pictures) == 1 else "Save images as (numbered)"

    def chosen(name: str | None) -> None:
        if name:
            pane.run_worker(_save(pane, chosen_pictures, name), group="imagegen-save", exit_on_error=False)

    pane.app.push_screen(PromptDialog(title, suggestion), chosen)


def save_files(store: Any, attachments: tuple, target: str) -> list[Path]:
    """Write the pictures (runs in a thread); raises OSError or ImageError."""
    from grokterm.media import ImageError
    from grokterm.media.generated import convert_for, output_paths, save_picture

    blobs = []
    for attachment in attachments:
        blob = store.attachment_bytes(attachment)
        if blob is None:
            raise ImageError(f"the stored picture {attachment.file_name} is missing")
        blobs.append((blob, attachment.mime))
    paths = output_paths(Path(target).expanduser(), len(blobs), blobs[0][1])
    for (blob, mime), path in zip(blobs, paths, strict=True):
        converted, _ = convert_for(path, blob, mime)
        save_picture(path, converted)
    return paths


async def _save(pane: Any, attachments: tuple, target: str) -> None:
    from grokterm.media import ImageError
    from grokterm.ui.safe import tell

    try:
        paths = await asyncio.to_thread(save_files, services(pane).store, attachments, target)
    except (OSError, ImageError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        tell(pane.app, f"Could not save: {reason}", title="Image not saved", severity="error", timeout=8)
        return
    tell(pane.app, "Saved " + ", ".join(str(p) for p in paths))


def attach(pane: Any, data: MessageData, *, attachments: tuple | None = None) -> None:
    """Attach pictures (default: all of the message's) to the next question (the usual attachment path)."""
    if not _pictures(pane, data):
        return
    chosen_pictures = attachments or data.attachment_rows
    from grokterm.ui.attach import add_to_pane, image_limits, prepare_many
    from grokterm.ui.safe import tell
    from grokterm.ui.thumbnails import prepare_for_ui

    store = services(pane).store
    limits = image_limits(pane.app)

    def job(attachment: Any) -> Any:
        from grokterm.media import ImageError

        blob = store.attachment_bytes(attachment)
        if blob is None:
            raise ImageError(f"the stored picture {attachment.name or attachment.file_name} is missing")
        return prepare_for_ui(blob, limits, name=attachment.name or None)

    async def run() -> None:
        jobs = [(a.name or "generated image", lambda a=a: job(a)) for a in chosen_pictures]
        added = add_to_pane(pane, await prepare_many(pane, jobs))
        if added:
            tell(pane.app, "Attached: type your question about it and press enter.")
            pane.composer.focus()

    pane.run_worker(run(), group="attach", exit_on_error=False)
