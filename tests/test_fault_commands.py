"""Provider faults as a user meets them: `orch ask` and `orch batch` against the fake server,
as real processes, and SIGTERM treated like Ctrl+C."""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import subprocess
import time

import pytest

from .conftest import api_environ, write_config
from .fake_server import Gate, Reply
from .test_batch import read_output, write_jsonl
from .test_cli import orch, start_orch

MODEL = "test-small-a"


@pytest.fixture
def home(isolated_home):
    write_config(isolated_home, "demo_speed = 0\n[retries]\nmax_retries = 0\n")
    return isolated_home


def history_record(home, request_id=1) -> dict:
    proc = orch("history", "show", str(request_id), "--json", home=home)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_ask_with_a_malformed_chunk_is_one_line_and_the_partial_call_is_recorded(home, fake_api):
    fake_api.script(Reply(malformed_after=2))
    proc = orch("ask", "-m", MODEL, "hi", home=home, env_extra=api_environ(fake_api))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr  # not 70: no internal error
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("orch: error: ") and "unreadable stream chunk" in last
    [attempt] = history_record(home)["attempts"]
    assert attempt["status"] == "error" and attempt["estimated"] and attempt["cost"] > 0
    shown = orch("history", "show", "1", home=home)
    assert "~$" in shown.stdout  # an estimated cost is marked as one


def test_batch_goes_on_past_a_malformed_answer_and_keeps_every_answer(home, fake_api, tmp_path):
    """A batch's calls are not streamed: the malformed answer is a whole body that is not
    JSON."""
    source, out = write_jsonl(tmp_path / "in.jsonl", 6), tmp_path / "out.jsonl"
    fake_api.script(Reply(), Reply(), Reply(malformed_after=1), model=MODEL)
    proc = orch(
        "batch",
        str(source),
        "-o",
        str(out),
        "-m",
        MODEL,
        "--concurrency",
        "1",
        "--quiet",
        "--no-cache",
        home=home,
        env_extra=api_environ(fake_api),
    )
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    records = read_output(out)
    assert sorted(r["status"] for r in records) == ["failed"] + ["ok"] * 5
    [failed] = [r for r in records if r["status"] == "failed"]
    assert "unreadable answer (JSONDecodeError" in failed["error"]


class TerminalAsk:
    """`orch ask` with its stdout on a pseudo-terminal, so it streams as a user sees it and a
    test can wait for the first words to reach the screen."""

    def __init__(self, home, fake_api, *args):
        self.master, terminal = pty.openpty()
        self.process = start_orch(
            "ask",
            *args,
            home=home,
            fake_api=fake_api,
            env_extra={"COLUMNS": "100"},
            stdin=subprocess.DEVNULL,
            stdout=terminal,
            stderr=subprocess.PIPE,
            text=True,
        )
        os.close(terminal)
        self.screen = ""

    def wait_for(self, text: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.screen:
            assert time.monotonic() < deadline, f"{text!r} never shown: {self.screen!r}"
            ready, _, _ = select.select([self.master], [], [], 0.5)
            if ready:
                self.screen += os.read(self.master, 65536).decode(errors="replace")

    def stop(self, signal_number: int) -> str:
        self.process.send_signal(signal_number)
        _, err = self.process.communicate(timeout=60)
        os.close(self.master)
        return err


@pytest.mark.parametrize(
    "signal_number, exit_code, verb",
    [(signal.SIGTERM, 143, "terminated"), (signal.SIGINT, 130, "cancelled")],
)
def test_a_signal_mid_stream_stops_cleanly_and_records_what_was_paid(
    home, fake_api, signal_number, exit_code, verb
):
    fake_api.script(Reply(gate=Gate(after=3), input_tokens=500))
    ask = TerminalAsk(home, fake_api, "-m", MODEL, "Design a distributed cache")
    ask.wait_for("capital of")  # the first three words are on the screen; the rest stalls
    err = ask.stop(signal_number)
    assert ask.process.returncode == exit_code and verb in err and "Traceback" not in err
    record = history_record(home)
    [attempt] = record["attempts"]
    assert record["status"] == "cancelled" and attempt["status"] == "cancelled"
    assert attempt["input_tokens"] == 500  # what message_start reported before the signal
    assert attempt["estimated"] and attempt["output_tokens"] > 0
    assert attempt["cost"] > 0 and record["cost"] == attempt["cost"]
