"""The main screen as a chat app, driven with Pilot on the demo provider: the transcript,
typing traps (a burst ending in Ctrl+J, Ctrl+C), recall that keeps a draft, following the
stream, maximize and copy, and what a narrow terminal shows. Every step waits for an event
or a condition, never for an amount of time."""

from __future__ import annotations

from textual import events
from textual.app import App
from textual.widgets import Markdown

from orchestrator_tui.tui.widgets.board import PaneBoard
from orchestrator_tui.tui.widgets.dashboard import Dashboard
from orchestrator_tui.tui.widgets.pane import ModelPane
from orchestrator_tui.tui.widgets.prompt import PromptEditor
from orchestrator_tui.tui.widgets.stream_text import StreamText
from orchestrator_tui.tui.widgets.transcript import Transcript, TurnView

from .tui_helpers import (
    SIZE,
    GatedDemo,
    ScriptedDemo,
    make_app,
    send,
    settle,
    streaming,
    use_strategy,
    wait_until,
)

ENSEMBLE = ["test-small-a", "test-small-o", "test-medium-o"]
CODE_ANSWER = "Use this:\n\n```python\nprint('one')\n```\n\nor this:\n\n```sh\necho two\n```\n"


def panes(app) -> list[ModelPane]:
    return list(app.screen.query(ModelPane))


def turns(app) -> list[TurnView]:
    return list(app.screen.query_one(Transcript).query(TurnView))


async def test_the_transcript_keeps_each_question_and_folds_earlier_answers(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await use_strategy(pilot, "single")
        await send(pilot, "What is the capital of France?")
        [first] = turns(app)
        assert first.current and "Paris" not in str(first.render())  # its answer is below
        assert "What is the capital of France?" in str(first.render())
        await send(pilot, "What is 2+2?")
        first, second = turns(app)
        assert not first.current and second.current
        shown = str(first.render())
        assert "Paris" in shown and "★" in shown and "conf" in shown  # folded, with figures
        assert "What is 2+2?" in str(second.render())
        assert [p.model for p in panes(app)] == [app.target.split(":")[1]]  # this turn only
        await pilot.press("ctrl+n")
        await wait_until(pilot, lambda: not turns(app) and not panes(app), what="a clear board")


async def test_text_and_ctrl_j_arriving_in_one_burst_are_sent(tmp_path):
    """A paste or `tmux send-keys 'text' C-j`: every key is queued before the first is handled."""
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        editor = app.screen.query_one(PromptEditor)
        await wait_until(pilot, lambda: app.focused is editor, what="the editor focused")
        for character in "hello":
            app.post_message(events.Key(character, character))
        app.post_message(events.Key("ctrl+j", "\n"))
        await wait_until(pilot, lambda: app.session.prompts == ["hello"], what="the burst sent")
        await settle(pilot)
        assert editor.text == ""


async def test_recall_gives_the_unsent_draft_back(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await use_strategy(pilot, "single")
        await send(pilot, "What is 2+2?")
        editor = app.screen.query_one(PromptEditor)
        editor.load_text("a draft")
        editor.move_cursor((0, 0))
        await pilot.press("up")
        await wait_until(pilot, lambda: editor.text == "What is 2+2?", what="the recalled prompt")
        await pilot.press("down")
        await wait_until(pilot, lambda: editor.text == "a draft", what="the draft back")


async def test_ctrl_c_cancels_the_request_in_flight_and_does_not_quit(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        app.engine._providers["demo"] = GatedDemo(held=set(ENSEMBLE))
        await send(pilot, "What is the capital of France?", wait=False)
        await wait_until(pilot, lambda: streaming(app, ENSEMBLE[0]), what="a pane streaming")
        await pilot.press("ctrl+c")
        await settle(pilot)
        assert {p.status for p in panes(app)} == {"cancelled"}
        assert "cancelled" in str(turns(app)[-1].render())
        await pilot.press("ctrl+c")  # nothing in flight: a note, and the app stays up
        await pilot.pause()
        assert app.is_running
        assert any("Ctrl+Q quits" in n.message for n in app._notifications)


async def test_a_pane_maximizes_and_escape_restores_the_layout(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "What is the capital of France?")
        await pilot.press("tab")  # from the prompt to the panes
        await wait_until(pilot, lambda: isinstance(app.focused, ModelPane), what="a pane focused")
        pane = app.focused
        await pilot.press("z")
        await wait_until(pilot, lambda: app.screen.maximized is pane, what="maximized")
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen.maximized is None, what="restored")
        await pilot.press("f6")  # from anywhere
        await wait_until(pilot, lambda: app.screen.maximized is pane, what="maximized by F6")
        await pilot.press("f6")
        await wait_until(pilot, lambda: app.screen.maximized is None, what="restored by F6")


async def test_copy_takes_the_focused_answer_or_its_last_code_block(tmp_path):
    app = make_app(tmp_path)
    copied: list[str] = []
    app.copy_to_clipboard = copied.append  # what would go out as OSC 52
    async with app.run_test(size=SIZE) as pilot:
        app.engine._providers["demo"] = ScriptedDemo(CODE_ANSWER)
        await use_strategy(pilot, "single")
        await send(pilot, "How do I print?")
        await pilot.press("f7")
        await wait_until(pilot, lambda: copied, what="the answer copied")
        assert copied[-1].strip() == CODE_ANSWER.strip()
        await pilot.press("tab", "c")
        await wait_until(pilot, lambda: len(copied) == 2, what="the code block copied")
        assert copied[-1] == "echo two"
        assert any("copied the last code block" in n.message for n in app._notifications)


class StreamApp(App):
    def compose(self):
        yield StreamText()


async def test_streamed_text_is_followed_unless_the_reader_scrolled_up():
    app = StreamApp()
    async with app.run_test(size=(40, 10)) as pilot:
        view = app.query_one(StreamText)
        view.append(
            "".join(f"line {n} of a long answer that wraps at forty columns\n" for n in range(40))
        )
        await pilot.pause()
        assert len(view.rows) == 81  # 2 rows a line, and the last
        assert view.scroll_y > 0 and view.shows_the_end()  # followed to the end
        view.scroll_page_up(animate=False)  # the reader scrolls up: the view stops following
        await pilot.pause()
        kept = view.scroll_y
        view.append("one more line\n")
        await pilot.pause()
        assert view.scroll_y == kept and not view.shows_the_end()
        view.scroll_end(animate=False)  # back at the end: following again
        await pilot.pause()
        view.append("and another\n" * 12)  # past the bottom of the view
        await pilot.pause()
        assert view.shows_the_end() and view.rows[-2] == "and another"


async def test_text_that_outgrows_the_view_is_followed_at_once():
    """The append that first overflows the view comes before any scrollbar is laid out: the
    view must follow it anyway (it stayed at the top, and the finished answer with it)."""
    app = StreamApp()
    async with app.run_test(size=(40, 10)) as pilot:
        view = app.query_one(StreamText)
        view.append("a short start\n")
        await wait_until(pilot, lambda: view.wrapped_width > 0, what="the view laid out")
        assert view.max_scroll_y == 0  # the start fits: nothing to scroll yet
        view.append("".join(f"line {n}\n" for n in range(30)))
        assert view.scroll_y > 0 and view.shows_the_end() and view.following


async def test_a_finished_answer_is_rendered_as_markdown(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        app.engine._providers["demo"] = ScriptedDemo(CODE_ANSWER)
        await use_strategy(pilot, "single")
        await send(pilot, "How do I print?")
        [pane] = panes(app)
        assert not pane.query_one(StreamText).display
        assert pane.query_one(Markdown).source.strip() == CODE_ANSWER.strip()
        assert len(pane.query("MarkdownFence")) == 2


async def test_a_narrow_terminal_folds_the_dashboard_and_shows_panes_as_tabs(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "What is the capital of France?")
        board = app.screen.query_one(PaneBoard)
        assert board.tabs
        assert [p.display for p in panes(app)].count(True) == 1
        strip = str(board.query_one("#tab-strip").render())
        assert all(model in strip for model in ENSEMBLE)
        winner = next(p for p in panes(app) if p.has_class("-winner"))
        assert winner.display  # the accepted answer is the tab shown
        await pilot.press("tab", "1")
        await wait_until(pilot, lambda: panes(app)[0].display, what="the first tab")
        assert [p.display for p in panes(app)] == [True, False, False]
        dashboard = app.screen.query_one(Dashboard)
        assert not dashboard.display
        assert "1 request" in str(app.screen.query_one("#banner").render())
        await pilot.press("ctrl+b")
        await wait_until(pilot, lambda: dashboard.display, what="the dashboard unfolded")
        await pilot.resize_terminal(*SIZE)
        await wait_until(pilot, lambda: not board.tabs, what="columns again")
        assert all(p.display for p in panes(app))


async def test_theme_strategy_target_prompts_and_draft_survive_a_restart(tmp_path):
    state = tmp_path / "tui-state.json"
    app = make_app(tmp_path, state_path=state)
    async with app.run_test(size=SIZE) as pilot:
        await use_strategy(pilot, "single")
        app.screen.query_one("#target").value = "model:test-mini-a"
        await wait_until(pilot, lambda: app.target == "model:test-mini-a", what="the model")
        app.theme = "nord"
        await send(pilot, "What is 2+2?")
        app.screen.query_one(PromptEditor).load_text("half a thought")
        await pilot.press("ctrl+q")
    again = make_app(tmp_path, state_path=state)
    async with again.run_test(size=SIZE) as pilot:
        editor = again.screen.query_one(PromptEditor)
        assert (again.theme, again.strategy, again.target) == (
            "nord",
            "single",
            "model:test-mini-a",
        )
        assert editor.text == "half a thought"
        editor.load_text("")
        await pilot.press("up")
        await wait_until(pilot, lambda: editor.text == "What is 2+2?", what="recall after restart")


async def test_a_past_conversation_reopens_and_the_next_prompt_continues_it(tmp_path):
    from orchestrator_tui.store.history import get_request, list_requests
    from orchestrator_tui.tui.screens.conversations import ConversationsScreen

    from .tui_helpers import shown

    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "What is the capital of France?")
        await send(pilot, "And of Spain?")
        first_id = app.session.conversation_id
        await pilot.press("ctrl+n")
        await use_strategy(pilot, "single")
        await send(pilot, "What is 2+2?")
        await pilot.press("f5")
        screen = await shown(pilot, ConversationsScreen)
        table = screen.query_one("DataTable")
        assert table.row_count == 2
        table.move_cursor(row=1)  # newest first: the ensemble conversation is second
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.session.conversation_id == first_id, what="reopened")
        await wait_until(pilot, lambda: len(turns(app)) == 2, what="its two turns")
        assert "Paris" in str(turns(app)[0].render())
        reopened = panes(app)
        assert len(reopened) == 3 and sum(p.has_class("-winner") for p in reopened) == 1
        assert all("score" in p.note for p in reopened)  # the scores it showed live
        await send(pilot, "And of Italy?")
        newest = get_request(app.db, list_requests(app.db)[0]["id"])
        assert newest["conversation_id"] == first_id
        assert len(app.session.conversation) == 6


async def test_a_long_code_line_wraps_in_a_narrow_pane_instead_of_being_cut_off(tmp_path):
    line = "result = some_function(argument_one, argument_two, argument_three, argument_four)"
    app = make_app(tmp_path)
    async with app.run_test(size=(60, 20)) as pilot:
        app.engine._providers["demo"] = ScriptedDemo(f"Here:\n\n```python\n{line}\n```\n")
        await use_strategy(pilot, "single")
        await send(pilot, "Some code, please")
        fence = app.screen.query_one("MarkdownFence")
        await wait_until(pilot, lambda: fence.size.width > 0, what="the code block laid out")
        assert len(line) > fence.size.width  # it could not fit on one line
        assert fence.max_scroll_x == 0  # nothing hidden to the right
        assert fence.query_one("Label").size.height > 1  # wrapped


async def test_streamed_text_wraps_the_same_however_it_arrives():
    """Only the last row is wrapped again as text arrives: the rows must be those of the
    whole text wrapped at once, whatever the chunks (mid-word, spaces, newlines)."""
    import random

    from orchestrator_tui.tui.widgets.stream_text import wrap_spans

    rng = random.Random(7)
    words = ["a", "tiny", "considerably-longer-than-forty-columns-word-xxxxxxxxxxxx", "\n", " "]
    text = "".join(rng.choice(words) + rng.choice(["", " "]) for _ in range(400))
    app = StreamApp()
    async with app.run_test(size=(40, 10)) as pilot:
        view = app.query_one(StreamText)
        await pilot.pause()
        position = 0
        while position < len(text):
            step = rng.randint(1, 30)
            view.append(text[position : position + step])
            position += step
        width = view.wrapped_width
        expected = [
            line[start:end] for line in text.split("\n") for start, end in wrap_spans(line, width)
        ]
        assert view.rows == expected
        assert all(len(row) <= width for row in view.rows)


def test_a_folded_answer_reads_as_plain_text():
    from orchestrator_tui.tui.widgets.transcript import folded

    answer = (
        "## Vector clocks\n\n- **Each** process keeps [a counter](http://x) in `clock`.\n\n"
        "```py\nx = 1\n```\nMore."
    )
    assert folded(answer) == ["Vector clocks", "Each process keeps a counter in clock.", "x = 1 …"]
