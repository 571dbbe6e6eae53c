"""Conversations in the history (store.conversations), on a real database file, and
`orch ask --continue` / `--conversation` as a user runs them: what the API receives."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from orchestrator_tui.engine import Engine, Request
from orchestrator_tui.frontend import conversation_to_continue
from orchestrator_tui.store.conversations import (
    ConversationError,
    conversation_messages,
    conversation_turns,
    latest_conversation_id,
    list_conversations,
    new_conversation_id,
    resolve_conversation_id,
)
from orchestrator_tui.store.db import open_db
from orchestrator_tui.store.history import get_request
from orchestrator_tui.store.ledger import SQLiteLedger
from orchestrator_tui.types import Message

from .conftest import api_environ, fast_settings, write_config
from .fake_server import Reply
from .test_cli import assert_one_line_error, orch


@pytest.fixture
def db(tmp_path):
    connection = open_db(tmp_path / "orch.db")
    yield connection
    connection.close()


def add_request(db, conversation_id, prompt="q", response="a", status="ok", demo=0, cost=0.01):
    """One request row as the ledger leaves it; its id."""
    cursor = db.execute(
        "INSERT INTO requests (timestamp, status, prompt, response, conversation_id, demo, cost) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (time.time(), status, prompt, response, conversation_id, demo, cost),
    )
    return cursor.lastrowid


def test_messages_are_what_the_ledger_recorded_turn_after_turn(db) -> None:
    """Two turns run like the TUI runs them (one id, the history so far): each follow-up
    sends the earlier prompts with their accepted answers."""
    settings = fast_settings()
    engine = Engine(settings, demo=True, ledger=SQLiteLedger(db, settings))
    cid = new_conversation_id()
    sent: list[list[Message]] = []
    for prompt in ("What is 2+2?", "And times 3?", "Explain why"):
        history = conversation_messages(db, cid) if sent else []
        request = Request(prompt, strategy="single", model="test-small-o", conversation_id=cid)
        request.history = history
        sent.append(request.messages())
        result = asyncio.run(engine.run_to_result(request))
        assert result.success
    first = get_request(db, conversation_turns(db, cid)[0]["id"])
    assert first is not None
    assert sent[1] == [
        Message("user", "What is 2+2?"),
        Message("assistant", first["response"]),
        Message("user", "And times 3?"),
    ]
    assert len(sent[2]) == 5 and sent[2][2] == Message("user", "And times 3?")


def test_only_answered_turns_of_that_conversation_in_order(db):
    add_request(db, "c1", "one", "1")
    add_request(db, "other", "elsewhere", "x")
    for status in ("failed", "cancelled", "interrupted", "running"):
        add_request(db, "c1", f"lost {status}", None, status=status)
    add_request(db, "c1", "two", "2")
    assert conversation_messages(db, "c1") == [
        Message("user", "one"),
        Message("assistant", "1"),
        Message("user", "two"),
        Message("assistant", "2"),
    ]


def test_a_conversation_kept_without_its_text_cannot_be_continued(db):
    add_request(db, "c1", "one", "1")
    hidden = add_request(db, "c1", None, None)
    with pytest.raises(ConversationError, match=f"request {hidden} was recorded without its text"):
        conversation_messages(db, "c1")


def test_unknown_and_ambiguous_ids(db):
    for cid in ("abc123", "abc456", "abd"):
        add_request(db, cid)
    with pytest.raises(ConversationError, match="no conversation 'zz'"):
        conversation_messages(db, "zz")
    assert resolve_conversation_id(db, "abc1") == "abc123"
    assert resolve_conversation_id(db, " abd ") == "abd"
    with pytest.raises(ConversationError, match="more than one"):
        resolve_conversation_id(db, "abc")
    with pytest.raises(ConversationError, match="no conversation 'b'"):
        resolve_conversation_id(db, "b")
    with pytest.raises(ConversationError, match="empty"):
        resolve_conversation_id(db, " ")


def test_a_whole_id_wins_over_longer_ones(db):
    add_request(db, "ab")
    add_request(db, "abc")
    assert resolve_conversation_id(db, "ab") == "ab"


def test_latest_is_the_newest_requests_conversation(db):
    assert latest_conversation_id(db) is None
    add_request(db, "old")
    add_request(db, "new")
    add_request(db, "old")
    add_request(db, None)  # a batch's request belongs to no conversation
    assert latest_conversation_id(db) == "old"


def test_continue_latest_given_or_new(db):
    with pytest.raises(ConversationError, match="no conversation to continue yet"):
        conversation_to_continue(db, latest=True)
    add_request(db, "c1aaaa", "one", "1")
    add_request(db, "c2bbbb", "two", "2")
    assert conversation_to_continue(db, latest=True) == (
        "c2bbbb",
        [Message("user", "two"), Message("assistant", "2")],
    )
    assert conversation_to_continue(db, given="c1")[0] == "c1aaaa"
    fresh, history = conversation_to_continue(db)
    assert history == [] and fresh not in ("c1aaaa", "c2bbbb") and len(fresh) == 32
    with pytest.raises(ConversationError, match="not both"):
        conversation_to_continue(db, latest=True, given="c1")


def test_list_conversations_for_a_sidebar(db):
    add_request(db, "c1", "First question", "an answer about zebras", demo=1, cost=0.5)
    add_request(db, "c2", None, None, cost=0.25)  # --no-log: no title
    add_request(db, "c1", "Second question", "x", demo=0, cost=0.125)
    add_request(db, "c1", "Third", None, status="failed", demo=0, cost=0.0625)
    c1, c2 = list_conversations(db)  # the most recently continued first
    assert c1["id"] == "c1" and c1["title"] == "First question" and c1["turns"] == 3
    assert c1["cost"] == 0.1875 and c1["demo_cost"] == 0.5 and c1["demo"] is False
    assert c1["started"] <= c1["last_timestamp"]
    assert c2 == c2 | {"id": "c2", "title": None, "turns": 1, "cost": 0.25, "demo": False}
    assert [c["id"] for c in list_conversations(db, limit=1)] == ["c1"]
    assert [c["id"] for c in list_conversations(db, query="zebra")] == ["c1"]
    assert list_conversations(db, query="giraffe") == []


def test_an_all_demo_conversation_says_so(db):
    add_request(db, "d", demo=1)
    assert list_conversations(db)[0]["demo"] is True


def test_turns_in_order_open_with_get_request(db):
    ids = [add_request(db, "c1", f"turn {i}") for i in range(3)]
    add_request(db, "c2")
    turns = conversation_turns(db, "c1")
    assert [t["id"] for t in turns] == ids
    assert turns[1]["prompt"] == "turn 1" and turns[1]["conversation_id"] == "c1"
    assert conversation_turns(db, "nope") == []


# The command line: the API server sees the earlier turns.


@pytest.fixture
def home(isolated_home):
    write_config(isolated_home, "demo_speed = 0\n")
    return isolated_home


def run_ask(home, fake_api, *args):
    """`orch ask -m test-small-o ARGS` against the fake server."""
    return orch("ask", "-m", "test-small-o", *args, home=home, env_extra=api_environ(fake_api))


def ask(home, fake_api, *args):
    proc = run_ask(home, fake_api, "--json", *args)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def sent_messages(fake_api) -> list[tuple[str, str]]:
    """The messages of the last call the server received, as (role, text)."""
    return [(m["role"], m["content"]) for m in fake_api.requests[-1]["body"]["messages"]]


def test_continue_sends_the_earlier_turns(home, fake_api):
    fake_api.script(Reply(text="Four."), Reply(text="Twelve."), Reply(text="Other."))
    first = ask(home, fake_api, "What is 2+2?")
    second = ask(home, fake_api, "--continue", "And times 3?")
    assert second["conversation_id"] == first["conversation_id"]
    assert sent_messages(fake_api) == [
        ("user", "What is 2+2?"),
        ("assistant", "Four."),
        ("user", "And times 3?"),
    ]
    other = ask(home, fake_api, "Something else")  # a plain ask starts a new one
    assert other["conversation_id"] != first["conversation_id"]
    assert sent_messages(fake_api) == [("user", "Something else")]
    ask(home, fake_api, "--cid", first["conversation_id"][:8], "And minus 1?")
    assert [text for _, text in sent_messages(fake_api)] == [
        "What is 2+2?",
        "Four.",
        "And times 3?",
        "Twelve.",
        "And minus 1?",
    ]


@pytest.mark.parametrize(
    "args, needle",
    [
        (["--conversation", "feedbeef"], "no conversation 'feedbeef'"),
        (["--continue"], "no conversation to continue yet"),
        (["--continue", "--cid", "feedbeef"], "not both"),
    ],
)
def test_nothing_to_continue_is_one_line_and_costs_nothing(home, fake_api, args, needle):
    assert_one_line_error(run_ask(home, fake_api, *args, "hi"), needle)
    assert fake_api.requests == []
    assert json.loads(orch("history", "--json", home=home).stdout) == []


def test_continue_after_no_log_refuses_before_calling(home, fake_api):
    ask(home, fake_api, "--no-log", "A private question")
    proc = run_ask(home, fake_api, "--continue", "more")
    assert_one_line_error(proc, "cannot be continued", "without its text")
    assert len(fake_api.requests) == 1


def test_a_tui_conversation_continues_from_the_cli(home, fake_api):
    """A conversation the TUI recorded (its own id, in-process engine) followed up by id."""
    settings = fast_settings()
    db = open_db(home / "orch.db")
    try:
        engine = Engine(settings, demo=True, ledger=SQLiteLedger(db, settings))
        cid = new_conversation_id()
        request = Request("Name a colour", strategy="single", model="test-small-o")
        request.conversation_id = cid
        answer = asyncio.run(engine.run_to_result(request)).response
    finally:
        db.close()
    data = ask(home, fake_api, "--conversation", cid, "Another one?")
    assert data["conversation_id"] == cid
    assert sent_messages(fake_api) == [
        ("user", "Name a colour"),
        ("assistant", answer),
        ("user", "Another one?"),
    ]
