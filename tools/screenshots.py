"""Regenerate screenshots/*.svg from the real app, using the snapshot tests' scenarios.

Run from the repository root: python tools/screenshots.py
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.tui_helpers import SCENARIOS, SIZE, SIZED_SCENARIOS, make_app  # noqa: E402


async def shoot(name: str, scenario, folder: Path, size: tuple[int, int] = SIZE) -> Path:
    app = make_app(folder, packaged=True)
    async with app.run_test(size=size) as pilot:
        await scenario(pilot)
        await pilot.pause(0.2)
        path = ROOT / "screenshots" / f"{name}.svg"
        app.save_screenshot(str(path))
    return path


def main() -> None:
    for name, scenario in SCENARIOS.items():
        with tempfile.TemporaryDirectory() as folder:
            print(asyncio.run(shoot(name, scenario, Path(folder))))
    for name, (scenario_name, columns, rows) in SIZED_SCENARIOS.items():
        with tempfile.TemporaryDirectory() as folder:
            scenario = SCENARIOS[scenario_name]
            print(asyncio.run(shoot(name, scenario, Path(folder), (columns, rows))))


if __name__ == "__main__":
    main()
