"""Every example in README.md and docs/*.md runs as written from a clone, on the demo provider.

Each page's ```sh / ```bash / ```console blocks run in order, as a reader would type them, in a
fresh orch home with no API key and the demo provider forced, from a directory holding a copy
of `docs/examples/`. ```python blocks run the same way, and each ```toml block must be a config
file orch accepts. A block preceded by `<!-- not-run: reason -->` is skipped (installs, the TUI,
a real key, the whole suite); `<!-- needs: TOOL -->` skips it when TOOL is not installed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SHELL = {"sh", "bash", "shell", "console"}
FENCE = re.compile(r"^```(\w*)\s*$")
NOTE = re.compile(r"^<!--\s*(.*?)\s*-->\s*$")
FAILED_AT = "docs-example-failed-at-line"
TIMEOUT = 180  # seconds per block; a loaded 2-core machine, and `orch eval` runs folds


@dataclass
class Block:
    page: Path
    line: int  # line of the opening fence, 1-based
    lang: str
    text: str
    notes: list[str]

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"

    def note(self, key: str) -> str | None:
        for note in self.notes:
            if note.startswith(key + ":"):
                return note[len(key) + 1 :].strip()
        return None


def blocks(page: Path) -> list[Block]:
    """The fenced blocks of `page`, each with the HTML comments just above its fence."""
    lines = page.read_text(encoding="utf-8").split("\n")
    found, i = [], 0
    while i < len(lines):
        fence = FENCE.match(lines[i])
        if not fence:
            i += 1
            continue
        end = i + 1
        while end < len(lines) and lines[end].rstrip() != "```":
            end += 1
        notes, above = [], i - 1
        while above >= 0 and (note := NOTE.match(lines[above])):
            notes.append(note.group(1))
            above -= 1
        found.append(Block(page, i + 1, fence.group(1), "\n".join(lines[i + 1 : end]), notes))
        i = end + 1
    return found


def shell_script(block: Block) -> str:
    text = block.text
    if block.lang == "console":  # only the commands, not the output shown
        text = "\n".join(line[2:] if line.startswith("$ ") else "" for line in text.split("\n"))
    # One line of preamble, so that the block's line k is the script's line k + 1.
    return (
        f"set -eo pipefail; trap 'echo \"{FAILED_AT} $LINENO: $BASH_COMMAND\" >&2' ERR\n"
        + text
        + "\n"
    )


@pytest.fixture
def clone(tmp_path):
    """A working directory like a clone's (the example inputs), a fresh home on the demo
    provider, and `orch`/`python` on PATH running this interpreter."""
    work = tmp_path / "clone"
    shutil.copytree(ROOT / "docs" / "examples", work / "docs" / "examples")
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    (home / "config.toml").write_text('demo = "always"\ndemo_speed = 0\n')
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shims = {
        "orch": f'exec "{sys.executable}" -m orchestrator_tui "$@"',
        "python": f'exec "{sys.executable}" "$@"',
        "python3": f'exec "{sys.executable}" "$@"',
    }
    for name, line in shims.items():
        shim = bin_dir / name
        shim.write_text(f"#!/bin/sh\n{line}\n")
        shim.chmod(0o755)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ANTHROPIC_", "OPENAI_", "PYTEST_", "COV_"))
    }
    env.update(
        ORCH_HOME=str(home),
        PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",
        PYTHONPATH=str(ROOT),
        COLUMNS="100",
        NO_COLOR="1",
    )
    return work, env


def failure(block: Block, proc: subprocess.CompletedProcess) -> str:
    line = block.line
    if (at := re.search(rf"{FAILED_AT} (\d+): (.*)", proc.stderr)) is not None:
        line = block.line + int(at.group(1)) - 1  # the script's line 2 is the fence's line + 1
    stderr = re.sub(rf"{FAILED_AT} .*\n?", "", proc.stderr)
    return (
        f"{block.page.relative_to(ROOT)}:{line}: the example exits {proc.returncode}\n"
        f"--- stdout (end)\n{proc.stdout[-2000:]}\n--- stderr (end)\n{stderr[-2000:]}"
    )


def run_block(block: Block, work: Path, env: dict[str, str]) -> None:
    if block.lang in SHELL:
        command = ["bash", "-c", shell_script(block)]
    elif block.lang == "python":
        command = [sys.executable, "-c", block.text]
    elif block.lang == "toml":
        config = work.parent / f"example-{block.line}.toml"
        config.write_text(block.text + "\n", encoding="utf-8")
        command = [sys.executable, "-m", "orchestrator_tui", "--config", str(config), "models"]
    else:
        return
    proc = subprocess.run(
        command,
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        stdin=subprocess.DEVNULL,
    )
    if proc.returncode != 0:
        pytest.fail(failure(block, proc), pytrace=False)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_example_of_the_page_runs_as_written(page, clone):
    work, env = clone
    skipped = []
    for block in blocks(page):
        if block.note("not-run") is not None:
            continue
        tool = block.note("needs")
        if tool is not None and shutil.which(tool) is None:
            skipped.append(f"{block.where} (needs {tool})")
            continue
        run_block(block, work, env)
    if skipped:
        pytest.skip("not installed here: " + ", ".join(skipped))


def test_a_block_that_is_not_run_says_why_and_is_shell_or_toml():
    """Python examples always run; a shell or TOML block may be skipped, saying why (a
    plugin's pyproject.toml is no orch config)."""
    for page in PAGES:
        for block in blocks(page):
            reason = block.note("not-run")
            if reason is not None:
                assert reason, f"{block.where}: `not-run:` needs a reason"
                assert block.lang in (*SHELL, "toml"), (
                    f"{block.where}: only shell and toml blocks are marked not-run"
                )


def test_a_failing_example_is_reported_with_its_page_and_line(tmp_path, clone):
    work, env = clone
    page = tmp_path / "page.md"
    page.write_text("# t\n\n```sh\norch models\norch history show 999\necho never\n```\n")
    block = blocks(page)[0]
    block.page = ROOT / "docs" / "page.md"  # shown relative to the repository
    with pytest.raises(pytest.fail.Exception) as failed:
        run_block(block, work, env)
    assert str(failed.value).startswith("docs/page.md:5: the example exits 2")
    assert "no request with id 999" in str(failed.value)


def test_the_example_config_file_is_the_one_the_configuration_page_shows():
    shown = [b.text for b in blocks(ROOT / "docs" / "configuration.md") if b.lang == "toml"]
    assert shown == [(ROOT / "docs" / "examples" / "config.toml").read_text().rstrip("\n")]


def slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def test_links_between_the_pages_lead_somewhere():
    link = re.compile(r"\]\(([^)\s]+)\)")
    for page in PAGES:
        for target in link.findall(page.read_text(encoding="utf-8")):
            if re.match(r"[a-z]+:", target):
                continue  # a web address
            path, _, anchor = target.partition("#")
            file = (page.parent / path).resolve() if path else page
            assert file.exists(), f"{page.relative_to(ROOT)}: broken link {target}"
            if anchor and file.suffix == ".md":
                headings = re.findall(r"^#+ (.*)$", file.read_text(encoding="utf-8"), re.M)
                assert anchor in {slug(h) for h in headings}, (
                    f"{page.relative_to(ROOT)}: no heading for {target}"
                )


def test_the_readme_links_every_docs_page():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for page in PAGES[1:]:
        assert f"](docs/{page.name})" in readme, f"README.md does not link docs/{page.name}"
