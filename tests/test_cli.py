"""The `orch` command as a user runs it: a real process, real exit codes, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from .conftest import OPENAI_KEY, TEST_MODELS, api_environ, base_settings, write_config
from .fake_server import Reply

ORCH = [sys.executable, "-m", "orchestrator_tui"]


def orch_environ(home, fake_api=None, **extra: str) -> dict[str, str]:
    """The environment of an `orch` under test: none of the developer's keys, `home` as its
    ORCH_HOME, and the fake server's keys and addresses when one is given."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "OPENAI_"))}
    env.update({"ORCH_HOME": str(home), "COLUMNS": "120"}, **extra)
    if fake_api is not None:
        env.update(api_environ(fake_api))
    return env


def start_orch(*args: str, home, fake_api=None, env_extra=None, **popen) -> subprocess.Popen:
    """`orch ARGS` started in the background (Popen's keywords pass through)."""
    env = orch_environ(home, fake_api, **(env_extra or {}))
    return subprocess.Popen([*ORCH, *args], env=env, **popen)


def orch(*args, home, env_extra=None, stdin=None):
    return subprocess.run(
        [*ORCH, *args],
        env=orch_environ(home, **(env_extra or {})),
        input=stdin or "",
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def home(isolated_home):
    write_config(isolated_home, "demo_speed = 0\n")
    return isolated_home


def assert_one_line_error(proc, *needles):
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert lines[-1].startswith("orch: error: ") and "Traceback" not in proc.stderr
    for needle in needles:
        assert needle in lines[-1]


def test_demo_json_answer(home):
    proc = orch("ask", "--json", "What is the capital of France?", home=home)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["provider"] == "demo" and "Paris" in data["response"]
    for key in (
        "response",
        "model_used",
        "cost",
        "latency",
        "confidence",
        "input_tokens",
        "output_tokens",
        "strategy",
        "ensemble_models",
        "metadata",
        "timestamp",
        "attempts",
    ):
        assert key in data
    assert "no API key found, using the demo provider" in proc.stderr


def test_demo_fallback_escalates_and_summarises(home):
    proc = orch("ask", "Prove that sqrt 2 is irrational", home=home)
    assert proc.returncode == 0, proc.stderr
    assert "escalating to" in proc.stderr and "confidence" in proc.stderr
    assert proc.stdout.strip()  # piped: the final answer only


def test_ensemble_table_and_consensus(home):
    proc = orch("ask", "-s", "ensemble", "-e", "2", "What is the capital of France?", home=home)
    assert proc.returncode == 0, proc.stderr
    assert "consensus:" in proc.stderr and "★" in proc.stderr


def test_prompt_from_stdin_and_output_file(home, tmp_path):
    out = tmp_path / "answer.json"
    proc = orch("ask", "-", "--json", "-o", str(out), home=home, stdin="What is 6 * 7?")
    assert proc.returncode == 0, proc.stderr
    assert "42" in json.loads(out.read_text())["response"] and proc.stdout == ""


@pytest.mark.parametrize(
    "args, needles",
    [
        (["ask", "-m", "test-smal-o", "hi"], ["unknown model", "test-small-o"]),
        (["ask", "--chain", "test-mixd", "hi"], ["unknown chain", "test-mixed"]),
        (["ask", "   "], ["the prompt is empty"]),
        (["ask", "-s", "fastest", "hi"], ["unknown strategy"]),
        (["ask", "--no-demo", "hi"], ["no usable model", "API key"]),
        (["ask", "-c", "0.0000000001", "hi"], ["budget is too small"]),
        (["--config", "/nonexistent.toml", "ask", "hi"], ["no such config file"]),
    ],
)
def test_user_errors_are_one_line(home, args, needles):
    assert_one_line_error(orch(*args, home=home), *needles)


def test_prompt_larger_than_every_context_window(home):
    write_config(
        home,
        "demo_speed = 0\n" + "".join(f'[models."{m}"]\ncontext_window = 10\n' for m in TEST_MODELS),
    )
    assert_one_line_error(orch("ask", "word " * 100, home=home), "larger than every context")


def test_invalid_config_is_one_line(home):
    (home / "config.toml").write_text("[retries]\nmax_retry = 3\n")
    assert_one_line_error(
        orch("models", home=home), "config.toml", "retries.max_retry", "unknown key"
    )


def test_verbose_shows_the_traceback(home):
    proc = orch("-v", "ask", "-m", "nope", "hi", home=home)
    assert proc.returncode != 0 and "Traceback" in proc.stderr


def test_auth_failure_against_the_server_is_one_line_without_the_key(home, fake_api):
    fake_api.script(Reply(status=401, error_type="authentication_error"))
    proc = orch(
        "ask", "-m", "test-small-o", "hi", "--json", home=home, env_extra=api_environ(fake_api)
    )
    assert_one_line_error(proc, "401", "API key")
    assert OPENAI_KEY not in proc.stdout + proc.stderr
    assert json.loads(proc.stdout)["success"] is False


def test_real_provider_answer_through_the_cli(home, fake_api):
    proc = orch(
        "ask",
        "--json",
        "-m",
        "test-small-a",
        "Capital of France?",
        home=home,
        env_extra=api_environ(fake_api),
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["provider"] == "anthropic" and data["cost"] > 0
    assert "demo" not in proc.stderr


def test_local_openai_compatible_provider_with_zero_price(home, fake_api):
    write_config(
        home,
        f"""
demo_speed = 0
default_chain = "local"
[providers.local]
kind = "openai"
base_url = "{fake_api.url}/v1"
[models."llama3.2"]
provider = "local"
tier = "intermediate"
input_cost_per_mtok = 0
output_cost_per_mtok = 0
[chains]
local = ["llama3.2"]
""",
    )
    proc = orch("ask", "--json", "What is the capital of France?", home=home)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["provider"] == "local" and data["cost"] == 0
    assert fake_api.requests[0]["body"]["max_tokens"] == 2048  # not a reasoning model


def test_models_json(home):
    proc = orch("models", "--json", home=home)
    records = json.loads(proc.stdout)
    names = [r["name"] for r in records]
    assert names == list(TEST_MODELS)  # packaged_models = false: the config's models only
    for record in records:
        assert {
            "name",
            "provider",
            "tier",
            "input_cost_per_mtok",
            "output_cost_per_mtok",
            "context_window",
            "available",
        } <= set(record)
        assert record["available"] is False


def test_models_table_names_where_its_prices_come_from(home):
    proc = orch("models", home=home)
    assert proc.returncode == 0, proc.stderr
    assert "test-unpriced-o" in proc.stdout
    assert proc.stdout.rstrip().endswith("prices: USD per million tokens, the config file's prices")


def test_models_available_with_a_key(home):
    proc = orch("models", "--json", home=home, env_extra={"OPENAI_API_KEY": "x"})
    available = {r["name"]: r["available"] for r in json.loads(proc.stdout)}
    assert available["test-small-o"] and not available["test-small-a"]


def test_chains_and_route(home):
    chains = json.loads(orch("chains", "--json", home=home).stdout)
    assert set(chains) == {"test-mixed", "test-fast"}
    route = json.loads(orch("route", "--json", "What is 2+2?", home=home).stdout)
    assert route["level"] == "basic" and route["matched"] == {"basic": ["what is"]}
    assert route["model"] in ("test-small-a", "test-small-o")
    assert route["estimated_cost"] > 0


def small_a_tier():
    from orchestrator_tui.registry import Registry

    return Registry.build(base_settings(), environ={}).model("test-small-a").prices.tiers[0]


def test_route_prices_a_long_prompt_at_its_tier(home):
    from orchestrator_tui.engine.cost import TYPICAL_OUTPUT_TOKENS

    prompt = "What is in this text? " + "word " * 70_000  # ~117,000 estimated tokens
    route = json.loads(
        orch("route", "--json", "--chain", "test-small-a", "-", home=home, stdin=prompt).stdout
    )
    tokens, tier = route["estimated_input_tokens"], small_a_tier()
    assert route["price_tier_above_input_tokens"] == tier.above_input_tokens == 100_000
    assert route["estimated_cost"] == pytest.approx(
        (tokens * tier.input + TYPICAL_OUTPUT_TOKENS * tier.output) / 1e6
    )
    text = orch("route", "--chain", "test-small-a", "-", home=home, stdin=prompt).stdout
    assert "over 100,000 input tokens" in text
    cheapest = json.loads(
        orch("route", "--json", "--chain", "test-fast", "-", home=home, stdin=prompt).stdout
    )
    assert cheapest["model"] == "test-small-o"  # test-small-a is dearer at its tier
    assert cheapest["price_tier_above_input_tokens"] is None


def test_no_command_without_a_terminal_prints_help(home):
    proc = orch(home=home)
    assert proc.returncode == 0 and "ask" in proc.stdout and "tui" in proc.stdout
