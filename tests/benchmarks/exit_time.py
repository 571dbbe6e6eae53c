"""How long `orch ask` takes to give the shell back: after Ctrl+C mid-stream, and after a
finished answer (the server's reply is instant, so the rest is orch's own work).

Each run is a new process against the fake API server; the figure after Ctrl+C is measured
from the signal to the process's exit.

Run: python tests/benchmarks/exit_time.py [RUNS]
"""

from __future__ import annotations

import os
import pty
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.conftest import api_environ  # noqa: E402
from tests.fake_server import FakeAPI, Gate, Reply  # noqa: E402
from tests.registry_settings import write_config  # noqa: E402
from tests.test_cli_history import read_until  # noqa: E402

COMMAND = [
    sys.executable,
    "-m",
    "orchestrator_tui",
    "ask",
    "-m",
    "test-large-a",
    "--no-cache",
    "Design a distributed cache",
]


def environ(api: FakeAPI, home: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "OPENAI_"))}
    write_config(Path(home))  # the tests' registry
    env.update(api_environ(api), ORCH_HOME=home)
    return env


def after_ctrl_c(api: FakeAPI, home: str) -> float:
    """Seconds from SIGINT (three chunks on the screen, the rest held) to the exit."""
    api.script(Reply(gate=Gate(after=3)))
    terminal, stdout = pty.openpty()
    process = subprocess.Popen(
        COMMAND, env=environ(api, home), stdout=stdout, stderr=subprocess.DEVNULL
    )
    os.close(stdout)
    read_until(terminal, b"The capital of")
    process.send_signal(signal.SIGINT)
    sent = time.perf_counter()
    process.wait()
    os.close(terminal)
    return time.perf_counter() - sent


def whole_command(api: FakeAPI, home: str) -> float:
    """Seconds for a whole `orch ask` whose answer comes at once."""
    api.script(Reply())
    start = time.perf_counter()
    subprocess.run(COMMAND, env=environ(api, home), capture_output=True, check=True)
    return time.perf_counter() - start


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    with FakeAPI() as api, tempfile.TemporaryDirectory() as home:
        for name, measure in (("after Ctrl+C", after_ctrl_c), ("whole command", whole_command)):
            times = sorted(measure(api, home) for _ in range(runs))
            print(
                f"{name:14} median {statistics.median(times):.3f} s, "
                f"worst {times[-1]:.3f} s ({runs} runs)"
            )


if __name__ == "__main__":
    main()
