"""How `orch ask` shows engine events: the answer on stdout, everything else on stderr.

On a terminal, single/cheapest/fallback answers stream live and an ensemble shows a live
member table; piped or with --json, stdout gets only the final answer (or the JSON).
"""

from __future__ import annotations

import json
import sys

from rich.console import Console
from rich.live import Live
from rich.table import Table

from ..engine import events as ev
from ..engine.details import Agreement, EnsembleVerdict, ThresholdOutcome
from ..errors import AllAttemptsFailed
from ..formatting import cost_text
from .result_view import attempts_table, summary_line

DEMO_LABEL = (
    "using the demo provider: offline, simulated answers, priced as the real models would charge"
)


class Renderer:
    def __init__(self, engine, live: bool, verbose: bool, err: Console | None = None):
        self.err = err or Console(stderr=True, highlight=False, soft_wrap=True)
        self.live = live
        self.verbose = verbose
        self.strategy: str | None = None
        self.streamed: dict[int, int] = {}  # attempt id → characters shown
        self.status: dict[int, str] = {}
        self.names: dict[int, str] = {}
        self.table_live: Live | None = None
        if engine.demo:
            why = "no API key found, " if not engine.registry.any_credentials() else ""
            self.err.print(f"[yellow]orch: {why}{DEMO_LABEL}[/]")

    @property
    def streaming(self) -> bool:
        return self.live and self.strategy != "ensemble"

    def handle(self, event: ev.Event) -> None:
        handler = getattr(self, "on_" + type(event).__name__, None)
        if handler is not None:
            handler(event)

    def on_Note(self, event: ev.Note) -> None:
        self.err.print(f"[dim]note: {event.message}[/]")

    def on_RoutingDecided(self, event: ev.RoutingDecided) -> None:
        self.strategy = event.strategy
        joiner = ", " if event.strategy == "ensemble" else " → "
        self.err.print(f"[bold]{event.strategy}[/]: {joiner.join(event.models)}")
        if self.verbose:
            for reason in event.reasons:
                self.err.print(f"[dim]  {reason}[/]")
        if self.live and event.strategy == "ensemble":
            self.table_live = Live(
                self.member_table(), console=self.err, transient=True, refresh_per_second=8
            )
            self.table_live.start()

    def on_AttemptStarted(self, event: ev.AttemptStarted) -> None:
        self.names[event.attempt_id] = event.model
        self.status[event.attempt_id] = "waiting"
        if self.streaming:
            self.err.print(f"[cyan]── {event.model} ({event.provider}) ──[/]")
        self.refresh()

    def on_TextDelta(self, event: ev.TextDelta) -> None:
        self.streamed[event.attempt_id] = self.streamed.get(event.attempt_id, 0) + len(event.text)
        self.status[event.attempt_id] = "streaming"
        if self.streaming:
            sys.stdout.write(event.text)
            sys.stdout.flush()
        self.refresh()

    def on_RetryScheduled(self, event: ev.RetryScheduled) -> None:
        self.end_stream_line(event.attempt_id)
        self.streamed[event.attempt_id] = 0
        self.status[event.attempt_id] = f"retrying in {event.wait:.1f} s"
        self.err.print(
            f"[yellow]retry {event.retry_number} of {event.model} in "
            f"{event.wait:.1f} s: {event.reason}[/]"
        )
        self.refresh()

    def on_RateLimitWait(self, event: ev.RateLimitWait) -> None:
        if self.verbose:
            self.err.print(f"[dim]waiting {event.wait:.1f} s for {event.model}'s rate limit[/]")

    def on_AttemptFinished(self, event: ev.AttemptFinished) -> None:
        attempt = event.attempt
        self.end_stream_line(attempt.attempt_id)
        self.status[attempt.attempt_id] = attempt.status
        if attempt.status == "error":
            self.err.print(f"[red]{attempt.model} failed: {attempt.error}[/]")
        self.refresh()

    def on_Escalated(self, event: ev.Escalated) -> None:
        target = f"escalating to {event.to_model}" if event.to_model else "no model left"
        self.err.print(f"[magenta]↳ {event.from_model}: {event.reason}; {target}[/]")

    def on_BudgetRefused(self, event: ev.BudgetRefused) -> None:
        if self.strategy == "ensemble":  # elsewhere the escalation line gives the reason
            self.err.print(f"[yellow]budget: skipped {event.model}: {event.reason}[/]")

    def end_stream_line(self, attempt_id: int) -> None:
        if self.streaming and self.streamed.get(attempt_id):
            sys.stdout.write("\n")
            sys.stdout.flush()

    def member_table(self) -> Table:
        table = Table(box=None, show_header=False)
        for attempt_id, name in self.names.items():
            table.add_row(
                name, self.status.get(attempt_id, ""), f"{self.streamed.get(attempt_id, 0):,} chars"
            )
        return table

    def refresh(self) -> None:
        if self.table_live is not None:
            self.table_live.update(self.member_table())

    def close(self) -> None:
        if self.table_live is not None:
            self.table_live.stop()
            self.table_live = None


def finish(
    result, renderer: Renderer, as_json: bool, output, conversation_id: str | None = None
) -> None:
    """Print (or write) the result and the summary; fail with one line if nothing answered.
    The JSON carries `conversation_id`, to follow the answer up with --conversation."""
    if as_json:
        data = {**result.to_dict(), "conversation_id": conversation_id}
        emit_output(json.dumps(data, indent=2, ensure_ascii=False), output)
    elif renderer.live and not renderer.streaming:
        show_markdown(result.response)  # an ensemble's winner, on a terminal
        show_summary(result, renderer)
    else:
        if output is not None or not renderer.streaming:
            emit_output(result.response, output)
        show_summary(result, renderer)
    if not result.success:
        raise AllAttemptsFailed(result.error or "no answer")


def show_markdown(text: str) -> None:
    from rich.markdown import Markdown

    Console().print(Markdown(text))


def emit_output(text: str, output) -> None:
    if output is None:
        sys.stdout.write(text if text.endswith("\n") or not text else text + "\n")
        sys.stdout.flush()
    else:
        output.write_text(text + "\n", encoding="utf-8")


def show_summary(result, renderer: Renderer) -> None:
    err = renderer.err
    if len(result.attempts) > 1 or result.strategy == "ensemble":
        err.print(attempts_table(result))
    if result.success:
        err.print(summary_line(result))
    for line in detail_lines(result):
        err.print(line)
    if not result.success and result.cost:
        err.print(f"spent {cost_text(result.cost)} on failed calls")


def detail_lines(result) -> list[str]:
    """What the strategy found, one line each: an ensemble's consensus, a consensus run's
    agreement, a fallback whose threshold no answer reached."""
    lines = []
    verdict = result.detail(EnsembleVerdict)
    if verdict is not None:
        lines.append(f"consensus: {verdict.level} (agreement {verdict.agreement:.2f})")
    agreement = result.detail(Agreement)
    if agreement is not None:
        agreed = (
            f"{agreement.agreed} models agree"
            if agreement.agreed > 1
            else "no agreement: the chain's last model decided"
        )
        lines.append(f"agreement: {agreed} ({agreement.escalations} escalation(s))")
    threshold = result.detail(ThresholdOutcome)
    if threshold is not None and not threshold.met and result.success:
        lines.append(
            f"[yellow]no model reached confidence {result.run.threshold:.2f}; "
            f"the best answer is shown ({result.confidence:.2f})[/]"
        )
    return lines
