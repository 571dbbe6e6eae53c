"""The conversation so far, above the panes: each turn's question and, once it is no longer on
the board, its accepted answer folded to a few lines with its model and figures. Clicking a
turn opens that request with every model's answer."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rich.markup import escape
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Static

from ...formatting import cost_text
from ...textfiles import shown

FOLDED_LINES = 3


@dataclass
class Turn:
    """One question and what became of it."""

    prompt: str
    history_id: int | None = None
    status: str = "running"
    model: str | None = None
    answer: str = ""
    cost: float | None = None
    latency: float | None = None
    confidence: float | None = None
    error: str | None = None
    cached: bool = False
    rating: str = ""  # "good", "bad (answer 2)", … once rated

    @classmethod
    def from_result(cls, prompt: str, result) -> Turn:
        return cls(
            prompt,
            result.history_id,
            "ok" if result.success else "error",
            result.model_used,
            result.response or "",
            result.cost,
            result.latency,
            result.confidence,
            result.error,
            result.cached,
        )

    @classmethod
    def from_record(cls, record: dict) -> Turn:
        """A turn from the history (see store.history.get_request)."""
        from ...store.ratings import rating_label

        ok = record["status"] == "ok"
        return cls(
            record["prompt"] or "(not logged)",
            record["id"],
            "ok" if ok else record["status"],
            record["model_used"],
            record["response"] or "",
            record["cost"],
            record["latency"],
            record["confidence"],
            record["error"],
            bool(record.get("cached")),
            rating_label(record.get("rating"), record.get("rated_by")),
        )

    def figures(self) -> str:
        parts = [f"[b]{escape(self.model)}[/b]" if self.model else ""]
        if self.confidence is not None:
            parts.append(f"conf {self.confidence:.2f}")
        parts.append(cost_text(self.cost, unknown="$?"))
        if self.latency is not None:
            parts.append(f"{self.latency:.1f} s")
        if self.cached:
            parts.append("cache")
        if self.rating:
            parts.append(f"rated {self.rating}")
        return "  ".join(p for p in parts if p)


class TurnView(Static):
    """One turn; `current` while its answers are on the board below."""

    class Opened(Message):
        def __init__(self, history_id: int) -> None:
            super().__init__()
            self.history_id = history_id

    def __init__(self, turn: Turn, number: int, current: bool = True):
        super().__init__(classes="turn")
        self.turn = turn
        self.number = number
        self.current = current

    def on_mount(self) -> None:
        self.show()

    def show(self) -> None:
        self.update(self.render_turn())

    def render_turn(self) -> str:
        turn = self.turn
        question = escape(shown(turn.prompt)).replace("\n", " ")
        lines = [f"[b $accent]›[/] {question}  [dim]turn {self.number}[/]"]
        if turn.status == "running":
            return lines[0]
        if turn.status != "ok":
            lines.append(f"  [red]✗ {escape(turn.error or turn.status)}[/]")
            return "\n".join(lines)
        lines.append(f"  [green]★[/] {turn.figures()}")
        if not self.current:
            lines.extend("  " + escape(line) for line in folded(turn.answer))
        return "\n".join(lines)

    def finish(self, turn: Turn) -> None:
        self.turn = turn
        self.show()

    def fold(self) -> None:
        """The turn leaves the board: its answer shows here, folded."""
        self.current = False
        self.show()

    def on_click(self) -> None:
        if self.turn.history_id is not None:
            self.post_message(self.Opened(self.turn.history_id))


MARKUP = [
    (re.compile(r"^\s{0,3}(#{1,6}\s+|>\s?|[-*+]\s+|\d+[.)]\s+)"), ""),  # headings, quotes, items
    (re.compile(r"\[([^\]]*)\]\([^)]*\)"), r"\1"),  # [text](url)
    (re.compile(r"(\*\*|__|`+)"), ""),  # bold, code
]


FENCES = ("```", "~~~")


def plain(line: str) -> str:
    """A Markdown line as plain text, for the folded preview."""
    for pattern, replacement in MARKUP:
        line = pattern.sub(replacement, line)
    return line


def folded(answer: str) -> list[str]:
    lines = [line for line in shown(answer).splitlines() if not line.lstrip().startswith(FENCES)]
    lines = [plain(line) for line in lines if line.strip()]
    if len(lines) > FOLDED_LINES:
        return [*lines[: FOLDED_LINES - 1], lines[FOLDED_LINES - 1] + " …"]
    return lines


class Transcript(VerticalScroll):
    """Every turn of the conversation on screen, newest at the bottom (and kept in view)."""

    def on_mount(self) -> None:
        self.anchor()
        self.display = False

    async def add_turn(self, turn: Turn, current: bool = True) -> TurnView:
        for view in self.query_children(TurnView):
            if view.current:
                view.fold()
        view = TurnView(turn, len(self.children) + 1, current)
        await self.mount(view)
        self.display = True
        return view

    async def clear(self) -> None:
        await self.remove_children()
        self.display = False

    def last(self) -> TurnView | None:
        views = list(self.query_children(TurnView))
        return views[-1] if views else None
