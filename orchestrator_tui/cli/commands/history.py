"""`orch history` and `orch history show ID`."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from ..state import STATE

history_app = typer.Typer(
    help="Past requests: what was asked, which model answered, and the cost.",
    invoke_without_command=True,
    rich_markup_mode=None,
)


@history_app.callback()
def history(
    ctx: typer.Context,
    number: Annotated[
        int, typer.Option("-n", "--number", min=1, help="How many (newest first).")
    ] = 20,
    model: Annotated[str | None, typer.Option(help="Only requests answered by this model.")] = None,
    strategy: Annotated[str | None, typer.Option(help="Only this strategy.")] = None,
    category: Annotated[str | None, typer.Option(help="Only this category.")] = None,
    since: Annotated[str | None, typer.Option(help="2026-11-01, today, 7d, 12h…")] = None,
    conversation: Annotated[
        str | None,
        typer.Option(
            "--conversation", "--cid", metavar="ID", help="Only this conversation (id or start)."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
):
    """List recent requests."""
    if ctx.invoked_subcommand is not None:
        return
    from ...store.conversations import resolve_conversation_id
    from ...store.history import list_requests
    from ...store.periods import parse_since

    db = STATE.db()
    rows = list_requests(
        db,
        number,
        model=model,
        strategy=strategy,
        category=category,
        since=parse_since(since),
        conversation=resolve_conversation_id(db, conversation) if conversation else None,
    )
    if as_json:
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    from ..tables import history_lines

    if not rows:
        typer.echo("no requests recorded yet", err=True)
        return
    header, *lines = history_lines(rows)
    typer.secho(header, bold=True)
    typer.echo("\n".join(lines))


@history_app.command("show")
def show(
    request_id: Annotated[int, typer.Argument(help="The request's id.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
):
    """One request in full, with every attempt."""
    from ...errors import UsageError
    from ...store.history import get_request

    record = get_request(STATE.db(), request_id)
    if record is None:
        raise UsageError(f"no request with id {request_id} in the history")
    if as_json:
        typer.echo(json.dumps(record, indent=2, ensure_ascii=False))
        return
    from rich.console import Console

    from ..tables import request_detail

    Console(highlight=False).print(*request_detail(record))
