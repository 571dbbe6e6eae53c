"""`orch keys` (set, remove, list, path): API keys stored for orch, readable by the user alone.
A provider's environment variable takes precedence over its stored key. No key, nor any part
of one, is ever printed."""

from __future__ import annotations

import json
import os
import sys
from typing import Annotated

import typer

from ..state import STATE

keys_app = typer.Typer(
    help="API keys stored in a file only you can read (a provider's variable, e.g. "
    "OPENAI_API_KEY, takes precedence).",
    rich_markup_mode=None,
    no_args_is_help=True,
)


def known_providers() -> dict:
    """Every provider: the built-in ones and those of the config file."""
    from ...providers.kinds import builtin_providers
    from ...registry import provider_from_entry

    providers = builtin_providers()
    providers.update(
        {
            name: provider_from_entry(name, entry)
            for name, entry in STATE.settings().providers.items()
        }
    )
    return providers


@keys_app.command("set")
def keys_set(
    provider: Annotated[
        str,
        typer.Argument(
            metavar="PROVIDER", help="anthropic, openai, or a provider of your config file."
        ),
    ],
):
    """Store PROVIDER's key, typed at a hidden prompt or piped on stdin, e.g.
    `printf %s "$KEY" | orch keys set openai` (never an argument, which would land in your
    shell history). The provider's variable, when set, still takes precedence."""
    from ...errors import UsageError
    from ...keys import save_key
    from ...registry import credential_variable, hint

    providers = known_providers()
    config = providers.get(provider)
    if config is None:
        raise UsageError(
            f"unknown provider {provider!r}{hint(provider, providers)} "
            f"(known: {', '.join(providers)})"
        )
    if not config.api_key_env:
        raise UsageError(f"provider {provider!r} needs no key (its config sets no api_key_env)")
    key = read_key(provider, config.api_key_env)
    path = save_key(provider, key)
    typer.echo(f"stored the {provider} key in {path}")
    variable = credential_variable(config, os.environ)
    if variable:
        typer.echo(
            f"note: {variable} is set here and takes precedence over the stored key", err=True
        )


@keys_app.command("remove")
def keys_remove(
    provider: Annotated[
        str, typer.Argument(metavar="PROVIDER", help="The provider whose stored key to forget.")
    ],
):
    """Forget PROVIDER's stored key (the provider's variable, when set, is still used)."""
    from ...errors import UsageError
    from ...keys import load_keys, remove_key
    from ...locations import keys_path
    from ...registry import credential_variable

    path = remove_key(provider)
    if path is None:
        stored = ", ".join(sorted(load_keys())) or "none"
        raise UsageError(f"no stored key for {provider!r} in {keys_path()} (stored: {stored})")
    typer.echo(f"removed the {provider} key from {path}")
    config = known_providers().get(provider)
    variable = credential_variable(config, os.environ) if config and config.api_key_env else None
    if variable:
        typer.echo(f"note: {variable} is set here and is still used", err=True)


def read_key(provider: str, variable: str) -> str:
    from ...errors import UsageError

    if sys.stdin.isatty():
        import getpass

        try:
            key = getpass.getpass(f"{provider} API key (input hidden): ")
        except (EOFError, KeyboardInterrupt):
            raise UsageError("no key entered") from None
    else:
        key = sys.stdin.read()
    key = key.strip()
    if not key:
        raise UsageError(
            f"no key given: type it at the prompt, or pipe it: "
            f'printf %s "${variable}" | orch keys set {provider}'
        )
    if any(ch.isspace() or not ch.isprintable() for ch in key):
        raise UsageError(
            "the key contains spaces, line breaks or control characters: give one key alone"
        )
    return key


@keys_app.command("list")
def keys_list(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False):
    """Each provider, its variable, and where its key comes from: the environment, the keys
    file, or nowhere. Never the key."""
    from ...keys import load_keys, loose_permissions
    from ...locations import keys_path
    from ...registry import credential_variable

    stored = load_keys()
    rows = []
    for name, config in known_providers().items():
        variable = credential_variable(config, os.environ) if config.api_key_env else None
        if not config.api_key_env:
            source = "not needed"
        elif variable:
            source = f"env {variable}"
        else:
            source = "keys file" if name in stored else "none"
        rows.append(
            {
                "provider": name,
                "variable": config.api_key_env,
                "source": source,
                "stored": name in stored,
            }
        )
    rows += [
        {
            "provider": name,
            "variable": None,
            "source": "keys file (unknown provider)",
            "stored": True,
        }
        for name in stored
        if name not in {r["provider"] for r in rows}
    ]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
    else:
        for row in rows:
            unused = (
                " (a stored key too, unused)"
                if row["stored"] and row["source"].startswith("env")
                else ""
            )
            typer.echo(f"{row['provider']:12} {row['variable'] or '-':20} {row['source']}{unused}")
    if loose_permissions():
        typer.echo(f"warning: {keys_path()} can be read by others: chmod 600 it", err=True)


@keys_app.command("path")
def keys_path_command():
    """Print the keys file's path (it may not exist yet)."""
    from ...locations import keys_path

    typer.echo(keys_path())
