"""`orch ask`: one prompt, streamed to the terminal, or as JSON for scripts."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from .. import options as o
from ..state import STATE


def ask(
    prompt_arg: Annotated[
        str | None,
        typer.Argument(
            metavar="PROMPT", help="The prompt; '-' (or nothing, with a pipe) reads stdin."
        ),
    ] = None,
    prompt: Annotated[
        str | None, typer.Option("-p", "--prompt", help="The prompt, as an option.")
    ] = None,
    strategy: o.Strategy = None,
    max_cost: o.MaxCost = None,
    chain: o.Chain = None,
    ensemble_size: o.EnsembleSize = None,
    models: o.Models = None,
    model: o.Model = None,
    cost_weight: o.CostWeight = None,
    threshold: o.Threshold = None,
    system: o.System = None,
    max_tokens: o.MaxTokens = None,
    temperature: o.Temperature = None,
    demo: o.Demo = None,
    verbose: o.Verbose = False,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write the answer (or JSON) to FILE.")
    ] = None,
    as_json: o.AsJson = False,
    category: o.Category = None,
    tag: o.Tags = None,
    no_log: o.NoLog = False,
    no_cache: o.NoCache = False,
    follow_up: Annotated[
        bool,
        typer.Option(
            "--continue", help="Follow up the latest conversation (sent with its earlier turns)."
        ),
    ] = False,
    conversation: Annotated[
        str | None,
        typer.Option(
            "--conversation",
            "--cid",
            metavar="ID",
            help="Follow up this conversation (its id, or the start of it: orch history).",
        ),
    ] = None,
):
    """Send one prompt and stream the answer, with what it cost."""
    from ...frontend import conversation_to_continue, request_from_options
    from ..interrupt import Interrupted, run_interruptibly
    from ..render import Renderer, finish

    STATE.verbose = STATE.verbose or verbose
    text = read_prompt(prompt_arg, prompt)
    check_text_options(system=system, category=category, tags=tag or [])
    if output is not None:
        from ..paths import check_writable

        check_writable(output)  # before the answer is paid for
    conversation_id, history = conversation_to_continue(
        STATE.db(), latest=follow_up, given=conversation
    )
    request = request_from_options(
        text,
        system=system,
        strategy=strategy,
        model=model,
        chain=chain,
        models=models,
        ensemble_size=ensemble_size,
        cost_weight=cost_weight,
        threshold=threshold,
        max_cost=max_cost,
        max_tokens=max_tokens,
        temperature=temperature,
        category=category,
        tags=tag,
        log_text=not no_log,
        use_cache=not no_cache,
        history=history,
        conversation_id=conversation_id,
    )
    engine = STATE.engine(demo=demo)
    renderer = Renderer(
        engine, live=not as_json and output is None and sys.stdout.isatty(), verbose=STATE.verbose
    )
    try:
        result = run_interruptibly(run_request(engine, request, renderer))
    except Interrupted as stop:
        renderer.err.print(f"\norch: {stop.verb}; what the calls used so far is in the history")
        raise typer.Exit(stop.exit_code) from None
    warn_about_budgets(engine, renderer)
    finish(result, renderer, as_json=as_json, output=output, conversation_id=conversation_id)


async def run_request(engine, request, renderer):
    try:
        return await engine.run_to_result(request, on_event=renderer.handle)
    finally:
        renderer.close()
        await engine.aclose()


def check_text_options(system: str | None, category: str | None, tags: list[str]) -> None:
    from ...textfiles import check_utf8

    check_utf8(system, "--system")
    check_utf8(category, "--category")
    for tag in tags:
        check_utf8(tag, "--tag")


def warn_about_budgets(engine, renderer) -> None:
    """Print the budget warnings and notes (see frontend.budget_warnings)."""
    from ...frontend import budget_warnings

    for level, text in budget_warnings(STATE.db(), engine):
        renderer.err.print(f"[yellow]{level}: {text}[/]")


def read_prompt(argument: str | None, option: str | None) -> str:
    from ...errors import UsageError
    from ...textfiles import check_utf8, decode_utf8

    if argument is not None and option is not None:
        raise UsageError("give the prompt once: as an argument or with -p, not both")
    text = argument if argument is not None else option
    check_utf8(text, "the prompt")
    if text == "-" or (text is None and not sys.stdin.isatty()):
        text = decode_utf8(sys.stdin.buffer.read(), "stdin")
    if text is None:
        raise UsageError('no prompt given: orch ask "your question" (or pipe it in)')
    if not text.strip():
        raise UsageError("the prompt is empty")
    return text
