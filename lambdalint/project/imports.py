"""The modules a file imports, read from its text without parsing it.

A superset is fine (an import that is not one only widens what is analysed together), a
miss is not; a regular expression over the text also works on files that do not parse and
costs a small fraction of `ast.parse`.  Imports anywhere count, also inside functions
(a handler that imports lazily still calls into the module).
"""

from __future__ import annotations

import re
from typing import List

_STRING = re.compile(r'(?s)"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\'')
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
    text = _CONTINUATION.sub(" ", _STRING.sub("", text))
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
                parts = name.split(".")
                found.extend(".".join(parts[:i]) for i in range(1, len(parts) + 1))
    return list(dict.fromkeys(n for n in found if n.strip(".") or n.startswith(".")))


def _names(listing: str) -> List[str]:
    listing = listing.strip().strip("()")
    names = []
    for item in listing.replace("\n", " ").split(","):
        words = item.split()
        if words and re.fullmatch(r"[\w.*]+", words[0]):
            names.append(words[0])
    return names
