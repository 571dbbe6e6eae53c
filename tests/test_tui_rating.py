"""F8/F9 rate the answer on screen: the focused ensemble member's, else the accepted one;
never while a request runs, and never an earlier request than the one shown."""

from __future__ import annotations

from orchestrator_tui.store.history import get_request, list_requests
from orchestrator_tui.store.ratings import rated_examples, rating_label
from orchestrator_tui.tui.rating import NOT_SHOWN, RUNNING
from orchestrator_tui.tui.widgets.pane import ModelPane

from .test_tui_figures import cancel_midway, notified
from .tui_helpers import (
    SIZE,
    GatedDemo,
    make_app,
    send,
    settle,
    streaming,
    use_strategy,
    wait_until,
)


def rating_of(app, request_id: int) -> tuple[int | None, str | None]:
    record = get_request(app.db, request_id)
    assert record is not None
    return record["rating"], record["rated_by"]


async def focus_pane(pilot, pane: ModelPane) -> None:
    body = pane.query_one(".pane-body")
    body.focus()
    await wait_until(pilot, lambda: pilot.app.focused is body, what=f"{pane.model} focused")


async def test_in_an_ensemble_the_focused_answer_is_rated(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "What is the capital of France?")
        [row] = list_requests(app.db)
        loser = next(p for p in app.screen.query(ModelPane) if not p.attempt.accepted)
        await focus_pane(pilot, loser)
        await pilot.press("f8")
        await wait_until(pilot, lambda: rating_of(app, row["id"])[0] is not None, what="rated")
        number = loser.attempt.attempt_id
        assert rating_of(app, row["id"]) == (1, f"user@{number}")
        assert rating_label(1, f"user@{number}") == f"good (answer {number})"
        assert notified(app, f"{loser.model}'s answer rated good")
        app.db.execute("UPDATE requests SET demo = 0")  # as if real: a router learns it
        [(prompt, model, score, _)] = rated_examples(app.db)
        assert (prompt, model, score) == ("What is the capital of France?", loser.model, 1.0)
        app.screen.query_one("#prompt").focus()  # no pane focused: the accepted answer
        await pilot.press("f9")
        await wait_until(pilot, lambda: rating_of(app, row["id"]) == (0, "user"), what="bad")
        assert rated_examples(app.db)[0][1] == row["model_used"]


async def test_no_rating_while_answers_stream(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await use_strategy(pilot, "single")
        gate = GatedDemo(held={"test-small-a"})
        app.engine._providers["demo"] = gate
        app.target = "model:test-small-a"
        await send(pilot, "What is 2 + 2?", wait=False)
        await wait_until(pilot, lambda: streaming(app, "test-small-a"), what="streaming")
        await pilot.press("f8")
        await wait_until(pilot, lambda: notified(app, RUNNING), what="why it cannot rate")
        gate.release.set()
        await settle(pilot)
        [row] = list_requests(app.db)
        assert rating_of(app, row["id"]) == (None, None)


async def test_a_cancelled_request_on_screen_rates_nothing_not_the_one_before(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "What is 2 + 2?")
        await cancel_midway(pilot)
        await pilot.press("f8")
        await wait_until(pilot, lambda: notified(app, NOT_SHOWN), what="why it cannot rate")
        assert [r["rating"] for r in list_requests(app.db)] == [None, None]


async def test_a_reopened_conversations_last_answer_is_rated_not_the_latest_request(tmp_path):
    from orchestrator_tui.tui.screens.conversations import ConversationsScreen

    from .tui_helpers import shown

    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await use_strategy(pilot, "single")
        await send(pilot, "What is the capital of France?")
        [reopened] = list_requests(app.db)
        await pilot.press("ctrl+n")
        await send(pilot, "What is 2+2?")
        latest = list_requests(app.db)[0]
        assert latest["id"] != reopened["id"]
        await pilot.press("f5")
        screen = await shown(pilot, ConversationsScreen)
        screen.query_one("DataTable").move_cursor(row=1)  # newest first: France is second
        await pilot.press("enter")
        await wait_until(
            pilot, lambda: app.session.last_history_id == reopened["id"], what="reopened"
        )
        app.screen.query_one("#prompt").focus()  # no pane focused: the accepted answer
        await pilot.press("f9")
        await wait_until(pilot, lambda: rating_of(app, reopened["id"])[0] is not None, what="rated")
        assert rating_of(app, reopened["id"]) == (0, "user")
        assert rating_of(app, latest["id"]) == (None, None)
        assert notified(app, f"request {reopened['id']}: ")
