"""Helpers for the database tests: a home with some history, a file that no one can write
(not even root), and a page of garbage in the middle of a database."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import textwrap
from contextlib import contextmanager
from pathlib import Path

import pytest

FILL = textwrap.dedent("""
    import sys
    from orchestrator_tui.api import run_orchestration
    for i in range(int(sys.argv[1])):
        run_orchestration(f"Explain topic number {i} in a few sentences.", "single",
                          model="test-small-o", category=f"c{i % 3}")
""")


def fill_history(home: Path, count: int) -> None:
    """`count` demo requests recorded through the Python API, in a process that then exits
    (so the write-ahead log is checkpointed into the file)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "OPENAI_"))}
    subprocess.run(
        [sys.executable, "-c", FILL, str(count)],
        env={**env, "ORCH_HOME": str(home)},
        check=True,
        capture_output=True,
        timeout=120,
    )


@contextmanager
def unwritable(*paths: Path):
    """Make `paths` read-only for this user, for real. Root ignores permission bits, so as
    root the files are made immutable (`chattr +i`), which the kernel enforces for root
    too; any other user gets `chmod a-w`. Skips when neither is possible here."""
    modes = {p: p.stat().st_mode for p in paths}
    root = os.geteuid() == 0
    if root and shutil.which("chattr") is None:
        pytest.skip("running as root without chattr: no way to make a file read-only")
    try:
        for path in paths:
            if root:
                subprocess.run(["chattr", "+i", str(path)], check=False, capture_output=True)
            else:
                path.chmod(modes[path] & ~0o222)
        if any(os.access(p, os.W_OK) for p in paths):
            pytest.skip("this file system cannot make a file read-only for this user")
        yield
    finally:
        for path in paths:
            if root:
                subprocess.run(["chattr", "-i", str(path)], check=False, capture_output=True)
            path.chmod(modes[path])


def damage_middle_page(path: Path) -> int:
    """Overwrite the page in the middle of the database with garbage; return its number."""
    data = path.read_bytes()
    page_size = int.from_bytes(data[16:18], "big")
    pages = len(data) // page_size
    assert pages >= 8, "too small a database to damage one page of it"
    page = pages // 2
    with path.open("r+b") as file:
        file.seek((page - 1) * page_size)
        file.write(random.Random(page).randbytes(page_size))
    return page
