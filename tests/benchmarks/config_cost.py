"""What a config file costs `orch ask` on the demo provider: CPU seconds (user + sys, from
`resource.getrusage(RUSAGE_CHILDREN)`) and max RSS, with and without a config file, in
alternating runs (pairs) so that the machine's load falls on both alike.

Two fresh ORCH_HOMEs, the same in all but the file; each is warmed by one run first (the
database is created, the file validated once and remembered). `--cold` deletes the
validated-settings cache before every run with the file: the cost of validating it each time
(what every command paid before the cache).
Target: the median paired difference within 0.05 s of CPU.

Run: python tests/benchmarks/config_cost.py [RUNS] [--cold]
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

CONFIG = """# values equal to the defaults: the answer and its work are the same with and without
threshold = 0.6
max_tokens = 2048
demo = "auto"

[budget]
warn_at = 0.8

[timeouts]
connect = 10.0
total = 300.0

[retries]
max_retries = 2
"""
COMMAND = [sys.executable, "-m", "orchestrator_tui", "ask", "--no-cache", "hi"]


def run_once(home: Path) -> tuple[float, float]:
    """(CPU seconds, max RSS in MiB) of one `orch ask` in `home`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "OPENAI_"))}
    env["ORCH_HOME"] = str(home)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.Popen(COMMAND, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"orch ask failed in {home} (exit {proc.returncode})")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, usage.ru_maxrss / 1024  # Linux: KiB


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    runs = int(args[0]) if args else 20
    cold = "--cold" in sys.argv
    root = Path(tempfile.mkdtemp(prefix="orch-config-cost-"))
    without, with_file = root / "without", root / "with"
    for home in (without, with_file):
        home.mkdir()
    (with_file / "config.toml").write_text(CONFIG)
    run_once(without), run_once(with_file)  # warm: database created, file validated
    figures: dict[str, list[tuple[float, float]]] = {"without": [], "with": []}
    for index in range(runs):
        order = (("without", without), ("with", with_file))
        for label, home in order if index % 2 == 0 else order[::-1]:
            if cold and label == "with":
                (home / "settings-cache.json").unlink(missing_ok=True)
            figures[label].append(run_once(home))
    print(
        f"orch ask --no-cache hi, demo provider, {runs} pairs"
        f"{' (settings cache deleted before each run: validated every time)' if cold else ''}"
    )
    for label, rows in figures.items():
        cpu = [c for c, _ in rows]
        rss = [r for _, r in rows]
        print(
            f"{label + ' config file':<22} CPU median {statistics.median(cpu):.3f} s "
            f"(mean {statistics.mean(cpu):.3f})   max RSS median "
            f"{statistics.median(rss):.1f} MiB"
        )
    diffs = [w[0] - o[0] for w, o in zip(figures["with"], figures["without"], strict=False)]
    rss_diffs = [w[1] - o[1] for w, o in zip(figures["with"], figures["without"], strict=False)]
    print(
        f"paired difference (with - without): CPU median {statistics.median(diffs):+.3f} s, "
        f"mean {statistics.mean(diffs):+.3f} s; max RSS median "
        f"{statistics.median(rss_diffs):+.1f} MiB"
    )


if __name__ == "__main__":
    main()
