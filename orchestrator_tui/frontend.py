"""What every front end (the CLI, the TUI, batch and the Python API) does the same way:

- build an engine that records like `orch ask`: the one place where the history ledger
  (SQLiteLedger: history and persistent budgets) and the response cache (SQLiteCache) are
  attached to an Engine;
- turn a front end's options into a Request (`request_from_options`), in a new conversation
  or following up one from the history (`conversation_to_continue`);
- say which budgets are nearly spent (`budget_warnings`); front ends only show the lines;
- load the settings and check what the engine alone knows, the strategy names
  (`load_settings`).

No textual, typer or rich here, and the engine and the store modules are imported only when
needed, so a command that does not run the engine does not pay for it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from .config import Settings
from .errors import ConfigError

if TYPE_CHECKING:
    from .engine.core import Engine
    from .engine.request import Request
    from .registry import Registry
    from .types import Message

Names = str | Iterable[str]


def build_engine(
    settings: Settings,
    *,
    db: sqlite3.Connection | None = None,
    record: bool = True,
    use_cache: bool = True,
    **engine_options,
) -> Engine:
    """An Engine on `settings`.

    record: keep every run in the history database and enforce the persistent budgets (as
        `orch ask` does); False gives an engine that keeps nothing and caches nothing.
    db: the history database to record to; opened from the orch home when None.
    use_cache: answer from (and fill) the response cache when `settings.cache` is on.
    engine_options: passed to Engine (demo, clock, registry, limiter, …).
    Raises StoreError when the database cannot be opened, or is read-only.
    """
    from .engine.core import Engine

    if not record:
        return Engine(settings, **engine_options)
    from .store.cache import SQLiteCache
    from .store.db import open_db, require_writable
    from .store.ledger import SQLiteLedger

    db = db if db is not None else open_db()
    require_writable(db)  # before any call: a call nobody can record is not made
    cache = SQLiteCache(db, settings.cache_ttl) if settings.cache and use_cache else None
    return Engine(settings, ledger=SQLiteLedger(db, settings), cache=cache, **engine_options)


def warm_up_early(settings: Settings, request: Request, demo: bool | None = None) -> Registry:
    """Start getting ready, in the background, the providers of the models `request` names
    (`Engine.models_named`), before the rest of a command's set-up (reading its input,
    opening the database): importing an SDK (0.5–1.5 s) then overlaps it. Returns the
    registry it built, for `build_engine(…, registry=…)`. Readiness is per process, so the
    command's own engine finds its providers ready."""
    from .engine.core import Engine

    engine = Engine(settings, demo=demo)
    engine.warm_up(engine.models_named(request))
    return engine.registry


@contextmanager
def history_db(record: bool = True) -> Iterator[sqlite3.Connection | None]:
    """The history database, opened for one job and closed after it; None when not recording."""
    if not record:
        yield None
        return
    from .store.db import open_db

    db = open_db()
    try:
        yield db
    finally:
        db.close()


def request_from_options(
    prompt: str,
    *,
    strategy: str | None = None,
    model: str | None = None,
    chain: Names | None = None,
    models: Names | None = None,
    tags: Iterable[str] | None = None,
    **fields,
) -> Request:
    """The Request a front end's options ask for, read the same way everywhere.

    model: a model without a strategy means `single`.
    chain: a chain name, or model names as a list or a comma string.
    models: model names as a list or a comma string.
    fields: any other Request field (system, max_cost, history, …); None takes the settings.
    """
    if chain is not None and not isinstance(chain, str):
        chain = ",".join(name_list(chain) or []) or None
    from .engine.request import Request

    return Request(
        prompt,
        strategy=strategy or ("single" if model else None),
        model=model,
        chain=chain,
        models=name_list(models),
        tags=list(tags or []),
        **fields,
    )


def conversation_to_continue(
    db: sqlite3.Connection, *, latest: bool = False, given: str | None = None
) -> tuple[str, list[Message]]:
    """The conversation id and the history (earlier turns) of the next request: a new
    conversation, with no history, unless `latest` (the newest conversation in the history)
    or `given` (an id, or a prefix naming one) says which to follow up.
    UsageError in one line, before any call: both asked for, nothing to continue yet, an
    unknown or ambiguous id, or a conversation recorded without its text."""
    from .store.conversations import (
        ConversationError,
        conversation_messages,
        latest_conversation_id,
        new_conversation_id,
        resolve_conversation_id,
    )

    if latest and given is not None:
        raise ConversationError("continue the latest conversation or a given one, not both")
    if given is not None:
        conversation_id: str | None = resolve_conversation_id(db, given)
    else:
        conversation_id = latest_conversation_id(db) if latest else None
        if latest and conversation_id is None:
            raise ConversationError("no conversation to continue yet: the history has none")
    if conversation_id is None:
        return new_conversation_id(), []
    return conversation_id, conversation_messages(db, conversation_id)


def name_list(names: Names | None) -> list[str] | None:
    """Model names from a list or a comma string; None for None or no name."""
    if names is None:
        return None
    parts = names.split(",") if isinstance(names, str) else list(names)
    return [part.strip() for part in parts if part.strip()] or None


def budget_warnings(db: sqlite3.Connection, engine: Engine) -> list[tuple[str, str]]:
    """("warning" | "note", text) for each budget that is `warn_at` used: a warning when that
    much is spent, a note when calls in flight (another terminal's, a batch's) hold enough
    of it to get there. Budgets of the engine's kind of spending only (demo or real)."""
    from .formatting import usd
    from .store.budgets import budget_notice, budget_states

    warn_at = engine.settings.budget.warn_at
    notices = (
        budget_notice(state, warn_at, usd)
        for state in budget_states(db, engine.settings, engine.demo)
    )
    return [notice for notice in notices if notice is not None]


def load_settings(path: Path | None = None) -> tuple[Settings, Path | None]:
    """`config.load_settings`, then the check the config module cannot make without the
    engine: `default_strategy` names a registered strategy (one registered from outside
    counts). ConfigError in one line otherwise."""
    from . import config
    from .engine.strategies import find_strategy, unknown_strategy

    settings, source = config.load_settings(path)
    if find_strategy(settings.default_strategy) is None:
        where = f"{source}: " if source else ""
        raise ConfigError(f"{where}default_strategy: {unknown_strategy(settings.default_strategy)}")
    return settings, source
