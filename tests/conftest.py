"""Shared fixtures: an isolated orch home, the fake API server, and engines pointed at it."""

from __future__ import annotations

import pytest

from orchestrator_tui.config import RetrySettings, Settings, TimeoutSettings
from orchestrator_tui.engine import Engine
from orchestrator_tui.engine.ratelimit import RateLimiter
from orchestrator_tui.registry import Registry

from .fake_server import FakeAPI

ANTHROPIC_KEY = "sk-ant-test-SECRET-0123456789"
OPENAI_KEY = "sk-openai-test-SECRET-0123456789"


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch):
    """No test sees the developer's keys, config or home."""
    for name in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL",
                 "OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ORCH_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


@pytest.fixture
def fake_api():
    with FakeAPI() as api:
        yield api


def fast_settings(**changes) -> Settings:
    """Short backoffs, an instant demo, and timeouts that only a hung call reaches: on a loaded
    machine a process's first call also imports the SDK (2–4 s), inside its first-token time."""
    settings = Settings(retries=RetrySettings(max_retries=2, base_delay=0.01, max_delay=0.05),
                        timeouts=TimeoutSettings(connect=10.0, first_token=30.0, total=60.0),
                        demo_speed=0.0)
    for key, value in changes.items():
        setattr(settings, key, value)
    return settings


def api_environ(api: FakeAPI) -> dict[str, str]:
    return {"ANTHROPIC_API_KEY": ANTHROPIC_KEY, "ANTHROPIC_BASE_URL": api.url,
            "OPENAI_API_KEY": OPENAI_KEY, "OPENAI_BASE_URL": api.url + "/v1"}


@pytest.fixture
async def make_engine(fake_api):
    """An engine whose real providers talk to the fake server through the real SDKs."""
    engines = []

    def build(settings: Settings | None = None, **options) -> Engine:
        settings = settings or fast_settings()
        registry = Registry.build(settings, environ=api_environ(fake_api))
        engine = Engine(settings, registry, limiter=options.pop("limiter", RateLimiter()),
                        **options)
        engines.append(engine)
        return engine

    yield build
    for engine in engines:
        await engine.aclose()


async def run_collect(engine: Engine, request):
    """Run a request; return (result, events)."""
    events = []
    result = await engine.run_to_result(request, on_event=events.append)
    return result, events
