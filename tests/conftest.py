"""Shared fixtures: an isolated orch home, the fake API server, and engines pointed at it.

Every test runs on the tests' own model registry (tests/registry.toml), never on the
packaged one: in process through base_settings()/fast_settings(), in a subprocess through
the config.toml that `isolated_home` (or write_config) puts in its ORCH_HOME."""

from __future__ import annotations

import signal

import pytest

from orchestrator_tui.config import RetrySettings, Settings, TimeoutSettings
from orchestrator_tui.engine import Engine
from orchestrator_tui.engine.events import Event
from orchestrator_tui.engine.ratelimit import RateLimiter
from orchestrator_tui.registry import Registry

from .fake_server import FakeAPI
from .registry_settings import base_settings, registry_data, write_config

# A suite started in the background by a shell without job control (`pytest … &` in a script)
# inherits SIGINT ignored, and so would every `orch` it starts: Python keeps an ignored SIGINT
# ignored, so the Ctrl+C tests would wait for an exit that never comes. The processes the
# tests start take Ctrl+C as a terminal delivers it.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

ANTHROPIC_KEY = "sk-ant-test-SECRET-0123456789"
OPENAI_KEY = "sk-openai-test-SECRET-0123456789"
TEST_MODELS = tuple(registry_data()["models"])


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch):
    """No test sees the developer's keys, config or home: its home holds a config.toml with
    the tests' registry and nothing else."""
    for name in (
        "ANTHROPIC_API_KEY",
        "ANTHROPIC_AUTH_TOKEN",
        "ANTHROPIC_BASE_URL",
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    monkeypatch.setenv("ORCH_HOME", str(home))
    write_config(home / "config.toml")
    return home


@pytest.fixture
def fake_api():
    with FakeAPI() as api:
        yield api


def fast_settings(**changes) -> Settings:
    """Short backoffs, an instant demo, and timeouts that only a hung call reaches: on a loaded
    machine a process's first call also imports the SDK (2–4 s), inside its first-token time."""
    fast = {
        "retries": RetrySettings(max_retries=2, base_delay=0.01, max_delay=0.05),
        "timeouts": TimeoutSettings(connect=10.0, first_token=30.0, total=60.0),
        "demo_speed": 0.0,
    }
    return base_settings(**{**fast, **changes})


def api_environ(api: FakeAPI) -> dict[str, str]:
    return {
        "ANTHROPIC_API_KEY": ANTHROPIC_KEY,
        "ANTHROPIC_BASE_URL": api.url,
        "OPENAI_API_KEY": OPENAI_KEY,
        "OPENAI_BASE_URL": api.url + "/v1",
    }


@pytest.fixture
async def make_engine(fake_api):
    """An engine whose real providers talk to the fake server through the real SDKs."""
    engines = []

    def build(settings: Settings | None = None, **options) -> Engine:
        settings = settings or fast_settings()
        registry = Registry.build(settings, environ=api_environ(fake_api))
        engine = Engine(
            settings, registry, limiter=options.pop("limiter", RateLimiter()), **options
        )
        engines.append(engine)
        return engine

    yield build
    for engine in engines:
        await engine.aclose()


async def run_collect(engine: Engine, request):
    """Run a request; return (result, events)."""
    events: list[Event] = []
    result = await engine.run_to_result(request, on_event=events.append)
    return result, events
