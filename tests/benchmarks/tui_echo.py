"""Typing while answers stream, as a person sees it: the real `orch` TUI in tmux.

Run:
    python tests/benchmarks/tui_echo.py [--tokens 2000] [--rate 100] [--panes 3]
        [--keys 150] [--starts 5] [--app "CMD"] [--app-dir DIR] [--json]
Against another checkout (its own venv):
    python tests/benchmarks/tui_echo.py --app-dir /path/to/checkout

It starts tests/fake_server.py (each answer: TOKENS numbered words streamed at RATE words
per second) and the app in a detached tmux session of 200×55 on a private tmux server, with
ORCH_HOME in a temporary directory whose config.toml is the tests' registry with a chain of
PANES models (an ensemble: one pane each) and the providers' base URLs pointing at the fake
server with dummy keys. It sends a prompt (text, then C-j) and, while every stream is under way,
types keys one at a time (`send-keys -l`) into the prompt editor and times each until it shows
on the screen (`capture-pane`, polled every ~3 ms through a tmux control-mode client, so polling
spawns no process). It relies on no layout: a key's echo is the typed text found anywhere on
the screen after a marker, streaming is told by the fake server.

Prints:
  - key echo while streaming: median, p90, worst (ms) and the number of keys;
  - key echo when idle (before the request): median, worst;
  - the app's CPU (user+system, the process and its children) in % of one core over the typing
    window and over a few seconds before it with no keys, and the tmux server's (which grows
    with what the app writes); the app's output rate (/proc/PID/io wchar) with no keys;
  - tokens delivered by the server (per stream, the stream's duration), and whether the last
    token is on screen at the end (it is when panes follow the stream);
  - first frame: seconds from launching the command in tmux to the ready text (default "Quit",
    the footer's quit key) on the screen, median of STARTS launches, for the app and for a
    minimal Textual app (Static + Footer) run the same way by the same Python, and the ratio;
  - the load average before and after (the figures mean little on a busy machine).
Targets (issue 13): echo median < 50 ms, worst < 150 ms, app < 30% of a core, first frame
within 1.5× the minimal app.

`--app` is a shell command run with `--app-dir` as its working directory (default: this
checkout, `DIR/.venv/bin/python -m orchestrator_tui` when that venv exists), so the benchmark
can run against any checkout. Exit status 2 on a timeout or a failure to start (with a message
saying what was awaited); the tmux server and the fake server are always stopped.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import queue
import random
import re
import select
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.registry_settings import write_config  # noqa: E402

WIDTH, HEIGHT = 200, 55
MODELS = ["test-small-a", "test-small-o", "test-medium-o", "test-large-a", "test-mini-a"]
MARKER = "ZQXJ"  # never in the streamed text ("t0 t1 …") nor in the app's own text
ALPHABET = "abcdefghijklmnopqrsuvwxy"  # typed after the marker
BATCH = 24  # keys typed after the marker before they are erased (stays on one line)
MINIMAL_APP = """
from textual.app import App
from textual.binding import Binding
from textual.widgets import Footer, Static

class Minimal(App):
    BINDINGS = [Binding("ctrl+q", "quit", "Quit")]
    def compose(self):
        yield Static("minimal")
        yield Footer()

Minimal().run()
"""


class BenchError(Exception):
    """A step that did not happen in time: the message says which."""


class Tmux:
    """A private tmux server (its own socket) and one control-mode client on it, through which
    commands run without starting a process each."""

    def __init__(self, folder: Path, env: dict[str, str]):
        self.socket = f"tuibench-{os.getpid()}"
        conf = folder / "tmux.conf"
        conf.write_text(
            "set -g status off\nset -g default-terminal tmux-256color\nset -g escape-time 0\n"
        )
        self.base = ["tmux", "-L", self.socket, "-f", str(conf)]
        self.env = env
        self.client: subprocess.Popen | None = None
        self.socket_path = ""
        self.lines: queue.Queue[str | None] = queue.Queue()

    def start(self) -> None:
        self.client = subprocess.Popen(
            [*self.base, "-C", "new-session", "-s", "ctl", "-x", "80", "-y", "24", "sleep 86400"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=self.env,
        )
        threading.Thread(target=self._read, daemon=True).start()
        self._write("display-message -p TUIBENCH_SYNC")
        deadline = time.monotonic() + 10
        while self._block(deadline) != ["TUIBENCH_SYNC"]:
            pass
        self.socket_path = self.cmd("display-message -p '#{socket_path}'")[0]

    def _read(self) -> None:
        assert self.client and self.client.stdout
        for raw in self.client.stdout:
            self.lines.put(raw.decode("utf-8", "replace").rstrip("\n"))
        self.lines.put(None)

    def _write(self, command: str) -> None:
        assert self.client and self.client.stdin
        self.client.stdin.write(command.encode() + b"\n")
        self.client.stdin.flush()

    def _block(self, deadline: float) -> list[str]:
        """The output of the next command block (notifications outside blocks skipped)."""
        output: list[str] | None = None
        while True:
            try:
                line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                raise BenchError("tmux's control client did not answer") from None
            if line is None:
                raise BenchError("tmux's control client ended")
            if output is None:
                if line.startswith("%begin "):
                    output = []
            elif line.startswith(("%end ", "%error ")):
                if line.startswith("%error "):
                    raise BenchError(f"tmux: {' '.join(output)}")
                return output
            else:
                output.append(line)

    def cmd(self, command: str, timeout: float = 10.0) -> list[str]:
        self._write(command)
        return self._block(time.monotonic() + timeout)

    def screen(self, target: str) -> str:
        return "\n".join(self.cmd(f"capture-pane -p -t {target}"))

    def keys(self, target: str, text: str) -> None:
        self.cmd(f"send-keys -t {target} -l {quote(text)}")

    def key(self, target: str, *names: str) -> None:
        self.cmd(f"send-keys -t {target} {' '.join(names)}")

    def launch(self, name: str, command: str, cwd: Path) -> int:
        """Start `command` in a new detached session; the pane's process id."""
        self.cmd(
            f"new-session -d -s {name} -x {WIDTH} -y {HEIGHT} -c {quote(str(cwd))} "
            f"{quote(exec_command(command))}"
        )
        pid, size = self.cmd(
            f"display-message -p -t {name}: '#{{pane_pid}} #{{pane_width}}x#{{pane_height}}'"
        )[0].split()
        if size != f"{WIDTH}x{HEIGHT}":
            raise BenchError(f"the tmux pane is {size}, not {WIDTH}x{HEIGHT}")
        return int(pid)

    def kill_session(self, name: str) -> None:
        with contextlib.suppress(BenchError):
            self.cmd(f"kill-session -t {name}")

    def server_pid(self) -> int:
        return int(self.cmd("display-message -p '#{pid}'")[0])

    def close(self) -> None:
        subprocess.run(
            [*self.base, "kill-server"],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if self.client is not None:
            try:
                self.client.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.client.kill()
        if self.socket_path:
            Path(self.socket_path).unlink(missing_ok=True)


def exec_command(command: str) -> str:
    """`command` run by sh in place of the shell (its pid is the pane's): "exec env" when it
    starts with VAR=value assignments."""
    first = command.split(maxsplit=1)[0]
    return ("exec env " if "=" in first else "exec ") + command


def quote(text: str) -> str:
    """A tmux command-language string: single quotes, as sh has them."""
    return "'" + text.replace("'", "'\\''") + "'"


class FakeServer:
    """tests/fake_server.py in its own process; its stream starts and ends as they happen."""

    def __init__(self, tokens: int, rate: float):
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.fake_server",
                "--latency=0",
                f"--tokens={tokens}",
                f"--rate={rate}",
                "--progress",
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        self.events: queue.Queue[dict] = queue.Queue()
        self.url = ""
        ready = threading.Event()

        def read() -> None:
            assert self.proc.stdout
            for line in self.proc.stdout:
                if not self.url:
                    self.url = line.strip()
                    ready.set()
                elif line.startswith("{"):
                    self.events.put(json.loads(line))

        threading.Thread(target=read, daemon=True).start()
        if not ready.wait(15):
            self.close()
            raise BenchError("the fake server printed no URL within 15 s")

    def next_event(self, kind: str, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            try:
                event = self.events.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                raise BenchError(f"no {kind} from the fake server within {timeout:g} s") from None
            if event.get("event") == kind:
                return event

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()  # type: ignore[union-attr]
                self.proc.wait(timeout=5)
            except (subprocess.TimeoutExpired, OSError):
                self.proc.kill()
                self.proc.wait()


def cpu_seconds(pid: int) -> float:
    """User + system CPU of `pid` and its live descendants."""
    try:
        import psutil  # type: ignore[import-untyped]
    except ImportError:
        return proc_cpu(pid)
    try:
        process = psutil.Process(pid)
        total = sum(process.cpu_times()[:2])
        for child in process.children(recursive=True):
            with contextlib.suppress(psutil.NoSuchProcess):
                total += sum(child.cpu_times()[:2])
        return total
    except psutil.NoSuchProcess:
        return 0.0


def written_bytes(pid: int) -> int:
    """Bytes the process has written (to the terminal, mostly): /proc/PID/io's wchar."""
    try:
        for line in Path(f"/proc/{pid}/io").read_text().splitlines():
            if line.startswith("wchar:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def proc_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class PaneOutput:
    """Every write of a pane's program, as an event: tmux's `pipe-pane` copies it into a FIFO.
    tmux puts a write on its screen before it copies it on, so a screen captured after an
    event shows it. The screen is read again on each event, never on a timer."""

    def __init__(self, tmux: Tmux, target: str, folder: Path):
        self.path = folder / f"pane-{target.strip(':')}-{time.monotonic_ns()}"
        os.mkfifo(self.path)
        self.fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)
        self.keep_open = os.open(self.path, os.O_WRONLY)  # no EOF when `cat` comes and goes
        tmux.cmd(f"pipe-pane -t {target} {quote('exec cat > ' + quote(str(self.path)))}")

    def wait(self, deadline: float) -> bool:
        """Block until the pane writes (True) or `deadline` (a time.monotonic()) passes."""
        timeout = max(0.0, deadline - time.monotonic())
        if not select.select([self.fd], [], [], timeout)[0]:
            return False
        with contextlib.suppress(BlockingIOError):
            while os.read(self.fd, 1 << 16):
                pass
        return True

    def close(self) -> None:
        os.close(self.fd)
        os.close(self.keep_open)
        self.path.unlink(missing_ok=True)


def wait_screen(
    tmux: Tmux, target: str, output: PaneOutput, test, what: str, timeout: float
) -> float:
    """Read the screen now and after each write of the pane until test(screen) is true; the
    time it was seen."""
    deadline = time.monotonic() + timeout
    while True:
        screen = tmux.screen(target)
        now = time.monotonic()
        if test(screen):
            return now
        if now > deadline:
            tail = "\n".join(line for line in screen.splitlines() if line.strip())[-1500:]
            raise BenchError(f"{what} not on screen within {timeout:g} s; the screen:\n{tail}")
        output.wait(deadline)


def wait_exit(pid: int, timeout: float) -> None:
    """Until process `pid` has ended (its pidfd becomes readable)."""
    with contextlib.suppress(ProcessLookupError):
        fd = os.pidfd_open(pid)
        try:
            if not select.select([fd], [], [], timeout)[0]:
                raise BenchError(f"process {pid} still running after {timeout:g} s")
        finally:
            os.close(fd)


class EchoWatcher:
    """Finds typed text on the screen, read after each write of the pane: the one row where
    the marker was last seen (cheap for tmux), and the whole screen every few reads in case
    the layout moved it."""

    def __init__(self, tmux: Tmux, target: str, output: PaneOutput):
        self.tmux, self.target, self.output = tmux, target, output
        self.row: int | None = None

    def wait(self, shown: str, timeout: float = 10.0) -> float:
        deadline = time.monotonic() + timeout
        polls = 0
        while True:
            whole = self.row is None or polls % 8 == 7
            if whole:
                lines = self.tmux.cmd(f"capture-pane -p -t {self.target}")
            else:
                lines = self.tmux.cmd(
                    f"capture-pane -p -t {self.target} -S {self.row} -E {self.row}"
                )
            now = time.monotonic()
            for index, line in enumerate(lines):
                if shown in line:
                    if whole:
                        self.row = index
                    return now
            if whole:
                self.row = next((i for i, line in enumerate(lines) if MARKER in line), None)
            if now > deadline:
                raise BenchError(f"typed text {shown!r} not on screen within {timeout:g} s")
            polls += 1
            self.output.wait(deadline)

    def echo_ms(self, shown: str, key: str) -> float:
        """Type `key`; milliseconds until `shown` (the marker and the keys so far) shows."""
        sent = time.monotonic()
        self.tmux.keys(self.target, key)
        return (self.wait(shown) - sent) * 1000


def type_batch(
    tmux: Tmux, target: str, output: PaneOutput, count: int, keep_going=lambda: True
) -> list[float]:
    """Type up to `count` keys after the marker, timing each, then erase them."""
    watcher = EchoWatcher(tmux, target, output)
    times = []
    typed = ""
    for index in range(count):
        if not keep_going():
            break
        key = ALPHABET[(index * 7 + random.randrange(len(ALPHABET))) % len(ALPHABET)]
        typed += key
        times.append(watcher.echo_ms(MARKER + typed, key))
        typist_pause(output, random.uniform(0.03, 0.12))
    if typed:
        tmux.cmd(f"send-keys -t {target} -N {len(typed)} BSpace")
        wait_screen(
            tmux,
            target,
            output,
            lambda s: re.search(MARKER + "(?![a-z])", s) is not None,
            "the erased marker",
            30,
        )
    return times


def typist_pause(output: PaneOutput, seconds: float) -> None:
    """A person's gap between two keys (random, so keys fall out of step with the app's
    timers): the pane's writes are taken in meanwhile; nothing is waited for."""
    deadline = time.monotonic() + seconds
    while output.wait(deadline):
        pass


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def make_home(folder: Path, server_url: str, panes: int) -> dict[str, str]:
    home = folder / "home"
    chain = json.dumps(MODELS[:panes])
    write_config(
        home,
        f'default_chain = "tuibench"\nensemble_size = {panes}\ncache = false\n'
        f"[chains]\ntuibench = {chain}\n",
    )
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "OPENAI_", "TMUX"))
    }
    env.update(
        ORCH_HOME=str(home),
        ANTHROPIC_API_KEY="sk-ant-tuibench-dummy",
        ANTHROPIC_BASE_URL=server_url,
        OPENAI_API_KEY="sk-openai-tuibench-dummy",
        OPENAI_BASE_URL=server_url + "/v1",
        COLORTERM="truecolor",
    )
    return env


def first_frame(
    tmux: Tmux, command: str, cwd: Path, ready: str, starts: int, folder: Path
) -> list[float]:
    """Seconds from launching `command` to `ready` on its screen, `starts` times after one
    warm-up launch (byte-code and settings caches written); none when `starts` is 0. Each
    launch begins once the one before has exited."""
    times: list[float] = []
    if not starts:
        return times
    for run in range(starts + 1):
        name = f"ff{run}"
        started = time.monotonic()
        pid = tmux.launch(name, command, cwd)
        output = PaneOutput(tmux, f"{name}:", folder)
        try:
            seen = wait_screen(tmux, f"{name}:", output, lambda s: ready in s, f"{ready!r}", 60)
        finally:
            tmux.kill_session(name)
            output.close()
        wait_exit(pid, 30)
        if run:
            times.append(seen - started)
    return times


def run(args: argparse.Namespace, folder: Path) -> None:
    app_dir = Path(args.app_dir).resolve()
    venv_python = app_dir / ".venv" / "bin" / "python"
    python = str(venv_python) if venv_python.exists() else sys.executable
    command = args.app or f"{shlex.quote(python)} -m orchestrator_tui"
    load_before = os.getloadavg()
    server = FakeServer(args.tokens, args.rate)
    tmux = Tmux(folder, make_home(folder, server.url, args.panes))
    try:
        tmux.start()
        tmux_pid = tmux.server_pid()
        ff_app = first_frame(tmux, command, app_dir, args.ready_text, args.starts, folder)
        minimal = folder / "minimal_app.py"
        minimal.write_text(MINIMAL_APP)
        ff_min = first_frame(
            tmux,
            f"{shlex.quote(python)} {shlex.quote(str(minimal))}",
            app_dir,
            "Quit",
            args.starts,
            folder,
        )

        target = "app:"
        pid = tmux.launch("app", command, app_dir)
        output = PaneOutput(tmux, target, folder)
        shows = functools.partial(wait_screen, tmux, target, output)
        shows(lambda s: args.ready_text in s, repr(args.ready_text), 60)
        tmux.keys(target, MARKER)
        shows(lambda s: MARKER in s, "the marker typed into the editor", 15)
        idle: list[float] = []
        while len(idle) < args.idle_keys:
            idle += type_batch(tmux, target, output, min(BATCH, args.idle_keys - len(idle)))
        tmux.key(target, "C-u")
        shows(lambda s: MARKER not in s, "the editor cleared (C-u)", 15)

        prompt = "tuibench: stream"
        tmux.keys(target, prompt)
        shows(lambda s: prompt in s, "the prompt typed", 15)
        tmux.key(target, "C-j")
        starts = [server.next_event("stream_start", 60) for _ in range(args.panes)]
        stream_seconds = args.tokens / args.rate
        end_typing = starts[0]["time"] + stream_seconds - 1.0
        shows(lambda s: "t20 " in s, "the panes streaming", 30)
        quiet = min(3.0, stream_seconds / 5)  # no keys, no polling: the app and tmux alone
        q_app, q_tmux, q0 = cpu_seconds(pid), cpu_seconds(tmux_pid), time.monotonic()
        q_bytes = written_bytes(pid)
        time.sleep(quiet)
        q_app, q_tmux = cpu_seconds(pid) - q_app, cpu_seconds(tmux_pid) - q_tmux
        q_bytes = written_bytes(pid) - q_bytes
        quiet = (q_app, q_tmux, time.monotonic() - q0, q_bytes)
        tmux.keys(target, MARKER)
        shows(lambda s: MARKER in s, "the marker typed while streaming", 30)
        cpu0, tmux0, t0 = cpu_seconds(pid), cpu_seconds(tmux_pid), time.monotonic()
        streaming: list[float] = []
        while time.monotonic() < end_typing and len(streaming) < args.keys:
            streaming += type_batch(
                tmux,
                target,
                output,
                min(BATCH, args.keys - len(streaming)),
                lambda: time.monotonic() < end_typing,
            )
        cpu1, tmux1, t1 = cpu_seconds(pid), cpu_seconds(tmux_pid), time.monotonic()
        ends = [server.next_event("stream_end", stream_seconds + 60) for _ in range(args.panes)]
        last_token = f"t{args.tokens - 1}"
        try:  # once streamed, the last token is on screen if the panes follow their stream
            shows(lambda s: last_token in s, "the last token", 5)
            last_shown = True
        except BenchError:
            last_shown = False
        tmux.key(target, "C-q")
        wait_exit(pid, 30)
        output.close()
        tmux.kill_session("app")
    finally:
        tmux.close()
        server.close()
    load_after = os.getloadavg()
    report(
        args,
        ff_app,
        ff_min,
        idle,
        streaming,
        cpu1 - cpu0,
        tmux1 - tmux0,
        t1 - t0,
        starts,
        ends,
        last_shown,
        load_before,
        load_after,
        command,
        quiet,
    )


def report(
    args,
    ff_app,
    ff_min,
    idle,
    streaming,
    cpu,
    tmux_cpu,
    window,
    starts,
    ends,
    last_shown,
    load_before,
    load_after,
    command,
    quiet,
) -> None:
    def ms(values, share):
        return f"{percentile(values, share):.0f}"

    print(f"app: {command}")
    print(
        f"streaming: {args.panes} panes x {args.tokens:,} tokens at {args.rate:g} tokens/s "
        f"({WIDTH}x{HEIGHT} tmux)"
    )
    if not streaming:
        print("  no key typed while streaming (streams too short?)")
    else:
        print(
            f"  key echo while streaming: median {statistics.median(streaming):.0f} ms, "
            f"p90 {ms(streaming, 0.9)} ms, worst {max(streaming):.0f} ms "
            f"({len(streaming)} keys)"
        )
    print(
        f"  key echo idle: median {statistics.median(idle):.0f} ms, worst {max(idle):.0f} ms "
        f"({len(idle)} keys)"
    )
    print(
        f"  app CPU while streaming: {100 * cpu / window:.0f}% of one core "
        f"(tmux server {100 * tmux_cpu / window:.0f}%) over {window:.1f} s of typing; "
        f"{100 * quiet[0] / quiet[2]:.0f}% (tmux {100 * quiet[1] / quiet[2]:.0f}%) over "
        f"{quiet[2]:.1f} s before, no keys"
    )
    print(f"  app output while streaming, no keys: {quiet[3] / quiet[2] / 1024:.0f} KiB/s")
    begun = {e["model"]: e["time"] for e in starts}
    delivered = ", ".join(
        f"{e['model']} {e['chunks']:,} in {e['time'] - begun.get(e['model'], e['time']):.1f} s"
        for e in ends
    )
    print(f"  tokens delivered (server): {delivered}; last token on screen: {last_shown}")
    if ff_app:
        app, minimal = statistics.median(ff_app), statistics.median(ff_min)
        print(
            f"first frame (median of {len(ff_app)}): app {app:.2f} s, minimal Textual app "
            f"{minimal:.2f} s, ratio {app / minimal:.2f}x"
        )
    print(
        "load average before: {:.2f} {:.2f} {:.2f}; after: {:.2f} {:.2f} {:.2f}".format(
            *load_before, *load_after
        )
    )
    if args.json:
        print(
            json.dumps(
                {
                    "echo_streaming_ms": streaming,
                    "echo_idle_ms": idle,
                    "app_cpu_percent": 100 * cpu / window,
                    "app_cpu_percent_no_keys": 100 * quiet[0] / quiet[2],
                    "app_output_kib_per_s": quiet[3] / quiet[2] / 1024,
                    "first_frame_app_s": ff_app,
                    "first_frame_minimal_s": ff_min,
                    "load_before": load_before,
                    "load_after": load_after,
                }
            )
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tokens", type=int, default=2000, help="tokens per answer")
    parser.add_argument("--rate", type=float, default=100.0, help="tokens per second per pane")
    parser.add_argument("--panes", type=int, default=3, choices=range(1, len(MODELS) + 1))
    parser.add_argument("--keys", type=int, default=150, help="at most this many keys streaming")
    parser.add_argument("--idle-keys", type=int, default=30)
    parser.add_argument(
        "--starts", type=int, default=5, help="launches per first-frame figure (0: none)"
    )
    parser.add_argument("--app", help="shell command that opens the TUI")
    parser.add_argument("--app-dir", default=str(ROOT), help="its working directory (checkout)")
    parser.add_argument("--ready-text", default="Quit", help="on screen once the app is up")
    parser.add_argument("--json", action="store_true", help="also print the raw figures")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # still stop tmux and the server
    with tempfile.TemporaryDirectory(prefix="tuibench-") as folder:
        try:
            run(args, Path(folder))
        except BenchError as error:
            print(f"tui_echo: {error}", file=sys.stderr)
            sys.exit(2)
        except KeyboardInterrupt:
            sys.exit(130)


if __name__ == "__main__":
    main()
