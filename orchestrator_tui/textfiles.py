"""Reading the user's text strictly: UTF-8 (a leading BOM is tolerated), JSONL lines split on
"\\n" only, and one clear error naming the file and line when a byte is not UTF-8.

`str.splitlines()` is not used on purpose: it also splits on U+2028, U+2029, \\x1c-\\x1e and
\\x85, which are legal inside JSON strings.
"""

from __future__ import annotations

from pathlib import Path

from .errors import UsageError

BOM = "\ufeff"


def read_bytes(path: Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise UsageError(f"{path}: cannot be read ({exc.strerror or exc})") from None


def decode_utf8(data: bytes, source: str) -> str:
    """The text of `data`, without a leading BOM; invalid UTF-8 is an error naming `source`
    and the line of the first bad byte."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise UsageError(
            f"{source}:{line}: not valid UTF-8 (byte 0x{data[exc.start]:02x})"
        ) from None
    return text[1:] if text.startswith(BOM) else text


def read_text(path: Path) -> str:
    return decode_utf8(read_bytes(path), str(path))


def jsonl_lines(text: str):
    """(line number, line) for each line that is not blank, split on "\\n" only."""
    for number, line in enumerate(text.split("\n"), 1):
        if line.strip(" \t\r"):
            yield number, line


def check_utf8(value: str | None, where: str) -> None:
    """Command-line text arrives with invalid bytes as surrogate escapes (and JSON may hold
    lone surrogates): refuse them in one line naming `where`."""
    if value is None:
        return
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        code = ord(value[exc.start])
        what = f"byte 0x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else "a lone surrogate"
        raise UsageError(
            f"{where} is not valid UTF-8 ({what} at character {exc.start + 1})"
        ) from None


def shown(text: str) -> str:
    """Text from the history as a terminal can show it: a NUL byte, which a terminal drops
    silently, is printed as `\\0` (the text itself, and JSON output, keep it as it is)."""
    return text.replace("\0", "\\0")
