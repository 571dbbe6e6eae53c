"""Batch throughput, rate-limit pacing, ensemble wall time and memory with many requests in
flight, against the loopback fake server running in its own process.

Run: python tests/benchmarks/batch.py
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from orchestrator_tui.batch.runner import BatchItem, BatchRunner  # noqa: E402
from orchestrator_tui.engine import Engine, Request  # noqa: E402
from orchestrator_tui.engine.ratelimit import RateLimiter  # noqa: E402
from orchestrator_tui.registry import Registry  # noqa: E402
from tests.registry_settings import base_settings, write_config  # noqa: E402

MODEL = "test-small-o"


class Server:
    """tests/fake_server.py in a subprocess, so its threads do not share our interpreter."""

    def __init__(self, latency: float, rate_limit: str | None = None):
        command = [sys.executable, "-m", "tests.fake_server", "--latency", str(latency)]
        if rate_limit:
            command += ["--rate-limit", rate_limit]
        self.process = subprocess.Popen(
            command, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None and self.process.stdin is not None
        self.stdout, self.stdin = self.process.stdout, self.process.stdin
        self.url = self.stdout.readline().strip()

    def environ(self) -> dict[str, str]:
        return {
            "OPENAI_API_KEY": "k",
            "OPENAI_BASE_URL": self.url + "/v1",
            "ANTHROPIC_API_KEY": "k",
            "ANTHROPIC_BASE_URL": self.url,
        }

    def stop(self) -> dict:
        self.stdin.close()
        counts = json.loads(self.stdout.readline())
        self.process.wait(timeout=10)
        return counts


def engine_for(server: Server, rpm=None, window: float = 60.0) -> Engine:
    settings = base_settings(cache=False)
    registry = Registry.build(settings, environ=server.environ())
    for name, model in registry.models.items():
        registry.models[name] = model.with_changes(rpm=rpm, tpm=None)
    return Engine(settings, registry, limiter=RateLimiter(window_seconds=window))


async def run_batch(engine: Engine, count: int, concurrency: int, folder: Path) -> float:
    items = [BatchItem(str(i), f"What is {i} + 1?") for i in range(count)]
    runner = BatchRunner(
        engine, Request("", strategy="single", model=MODEL, use_cache=False), concurrency, None
    )
    started = time.perf_counter()
    progress = await runner.run(items, folder / f"out-{time.time_ns()}.jsonl")
    elapsed = time.perf_counter() - started
    assert progress.done == count, progress.summary()
    await engine.aclose()
    return elapsed


def throughput(folder: Path, count=2000, concurrency=50, latency=0.05) -> None:
    server = Server(latency)
    asyncio.run(run_batch(engine_for(server), 20, 20, folder))  # imports, connections
    elapsed = asyncio.run(run_batch(engine_for(server), count, concurrency, folder))
    server.stop()
    ideal = count * latency / concurrency
    print(
        f"batch {count} prompts, concurrency {concurrency}, {latency * 1000:.0f} ms each: "
        f"{elapsed:.2f} s, ideal {ideal:.2f} s: {ideal / elapsed:.0%} of ideal throughput"
    )


def whole_command(folder: Path, count=300, concurrency=30, latency=0.2) -> None:
    server = Server(latency)
    source = folder / "in.jsonl"
    source.write_text(
        "".join(
            json.dumps({"id": str(i), "prompt": f"What is {i}+1?"}) + "\n" for i in range(count)
        )
    )
    env = {**os.environ, **server.environ(), "ORCH_HOME": str(write_config(folder / "home").parent)}
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "orchestrator_tui",
            "batch",
            str(source),
            "-o",
            str(folder / "cmd.jsonl"),
            "-m",
            MODEL,
            "--concurrency",
            str(concurrency),
            "--quiet",
            "--no-cache",
        ],
        env=env,
        check=True,
    )
    elapsed = time.perf_counter() - started
    server.stop()
    ideal = count * latency / concurrency
    print(
        f"orch batch {count} prompts, concurrency {concurrency}, {latency * 1000:.0f} ms "
        f"each, start-up included: {elapsed:.2f} s, ideal {ideal:.2f} s "
        f"({elapsed / ideal:.2f}x)"
    )


def pacing(folder: Path, count=300, rpm=100, server_limit="110/1") -> None:
    server = Server(0.02, server_limit)
    elapsed = asyncio.run(run_batch(engine_for(server, rpm=rpm, window=1.0), count, 50, folder))
    counts = server.stop()
    print(
        f"pacing: {count} prompts at {rpm} per second configured, server limit "
        f"{server_limit.replace('/1', '')} per second: {elapsed:.2f} s (ideal "
        f"{(count - rpm) / rpm:.2f} s), {counts['rejected']} answered 429"
    )


async def ensemble_case(server: Server) -> tuple[float, float]:
    engine = engine_for(server)
    result = await engine.run_to_result(
        Request(
            "What is the capital of France?",
            strategy="ensemble",
            models=["test-small-o", "test-medium-o", "test-small-a"],
            use_cache=False,
        )
    )
    await engine.aclose()
    return result.latency, max(a.latency for a in result.attempts)


def ensemble(runs: int = 10) -> None:
    server = Server(0.3)
    asyncio.run(ensemble_case(server))  # imports
    pairs = [asyncio.run(ensemble_case(server)) for _ in range(runs)]
    server.stop()
    overhead = max(wall / slowest - 1 for wall, slowest in pairs)
    print(
        f"ensemble of 3 (300 ms each): wall time within {overhead:.1%} of its slowest "
        f"member (worst of {runs})"
    )


def in_flight_memory(folder: Path, count=1000) -> None:
    server = Server(2.0)
    before = rss_megabytes()
    elapsed = asyncio.run(run_batch(engine_for(server), count, count, folder))
    peak = peak_rss_megabytes()
    server.stop()
    print(
        f"{count} requests in flight at once: {elapsed:.2f} s; resident set {before:.0f} MB "
        f"before, {peak:.0f} MB at peak"
    )


def rss_megabytes() -> float:
    return status_megabytes("VmRSS:")


def peak_rss_megabytes() -> float:
    return status_megabytes("VmHWM:")


def status_megabytes(key: str) -> float:
    with open("/proc/self/status") as status:
        return int(next(line for line in status if line.startswith(key)).split()[1]) / 1024


def main() -> None:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        throughput(folder)
        whole_command(folder)
        pacing(folder)
        ensemble()
        in_flight_memory(folder)


if __name__ == "__main__":
    main()
