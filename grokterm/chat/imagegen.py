"""An image generation inside a conversation: save the prompt, ask the API, store what came back.

Same rule as chat turns: the prompt is committed before any request goes out,
and the reply row is written however the request ends — the pictures (checked
with Pillow, kept as attachments) and the revised prompt as its text; or the
error ('failed', e.g. a content-policy refusal); or 'stopped' when the user
cancels. Both rows carry a `kind` so chat history leaves them out (see
TurnRunner.build_request): a picture reaches a chat model only when the user
attaches it to a question.

Store and Pillow calls run in threads; the network call is async, so an event
loop that also draws a UI never waits.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from grokterm.store import Store
from grokterm.store.image_requests import ImageRequestRow
from grokterm.store.rows import MessageRow, NewImage
from grokterm.xai.client import XAIClient
from grokterm.xai.errors import XAIError
from grokterm.xai.images import ImageGeneration, ImageRequest

PROMPT_KIND = "image_prompt"
IMAGE_KIND = "image"


@dataclass(frozen=True)
class GenerationResult:
    reply: MessageRow
    error: XAIError | None = None


def revised_text(generation: ImageGeneration) -> str:
    """The reply's text: the revised prompt, or one per picture when they differ."""
    prompts = generation.revised_prompts
    if len(prompts) <= 1:
        return prompts[0] if prompts else ""
    return "\n\n".join(f"{i}. {p}" for i, p in enumerate(prompts, 1))


def pictures_for_store(generation: ImageGeneration) -> list[NewImage]:
    """Check every picture (full decode) and describe it for the store; raises ImageError."""
    from grokterm.media.generated import EXTENSION_FOR_MIME, inspect_picture

    images = []
    for index, image in enumerate(generation.images, 1):
        info = inspect_picture(image.data)
        images.append(NewImage(
            data=image.data, mime=info.mime, name=f"generated-{index}{EXTENSION_FOR_MIME.get(info.mime, '')}",
            width=info.width, height=info.height, original_width=info.width, original_height=info.height,
            original_bytes=len(image.data), detail="auto",
        ))
    return images


def record_prompt(store: Store, prompt: str, *, origin: str | None = None, n: int = 1,
                  model: str | None = None) -> int:
    """A new conversation holding `prompt` as an image prompt (committed, with what it asks for:
    `n` pictures from `model`); returns its id.

    For `grokterm image`, which saves before it asks, like `ask` (blocking: the CLI has no UI to keep)."""
    conversation = store.create_conversation(origin=origin)  # titled by the prompt, chat model left to the app
    store.add_message(conversation.id, "user", prompt, kind=PROMPT_KIND, image_request=ImageRequestRow(n, model))
    return conversation.id


def record_result(store: Store, conversation_id: int, model: str, generation: ImageGeneration | None,
                  error: str | None = None, *, status: str = "failed") -> MessageRow:
    """The reply row of a generation: its pictures and revised prompt, or the error and `status`
    ('failed', 'stopped') when there are none (blocking)."""
    if generation is None:
        return store.add_message(conversation_id, "assistant", "", model=model, status=status,
                                 kind=IMAGE_KIND, error=error)
    return store.add_message(conversation_id, "assistant", revised_text(generation), model=model,
                             status="complete", images=pictures_for_store(generation), kind=IMAGE_KIND,
                             cost_ticks=generation.cost_ticks)


class ImageGenerator:
    """Runs generations for the TUI against one store and one client."""

    def __init__(self, store: Store, client: XAIClient) -> None:
        self.store = store
        self.client = client
        self.stopped_reply: MessageRow | None = None  # the 'stopped' row written when a generation was cancelled

    async def save_prompt(self, conversation_id: int, prompt: str, *, n: int = 1,
                          model: str | None = None) -> MessageRow:
        """The prompt row, with what it asks for (`model` as the user chose it; None: the default),
        so a failed or stopped generation can be asked again the same way."""
        return await asyncio.to_thread(self.store.add_message, conversation_id, "user", prompt, kind=PROMPT_KIND,
                                       image_request=ImageRequestRow(n, model))

    async def generate(self, conversation_id: int, prompt: str, *, model: str, n: int = 1) -> GenerationResult:
        """Ask for `n` pictures and store the reply row (complete, failed or stopped); never raises XAIError."""
        from grokterm.media import ImageError

        try:
            generation = await self.client.generate_images(ImageRequest(prompt=prompt, model=model, n=n))
            images = await asyncio.to_thread(pictures_for_store, generation)
        except XAIError as error:
            failed = await self._finish(conversation_id, model, status="failed", error=str(error))
            return GenerationResult(failed, error)
        except ImageError as error:
            failure = XAIError(f"the API sent a picture that cannot be read: {error}")
            return GenerationResult(await self._finish(conversation_id, model, status="failed", error=str(failure)),
                                    failure)
        except asyncio.CancelledError:
            self.stopped_reply = await asyncio.shield(self._finish(conversation_id, model, status="stopped"))
            raise
        reply = await self._finish(conversation_id, model, status="complete", text=revised_text(generation),
                                   images=images, cost_ticks=generation.cost_ticks)
        return GenerationResult(reply)

    async def _finish(self, conversation_id: int, model: str, *, status: str, text: str = "",
                      images: list[NewImage] | None = None, error: str | None = None,
                      cost_ticks: int | None = None) -> MessageRow:
        return await asyncio.to_thread(
            self.store.add_message, conversation_id, "assistant", text, model=model, status=status,
            images=images or [], kind=IMAGE_KIND, error=error, cost_ticks=cost_ticks,
        )
