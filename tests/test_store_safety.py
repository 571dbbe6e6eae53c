"""The database as users meet it, through the real `orch` command on a real SQLite file:
first use from several processes at once."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys

import pytest

from orchestrator_tui.store.migrations import MIGRATIONS


ROUNDS, PROCESSES = 4, 8


def new_home(path):
    path.mkdir(parents=True)
    (path / "config.toml").write_text("demo_speed = 0\n")
    return path


def start_asking(home):
    """`orch ask -` waits for its prompt on stdin once it has started: the processes are
    released together, at the moment their prompts are written."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "OPENAI_"))}
    return subprocess.Popen([sys.executable, "-m", "orchestrator_tui", "ask", "--json", "-"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**env, "ORCH_HOME": str(home)})


def ask_at_once(home, prompts: list[str]) -> None:
    asking = [start_asking(home) for _ in prompts]
    for process, prompt in zip(asking, prompts):
        process.stdin.write(prompt)
        process.stdin.close()
        process.stdin = None  # written and closed: communicate() has only to read
    for process in asking:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        assert json.loads(out)["success"]


def test_first_use_from_several_processes_loses_nothing(tmp_path):
    for round_no in range(ROUNDS):
        home = new_home(tmp_path / f"home{round_no}")
        prompts = [f"What is {i} + {round_no}?" for i in range(PROCESSES)]
        ask_at_once(home, prompts)
        db = sqlite3.connect(home / "orch.db")
        recorded = [row[0] for row in db.execute("SELECT prompt FROM requests "
                                                 "WHERE status = 'ok'")]
        assert sorted(recorded) == sorted(prompts)
        assert db.execute("SELECT COUNT(*) FROM _migrations").fetchone()[0] == len(MIGRATIONS)
        db.close()
