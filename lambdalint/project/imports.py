"""The modules a file imports, read from its text without parsing it.

A superset is fine (an import that is not one only widens what is analysed together), a
miss is not; a regular expression over the text also works on files that do not parse and
costs a small fraction of `ast.parse`.  Imports anywhere count, also inside functions
(a handler that imports lazily still calls into the module).
"""

from __future__ import annotations

import re
from typing import List

_TRIPLE_QUOTES = ('"""', "'''")
_STATEMENT = re.compile(
    r"(?:^|;)[ \t]*(?:from[ \t]+(?P<module>\.*[\w.]*)[ \t]+import[ \t]+(?P<names>\([^)]*\)|[^\r\n#;]*)"
    r"|import[ \t]+(?P<modules>[^\r\n#;]*))",
    re.MULTILINE,
)
_CONTINUATION = re.compile(r"\\\r?\n")


def imported_modules(text: str) -> List[str]:
    """Dotted names the file may import, relative ones with their leading dots:
    `from .db import conn` gives `.db` and `.db.conn` (a name imported from a package may be
    a submodule); `import a.b as c` gives `a`, `a.b`."""
    if "import" not in text:
        return []
    text = _CONTINUATION.sub(" ", _without_triple_quoted(text))
    found: List[str] = []
    for match in _STATEMENT.finditer(text):
        if match["module"] is not None:
            module = match["module"]
            found.append(module)
            for name in _names(match["names"]):
                if name != "*":
                    found.append(module + name if module.endswith(".") else f"{module}.{name}")
        else:
            for name in _names(match["modules"]):
                found.extend(dotted_prefixes(name))
    return list(dict.fromkeys(n for n in found if n.strip(".") or n.startswith(".")))


def dotted_prefixes(name: str) -> List[str]:
    """`a`, `a.b`, `a.b.c` for `a.b.c`: importing a module runs its packages first."""
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts) + 1)] if name else []


def _without_triple_quoted(text: str) -> str:
    """`text` without its triple-quoted strings (docstrings may show `import` lines).

    A scan with `str.find` rather than a regular expression: `re` keeps a backtracking
    record per character of a repeated alternation, half a gigabyte for the 4.7 MB string
    literal of moto's IAM policies.  A string opened and never closed is left in place, and
    so is every later one opened with the same quotes (none of them can close either)."""
    out: List[str] = []
    position, length = 0, len(text)
    exhausted = set()
    while True:
        starts = [(text.find(q, position), q) for q in _TRIPLE_QUOTES if q not in exhausted]
        starts = [(at, q) for at, q in starts if at >= 0]
        if not starts:
            break
        start, quote = min(starts)
        end = _closing(text, start + 3, quote)
        if end < 0:
            exhausted.add(quote)
            continue  # searched again from the same position for the other quotes
        out.append(text[position:start])
        position = end
    out.append(text[position:length])
    return "".join(out)


def _closing(text: str, at: int, quote: str) -> int:
    """The index after the triple quote closing a string whose body starts at `at`, or -1.
    A quote after an odd run of backslashes is escaped."""
    while True:
        found = text.find(quote, at)
        if found < 0:
            return -1
        backslashes = 0
        while found - backslashes - 1 >= at and text[found - backslashes - 1] == "\\":
            backslashes += 1
        if backslashes % 2 == 0:
            return found + 3
        at = found + 1


def _names(listing: str) -> List[str]:
    listing = listing.strip().strip("()")
    names = []
    for item in listing.replace("\n", " ").split(","):
        words = item.split()
        if words and re.fullmatch(r"[\w.*]+", words[0]):
            names.append(words[0])
    return names
