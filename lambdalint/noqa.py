"""`# noqa` handling, the same comment flake8 honours, read the way flake8 reads it.

flake8 does not look for `# noqa` on one physical line only: the lines of one token run
(a multi-line string, lines joined by a backslash) are searched together, so a comment
after the closing quotes of a triple-quoted string silences a finding reported on the
line that opens it.  `python_noqa_lines` maps lines the same way; `noqa_lines` is the plain
per-line reading for templates and configuration files.

`# lambdalint: noqa` on its own line among the first lines of a file skips the whole file
(`# lambdalint: noqa: LAM201` only those codes).
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass
from typing import Dict, FrozenSet, Iterator, List, Optional, Tuple

from lambdalint.source import source_lines

# flake8's own pattern (flake8/defaults.py), so both tools read a comment the same way.
NOQA_INLINE = re.compile(
    r"# noqa(?::[\s]?(?P<codes>([A-Z]+[0-9]+(?:[,\s]+)?)+))?",
    re.IGNORECASE,
)
_SEPARATOR = re.compile(r"[,\s]")
FILE_NOQA = re.compile(r"^[ \t\f]*#[ \t]*lambdalint[ \t]*:[ \t]*noqa\b(?P<rest>[^\r\n]*)", re.IGNORECASE)
FILE_NOQA_LINES = 10  # how far into a file `# lambdalint: noqa` is looked for

ALL = frozenset({"*"})


def _codes_of(match: "re.Match[str]") -> FrozenSet[str]:
    codes = match.group("codes")
    if codes is None:
        return ALL
    return frozenset(c.upper() for c in _SEPARATOR.split(codes) if c)


def noqa_lines(text: str) -> Dict[int, FrozenSet[str]]:
    """Map 1-based line numbers to the codes silenced there (`ALL` for a bare noqa), one
    physical line at a time."""
    out: Dict[int, FrozenSet[str]] = {}
    if "noqa" not in text.lower():
        return out
    for number, line in enumerate(source_lines(text), start=1):
        match = NOQA_INLINE.search(line)
        if match is not None:
            out[number] = _codes_of(match)
    return out


def line_groups(text: str) -> Optional[List[Tuple[int, int]]]:
    """(first, last) line of each run of lines that flake8 searches together for `noqa`:
    the lines up to each NEWLINE or NL token.  None when the text does not tokenize."""
    groups: List[Tuple[int, int]] = []
    first, last = None, -1
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type in (tokenize.ENDMARKER, tokenize.DEDENT):
                continue
            start, end = token.start[0], token.end[0]
            first = start if first is None else min(first, start)
            last = max(last, end)
            if token.type in (tokenize.NL, tokenize.NEWLINE):
                groups.append((first, last))
                first, last = None, -1
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return None
    if first is not None:  # no newline at the end of the file
        groups.append((first, last))
    return groups


def python_noqa_lines(text: str) -> Dict[int, FrozenSet[str]]:
    """`noqa_lines` for Python source, read as flake8 reads it: a comment anywhere in a run
    of lines joined by a multi-line string or a backslash applies to every line of it."""
    out = noqa_lines(text)
    if not out:
        return out
    groups = line_groups(text)
    if groups is None:
        return out
    lines = source_lines(text)
    for first, last in groups:
        if last > first and any(first <= n <= last for n in out):
            match = NOQA_INLINE.search("".join(lines[first - 1 : last]))
            if match is not None:
                codes = _codes_of(match)
                for number in range(first, last + 1):
                    out[number] = codes
    return out


def is_suppressed(code: str, line: int, noqa: Dict[int, FrozenSet[str]]) -> bool:
    codes: Optional[FrozenSet[str]] = noqa.get(line)
    if codes is None:
        return False
    return codes is ALL or any(code.startswith(c) for c in codes)


def file_exemption(text: str) -> Optional[FrozenSet[str]]:
    """The codes a `# lambdalint: noqa[: CODES]` line among the first lines switches off for
    the whole file (`ALL` for the bare form), or None."""
    if "lambdalint" not in text[:4096].lower():
        return None
    for line in source_lines(text[:8192])[:FILE_NOQA_LINES]:
        match = FILE_NOQA.match(line)
        if match is None:
            continue
        rest = match.group("rest").strip()
        if not rest.startswith(":"):
            return ALL
        codes = frozenset(c.upper() for c in _SEPARATOR.split(rest[1:]) if c)
        return codes or ALL
    return None


# -- reading and writing comments (--add-noqa, LAM001) --------------------------------------


@dataclass
class Directive:
    """One `# noqa` comment: where it is and what it names."""

    line: int  # 1-based
    start: int  # column (0-based code points) where the noqa comment starts
    end: int  # just after the codes
    codes: Tuple[str, ...]  # as written, upper-cased; () for a bare noqa comment

    @property
    def is_bare(self) -> bool:
        return not self.codes


def directive_in(line_text: str, line: int, offset: int = 0) -> Optional[Directive]:
    """The `# noqa` directive in `line_text` (a comment starting at column `offset`)."""
    match = NOQA_INLINE.search(line_text)
    if match is None:
        return None
    codes = match.group("codes")
    names = tuple(c.upper() for c in _SEPARATOR.split(codes) if c) if codes else ()
    end = match.end("codes") if codes else match.end()
    while codes and end > match.start() and line_text[end - 1] in ", \t":
        end -= 1  # the pattern takes the separators after the last code along
    return Directive(line, offset + match.start(), offset + end, names)


def comments(text: str) -> Iterator[Tuple[int, int, str]]:
    """(line, column, text) of every comment token (never a `#` inside a string)."""
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT:
                yield token.start[0], token.start[1], token.string
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return


def render(codes: Tuple[str, ...]) -> str:
    return "# noqa: " + ", ".join(codes) if codes else "# noqa"
