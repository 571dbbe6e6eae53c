"""The batch's OUT file. orch only appends to it, one whole line per answer, and never changes
or removes a line it did not write.

A line orch wrote is a record: a JSON object with an `id`, a boolean `success` and a `status`
(ok, failed or skipped). Every other line (not JSON, other JSON, blank) is foreign. For each id
the last record counts, so a later success supersedes an earlier failure. A last line without
its newline (a crash mid-write) is kept as it is: before appending, orch ends it with a newline,
so the next record starts on its own line; cut short, it is foreign and its id is asked again.

`compact` (only on request) rewrites the file with the foreign lines in place and only the last
record of each id, through a temporary file in the same directory and `os.replace`.

A run holds an exclusive advisory lock (flock) on OUT while it appends or compacts, so two orch
runs never write the same OUT at once, and a compaction never replaces the file under another
orch run's feet. Other programs that append to OUT without taking the lock are not covered.
"""

from __future__ import annotations

import json
import os
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..engine.status import RequestStatus
from ..errors import UsageError
from .inputs import id_key

STATUSES = {RequestStatus.OK, RequestStatus.FAILED, RequestStatus.SKIPPED}


@dataclass
class OutLine:
    raw: bytes  # as in the file, without its "\n"
    record: dict | None  # None: a foreign line


def read_out(path: Path) -> list[OutLine]:
    """Every line of OUT (none if it does not exist yet), split on "\\n" only."""
    if Path(path).exists() and not Path(path).is_file():
        return []  # a pipe or a device: nothing to resume from, and reading could block
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise UsageError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if not data:
        return []
    lines = data.split(b"\n")
    if lines[-1] == b"":
        lines.pop()  # the file ends with a newline
    return [OutLine(raw, parse_record(raw, first=i == 0)) for i, raw in enumerate(lines)]


def parse_record(raw: bytes, first: bool = False) -> dict | None:
    try:
        text = raw.decode("utf-8")
        value = json.loads(text[1:] if first and text.startswith("\ufeff") else text)
    except ValueError:  # not UTF-8 or not JSON
        return None
    return value if is_record(value) else None


def is_record(value) -> bool:
    return (
        isinstance(value, dict)
        and "id" in value
        and isinstance(value.get("success"), bool)
        and value.get("status") in STATUSES
    )


def last_records(lines: list[OutLine]) -> dict[str, dict]:
    """The last record of each id, by the id's canonical JSON form."""
    return {id_key(line.record["id"]): line.record for line in lines if line.record is not None}


def record_line(record: dict) -> bytes:
    """One whole line. A lone surrogate (possible in JSON ids) is written as a JSON escape."""
    try:
        return (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
    except UnicodeEncodeError:
        return (json.dumps(record) + "\n").encode("ascii")


class Appender:
    """Appends records to OUT, each in a single write(2) of one whole line."""

    def __init__(self, path: Path):
        self.path = path
        self.fd: int | None = None

    def __enter__(self) -> Appender:
        flags = os.O_RDWR | os.O_APPEND | os.O_CREAT
        held = _held.get(os.path.realpath(self.path))
        if held is not None:  # this process holds OUT's lock already: on this very file?
            self.fd = open_out(self.path, flags & ~os.O_CREAT)  # it exists, being locked
            if not same_file(self.fd, held[1]):
                os.close(self.fd)
                self.fd = None
                raise UsageError(
                    f"{self.path}: removed or replaced while this run held its lock; "
                    "nothing more is written to it (rerun the command to go on)"
                )
        else:
            self.fd = open_locked(self.path, flags)
        size = os.fstat(self.fd).st_size
        if size and os.pread(self.fd, 1, size - 1) != b"\n":
            self.write_bytes(b"\n")  # end a partial last line; it stays as it is
        return self

    def write(self, record: dict) -> None:
        self.write_bytes(record_line(record))

    def write_bytes(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(self.open_fd(), view) :]

    def __exit__(self, *exc: object) -> None:
        os.close(self.open_fd())
        self.fd = None

    def open_fd(self) -> int:
        if self.fd is None:
            raise ValueError(f"{self.path}: written outside its `with` block")
        return self.fd


def open_locked(path: Path, flags: int) -> int:
    """OUT opened with `flags`, under an exclusive lock held until it is closed; the file
    the lock is on is the one at `path` (a compaction may have just replaced it)."""
    while True:
        fd = open_out(path, flags)
        try:
            lock_or_refuse(fd, path)
            if os.fstat(fd).st_ino == stat_out(path).st_ino:
                return fd
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)  # replaced while we waited: lock the new file


def open_out(path: Path, flags: int) -> int:
    try:
        return os.open(path, flags, 0o666)
    except OSError as exc:  # its directory gone, no permission, …
        raise UsageError(f"{path}: cannot be opened ({exc.strerror or exc})") from None


def same_file(fd: int, other: int) -> bool:
    mine, theirs = os.fstat(fd), os.fstat(other)
    return (mine.st_dev, mine.st_ino) == (theirs.st_dev, theirs.st_ino)


def stat_out(path: Path) -> os.stat_result:
    try:
        return os.stat(path)
    except OSError as exc:  # removed since it was opened, …
        raise UsageError(f"{path}: cannot be opened ({exc.strerror or exc})") from None


class OutLocked(UsageError):
    """OUT's lock is held by another orch run."""


def lock_or_refuse(fd: int, path: Path) -> None:
    try:
        import fcntl
    except ImportError:  # no flock on this platform
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise OutLocked(
            f"{path}: another orch run is writing to it; wait for it to finish "
            "or choose another output file"
        ) from None


# the OUTs (real paths) whose lock this process holds: [how often, the locked fd]
_held: dict[str, list[int]] = {}


@contextmanager
def locked(path: Path, create: bool = False):
    """Hold OUT's lock (see `open_locked`) for the duration of the block (`create`: OUT is
    created, empty, if it does not exist). Reentrant within a process: an `Appender` or a
    `locked` block on an OUT already held appends under the lock held."""
    target = os.path.realpath(path)
    if target in _held:
        _held[target][0] += 1
        try:
            yield
        finally:
            _held[target][0] -= 1
        return
    fd = open_locked(Path(target), os.O_RDWR | os.O_CREAT if create else os.O_RDONLY)
    _held[target] = [1, fd]
    try:
        yield
    finally:
        del _held[target]
        os.close(fd)


def compact(path: Path) -> int:
    """Keep the foreign lines in place and only the last record of each id; return how many
    records were dropped. Atomic: a temporary file in the same directory, then os.replace,
    under OUT's lock."""
    target = Path(os.path.realpath(path))
    if str(target) in _held:  # replacing it would leave this process's lock on the old file
        raise UsageError(f"{path}: this run is writing to it; compact it once it is done")
    with locked(target):
        return compact_locked(target)


def compact_locked(target: Path) -> int:
    lines = read_out(target)
    if not lines:
        return 0
    last = {key: id(record) for key, record in last_records(lines).items()}
    kept = [
        line
        for line in lines
        if line.record is None or last[id_key(line.record["id"])] == id(line.record)
    ]
    if len(kept) == len(lines):
        return 0
    replace_contents(target, b"".join(line.raw + b"\n" for line in kept))
    return len(lines) - len(kept)


def replace_contents(target: Path, data: bytes) -> None:
    mode = os.stat(target).st_mode & 0o7777
    # not `with` here: the `try` below closes it, and removes it if anything fails
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115
        dir=target.parent,
        prefix=f".{target.name}.",
        suffix=".tmp",
        delete=False,
    )
    try:
        with handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(handle.name, mode)
        os.replace(handle.name, target)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise
