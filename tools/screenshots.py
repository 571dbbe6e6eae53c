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

from tests.tui_helpers import SCENARIOS, SIZE, make_app  # noqa: E402


async def shoot(name: str, scenario, folder: Path) -> Path:
    app = make_app(folder, packaged=True)
    async with app.run_test(size=SIZE) as pilot:
        await scenario(pilot)
        await pilot.pause(0.2)
        path = ROOT / "screenshots" / f"{name}.svg"
        app.save_screenshot(str(path))
    return path


def main() -> None:
    for name, scenario in SCENARIOS.items():
        with tempfile.TemporaryDirectory() as folder:
            print(asyncio.run(shoot(name, scenario, Path(folder))))


if __name__ == "__main__":
    main()
