"""Provider kinds: the built-in table, the `orch.providers` entry-point group, and what the
registry and the config derive from a kind's class."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from orchestrator_tui.config import ProviderEntry, Settings
from orchestrator_tui.errors import ConfigError
from orchestrator_tui.providers import kinds
from orchestrator_tui.registry import Registry

PLUGIN_SOURCE = Path(__file__).parent / "plugin_provider"
CONFIG = """
[providers.parrot]
kind = "echo"

[models.parrot-1]
provider = "parrot"
api_name = "parrot-wire"
"""


@pytest.fixture(scope="session")
def echo_plugin(tmp_path_factory) -> Path:
    """tests/plugin_provider installed (offline, no dependencies) into a directory of its own,
    once per session: put it on PYTHONPATH to have the `echo` kind."""
    root = tmp_path_factory.mktemp("echo-plugin")
    source = shutil.copytree(PLUGIN_SOURCE, root / "source")  # the build writes beside it
    target = root / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--target",
            str(target),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return target


@pytest.fixture
def fake_plugins(monkeypatch):
    """Stand-in entry points for in-process tests (the real ones are read once per process)."""

    def install(**values: str) -> None:
        entries = {
            name: EntryPoint(name, value, kinds.ENTRY_POINT_GROUP) for name, value in values.items()
        }
        monkeypatch.setattr(kinds, "plugin_kinds", lambda: entries)

    yield install
    kinds.provider_class.cache_clear()


def run_orch(*args: str, config: Path, pythonpath: Path | None = None):
    env = dict(os.environ)
    if pythonpath is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(pythonpath), env.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", "orchestrator_tui", "--config", str(config), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_an_installed_package_adds_a_provider_kind(echo_plugin, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text(CONFIG)
    proc = run_orch(
        "ask",
        "-m",
        "parrot-1",
        "--json",
        "--no-cache",
        "hello there",
        config=config,
        pythonpath=echo_plugin,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["response"] == "echo from parrot (parrot-wire): hello there"
    assert (result["model_used"], result["provider"]) == ("parrot-1", "parrot")


def test_without_the_package_the_kind_is_unknown_in_one_line(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text(CONFIG)
    proc = run_orch("ask", "-m", "parrot-1", "hello", config=config)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        (
            f"orch: error: {config}: providers.parrot: unknown provider kind 'echo' "
            "(known kinds: anthropic, openai)"
        )
    ]


def test_an_unknown_kind_names_the_known_ones_plugins_included(fake_plugins):
    fake_plugins(echo="orch_echo:EchoProvider")
    with pytest.raises(ValueError, match=r"'nope' \(known kinds: anthropic, openai, echo\)"):
        ProviderEntry(kind="nope")
    assert ProviderEntry(kind="echo").kind == "echo"


def test_a_plugin_that_cannot_load_or_is_no_provider_is_one_clear_error(fake_plugins):
    fake_plugins(broken="orch_no_such_module:Thing", wrong="os:sep")
    with pytest.raises(
        ConfigError,
        match=r"'broken' \(orch_no_such_module:Thing\) cannot be "
        r"loaded: ModuleNotFoundError",
    ):
        kinds.provider_class("broken")
    with pytest.raises(ConfigError, match=r"'wrong' .* is not a subclass of"):
        kinds.provider_class("wrong")


def test_built_in_kinds_never_read_entry_points(monkeypatch):
    def refuse():
        raise AssertionError("entry points scanned for a built-in kind")

    monkeypatch.setattr(kinds, "plugin_kinds", refuse)
    settings = Settings(providers={"local": ProviderEntry(kind="openai", base_url="http://x")})
    registry = Registry.build(settings, environ={})
    assert {name: p.kind for name, p in registry.providers.items()} == {
        "anthropic": "anthropic",
        "openai": "openai",
        "local": "openai",
    }


def test_the_built_in_providers_come_from_their_classes():
    registry = Registry.build(Settings(), environ={})
    anthropic, openai = registry.providers["anthropic"], registry.providers["openai"]
    assert (anthropic.api_key_env, anthropic.other_key_envs, anthropic.base_url_env) == (
        "ANTHROPIC_API_KEY",
        ("ANTHROPIC_AUTH_TOKEN",),
        "ANTHROPIC_BASE_URL",
    )
    assert (openai.api_key_env, openai.other_key_envs, openai.base_url_env) == (
        "OPENAI_API_KEY",
        (),
        "OPENAI_BASE_URL",
    )


@pytest.mark.parametrize(
    "environ, usable",
    [
        ({}, set()),
        ({"ANTHROPIC_AUTH_TOKEN": "t"}, {"anthropic"}),
        ({"OPENAI_API_KEY": "k"}, {"openai"}),
        ({"ANTHROPIC_API_KEY": "k", "OPENAI_API_KEY": "k"}, {"anthropic", "openai"}),
    ],
)
def test_credentials_follow_the_kinds_key_variables(environ, usable):
    registry = Registry.build(Settings(), environ=environ)
    assert {n for n in ("anthropic", "openai") if registry.has_credentials(n)} == usable


def test_providers_never_import_the_engine():
    script = (
        "import sys; import orchestrator_tui.providers.demo, "
        "orchestrator_tui.providers.kinds, orchestrator_tui.providers.anthropic_provider, "
        "orchestrator_tui.providers.openai_provider; "
        "print(sorted(m for m in sys.modules if m.startswith('orchestrator_tui.engine')))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
