"""Provider kinds: the wire formats orch speaks, each a Provider class imported when first used.

The built-in kinds are a table of `module:Class` paths, so naming one costs no import (and the
SDKs are imported later still, on a provider's first call). Any other kind comes from an
installed package's entry point in the `orch.providers` group: a package declaring

    [project.entry-points."orch.providers"]
    echo = "orch_echo:EchoProvider"

adds the kind `echo`. Entry points are read only for a kind that is not built in, so the
common path never scans them; a built-in kind cannot be replaced.
"""

from __future__ import annotations

import functools
import importlib
from typing import TYPE_CHECKING

from ..errors import ConfigError

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

    from ..types import ProviderConfig
    from .base import Provider

ENTRY_POINT_GROUP = "orch.providers"
BUILTIN_KINDS = {
    "anthropic": "orchestrator_tui.providers.anthropic_provider:AnthropicProvider",
    "openai": "orchestrator_tui.providers.openai_provider:OpenAIProvider",
}
# The provider orch defines for each built-in kind, named after it: the variable holding its
# key, others the SDK also accepts as credentials, and the one its endpoint is read from.
# Plain data, so `orch --help` can name the variables without importing a provider.
BUILTIN_VARIABLES = {
    "anthropic": ("ANTHROPIC_API_KEY", ("ANTHROPIC_AUTH_TOKEN",), "ANTHROPIC_BASE_URL"),
    "openai": ("OPENAI_API_KEY", (), "OPENAI_BASE_URL"),
}


def check_kind(kind: str) -> None:
    """Raise ValueError, naming the known kinds, when `kind` is none of them."""
    if kind not in BUILTIN_KINDS and kind not in plugin_kinds():
        raise ValueError(unknown_kind_message(kind))


def unknown_kind_message(kind: str) -> str:
    return f"unknown provider kind {kind!r} (known kinds: {', '.join(known_kinds())})"


def known_kinds() -> list[str]:
    """The built-in kinds, then those installed packages add."""
    return [*BUILTIN_KINDS, *sorted(set(plugin_kinds()) - set(BUILTIN_KINDS))]


@functools.cache
def plugin_kinds() -> dict[str, EntryPoint]:
    """The kinds installed packages add, by name (read once per process)."""
    from importlib.metadata import entry_points

    return {entry.name: entry for entry in entry_points(group=ENTRY_POINT_GROUP)}


@functools.cache
def provider_class(kind: str) -> type[Provider]:
    """The Provider subclass of `kind`, imported now; ConfigError for an unknown kind."""
    if kind in BUILTIN_KINDS:
        module, _, name = BUILTIN_KINDS[kind].partition(":")
        cls: type[Provider] = getattr(importlib.import_module(module), name)
        return cls
    entry = plugin_kinds().get(kind)
    if entry is None:
        raise ConfigError(unknown_kind_message(kind))
    return load_plugin(entry)


def load_plugin(entry: EntryPoint) -> type[Provider]:
    """A plugin's Provider class; ConfigError, in one line, when it cannot be had."""
    from .base import Provider

    where = f"provider kind {entry.name!r} ({entry.value})"
    try:
        cls = entry.load()
    except Exception as exc:
        raise ConfigError(f"{where} cannot be loaded: {type(exc).__name__}: {exc}") from exc
    if not (isinstance(cls, type) and issubclass(cls, Provider)):
        raise ConfigError(f"{where} is not a subclass of orchestrator_tui's Provider")
    return cls


def builtin_providers() -> dict[str, ProviderConfig]:
    """The provider orch defines for each built-in kind, named after it."""
    from ..types import ProviderConfig

    return {
        kind: ProviderConfig(kind, kind, api_key_env=key, other_key_envs=others, base_url_env=url)
        for kind, (key, others, url) in BUILTIN_VARIABLES.items()
    }
