"""Waiting for the next frame, bounded: `wait_for_refresh` waits forever when the node is closing."""

from __future__ import annotations

import asyncio

from textual.message_pump import MessagePump

MAX_WAIT = 1.0  # seconds: a frame is never that late unless nothing will be painted


async def after_next_frame(node: MessagePump) -> bool:
    """Return once `node`'s screen has been painted again (True), or after MAX_WAIT / when the node is
    closing and nothing will be painted for it (False). Call it from a worker, not the node's task."""
    drawn = asyncio.Event()
    if not node.call_after_refresh(drawn.set):
        return False
    waiter = asyncio.ensure_future(drawn.wait())
    try:
        done, _ = await asyncio.wait([waiter], timeout=MAX_WAIT)
    finally:
        waiter.cancel()
    return bool(done)
