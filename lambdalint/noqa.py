"""`# noqa` handling, the same comment flake8 honours."""

from __future__ import annotations

import re
from typing import Dict, FrozenSet, Optional

from lambdalint.source import source_lines

# flake8's own pattern (flake8/defaults.py), so both tools read a comment the same way.
NOQA_INLINE = re.compile(
    r"# noqa(?::[\s]?(?P<codes>([A-Z]+[0-9]+(?:[,\s]+)?)+))?",
    re.IGNORECASE,
)
_SEPARATOR = re.compile(r"[,\s]")

ALL = frozenset({"*"})


def noqa_lines(text: str) -> Dict[int, FrozenSet[str]]:
    """Map 1-based line numbers to the codes silenced there (`ALL` for a bare noqa)."""
    out: Dict[int, FrozenSet[str]] = {}
    if "noqa" not in text.lower():
        return out
    for number, line in enumerate(source_lines(text), start=1):
        match = NOQA_INLINE.search(line)
        if match is None:
            continue
        codes = match.group("codes")
        if codes is None:
            out[number] = ALL
        else:
            out[number] = frozenset(c.upper() for c in _SEPARATOR.split(codes) if c)
    return out


def is_suppressed(code: str, line: int, noqa: Dict[int, FrozenSet[str]]) -> bool:
    codes: Optional[FrozenSet[str]] = noqa.get(line)
    if codes is None:
        return False
    return codes is ALL or any(code.startswith(c) for c in codes)
