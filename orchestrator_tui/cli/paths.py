"""Checks on a file a command will write (`ask -o`, `batch -o`, `export --output`), made
before anything is paid for, so that an answer is never bought and then lost."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ..errors import UsageError


def check_writable(path: Path, option: str = "-o") -> None:
    """One line naming the option and the file if `path` cannot be written."""
    where = f"{option} {path}"
    if path.is_dir():
        raise UsageError(f"{where}: is a directory")
    parent = path.absolute().parent
    if not parent.exists():
        raise UsageError(f"{where}: the directory {parent} does not exist")
    if not parent.is_dir():
        raise UsageError(f"{where}: {parent} is not a directory")
    try:
        if path.exists():  # opened without writing or truncating; O_NONBLOCK: a FIFO never hangs
            os.close(os.open(path, os.O_WRONLY | os.O_APPEND | os.O_NONBLOCK))
        else:  # created and removed at once
            tempfile.TemporaryFile(dir=parent).close()
    except OSError as exc:
        raise UsageError(f"{where}: cannot be written ({exc.strerror or exc})") from None


def check_not_same_file(output: Path, source: Path, option: str = "-o") -> None:
    """The output must not be the input, by any name (a link, a relative path)."""
    if output.exists() and source.exists() and os.path.samefile(output, source):
        raise UsageError(
            f"{option} {output} is the input file itself; orch appends answers "
            "to the output, so name another file"
        )
