"""`orch cache` (stats, clear): the response cache."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from ..state import STATE

cache_app = typer.Typer(help="The response cache.", rich_markup_mode=None)


@cache_app.command("stats")
def cache_stats(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False):
    """Entries, hits and size of the response cache."""
    from ...store.cache import cache_stats as compute

    data = compute(STATE.db(), STATE.settings().cache_ttl)
    if as_json:
        typer.echo(json.dumps(data, indent=2))
        return
    typer.echo(
        f"{data['entries']} entries ({data['fresh_entries']} fresh, ttl "
        f"{data['ttl_seconds']:g} s), {data['hits']} hits, "
        f"{data['text_bytes']:,} bytes of text"
    )


@cache_app.command("clear")
def cache_clear():
    """Empty the response cache."""
    from ...store.cache import clear_cache

    typer.echo(f"removed {clear_cache(STATE.db(write=True))} cached answers")
