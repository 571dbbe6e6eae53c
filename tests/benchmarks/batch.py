"""Batch throughput, rate-limit pacing, ensemble wall time and memory with many requests in
flight, against the loopback fake server running in its own process; and `orch batch` side by
side with a bare OpenAI SDK asyncio script on the same prompts.

Run: python tests/benchmarks/batch.py            (everything)
     python tests/benchmarks/batch.py side [N]   (the side-by-side only, N rounds: default 3)
"""

from __future__ import annotations

import asyncio
import compileall
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

from orchestrator_tui.batch.runner import BatchItem, BatchRunner  # noqa: E402
from orchestrator_tui.engine import Engine, Request  # noqa: E402
from orchestrator_tui.engine.ratelimit import RateLimiter  # noqa: E402
from orchestrator_tui.registry import Registry  # noqa: E402
from tests.registry_settings import base_settings, write_config  # noqa: E402

MODEL = "test-small-o"


class Server:
    """tests/fake_server.py in a subprocess, so its threads do not share our interpreter."""

    def __init__(self, latency: float, rate_limit: str | None = None, echo: bool = False):
        command = [sys.executable, "-m", "tests.fake_server", "--latency", str(latency)]
        if rate_limit:
            command += ["--rate-limit", rate_limit]
        if echo:
            command.append("--echo")
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


# The bare SDK: one AsyncOpenAI client, `concurrency` workers on a queue, the typed
# `chat.completions.create` with the same body orch sends. argv: URL INPUT OUTPUT CONCURRENCY
# MODEL MAX_TOKENS STREAM ("1": streamed with usage, as orch streamed before; "0": not).
BARE_SDK_SCRIPT = """
import asyncio, json, sys
import openai


async def main(url, source, target, concurrency, model, max_tokens, stream):
    client = openai.AsyncOpenAI(api_key="k", base_url=url + "/v1")
    queue = asyncio.Queue()
    with open(source) as lines:
        for line in lines:
            queue.put_nowait(json.loads(line))
    answers = {}

    async def ask(item):
        body = dict(
            model=model,
            messages=[{"role": "user", "content": item["prompt"]}],
            max_completion_tokens=max_tokens,
        )
        if not stream:
            completion = await client.chat.completions.create(**body, stream=False)
            text, usage = completion.choices[0].message.content, completion.usage
            return text, usage.prompt_tokens, usage.completion_tokens
        chunks = await client.chat.completions.create(
            **body, stream=True, stream_options={"include_usage": True}
        )
        text, usage = [], None
        async for chunk in chunks:
            usage = chunk.usage or usage
            text += [c.delta.content for c in chunk.choices if c.delta.content]
        return "".join(text), usage.prompt_tokens, usage.completion_tokens

    async def worker():
        while not queue.empty():
            item = queue.get_nowait()
            answers[item["id"]] = await ask(item)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    await client.close()
    with open(target, "w") as out:
        json.dump(answers, out)


args = sys.argv[1:]
asyncio.run(main(args[0], args[1], args[2], int(args[3]), args[4], int(args[5]), args[6] == "1"))
"""


def timed_process(command: list[str], env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def bare_sdk_run(folder: Path, source: Path, concurrency: int, stream: bool, limit: str):
    """(wall time, answers by id as [text, input, output], 429s) of the bare SDK script."""
    script = folder / "bare_sdk.py"
    script.write_text(BARE_SDK_SCRIPT)
    target = folder / f"bare-{time.time_ns()}.json"
    settings = base_settings()
    wire_name = Registry.build(settings, environ={}).model(MODEL).wire_name
    server = Server(0.2, limit, echo=True)
    command = [sys.executable, str(script), server.url, str(source), str(target)]
    command += [str(concurrency), wire_name, str(settings.max_tokens), "1" if stream else "0"]
    elapsed = timed_process(command)
    rejected = server.stop()["rejected"]
    return elapsed, json.loads(target.read_text()), rejected


def orch_batch_run(folder: Path, source: Path, concurrency: int, limit: str, home: Path):
    """(wall time, answers by id as [text, input, output], 429s) of `orch batch`."""
    server = Server(0.2, limit, echo=True)
    env = {**os.environ, **server.environ(), "ORCH_HOME": str(home)}
    target = folder / f"orch-{time.time_ns()}.jsonl"
    command = [sys.executable, "-m", "orchestrator_tui", "batch", str(source), "-o", str(target)]
    command += ["-m", MODEL, "--concurrency", str(concurrency), "--quiet", "--no-cache"]
    elapsed = timed_process([*command, "--json"], env)
    rejected = server.stop()["rejected"]
    records = [json.loads(line) for line in target.read_text().splitlines()]
    answers = {
        r["id"]: [r["response"], r["input_tokens"], r["output_tokens"]]
        for r in records
        if r["success"]
    }
    return elapsed, answers, rejected


def side_by_side(folder: Path, rounds=3, count=300, concurrency=30, latency=0.2) -> None:
    """`orch batch` against the bare SDK script, not streamed (the fair comparison: neither
    needs tokens as they come), alternating, on the same prompts; the streamed bare script
    once, for reference. Each run has a fresh server with a limit of 550 requests a minute,
    above the 500 rpm the tests' registry gives the model. orch runs in one home, whose
    database and config an untimed run of 10 prompts made first, as a user's would be."""
    limit = "550/60"
    source = folder / "side.jsonl"
    source.write_text(
        "".join(
            json.dumps({"id": str(i), "prompt": f"What is {i}+1?"}) + "\n" for i in range(count)
        )
    )
    home = write_config(folder / "side-home").parent
    # orch's modules byte-compiled, as a pip install leaves them and as the SDK's already are
    # (this machine sets PYTHONDONTWRITEBYTECODE, so each run would compile them anew)
    compileall.compile_dir(ROOT / "orchestrator_tui", quiet=1)
    first = folder / "side-first.jsonl"
    first.write_text("".join(source.read_text().splitlines(keepends=True)[:10]))
    orch_batch_run(folder, first, concurrency, limit, home)
    bare_times, orch_times, matched, rejected = [], [], True, 0
    for _ in range(rounds):
        bare_time, bare_answers, bare_rejected = bare_sdk_run(
            folder, source, concurrency, False, limit
        )
        orch_time, orch_answers, orch_rejected = orch_batch_run(
            folder, source, concurrency, limit, home
        )
        bare_times.append(bare_time)
        orch_times.append(orch_time)
        matched &= len(orch_answers) == count and orch_answers == bare_answers
        rejected += bare_rejected + orch_rejected
    streamed_time, streamed_answers, _ = bare_sdk_run(folder, source, concurrency, True, limit)
    matched &= streamed_answers == bare_answers
    ideal = count * latency / concurrency
    ratios = [o / b for o, b in zip(orch_times, bare_times, strict=True)]
    print(
        f"side by side, {count} prompts, concurrency {concurrency}, {latency * 1000:.0f} ms "
        f"answers (ideal {ideal:.2f} s), start-up included, {rounds} rounds:\n"
        f"  bare OpenAI SDK script, not streamed: {fmt_times(bare_times)}\n"
        f"  orch batch:                           {fmt_times(orch_times)}\n"
        f"  orch / bare: {', '.join(f'{r:.2f}' for r in ratios)} "
        f"(median {statistics.median(ratios):.2f}; target at most 0.90)\n"
        f"  bare OpenAI SDK script, streamed (reference): {streamed_time:.2f} s\n"
        f"  same answers (text and usage, every id): {'yes' if matched else 'NO'}; "
        f"answered 429: {rejected}"
    )


def fmt_times(times: list[float]) -> str:
    return f"{', '.join(f'{t:.2f}' for t in times)} s (median {statistics.median(times):.2f} s)"


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
        if sys.argv[1:2] == ["side"]:
            side_by_side(folder, int(sys.argv[2]) if len(sys.argv) > 2 else 3)
            return
        throughput(folder)
        whole_command(folder)
        side_by_side(folder)
        pacing(folder)
        ensemble()
        in_flight_memory(folder)


if __name__ == "__main__":
    main()
