"""The database as users meet it, through the real `orch` command on a real SQLite file:
first use from several processes at once, a read-only home, a damaged page."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from pathlib import Path

import pytest

from orchestrator_tui.store.migrations import MIGRATIONS

from .conftest import api_environ, write_config
from .store_helpers import damage_middle_page, fill_history, unwritable
from .test_cli import assert_one_line_error, orch, start_orch

ROUNDS, PROCESSES = 4, 8
READ_COMMANDS = [["history"], ["stats"], ["report"], ["budget"]]


def new_home(path):
    write_config(path, "demo_speed = 0\n")
    return path


@pytest.fixture
def home(isolated_home):
    return new_home(isolated_home)


def start_asking(home):
    """`orch ask -` waits for its prompt on stdin once it has started: the processes are
    released together, at the moment their prompts are written."""
    return start_orch(
        "ask",
        "--json",
        "-",
        home=home,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def ask_at_once(home, prompts: list[str]) -> None:
    asking = [start_asking(home) for _ in prompts]
    for process, prompt in zip(asking, prompts, strict=False):
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
        recorded = [row[0] for row in db.execute("SELECT prompt FROM requests WHERE status = 'ok'")]
        assert sorted(recorded) == sorted(prompts)
        assert db.execute("SELECT COUNT(*) FROM _migrations").fetchone()[0] == len(MIGRATIONS)
        db.close()


@pytest.fixture
def history_home(home):
    orch("ask", "What is the capital of France?", home=home)
    orch("ask", "--category", "geo", "What is the capital of Peru?", home=home)
    orch("budget", "set", "--daily", "5", home=home)
    assert not (home / "orch.db-wal").exists()  # every process closed it cleanly
    return home


@pytest.mark.parametrize("what", ["file", "home"])
def test_a_read_only_database_is_read_and_never_written(history_home, tmp_path, fake_api, what):
    """Really unwritable, root included (`unwritable`: chattr +i as root, chmod a-w
    otherwise). "file": the database alone, so SQLite can still keep its WAL index beside
    it; "home": the directory too, so orch must read the file with `immutable=1`."""
    home = history_home
    path = home / "orch.db"
    locked = [path] if what == "file" else [path, home]
    batch_input = tmp_path / "prompts.jsonl"
    batch_input.write_text('{"id": "1", "prompt": "hi"}\n')
    keys = api_environ(fake_api)
    with unwritable(*locked):
        for args in READ_COMMANDS:
            proc = orch(*args, home=home)
            assert proc.returncode == 0, proc.stderr
        assert "capital of Peru" in orch("history", home=home).stdout
        exported = tmp_path / "out.jsonl"
        assert orch("export", "-o", str(exported), home=home).returncode == 0
        assert len(exported.read_text().splitlines()) == 2
        batch = ["batch", str(batch_input), "-o", str(tmp_path / "answers.jsonl")]
        for args in (
            ["ask", "-m", "test-small-o", "hi"],
            batch,
            ["budget", "set", "--daily", "9"],
            ["rate", "1", "good"],
            ["tui"],
        ):
            proc = orch(*args, home=home, env_extra=keys)
            assert_one_line_error(proc, "read-only", str(path))
        assert fake_api.requests == []  # refused before any call


def test_a_damaged_page_is_one_line_with_the_way_out(home, fake_api):
    fill_history(home, 60)
    path = home / "orch.db"
    damage_middle_page(path)
    damaged = path.read_bytes()
    for args in (["history"], ["stats"], ["ask", "-m", "test-small-o", "hi"]):
        proc = orch(*args, home=home, env_extra=api_environ(fake_api))
        assert_one_line_error(proc, str(path), f"sqlite3 {path} .recover")
        assert proc.returncode != 70 and "damaged" in proc.stderr
        assert "delete" not in proc.stderr
    assert fake_api.requests == []
    assert path.read_bytes() == damaged  # orch changed nothing in it


def test_orch_s_own_writes_do_not_make_the_next_command_check_every_page(home):
    from orchestrator_tui.store.integrity import file_stamp, read_marker

    proc = orch("ask", "What is 2 + 2?", home=home)
    assert proc.returncode == 0, proc.stderr
    db = home / "orch.db"
    assert read_marker(Path(f"{db}-checked")) == file_stamp(db)  # stamped after its writes
