"""API keys stored by `orch keys set` and forgotten by `orch keys remove`: `keys.json` in the
config dir, readable by the user alone (created with mode 0600, never chmod'ed after). A
provider's environment variable always takes precedence over a stored key. No function here
puts a key in a message.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from .errors import ConfigError
from .locations import keys_path

NOTE_KEY = "// note"
NOTE = "Secret API keys stored by `orch keys set`. Do not share this file."


def load_keys(path: Path | None = None) -> dict[str, str]:
    """Provider name → stored key; {} when there is no file."""
    path = path or keys_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__  # never the contents
        raise ConfigError(f"{path}: cannot be read ({reason})") from None
    try:
        data = json.loads(text)
    except ValueError:
        raise ConfigError(
            f"{path}: not a JSON object of provider names and keys "
            "(fix or delete it, then `orch keys set PROVIDER`)"
        ) from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: not a JSON object of provider names and keys")
    return {
        name: value
        for name, value in data.items()
        if name != NOTE_KEY and isinstance(value, str) and value
    }


def save_key(provider: str, key: str, path: Path | None = None) -> Path:
    """Store `key` for `provider` (see `write_keys`)."""
    path = path or keys_path()
    keys = load_keys(path)
    keys[provider] = key
    return write_keys(keys, path)


def remove_key(provider: str, path: Path | None = None) -> Path | None:
    """Forget `provider`'s stored key; the file's path, or None when it held no such key."""
    path = path or keys_path()
    keys = load_keys(path)
    if keys.pop(provider, None) is None:
        return None
    return write_keys(keys, path)


def write_keys(keys: dict[str, str], path: Path) -> Path:
    """The file is written anew beside the old one with mode 0600 and moved over it, so it
    is never readable by others, even for a moment."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    temporary.unlink(missing_ok=True)
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            json.dump({NOTE_KEY: NOTE, **dict(sorted(keys.items()))}, file, indent=2)
            file.write("\n")
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return path


def loose_permissions(path: Path | None = None) -> bool:
    """The keys file can be read or written by others than its owner."""
    try:
        return bool((path or keys_path()).stat().st_mode & 0o077)
    except OSError:
        return False
