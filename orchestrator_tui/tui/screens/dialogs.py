"""Small modal dialogs: ask for one value, confirm a step that loses something, or pick a
model through a fuzzy filter."""

from __future__ import annotations

from textual import on
from textual.binding import Binding
from textual.containers import Vertical
from textual.fuzzy import Matcher
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option


class AskValue(ModalScreen[str | None]):
    """One line of input; Enter returns it, Escape returns None."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, question: str, value: str = ""):
        super().__init__(classes="dialog-screen")
        self.question = question
        self.value = value

    def compose(self):
        with Vertical(classes="dialog"):
            yield Label(self.question)
            yield Input(value=self.value, id="answer")

    def on_mount(self) -> None:
        answer = self.query_one(Input)
        answer.focus()
        answer.select_all()  # typing replaces the suggested value

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)


class Confirm(ModalScreen[bool]):
    """A yes/no question: y says yes; n or Escape says no (Enter alone decides nothing)."""

    BINDINGS = [
        Binding("y", "dismiss(True)", "Yes"),
        Binding("n,escape", "dismiss(False)", "No"),
    ]

    def __init__(self, question: str):
        super().__init__(classes="dialog-screen")
        self.question = question

    def compose(self):
        with Vertical(classes="dialog"):
            yield Label(self.question)
            yield Label("[b]y[/b] yes · [b]n[/b] no", classes="dialog-keys")


class PickModel(ModalScreen[str | None]):
    """Type to filter the registry's models (fuzzy); Enter picks the highlighted one."""

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Cancel"),
        Binding("down", "move(1)", show=False),
        Binding("up", "move(-1)", show=False),
    ]

    def __init__(self, models: list[str], describe):
        super().__init__(classes="dialog-screen")
        self.models = models
        self.describe = describe

    def compose(self):
        with Vertical(classes="dialog"):
            yield Label("add a model (type to filter)")
            yield Input(id="filter")
            yield OptionList(*self.options(""), id="choices")

    def options(self, query: str) -> list[Option]:
        if not query:
            ranked = self.models
        else:
            matcher = Matcher(query)
            scored = [(matcher.match(name), name) for name in self.models]
            ranked = [name for score, name in sorted(scored, key=lambda s: -s[0]) if score > 0]
        return [Option(f"{name}  [dim]{self.describe(name)}[/]", id=name) for name in ranked]

    @on(Input.Changed)
    def filter_changed(self, event: Input.Changed) -> None:
        choices = self.query_one(OptionList)
        choices.clear_options()
        choices.add_options(self.options(event.value))
        choices.highlighted = 0 if choices.option_count else None

    def action_move(self, step: int) -> None:
        choices = self.query_one(OptionList)
        if choices.option_count:
            current = choices.highlighted or 0
            choices.highlighted = max(0, min(choices.option_count - 1, current + step))

    @on(Input.Submitted)
    def pick_highlighted(self) -> None:
        choices = self.query_one(OptionList)
        if choices.highlighted is not None:
            self.dismiss(choices.get_option_at_index(choices.highlighted).id)

    @on(OptionList.OptionSelected)
    def picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)
