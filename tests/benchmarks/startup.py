"""Start-up time of one-shot commands against a bare `python -c "import typer, rich"`.

Run: python tests/benchmarks/startup.py [runs]
Prints the median wall time of each command over `runs` runs (default 15) and its ratio.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time

COMMANDS = {
    'python -c "import typer, rich"': [sys.executable, "-c", "import typer, rich"],
    "orch --help": [sys.executable, "-m", "orchestrator_tui", "--help"],
    "orch models": [sys.executable, "-m", "orchestrator_tui", "models"],
    "orch models --json": [sys.executable, "-m", "orchestrator_tui", "models", "--json"],
}


def median_seconds(command: list[str], runs: int, env: dict) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, env=env, stdout=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main(runs: int = 15) -> None:
    env = {**os.environ, "ORCH_HOME": tempfile.mkdtemp()}
    baseline = None
    for label, command in COMMANDS.items():
        seconds = median_seconds(command, runs, env)
        baseline = baseline or seconds
        print(f"{label:34} {seconds * 1000:7.0f} ms   {seconds / baseline:4.2f}x")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 15)
