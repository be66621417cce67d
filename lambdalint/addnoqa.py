"""`lambdalint check --add-noqa`: silence today's findings with `# noqa: CODE` comments.

A comment is added where flake8 and lambdalint both read it for the reported line and where
it cannot change what the line means: at the end of the run of lines that flake8 searches
together (after the closing quotes of a multi-line string, after the last of lines joined
by a backslash; a statement spread over brackets is reported at its first line, which ends
its own run).  An existing `# noqa: A` comment becomes `# noqa: A, B`; any other comment is
kept and the directive goes after it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Set, Tuple

from lambdalint import noqa
from lambdalint.model import Finding
from lambdalint.source import source_lines

# Comments cannot be written into JSON, and an unused-noqa finding is not silenced by
# another noqa comment.
NOT_SILENCED = ("LAM001",)


def _split_ending(line: str) -> Tuple[str, str]:
    body = line.rstrip("\r\n")
    return body, line[len(body) :]


def _covered(code: str, codes: Iterable[str]) -> bool:
    return any(code.startswith(c) for c in codes)


def _with_directive(body: str, comment: Optional[Tuple[int, str]], codes: List[str]) -> str:
    """`body` (one line without its ending) carrying `codes` in a noqa directive.
    `comment` is (column, text) of the comment that ends the line, if any."""
    directive = None
    if comment is not None:
        directive = noqa.directive_in(comment[1], 0, comment[0])
    if directive is not None:
        if directive.is_bare:
            return body
        new = [c for c in codes if not _covered(c, directive.codes)]
        if not new:
            return body
        return body[: directive.start] + noqa.render(directive.codes + tuple(new)) + body[directive.end :]
    return body.rstrip() + "  " + noqa.render(tuple(codes))


def add_to_python(text: str, wanted: Dict[int, Set[str]]) -> Tuple[str, int]:
    """`text` with `# noqa` directives for `wanted` ({reported line: codes}); also returns
    how many directives were added or extended."""
    lines = source_lines(text, keepends=True)
    groups = noqa.line_groups(text) or []
    last_of: Dict[int, int] = {}
    for first, last in groups:
        for number in range(first, last + 1):
            last_of.setdefault(number, last)
    targets: Dict[int, Set[str]] = {}
    for line, codes in wanted.items():
        targets.setdefault(last_of.get(line, line), set()).update(codes)
    comment_at = {line: (column, text) for line, column, text in noqa.comments(text)}
    changed = 0
    for line, codes in sorted(targets.items()):
        if not 0 < line <= len(lines):
            continue
        body, ending = _split_ending(lines[line - 1])
        new_body = _with_directive(body, comment_at.get(line), sorted(codes))
        if new_body != body:
            lines[line - 1] = new_body + ending
            changed += 1
    return "".join(lines), changed


def add_to_lines(text: str, wanted: Dict[int, Set[str]]) -> Tuple[str, int]:
    """The same for YAML and TOML files (templates, configuration): `#` starts a comment
    after whitespace, and the directive goes on the reported line itself."""
    lines = source_lines(text, keepends=True)
    changed = 0
    for line, codes in sorted(wanted.items()):
        if not 0 < line <= len(lines):
            continue
        body, ending = _split_ending(lines[line - 1])
        directive = noqa.directive_in(body, line)
        comment = (directive.start, body[directive.start :]) if directive is not None else None
        new_body = _with_directive(body, comment, sorted(codes))
        if new_body != body:
            lines[line - 1] = new_body + ending
            changed += 1
    return "".join(lines), changed


@dataclass
class AddNoqaResult:
    added: int = 0  # directives added or extended
    files: int = 0  # files changed
    errors: List[Tuple[str, str]] = field(default_factory=list)  # (path, message)
    skipped: int = 0  # findings that cannot carry a comment (JSON files)


def add_noqa(findings: Iterable[Finding], cwd: str, may_write=None) -> AddNoqaResult:
    """Write the directives for `findings` into their files (atomically, keeping encoding,
    BOM and line endings); only files `may_write(path)` allows (the linted paths)."""
    from lambdalint.files import read_source, write_fixed

    by_path: Dict[str, Dict[int, Set[str]]] = {}
    result = AddNoqaResult()
    for finding in findings:
        if finding.code in NOT_SILENCED:
            continue
        if finding.path.endswith(".json"):
            result.skipped += 1
            continue
        by_path.setdefault(finding.path, {}).setdefault(finding.line, set()).add(finding.code)
    for path, wanted in sorted(by_path.items()):
        real = os.path.join(cwd, path)
        if may_write is not None and not may_write(real):
            result.errors.append((path, "no `# noqa` added: the file is outside the paths given to lint"))
            continue
        data, source, error, _ = read_source(real)
        if error is not None or source is None or data is None:
            result.errors.append((path, error.message if error else "cannot read"))
            continue
        add = add_to_python if path.endswith((".py", ".pyi")) or "." not in os.path.basename(path) else add_to_lines
        new_text, changed = add(source.text, wanted)
        if not changed:
            continue
        problem = write_fixed(real, source, new_text, data)
        if problem:
            result.errors.append((path, problem))
            continue
        result.added += changed
        result.files += 1
    return result
