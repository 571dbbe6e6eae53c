"""`--no-log` and `log_prompts = false`: no prompt or answer text anywhere in the database's
bytes, the response cache included (it is neither read nor written for such a request)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import write_config
from .test_cli import orch


@pytest.fixture
def home(isolated_home):
    write_config(isolated_home, "demo_speed = 0\n")
    return isolated_home


def database_bytes(home: Path) -> bytes:
    """The database file and its write-ahead log, as they are on disk."""
    return b"".join(
        path.read_bytes() for path in (home / "orch.db", home / "orch.db-wal") if path.exists()
    )


@pytest.mark.parametrize("how", ["--no-log", "log_prompts = false"])
def test_no_text_is_kept_anywhere(home, how):
    flags = ["--no-log"] if how == "--no-log" else []
    if how != "--no-log":
        write_config(home, f"demo_speed = 0\n{how}\n")
    prompt = "Describe the zebra-striped teapot 7781 in a few words"
    proc = orch("ask", "--json", *flags, prompt, home=home)
    assert proc.returncode == 0, proc.stderr
    answer = json.loads(proc.stdout)["response"]
    stored = database_bytes(home)
    assert b"teapot 7781" not in stored
    for text in (prompt, answer, answer[:60]):
        assert text.encode() not in stored
    assert json.loads(orch("history", "--json", home=home).stdout)[0]["cost"] > 0  # kept


def test_a_no_log_request_is_not_answered_from_the_cache(home):
    prompt = "What is the capital of France?"
    orch("ask", prompt, home=home)  # a logged request fills the cache
    again = json.loads(orch("ask", "--json", "--no-log", prompt, home=home).stdout)
    assert again["cached"] is False
    assert json.loads(orch("cache", "stats", "--json", home=home).stdout)["hits"] == 0
