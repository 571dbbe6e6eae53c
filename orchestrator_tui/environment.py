"""The environment variables of the built-in providers: their keys and endpoints. A module of
its own, importing nothing, so that `orch --help` can name them without loading the registry."""

from __future__ import annotations

# provider → (its kind, the variable holding its API key, the one holding its endpoint)
BUILTIN_PROVIDER_VARIABLES = {
    "anthropic": ("anthropic", "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL"),
    "openai": ("openai", "OPENAI_API_KEY", "OPENAI_BASE_URL"),
}
EXTRA_CREDENTIALS = {"anthropic": ("ANTHROPIC_AUTH_TOKEN",)}  # accepted instead of the key
