"""The `orch` command: global options, the command list, and one-line errors."""

from __future__ import annotations

import gc
import sys
from pathlib import Path
from typing import Annotated

import typer

from ..exiting import exit_status, leave_now_if_warming
from .commands import ask, batch, eval, models, rate, reports, route
from .commands.budget import budget_app
from .commands.cache import cache_app
from .commands.config import config_app
from .commands.history import history_app
from .commands.keys import keys_app
from .commands.router import router_app
from .state import STATE


def environment_help() -> str:
    """The variables orch reads, for `orch --help` (from the built-in provider classes)."""
    from ..providers.kinds import BUILTIN_VARIABLES  # plain data: no provider imported

    keys = [key for key, _, _ in BUILTIN_VARIABLES.values()]
    urls = [url for _, _, url in BUILTIN_VARIABLES.values()]
    return (
        "\b\nEnvironment:\n"
        "  ORCH_HOME       one directory for config.toml, keys.json and the database\n"
        "                  (default: the platform's config and data dirs; see\n"
        "                  `orch config path --all`)\n"
        f"  {', '.join(keys)}\n"
        "                  API keys; each takes precedence over a key stored with\n"
        "                  `orch keys set` (ANTHROPIC_AUTH_TOKEN also works). No key at\n"
        "                  all: the demo provider answers.\n"
        f"  {', '.join(urls)}\n"
        "                  the providers' endpoints\n"
        "  VISUAL, EDITOR  the editor of `orch config edit`"
    )


app = typer.Typer(
    name="orch",
    no_args_is_help=False,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: typer.rich_utils costs ~110 ms of start-up
    help="Send each prompt to the right LLM, or to several at once, and see what it cost.",
    epilog=environment_help(),
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.command("ask")(ask.ask)
app.command("models")(models.models)
app.command("chains")(models.chains)
app.command("route")(route.route)
app.add_typer(batch.batch_app, name="batch")
app.add_typer(history_app, name="history")
app.command("stats")(reports.stats)
app.command("report")(reports.report)
app.command("export")(reports.export)
app.add_typer(budget_app, name="budget")
app.add_typer(cache_app, name="cache")
app.command("eval")(eval.eval_command)
app.add_typer(router_app, name="router")
app.command("rate")(rate.rate)
app.add_typer(config_app, name="config")
app.add_typer(keys_app, name="keys")


@app.callback(invoke_without_command=True)
def main(
    ctx: typer.Context,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            help="Read this config file instead of the default one (`orch config path`).",
        ),
    ] = None,
    verbose: Annotated[
        bool,
        typer.Option("-v", "--verbose", help="Show routing reasons, and tracebacks on errors."),
    ] = False,
):
    """orch: multi-model LLM orchestration in the terminal."""
    STATE.config_path = config
    STATE.verbose = STATE.verbose or verbose
    if ctx.invoked_subcommand is None:
        if sys.stdin.isatty() and sys.stdout.isatty():
            tui()
        else:  # no terminal to draw on: say what there is instead
            typer.echo(ctx.get_help())


@app.command("tui")
def tui(
    demo: Annotated[
        bool | None, typer.Option("--demo/--no-demo", help="Force the demo provider on or off.")
    ] = None,
):
    """Open the TUI (also what `orch` alone does)."""
    from ..tui.app import run_tui

    run_tui(STATE.config_path, demo)


def run() -> None:
    """Entry point: run the app, turning orch's errors into one line on stderr."""
    status = 1
    try:
        run_app()
        status = 0
    except SystemExit as done:
        status = exit_status(done.code)
        raise
    finally:
        STATE.close()  # closed here, not by the collection that the freeze below spares
        # Everything the process made survives until exit anyway: freezing it spares the
        # interpreter's last garbage collection over the SDKs' object graphs, 0.4 s of CPU
        # between an answer (or a Ctrl+C) and the shell prompt.
        gc.freeze()
        leave_now_if_warming(status)


def run_app() -> None:
    try:
        app(prog_name="orch")  # also under `python -m orchestrator_tui`: help, completion
    except Exception as error:  # noqa: BLE001 (reported in one line, or raised with -v)
        report_error(error)


def report_error(error: Exception) -> None:
    """An error as one line on stderr and orch's exit status (the traceback with -v)."""
    from ..errors import OrchError

    if STATE.verbose:
        raise error
    known = error if isinstance(error, OrchError) else store_error_for(error)
    if known is not None:
        print(f"orch: error: {known}", file=sys.stderr)
        sys.exit(known.exit_code)
    # a bug, not a user error: still one line unless -v
    print(
        f"orch: internal error: {type(error).__name__}: {error} (run with -v for the traceback)",
        file=sys.stderr,
    )
    sys.exit(70)


def store_error_for(error: Exception):
    """The one-line StoreError for an SQLite error met after the database was opened (a
    damaged page a query reached, a disk that filled up), or None for any other error."""
    sqlite3 = sys.modules.get("sqlite3")
    if sqlite3 is None or not isinstance(error, sqlite3.Error):
        return None
    from ..store.db import default_db_path
    from ..store.faults import store_error

    return store_error(default_db_path(), error)
