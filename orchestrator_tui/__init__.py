"""orch: send each prompt to the right LLM, or to several at once, and see what it cost.

The Python API (the seed's names) is loaded on first use, so `import orchestrator_tui`
stays cheap for the CLI.
"""

__version__ = "0.1.0"

_API = {
    "run_orchestration": "api",
    "arun_orchestration": "api",
    "route_to_model": "api",
    "route_to_model_config": "api",
    "run_with_fallback": "api",
    "run_ensemble": "api",
    "synthesize_responses": "api",
    "make_engine": "api",
    "ModelConfig": "types",
    "OrchestrationResult": "engine.events",
    "ComplexityAnalyzer": "heuristics.complexity",
    "ConfidenceDetector": "heuristics.confidence",
    "RateLimiter": "engine.ratelimit",
    "Engine": "engine.core",
    "Request": "engine.request",
    "StrategySpec": "engine.strategies",
    "register_strategy": "engine.strategies",
    "unregister_strategy": "engine.strategies",
}

__all__ = sorted(_API)  # noqa: PLE0605 (the lazy map above is the one list of names)


def __getattr__(name):
    if name not in _API:
        raise AttributeError(f"module 'orchestrator_tui' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f".{_API[name]}", __name__), name)
