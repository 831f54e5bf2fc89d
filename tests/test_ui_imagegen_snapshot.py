"""SVG snapshot: a conversation with an image generation — the prompt, two pictures drawn inline
(half-cells), their captions and the revised prompt, the focused message's keys in the footer.

Content is deterministic: the pictures are the emulator's (colour and caption from the prompt),
written to the store with a fixed clock. Update after an intended visual change with:
    .venv/bin/python -m pytest tests/test_ui_imagegen_snapshot.py --snapshot-update
"""

from __future__ import annotations

from ui_helpers import make_app, ready_with_last_reply_focused

from grokterm.emulator.imagegen import render_image
from grokterm.store import Store
from grokterm.store.rows import NewImage

FIXED_NOW = 1_795_000_000.0
PROMPT = "a lighthouse at dusk"


def seed_generation(db_path) -> None:
    store = Store(db_path, clock=lambda: FIXED_NOW)
    conv = store.create_conversation(title="Lighthouse", model="grok-4-0709")
    store.add_message(conv.id, "user", PROMPT, kind="image_prompt")
    pictures = [NewImage(data=render_image(PROMPT, i), mime="image/jpeg", name=f"generated-{i + 1}.jpg",
                         width=768, height=512) for i in range(2)]
    store.add_message(conv.id, "assistant", f"A deterministic test picture for the prompt: {PROMPT}",
                      model="grok-imagine-image", status="complete", images=pictures, kind="image",
                      cost_ticks=400_000_000)
    store.ui_set("open_tabs", [conv.id])
    store.close()


def test_generated_images_snapshot(snap_compare, emulator, tmp_path):
    seed_generation(tmp_path / "grokterm.db")
    app = make_app(emulator, tmp_path, clock=lambda: FIXED_NOW + 3600)

    assert snap_compare(app, terminal_size=(120, 48),
                        run_before=lambda pilot: ready_with_last_reply_focused(app, pilot))
