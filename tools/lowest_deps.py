"""Check that the lower bounds in pyproject.toml are true: install every runtime dependency
(and the `router` extra) at exactly its declared minimum in a fresh venv, then run a smoke
subset of the tests that touches each of them.

    python3 tools/lowest_deps.py                   # venv in a temporary folder, removed after
    python3 tools/lowest_deps.py --keep .venv-lowest
    python3 tools/lowest_deps.py -- tests/test_cli.py -k history   # other pytest arguments

A dependency declared without a lower bound is an error, and so is a lower bound that is no
release (pip finds no `==` match): declare the first release that works. The test tools of the
`test` extra (pytest and its plugins; not the checkers, which need newer libraries than a user
does) are installed at their newest: the bounds checked are those a user's install gets.
Exit status: pip's when the minimums cannot be installed together, else pytest's.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EXTRAS = ("router",)
CHECKERS = {"ruff", "mypy", "import-linter"}  # run by CI in the normal venv, not here
# One file or more per dependency: providers (anthropic, openai, httpx2), config (pydantic),
# CLI and reports (typer, rich, plotext), TUI and config writing (textual, tomlkit), router
# training (numpy, scipy, scikit-learn), the orch home (platformdirs).
SMOKE = [
    "tests/test_providers.py",
    "tests/test_stream_faults.py",
    "tests/test_config.py",
    "tests/test_cli.py",
    "tests/test_eval.py",
    "tests/test_router.py",
    "tests/test_tui.py",
    "tests/test_architecture.py",
    "tests/test_output_paths.py",
]
REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*)$")


def project_table(pyproject: Path = ROOT / "pyproject.toml") -> dict[str, Any]:
    table: dict[str, Any] = tomllib.loads(pyproject.read_text())["project"]
    return table


def name_of(requirement: str) -> str:
    match = REQUIREMENT.match(requirement.split(";")[0])
    if match is None:
        raise SystemExit(f"cannot read the requirement {requirement!r}")
    return match.group(1).replace("_", "-").lower()


def test_tools(project: dict[str, Any]) -> list[str]:
    """The `test` extra's requirements but the project itself and the checkers."""
    return [
        r
        for r in project["optional-dependencies"]["test"]
        if name_of(r) not in {project["name"], *CHECKERS}
    ]


def minimums(project: dict[str, Any]) -> dict[str, str]:
    """{distribution: its declared minimum}, for the runtime and `EXTRAS` dependencies."""
    requirements = list(project["dependencies"])
    for extra in EXTRAS:
        requirements += project["optional-dependencies"][extra]
    found: dict[str, str] = {}
    for requirement in requirements:
        match = REQUIREMENT.match(requirement.split(";")[0])
        if match is None:
            raise SystemExit(f"cannot read the requirement {requirement!r}")
        name, _, spec = match.groups()
        if name_of(name) == project["name"]:
            continue  # the project's own extras
        lower = re.search(r">=\s*([0-9][^,\s]*)", spec)
        if lower is None:
            raise SystemExit(f"{requirement!r} has no lower bound (>=)")
        found[name] = lower.group(1)
    return found


def run(command: list[str], cwd: Path | None = None) -> int:
    print("+", " ".join(command), flush=True)
    return subprocess.run(command, check=False, cwd=cwd).returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", type=Path, help="make (or reuse) the venv here and keep it")
    parser.add_argument("pytest_args", nargs="*", help="instead of the smoke subset")
    args = parser.parse_args()
    project = project_table()
    pins = minimums(project)
    work = Path(tempfile.mkdtemp(prefix="orch-lowest-"))
    venv = args.keep.resolve() if args.keep else work / "venv"
    try:
        constraints = work / "constraints-lowest.txt"
        constraints.write_text("".join(f"{name}=={version}\n" for name, version in pins.items()))
        print(constraints.read_text(), end="")
        if not (venv / "bin" / "python").exists():
            run([sys.executable, "-m", "venv", str(venv)])
        python = str(venv / "bin" / "python")
        status = run(
            [
                python,
                "-m",
                "pip",
                "install",
                "-q",
                "-c",
                str(constraints),
                "-e",
                f"{ROOT}[{','.join(EXTRAS)}]",
                *test_tools(project),
            ]
        )
        if status:
            print("the declared minimums cannot be installed together", file=sys.stderr)
            return status
        run([python, "-m", "pip", "list", "--format=freeze"])
        return run(
            [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", *(args.pytest_args or SMOKE)],
            cwd=ROOT,
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
