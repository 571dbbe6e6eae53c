"""The engine stays headless and light: no TUI, CLI or SDK modules until they are needed."""

from __future__ import annotations

import subprocess
import sys

from .registry_settings import CHILD_IMPORT

HEAVY = ("textual", "typer", "rich", "anthropic", "openai", "pydantic", "numpy", "scipy", "sklearn")
SCRIPT = (
    CHILD_IMPORT
    + f"""
import asyncio, sys
from orchestrator_tui.engine import Engine, Request
engine = Engine(base_settings(demo_speed=0), demo=True)
for strategy in ("ensemble", "consensus", "learned"):
    result = asyncio.run(engine.run_to_result(Request("What is 2+2?", strategy=strategy)))
    assert result.success
print(",".join(sorted(m for m in {HEAVY!r} if m in sys.modules)))
"""
)


def test_engine_runs_without_tui_cli_sdk_or_training_modules(isolated_home):
    from orchestrator_tui.learned.train import Example, fit_router
    from orchestrator_tui.locations import router_path

    examples = [
        Example(
            f"question {i} {'hard' if i % 2 else 'easy'}",
            {"test-mini-a": float(i % 2 == 0), "test-large-a": 1.0},
            {"test-mini-a": 0.001, "test-large-a": 0.01},
        )
        for i in range(20)
    ]
    fit_router(examples).save(router_path())
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == ""


def test_python_api_names_are_importable():
    import orchestrator_tui as orch

    for name in (
        "run_orchestration",
        "route_to_model",
        "route_to_model_config",
        "run_with_fallback",
        "run_ensemble",
        "make_engine",
        "synthesize_responses",
        "ModelConfig",
        "OrchestrationResult",
        "ComplexityAnalyzer",
        "ConfidenceDetector",
        "RateLimiter",
    ):
        assert getattr(orch, name) is not None


def test_python_api_runs_on_the_demo_provider():
    import orchestrator_tui as orch
    from orchestrator_tui.api import make_engine

    engine = make_engine(demo=True)
    engine.settings.demo_speed = 0
    result = orch.run_ensemble("What is the capital of France?", engine=engine, ensemble_size=2)
    assert result.success and len(result.attempts) == 2
    assert orch.route_to_model_config("What is 2+2?", engine=engine).tier == "intermediate"


def test_the_cli_loads_no_sdk_training_or_tui_module_to_start():
    script = (
        "import sys; import orchestrator_tui.cli.main; print(','.join(sorted(m for m in "
        f"{HEAVY[:1] + HEAVY[2:]!r} if m in sys.modules)))"
    )  # typer is the CLI itself
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == ""


def test_the_python_api_and_its_recording_engine_load_no_heavy_module(isolated_home):
    (isolated_home / "config.toml").unlink()  # a config file is validated with pydantic
    script = (
        "import sys; import orchestrator_tui as orch; "
        "from orchestrator_tui.frontend import build_engine; "
        "engine = orch.make_engine(demo=True); assert engine.ledger.db; "
        f"print(','.join(sorted(m for m in {HEAVY!r} if m in sys.modules)))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == ""
