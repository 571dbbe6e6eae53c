"""What the copy keys copy: the last fenced code block of an answer (its body, without the
fences and the language tag)."""

from __future__ import annotations

import re

FENCE = re.compile(r"^(?P<fence>`{3,}|~{3,})[^\n]*\n(?P<body>.*?)^(?P=fence)[ \t]*$", re.M | re.S)
OPEN_FENCE = re.compile(r"^(`{3,}|~{3,})[^\n]*\n(?P<body>.*)\Z", re.M | re.S)


def last_code_block(text: str) -> str | None:
    """The body of the last fenced code block; a block still open at the end (an answer
    streaming, or cut off) counts, from its fence to the end."""
    blocks = [m["body"] for m in FENCE.finditer(text)]
    closed_end = max((m.end() for m in FENCE.finditer(text)), default=0)
    still_open = OPEN_FENCE.search(text, closed_end)
    if still_open is not None:
        blocks.append(still_open["body"])
    if not blocks:
        return None
    return blocks[-1].rstrip("\n")
