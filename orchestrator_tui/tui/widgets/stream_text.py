"""An answer while it streams: plain text, wrapped at the pane's width, appended a flush at a
time, and kept at its end unless the reader scrolled up.

Why not Markdown until the answer ends: measured in tmux (tests/benchmarks/tui_echo.py), a
growing Markdown tree re-lays and repaints the whole screen on every flush, and a typed key
waited 140–580 ms behind those frames. One line-based widget only repaints the lines that
changed; the answer is rendered as Markdown once, when it is complete.
"""

from __future__ import annotations

import math

from rich.segment import Segment
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

SLACK_ROWS = 48  # the scrollable height grows by this many rows at a time (see `reserve`)


class StreamText(ScrollView):
    DEFAULT_CSS = """
    StreamText { overflow-x: hidden; overflow-y: auto; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.text = ""
        self.rows: list[str] = []  # the text wrapped at `wrapped_width`
        self.tail_start = 0  # where in `text` the last row starts: appending re-wraps from there
        self.wrapped_width = 0  # 0: not laid out yet (the text is wrapped at the first resize)
        self.following = True  # the reader is at the end

    def append(self, text: str) -> None:
        """Add streamed text; follow it if the reader was at the end. Only the last row and
        what follows it are wrapped again (an answer can be one long line)."""
        self.text += text
        if not self.wrapped_width:
            return
        self.following = self.shows_the_end()
        if self.rows:
            self.rows.pop()
        self.wrap_from(self.tail_start)
        if self.following and not self.shows_the_end():
            self.follow()

    def shows_the_end(self) -> bool:
        """The last row is on screen."""
        return self.scroll_y + self.scrollable_content_region.height >= len(self.rows)

    def follow(self) -> None:
        """Scroll half a view past the end: the next rows are painted where they land, and
        the view scrolls again (repainting all of it) only once they reach the bottom."""
        height = self.scrollable_content_region.height
        y = max(0, len(self.rows) - height // 2)
        # forced: the text may only just have outgrown the view, its scrollbar not yet laid out
        self.scroll_to(y=y, animate=False, immediate=True, force=True)

    def clear(self) -> None:
        self.text = ""
        self.rows = []
        self.tail_start = 0
        self.virtual_size = Size(self.wrapped_width, 0)
        self.refresh()

    def wrap_from(self, start: int) -> None:
        """Wrap the text from `start` (the beginning of a row) onto `rows`."""
        first = len(self.rows)
        width = max(1, self.wrapped_width)
        offset = start
        for line in self.text[start:].split("\n"):
            spans = wrap_spans(line, width)
            self.rows.extend(line[begin:end] for begin, end in spans)
            self.tail_start = offset + spans[-1][0]
            offset += len(line) + 1
        self.reserve(width)
        self.refresh_lines(max(0, first - 1), len(self.rows) - first + 1)

    def reserve(self, width: int) -> None:
        """Make the scrollable height hold every row. It grows `SLACK_ROWS` at a time: a new
        virtual size re-lays the whole screen out, a scroll within it only repaints."""
        view = self.scrollable_content_region.height
        needed = len(self.rows) + view // 2  # room to `follow`
        if len(self.rows) <= view:  # it all fits: no scrollbar, and no new size as it grows
            height = view
        else:
            height = self.virtual_size.height
            if needed > height or needed < height - SLACK_ROWS:
                height = math.ceil((needed + 1) / SLACK_ROWS) * SLACK_ROWS
        if Size(width, height) != self.virtual_size:
            self.virtual_size = Size(width, height)

    def on_resize(self) -> None:
        width = self.scrollable_content_region.width
        if width and width != self.wrapped_width:
            self.wrapped_width = width
            self.rows = []
            self.wrap_from(0)
            self.refresh()
            if self.following:
                self.call_after_refresh(self.follow_if_needed)

    def follow_if_needed(self) -> None:
        if not self.shows_the_end():
            self.follow()

    def render_line(self, y: int) -> Strip:
        _, scroll_y = self.scroll_offset
        index = scroll_y + y
        style = self.rich_style
        width = self.scrollable_content_region.width
        row = self.rows[index].replace("\t", "    ") if index < len(self.rows) else ""
        return Strip([Segment(row, style)]).crop_extend(0, width, style)


def wrap_spans(line: str, width: int) -> list[tuple[int, int]]:
    """Where `line` breaks into rows of at most `width` characters: at the last space that
    fits (the space itself dropped), else mid-word. Greedy, so appending to a line never
    changes its rows before the last."""
    spans = []
    start = 0
    while len(line) - start > width:
        cut = line.rfind(" ", start, start + width + 1)
        resume = cut + 1
        if cut <= start:
            cut = resume = start + width
        spans.append((start, cut))
        start = resume
    spans.append((start, len(line)))
    return spans
