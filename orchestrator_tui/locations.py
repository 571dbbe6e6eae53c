"""Where orch keeps its files: one home, `ORCH_HOME` when set, else the platform's dirs."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "orch"


def orch_home() -> Path | None:
    value = os.environ.get("ORCH_HOME")
    return Path(value).expanduser() if value else None


def config_dir() -> Path:
    home = orch_home()
    if home is not None:
        return home
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME))


def data_dir() -> Path:
    home = orch_home()
    if home is not None:
        return home
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME))


def default_config_path() -> Path:
    return config_dir() / "config.toml"


def router_path() -> Path:
    """Where `orch router train` keeps the trained router."""
    return data_dir() / "router.json"


def keys_path() -> Path:
    """Where `orch keys set` keeps API keys (mode 0600)."""
    return config_dir() / "keys.json"
