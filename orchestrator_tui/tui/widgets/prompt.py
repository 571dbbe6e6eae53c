"""The prompt editor: multi-line, Ctrl+J sends, Up/Down at the edges recall earlier prompts
without losing the draft being written."""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding
from textual.message import Message
from textual.widgets import TextArea


class PromptEditor(TextArea):
    BINDINGS = [
        Binding("ctrl+j", "submit", "Send", id="submit", priority=True),
        Binding("tab", "screen.focus_panes", "Panes", show=False, id="focus_panes"),
    ]

    @dataclass
    class Submitted(Message):
        text: str

    def __init__(self, cursor_blink: bool = True, **kwargs):
        super().__init__(soft_wrap=True, show_line_numbers=False, **kwargs)
        self.set_reactive(TextArea.cursor_blink, cursor_blink)
        self.recalled: list[str] = []
        self.recall_index: int | None = None
        self.draft = ""  # what was being written when recall began: Down past the end returns it

    def action_submit(self) -> None:
        """Ctrl+J is a priority binding, so it runs before the keys typed just ahead of it in
        the same burst (a paste, tmux send-keys) reach the editor: send once they have."""
        self.call_later(self.submit_text)

    def submit_text(self) -> None:
        if self.text.strip():
            self.post_message(self.Submitted(self.text))

    def remember(self, prompts: list[str]) -> None:
        self.recalled = prompts
        self.recall_index = None

    def on_key(self, event) -> None:
        row, _ = self.cursor_location
        if event.key == "up" and row == 0 and self.recalled:
            self.recall(-1)
            event.prevent_default()
        elif (
            event.key == "down"
            and row == self.document.line_count - 1
            and self.recall_index is not None
        ):
            self.recall(+1)
            event.prevent_default()

    def recall(self, step: int) -> None:
        if self.recall_index is None:
            self.draft = self.text
        index = len(self.recalled) if self.recall_index is None else self.recall_index
        index = max(0, index + step)
        if index >= len(self.recalled):
            self.recall_index = None
            self.load_text(self.draft)
        else:
            self.recall_index = index
            self.load_text(self.recalled[index])
        self.move_cursor(self.document.end)
