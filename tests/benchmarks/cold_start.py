"""Honest latency from a cold process: an ensemble whose members the server answers in
0.3, 0.6 and 0.9 s, and `orch ask` on one model against the default fallback chain.

Each run is a new process, so the SDK imports (about 1.4 s for anthropic) happen in it.
Target: each member's reported latency within 50 ms of its server time, and the ensemble's
wall time within 5% of its slowest member.

Run: python tests/benchmarks/cold_start.py [RUNS]
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.registry_settings import CHILD_IMPORT, write_config  # noqa: E402

MEMBERS = {"test-small-a": 0.3, "test-small-o": 0.6, "test-medium-o": 0.9}

ENSEMBLE = (
    CHILD_IMPORT
    + """
import asyncio, json, sys
from orchestrator_tui.engine import Engine, Request
from orchestrator_tui.registry import Registry

async def main():
    settings = base_settings(cache=False)
    engine = Engine(settings, Registry.build(settings, environ=json.loads(sys.argv[1])))
    result = await engine.run_to_result(Request(
        "What is the capital of France?", strategy="ensemble", models=sys.argv[2].split(",")))
    print(json.dumps({"wall": result.latency,
                      "members": {a.model: a.latency for a in result.attempts}}))

asyncio.run(main())
"""
)


def start_server() -> tuple[subprocess.Popen, str]:
    command = [sys.executable, "-m", "tests.fake_server", "--latency", "0"]
    for model, seconds in MEMBERS.items():
        command += ["--model-latency", f"{model}={seconds}"]
    server = subprocess.Popen(
        command, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert server.stdout is not None
    return server, server.stdout.readline().strip()


def environ(url: str) -> dict[str, str]:
    return {
        "OPENAI_API_KEY": "k",
        "OPENAI_BASE_URL": url + "/v1",
        "ANTHROPIC_API_KEY": "k",
        "ANTHROPIC_BASE_URL": url,
    }


def ensemble_runs(url: str, runs: int) -> None:
    print(f"ensemble of 3, cold process each time ({runs} runs)")
    print("member              server   reported (median, worst difference)")
    rows: dict[str, list[float]] = {m: [] for m in MEMBERS}
    overs = []
    for _ in range(runs):
        proc = subprocess.run(
            [sys.executable, "-c", ENSEMBLE, json.dumps(environ(url)), ",".join(MEMBERS)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=True,
        )
        figures = json.loads(proc.stdout)
        for model, latency in figures["members"].items():
            rows[model].append(latency)
        overs.append(figures["wall"] / max(figures["members"].values()) - 1)
    for model, latencies in rows.items():
        worst = max(abs(value - MEMBERS[model]) for value in latencies)
        print(
            f"{model:<18}  {MEMBERS[model]:.3f} s  {statistics.median(latencies):.3f} s, "
            f"worst {worst * 1000:+.0f} ms"
        )
    print(
        f"ensemble wall over its slowest member: median {statistics.median(overs):.1%}, "
        f"worst {max(overs):.1%}"
    )


def ask_runs(url: str, runs: int) -> None:
    home = str(write_config(Path(tempfile.mkdtemp())).parent)
    env = {**os.environ, **environ(url), "ORCH_HOME": home}
    print(f"\norch ask, whole command, median of {runs} (first model answers at once)")
    for label, args in (
        ("-m test-small-a (single)", ["-m", "test-small-a"]),
        ("default fallback on test-mixed", []),
        ("-m test-small-o (single)", ["-m", "test-small-o"]),
    ):
        times = []
        for index in range(runs):
            started = time.perf_counter()
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "orchestrator_tui",
                    "ask",
                    "--no-cache",
                    *args,
                    f"What is the capital of France? ({index})",
                ],
                env=env,
                capture_output=True,
                check=True,
                cwd=ROOT,
            )
            times.append(time.perf_counter() - started)
        print(f"{label:<32} {statistics.median(times):.2f} s")


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    server, url = start_server()
    try:
        ensemble_runs(url, runs)
        ask_runs(url, runs)
    finally:
        assert server.stdin is not None
        server.stdin.close()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
