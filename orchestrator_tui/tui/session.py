"""What one TUI session remembers: the conversation, the prompts sent, the last result, and
its figures (requests, spending, models), read from what the history recorded for it."""

from __future__ import annotations

import os
import sqlite3
import time
from dataclasses import dataclass, field
from typing import Any

from ..store.session_totals import SessionTotals, session_totals
from ..types import Message

PROMPTS_KEPT = 200


@dataclass
class Session:
    conversation: list[Message] = field(default_factory=list)
    conversation_id: str | None = None
    prompts: list[str] = field(default_factory=list)  # every prompt sent, for recall
    draft: str = ""  # the unsent text in the editor, kept across a restart
    last_history_id: int | None = None  # the last answer's request id, for rating it
    last_result: Any = None  # the last OrchestrationResult shown
    started: float = field(default_factory=time.time)
    pid: int = field(default_factory=os.getpid)
    figures: SessionTotals = field(default_factory=SessionTotals)

    def add_attempt(self, attempt) -> None:
        """An attempt ended. Nothing to add: the ledger recorded it before the event came,
        and `refresh_figures` reads it back with everything else."""

    def add_result(self, prompt: str, result) -> None:
        self.last_result = result
        if result.success:
            self.conversation += [Message("user", prompt), Message("assistant", result.response)]

    def remember_prompt(self, prompt: str) -> None:
        """For recall: the newest last, at most `PROMPTS_KEPT`."""
        self.prompts.append(prompt)
        del self.prompts[:-PROMPTS_KEPT]

    def refresh_figures(self, db: sqlite3.Connection | None) -> SessionTotals:
        """Read the session's requests back from the history: every request this process
        ended since the session began, cancelled and failed ones too, as `orch stats`
        counts them (an event-fed tally misses what a cancelled run had already spent)."""
        if db is not None:
            self.figures = session_totals(db, self.pid, self.started)
        return self.figures

    @property
    def requests(self) -> int:
        return len(self.figures.requests)

    @property
    def cost(self) -> float:
        """Real and demo spending together (they are shown apart)."""
        return self.figures.real_cost + self.figures.demo_cost

    def new_conversation(self) -> None:
        self.conversation = []
        self.conversation_id = None
