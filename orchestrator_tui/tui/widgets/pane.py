"""One model's pane: a two-line header (status, then confidence, cost, latency and tokens), the
answer, and a one-line note (winner, score, escalation).

While the answer streams it is plain text in a `StreamText`, which follows the end unless the
reader scrolled up; when the attempt ends it is rendered as Markdown once. The header and note
have fixed heights and are updated with `layout=False`, and the board flushes every pane
together a few times a second: a flush repaints lines, it does not re-lay the screen out.
"""

from __future__ import annotations

from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from ...engine.events import Attempt
from ...formatting import cost_text
from ..clipboard import last_code_block
from ..figures import confidence_label
from .stream_text import StreamText

STATUS_LABELS = {"ok": "done", "cancelled": "cancelled"}


class AnswerScroll(VerticalScroll):
    """The finished answer's scroll view. Anchored at its end, it stays there as the answer
    is laid out (until the reader scrolls); Textual moves an anchored view without repainting
    its scrollbar, so the thumb is repainted here."""

    def on_resize(self) -> None:
        if self.is_anchored:
            self.vertical_scrollbar.refresh()


class ModelPane(Vertical, can_focus=True):
    """Created queued; the board feeds it the engine's events for its attempt."""

    ALLOW_MAXIMIZE = True
    BINDINGS = [
        Binding("z", "toggle_maximize", "Maximize", id="pane_maximize"),
        Binding("y", "copy_answer", "Copy", id="pane_copy"),
        Binding("c", "copy_code", "Copy code", id="pane_copy_code"),
    ]

    def __init__(self, model: str, provider: str = "", **kwargs):
        super().__init__(**kwargs)
        self.model = model
        self.provider = provider
        self.status = "queued"
        self.attempt: Attempt | None = None  # the finished attempt
        self.note = ""
        self.chars = 0
        self.at_end = False  # the finished answer is shown from its end
        self._pending: list[str] = []  # streamed text not yet shown

    def compose(self):
        yield Static(self.header_text(), classes="pane-header")
        yield StreamText(classes="pane-stream")
        with AnswerScroll(classes="pane-body"):
            yield markdown_widget()
        yield Static("", classes="pane-note")

    def on_mount(self) -> None:
        self.show_markdown(False)

    def show_markdown(self, markdown: bool) -> None:
        self.query_one(StreamText).display = not markdown
        self.query_one(".pane-body", VerticalScroll).display = markdown

    @property
    def text(self) -> str:
        """The answer as shown so far."""
        return self.query_one(StreamText).text

    def header_text(self) -> str:
        a = self.attempt
        provider = f" · {self.provider}" if self.provider else ""
        line1 = f"[b]{self.model}[/b][dim]{provider}[/dim] · {self.status}"
        if a is None:
            return line1 + "\n"
        ttft = "" if a.time_to_first_token is None else f"  ttft {a.time_to_first_token:.2f} s"
        cost = cost_text(a.cost, a.estimated, "$?")
        tokens = f"{a.usage.input_tokens:,}→{a.usage.output_tokens:,} tok"
        confidence = confidence_label(a.confidence)  # first: narrow panes cut the end
        line2 = f"{confidence}  {cost}  {a.latency:.2f} s  {tokens}{ttft}".lstrip()
        return f"{line1}\n{line2}"

    def set_status(self, status: str, provider: str | None = None) -> None:
        self.status = status
        self.provider = provider or self.provider
        self.refresh_header()

    def refresh_header(self) -> None:
        if self.is_mounted:  # two lines, always: the header never changes the layout
            self.query_one(".pane-header", Static).update(self.header_text(), layout=False)

    def write(self, text: str) -> None:
        """Queue text; the board's `flush` shows it a few times a second, so a fast stream
        costs a handful of repaints per second, not one per token."""
        self._pending.append(text)
        self.chars += len(text)

    def flush(self) -> None:
        if not self._pending:
            return
        text = "".join(self._pending)
        self._pending.clear()
        if self.status != "streaming":
            self.status = "streaming"
            self.refresh_header()
        self.query_one(StreamText).append(text)

    async def restart(self, status: str) -> None:
        """A retry: the text so far is void."""
        self._pending.clear()
        self.chars = 0
        self.query_one(StreamText).clear()
        self.set_status(status)

    async def finish(self, attempt: Attempt) -> None:
        self.flush()
        self.attempt = attempt
        status = STATUS_LABELS.get(attempt.status, attempt.status)
        if attempt.status == "error":
            status = f"failed: {attempt.error}"
        elif attempt.status == "skipped":
            status = attempt.error or "skipped by budget"
        if attempt.cached:
            status += " (cache)"
        self.set_status(status)
        self.set_class(attempt.status != "ok", "-failed")
        if attempt.status != "ok" and not self.chars and attempt.status != "cancelled":
            await self.show_text(f"*{attempt.error}*")
        else:  # where the reader was: at the end if they followed the stream
            await self.show_text(self.text, at_end=self.query_one(StreamText).following)

    def set_note(self, note: str, winner: bool = False) -> None:
        self.note = note
        self.query_one(".pane-note", Static).update(note, layout=False)
        self.set_class(winner, "-winner")

    async def show_text(self, text: str, at_end: bool = False) -> None:
        """Show a finished answer, rendered as Markdown once, from its start or its end."""
        await self.query_one(".pane-markdown").update(text)  # type: ignore[attr-defined]
        self.show_markdown(True)
        self.at_end = at_end
        self.query_one(".pane-body", VerticalScroll).anchor(at_end)

    def in_place(self) -> bool:
        """The answer's view is where `show_text` put it (its end is reached at the next
        layout)."""
        body = self.query_one(".pane-body", VerticalScroll)
        shown = self.display and body.display and body.size.height > 0
        return not (self.at_end and shown) or body.scroll_y == body.max_scroll_y

    def answer(self) -> str:
        """The answer as it stands (finished, or streamed so far)."""
        if self.attempt is not None and self.attempt.text:
            return self.attempt.text
        return self.text + "".join(self._pending)

    def action_toggle_maximize(self) -> None:
        screen = self.screen
        if screen.maximized is self:
            screen.minimize()
        else:
            screen.maximize(self, container=False)

    def action_copy_answer(self) -> None:
        copy(self, self.answer(), f"{self.model}'s answer")

    def action_copy_code(self) -> None:
        block = last_code_block(self.answer())
        if block is None:
            self.notify(f"{self.model}'s answer has no code block", severity="warning")
        else:
            copy(self, block, f"the last code block of {self.model}'s answer")


def copy(widget, text: str, what: str) -> None:
    """Copy to the clipboard (OSC 52: works over SSH too) and say what was copied."""
    if not text:
        widget.notify(f"nothing to copy yet from {what}", severity="warning")
        return
    widget.app.copy_to_clipboard(text)
    lines = text.count("\n") + 1
    widget.notify(f"copied {what} ({lines} line{'s' if lines != 1 else ''})", timeout=3)


def markdown_widget():
    """Textual's Markdown (and markdown-it), imported with the first pane rather than before
    the first frame (see `tui.app.import_soon`)."""
    from textual.widgets import Markdown

    return Markdown("", classes="pane-markdown")
