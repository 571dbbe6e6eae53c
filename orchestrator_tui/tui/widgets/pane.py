"""One model's live pane: a header with status, tokens, cost, latency and confidence, and the
answer rendered as Markdown while it streams (appended, never re-parsed per token)."""

from __future__ import annotations

import asyncio

from textual.containers import Vertical, VerticalScroll
from textual.widgets import Markdown, Static
from textual.widgets.markdown import MarkdownStream

from ...formatting import cost_text
from ..figures import confidence_label

FLUSH_SECONDS = 0.08  # how often streamed text is rendered (Textual's guide: 50–100 ms)


class ModelPane(Vertical):
    """Created queued; the screen feeds it the engine's events for its attempt."""

    def __init__(self, model: str, provider: str = "", **kwargs):
        super().__init__(**kwargs)
        self.model = model
        self.provider = provider
        self.status = "queued"
        self.attempt = None  # the finished Attempt
        self.note = ""
        self.score: float | None = None
        self.chars = 0
        self._stream: MarkdownStream | None = None
        self._pending: list[str] = []  # text not yet handed to the Markdown stream
        # The flush timer and the engine's events (a retry, the end) both drive the Markdown
        # stream: one at a time, or a stream is orphaned and stopping it raises CancelledError.
        self._stream_lock = asyncio.Lock()

    def compose(self):
        yield Static(self.header_text(), classes="pane-header")
        with VerticalScroll(classes="pane-body"):
            yield Markdown("", classes="pane-markdown")
        yield Static("", classes="pane-note")

    def header_text(self) -> str:
        a = self.attempt
        provider = f" · {self.provider}" if self.provider else ""
        line1 = f"[b]{self.model}[/b][dim]{provider}[/dim] · {self.status}"
        if a is None:
            return line1 + (f"\n[dim]{self.chars:,} chars[/dim]" if self.chars else "\n")
        ttft = "—" if a.time_to_first_token is None else f"{a.time_to_first_token:.2f} s"
        cost = cost_text(a.cost, a.estimated, "$?")
        line2 = (
            f"{a.usage.input_tokens:,}→{a.usage.output_tokens:,} tok  {cost}  "
            f"{a.latency:.2f} s  ttft {ttft}  {confidence_label(a.confidence)}"
        )
        return f"{line1}\n{line2}"

    def set_status(self, status: str, provider: str | None = None) -> None:
        self.status = status
        self.provider = provider or self.provider
        self.refresh_header()

    def refresh_header(self) -> None:
        if self.is_mounted:
            self.query_one(".pane-header", Static).update(self.header_text())

    def on_mount(self) -> None:
        self.set_interval(FLUSH_SECONDS, self.flush)

    def write(self, text: str) -> None:
        """Queue text; `flush` hands it to the Markdown stream a few times a second, so a
        fast stream costs a handful of renders per second, not one per token."""
        self._pending.append(text)
        self.chars += len(text)

    async def flush(self) -> None:
        async with self._stream_lock:
            await self._flush_pending()

    async def _flush_pending(self) -> None:
        if not self._pending:
            return
        text = "".join(self._pending)
        self._pending.clear()
        if self._stream is None:
            self._stream = Markdown.get_stream(self.query_one(Markdown))
        stream = self._stream
        if self.status != "streaming":
            self.status = "streaming"
        self.refresh_header()
        await stream.write(text)

    async def restart(self, status: str) -> None:
        """A retry: the text so far is void."""
        self._pending.clear()
        await self.close_stream()
        self.chars = 0
        await self.query_one(Markdown).update("")
        self.set_status(status)

    async def close_stream(self) -> None:
        async with self._stream_lock:
            await self._flush_pending()
            if self._stream is not None:
                await self._stream.stop()
                self._stream = None

    async def finish(self, attempt) -> None:
        await self.close_stream()
        self.attempt = attempt
        labels = {
            "ok": "done",
            "error": f"failed: {attempt.error}",
            "cancelled": "cancelled",
            "skipped": attempt.error or "skipped by budget",
        }
        status = labels.get(attempt.status, attempt.status)
        if attempt.cached:
            status += " (cache)"
        self.set_status(status)
        self.set_class(attempt.status != "ok", "-failed")
        if attempt.status != "ok" and not self.chars and attempt.status != "cancelled":
            await self.query_one(Markdown).update(f"*{attempt.error}*")

    def set_note(self, note: str, winner: bool = False) -> None:
        self.note = note
        self.query_one(".pane-note", Static).update(note)
        self.set_class(winner, "-winner")

    async def show_text(self, text: str) -> None:
        """Show a finished answer at once (history)."""
        await self.query_one(Markdown).update(text)
