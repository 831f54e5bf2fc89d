"""One layout per change of size, not two.

After a layout, Textual stores each widget's new size in the `virtual_size` reactive, which is declared
`layout=True`: every widget whose size changed asks for *another* layout of the whole screen, which finds
nothing left to move. While a reply streams, each growth of the live reply changed three sizes (the reply's
lines, the reply, the message list) and so cost two full layouts. The widgets on that path take the size
the layout computed without asking again (the message list only while a reply streams: see
`conversation_pane.MessageList`).
"""

from __future__ import annotations

from textual.geometry import Size
from textual.widget import Widget


class LayoutOnce(Widget):
    """Mixin for widgets whose size only ever changes by layout (nothing sets their virtual size)."""

    def _size_updated(self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True) -> bool:
        return super()._size_updated(size, virtual_size, container_size, layout=False)
