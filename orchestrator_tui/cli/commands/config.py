"""`orch config` (path, show, init, edit): where the config file is, the settings in force
and where each comes from, a commented starter file, and an editor on it."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer

from ..state import STATE

config_app = typer.Typer(
    help="The config file: where it is, what is in force, a starter file, an editor on it.",
    rich_markup_mode=None,
    no_args_is_help=True,
)

AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.")]
TABLES = ("providers", "models", "chains", "chain_thresholds")


def config_file() -> tuple[Path, str]:
    """The config file in force and why: --config, ORCH_HOME or the platform's default."""
    from ...locations import default_config_path, orch_home

    if STATE.config_path is not None:
        return Path(STATE.config_path), "--config"
    return default_config_path(), "ORCH_HOME" if orch_home() else "platform default"


def files() -> dict[str, dict]:
    from ...config import cache_path
    from ...locations import data_dir, keys_path
    from ...store.db import default_db_path

    path, why = config_file()
    return {
        "config": {"path": str(path), "from": why, "exists": path.is_file()},
        "keys": {"path": str(keys_path()), "exists": keys_path().is_file()},
        "database": {"path": str(default_db_path()), "exists": default_db_path().is_file()},
        "data_dir": {"path": str(data_dir()), "exists": data_dir().is_dir()},
        "settings_cache": {"path": str(cache_path()), "exists": cache_path().is_file()},
    }


@config_app.command("path")
def config_path(
    show_all: Annotated[
        bool, typer.Option("--all", help="Also the keys file, the database and the data dir.")
    ] = False,
    as_json: AsJson = False,
):
    """Print the config file's path (it may not exist yet: `orch config init`)."""
    if as_json:
        typer.echo(json.dumps(files() if show_all else files()["config"], indent=2))
        return
    if not show_all:
        typer.echo(config_file()[0])
        return
    for name, entry in files().items():
        note = f" ({entry['from']})" if "from" in entry else ""
        missing = "" if entry["exists"] else " [not there yet]"
        typer.echo(f"{name.replace('_', ' '):15} {entry['path']}{note}{missing}")


@config_app.command("show")
def config_show(as_json: AsJson = False):
    """The settings in force, each with its source: default, or the config file."""
    from ...config import read_toml

    settings = STATE.settings()  # validates the file: an invalid one stops here, in a line
    path, why = config_file()
    raw = read_toml(path, path.read_bytes()) if path.is_file() else {}
    source = f"{path}" if path.is_file() else None
    rows = setting_rows(settings, raw)
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "config_file": files()["config"],
                    "settings": {
                        key: {"value": json_value(value), "source": source if set_ else "default"}
                        for key, value, set_ in rows
                    },
                },
                indent=2,
            )
        )
        return
    state = "" if path.is_file() else "  [no such file: defaults in force; `orch config init`]"
    typer.echo(f"# config file: {path} (from {why}){state}")
    width = max(len(f"{key} = {text_value(value)}") for key, value, _ in rows)
    for key, value, set_ in rows:
        line = f"{key} = {text_value(value)}"
        typer.echo(f"{line:<{width}}  # {source if set_ else 'default'}")


def setting_rows(settings, raw: dict) -> list[tuple[str, object, bool]]:
    """(dotted key, value, set in the file) for every setting; the tables (providers, models,
    chains) list only their entries from the file, with the fields the file sets."""
    from dataclasses import fields, is_dataclass

    rows = []
    for f in fields(settings):
        value, raw_value = getattr(settings, f.name), raw.get(f.name)
        if is_dataclass(value):
            raw_value = raw_value if isinstance(raw_value, dict) else {}
            rows += [
                (f"{f.name}.{g.name}", getattr(value, g.name), g.name in raw_value)
                for g in fields(value)
            ]
        elif f.name in TABLES and value:
            for name, entry in value.items():
                key = f"{f.name}.{toml_key(name)}"
                if is_dataclass(entry):
                    raw_entry = (raw_value or {}).get(name) or {}
                    rows += [
                        (f"{key}.{g.name}", getattr(entry, g.name), True)
                        for g in fields(entry)
                        if g.name in raw_entry
                    ]
                else:
                    rows.append((key, entry, True))
        else:
            rows.append((f.name, value, f.name in raw))
    return rows


def toml_key(name: str) -> str:
    import re

    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else json.dumps(name)


def json_value(value):
    from dataclasses import asdict, is_dataclass

    if isinstance(value, list):
        return [json_value(item) for item in value]
    return asdict(value) if is_dataclass(value) else value


def text_value(value) -> str:
    """TOML for a value; `(not set)` for None, which TOML cannot write."""
    from dataclasses import fields, is_dataclass

    from ...config_starter import toml_value

    if value is None:
        return "(not set)"
    if isinstance(value, list):
        return "[" + ", ".join(text_value(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{toml_key(k)} = {text_value(v)}" for k, v in value.items()) + "}"
    if is_dataclass(value):
        return text_value(
            {
                f.name: getattr(value, f.name)
                for f in fields(value)
                if getattr(value, f.name) is not None
            }
        )
    return toml_value(value)


@config_app.command("init")
def config_init(
    force: Annotated[
        bool, typer.Option("--force", help="Replace an existing file (kept as FILE.bak).")
    ] = False,
):
    """Write a commented starter config file: every setting, with its default."""
    from ...config import parse_settings

    path = write_starter(config_file()[0], force)
    parse_settings(path)  # validated now, and remembered: the next commands need no pydantic
    typer.echo(f"wrote {path}; `orch config edit` opens it")


def write_starter(path: Path, force: bool) -> Path:
    from ...config_starter import starter_text
    from ...errors import UsageError

    text = starter_text()
    if path.exists() and not force:
        raise UsageError(
            f"{path} exists; `orch config edit` changes it, `orch config init "
            "--force` replaces it (the old one is kept as .bak)"
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            os.replace(path, path.with_name(path.name + ".bak"))
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text)
    except FileExistsError:
        raise UsageError(f"{path} exists (written meanwhile by another process)") from None
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path


@config_app.command("edit")
def config_edit():
    """Open the config file in $VISUAL or $EDITOR (else vi or nano), writing the starter file
    first if there is none; check the file when the editor exits."""
    import shlex
    import shutil
    import subprocess

    from ...errors import ConfigError, UsageError

    path = config_file()[0]
    if not path.exists():
        write_starter(path, force=False)
        typer.echo(f"wrote the starter file {path}", err=True)
    editor = (
        os.environ.get("VISUAL")
        or os.environ.get("EDITOR")
        or next((name for name in ("vi", "nano") if shutil.which(name)), None)
    )
    if not editor:
        raise UsageError(f"no editor: set EDITOR, or edit {path} yourself")
    try:
        command = shlex.split(editor)
        status = subprocess.run([*command, str(path)]).returncode
    except (ValueError, OSError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise UsageError(f"cannot run the editor {editor!r} ({reason}); set EDITOR") from None
    if status != 0:
        raise UsageError(f"the editor exited with status {status}; {path} was not checked")
    problem = check_file(path)
    if problem:
        raise ConfigError(f"{problem} (`orch config edit` to fix it)")
    typer.echo(f"{path}: valid")


def check_file(path: Path) -> str | None:
    """What is wrong with the config file at `path` in one line, or None."""
    from ...config import parse_settings
    from ...errors import ConfigError
    from ...registry import Registry

    try:
        Registry.build(parse_settings(path), environ={})
    except ConfigError as exc:
        message = str(exc)
        return message if message.startswith(str(path)) else f"{path}: {message}"
    return None
