"""An answer while it streams: plain text, wrapped at the pane's width, appended a flush at a
time, and kept at its end unless the reader scrolled up.

Why not Markdown until the answer ends: measured in tmux (tests/benchmarks/tui_echo.py), a
growing Markdown tree re-lays and repaints the whole screen on every flush, and a typed key
waited 140–580 ms behind those frames. One line-based widget only repaints the lines that
changed; the answer is rendered as Markdown once, when it is complete.
"""

from __future__ import annotations

import textwrap

from rich.segment import Segment
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip


class StreamText(ScrollView):
    DEFAULT_CSS = """
    StreamText { overflow-x: hidden; overflow-y: auto; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.text = ""
        self.rows: list[str] = []  # the text wrapped at `wrapped_width`
        self.last_line_rows = 0  # how many of `rows` the last (still growing) line fills
        self.wrapped_width = 0  # 0: not laid out yet (the text is wrapped at the first resize)
        self.following = True  # the reader is at the end

    def append(self, text: str) -> None:
        """Add streamed text; follow it if the reader was at the end."""
        start = len(self.text) - len(self.text.rpartition("\n")[2])  # the last line, re-wrapped
        self.text += text
        if not self.wrapped_width:
            return
        self.following = self.is_vertical_scroll_end
        del self.rows[len(self.rows) - self.last_line_rows :]
        self.wrap_from(start)
        if self.following:
            self.scroll_end(animate=False, immediate=True, x_axis=False)

    def clear(self) -> None:
        self.text = ""
        self.rows = []
        self.last_line_rows = 0
        self.virtual_size = Size(self.wrapped_width, 0)
        self.refresh()

    def wrap_from(self, start: int) -> None:
        """Wrap the text from `start` (the beginning of a line) onto `rows`."""
        first = len(self.rows)
        width = max(1, self.wrapped_width)
        lines = self.text[start:].split("\n")
        for line in lines:
            wrapped = wrap(line, width)
            self.rows.extend(wrapped)
        self.last_line_rows = len(wrap(lines[-1], width))
        if len(self.rows) != self.virtual_size.height:
            self.virtual_size = Size(width, len(self.rows))
        self.refresh_lines(max(0, first - 1), len(self.rows) - first + 1)

    def on_resize(self) -> None:
        width = self.scrollable_content_region.width
        if width and width != self.wrapped_width:
            self.wrapped_width = width
            self.rows = []
            self.last_line_rows = 0
            self.wrap_from(0)
            self.refresh()
            if self.following:
                self.scroll_end(animate=False, immediate=False, x_axis=False)

    def render_line(self, y: int) -> Strip:
        _, scroll_y = self.scroll_offset
        index = scroll_y + y
        style = self.rich_style
        width = self.scrollable_content_region.width
        row = self.rows[index] if index < len(self.rows) else ""
        return Strip([Segment(row, style)]).crop_extend(0, width, style)


def wrap(line: str, width: int) -> list[str]:
    """One source line as rows of at most `width` cells (an empty line is one empty row)."""
    return textwrap.wrap(
        line.expandtabs(4),
        width,
        replace_whitespace=False,
        drop_whitespace=True,
        break_on_hyphens=False,
    ) or [""]
