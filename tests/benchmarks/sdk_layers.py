"""What each layer of an unstreamed OpenAI call costs, in one process against the loopback fake
server (its own process): the SDK's typed `chat.completions.create`, its `with_raw_response`,
its `client.post(…, cast_to=httpx2.Response)` (what `orch batch` sends through), and bare
`httpx2` with no SDK at all; then what `import openai` and `import httpx2` cost a fresh process.
It shows how far ahead of the bare SDK any batch built on the SDK can get.

Run: python tests/benchmarks/sdk_layers.py [ROUNDS]   (default 3; 300 requests, concurrency 30,
200 ms answers, the same as the side-by-side in batch.py)
"""

from __future__ import annotations

import asyncio
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks.batch import Server  # noqa: E402

COUNT, CONCURRENCY, LATENCY = 300, 30, 0.2
LAYERS = ["typed create", "with_raw_response", "client.post", "httpx2 alone"]


def body(number: int) -> dict:
    return {
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": f"What is {number} + 1?"}],
        "max_completion_tokens": 100,
    }


async def ask(layer: str, client, bare, number: int) -> str:
    import httpx2

    if layer == "typed create":
        completion = await client.chat.completions.create(**body(number))
        return completion.choices[0].message.content
    if layer == "with_raw_response":
        raw = await client.chat.completions.with_raw_response.create(**body(number))
        answer = json.loads(raw.http_response.content)
    elif layer == "client.post":
        response = await client.post(
            "/chat/completions", body=body(number), cast_to=httpx2.Response
        )
        answer = json.loads(response.content)
    else:
        response = await bare.post("/chat/completions", json=body(number))
        response.raise_for_status()
        answer = response.json()
    return answer["choices"][0]["message"]["content"]


async def run_layer(layer: str, url: str) -> tuple[float, float]:
    """(wall seconds, CPU milliseconds per request) of COUNT calls through `layer`."""
    import httpx2
    import openai

    client = openai.AsyncOpenAI(api_key="k", base_url=url + "/v1", max_retries=0)
    bare = httpx2.AsyncClient(base_url=url + "/v1", headers={"Authorization": "Bearer k"})
    await ask(layer, client, bare, -1)  # lazy imports and the first connection
    numbers = list(range(COUNT))

    async def worker() -> None:
        while numbers:
            await ask(layer, client, bare, numbers.pop())

    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    await client.close()
    await bare.aclose()
    return wall, cpu / COUNT * 1000


def import_seconds(module: str, rounds: int) -> float:
    """The median wall time of `import module` in a fresh interpreter."""
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    times = [
        float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout)
        for _ in range(rounds)
    ]
    return statistics.median(times)


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    figures: dict[str, list[tuple[float, float]]] = {layer: [] for layer in LAYERS}
    server = Server(LATENCY, echo=True)
    try:
        for _ in range(rounds):  # alternating, so load on the machine falls on every layer
            for layer in LAYERS:
                figures[layer].append(asyncio.run(run_layer(layer, server.url)))
    finally:
        server.stop()
    ideal = COUNT * LATENCY / CONCURRENCY
    print(
        f"{COUNT} unstreamed calls, concurrency {CONCURRENCY}, {LATENCY * 1000:.0f} ms answers "
        f"(ideal {ideal:.2f} s), in one process, medians of {rounds} rounds:"
    )
    for layer, runs in figures.items():
        wall = statistics.median(run[0] for run in runs)
        cpu = statistics.median(run[1] for run in runs)
        print(f"  {layer:18} {wall:.2f} s wall, {cpu:.2f} ms of CPU per call")
    for module in ("openai", "httpx2"):
        print(f"  import {module}: {import_seconds(module, rounds):.2f} s in a fresh process")


if __name__ == "__main__":
    main()
