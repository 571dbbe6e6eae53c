"""Whether a strategy can run, said when it is chosen, before a prompt is spent on it."""

from __future__ import annotations

from typing import Any

NO_ROUTER = (
    "learned needs a trained router, and there is none: run `orch router train "
    "--from-history` (rate answers with F8/F9 first) or `orch router train --data FILE`; "
    "a prompt sent now fails"
)


def strategy_problem(engine: Any, strategy: str) -> str | None:
    """Why `strategy` cannot answer on this engine, or None when nothing is known to stop it."""
    if strategy == "learned" and not has_router(engine):
        return NO_ROUTER
    return None


def has_router(engine: Any) -> bool:
    """A router loaded, or one `orch router train` saved (it is read at the first request)."""
    from ..locations import router_path

    return engine.router is not None or router_path().is_file()


def warn_if_unready(screen: Any, strategy: str) -> None:
    """Notify, on `screen`, why `strategy` cannot answer (nothing when it can)."""
    problem = strategy_problem(screen.app.engine, strategy)
    if problem is not None:
        screen.notify(problem, severity="warning", timeout=10)
