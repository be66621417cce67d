"""Output formats for `lambdalint check`: text, concise, json, sarif, github, junit; the
`--diff` patch, notes and the summary line."""

from __future__ import annotations

import json
import os
import re
import sys
import textwrap
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional, TextIO

from lambdalint import __version__
from lambdalint.escaping import (
    file_uri_path,
    github_data,
    github_property,
    json_safe,
    json_text,
    terminal_path,
    terminal_text,
    xml_document,
    xml_text,
)
from lambdalint.model import SAFE, FileError, FileReport, Finding
from lambdalint.source import source_lines

HOMEPAGE = "https://github.com/lambdalint/lambdalint"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"


@dataclass
class RunResult:
    reports: List[FileReport]
    fix_mode: bool = False
    unsafe_fixes: bool = False
    diff_mode: bool = False
    statistics: bool = False  # add a count per rule to the output
    show_fixes: bool = False  # each fix's diff under its finding; with --fix, what was fixed
    quiet: bool = False  # findings only: no summary, no notes
    color: str = "auto"  # auto | always | never

    @property
    def findings(self) -> List[Finding]:
        return [f for r in self.reports for f in r.findings]

    @property
    def errors(self) -> List[FileError]:
        return [e for r in self.reports for e in r.errors]

    @property
    def fixed(self) -> int:
        return sum(r.fixed for r in self.reports)

    def fixable(self, unsafe: bool) -> int:
        return sum(1 for f in self.findings if _fixable(f, unsafe))

    def summary(self) -> Dict[str, int]:
        return {
            "files": len(self.reports),
            "findings": len(self.findings),
            "fixable": sum(1 for f in self.findings if f.fix is not None),
            "errors": len(self.errors),
        }


def _fixable(finding: Finding, unsafe: bool) -> bool:
    return finding.fix is not None and (unsafe or finding.fix.applicability == SAFE)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _source_line(finding: Finding, cache: Dict[str, List[str]]) -> str:
    if finding.path not in cache:
        text = _read_text(finding.path)
        cache[finding.path] = source_lines(text) if text is not None else []
    lines = cache[finding.path]
    return lines[finding.line - 1] if 0 < finding.line <= len(lines) else ""


def summary_line(result: RunResult) -> str:
    findings = len(result.findings)
    parts = []
    if result.fix_mode or result.diff_mode:
        verb = "Would fix" if result.diff_mode else "Fixed"
        parts.append(f"{verb} {_plural(result.fixed, 'finding')}")
        parts.append(f"{findings} remaining")
    elif findings:
        files = len({f.path for f in result.findings})
        parts.append(f"Found {_plural(findings, 'finding')} in {_plural(files, 'file')}")
    else:
        parts.append(f"No findings in {_plural(len(result.reports), 'file')} checked")
    safe = result.fixable(unsafe=False)
    more = result.fixable(unsafe=True) - safe
    if safe:
        parts.append(f"{safe} fixable with `--fix`" if not result.fix_mode else f"{safe} more fixable")
    if more and not result.unsafe_fixes:
        parts.append(f"{more} more fixable with `--fix --unsafe-fixes`")
    elif more and not result.fix_mode:
        parts.append(f"{more} fixable with `--fix --unsafe-fixes`")
    if result.errors:
        parts.append(_plural(len(result.errors), "error"))
    return parts[0] + (" (" + "; ".join(parts[1:]) + ")" if len(parts) > 1 else "") + "."


def write_notes(result: RunResult, err: Optional[TextIO] = None) -> None:
    """One short stderr line per kind of note: how many files, and the first few."""
    from lambdalint.engine import EMPTY_FILE

    err = err or sys.stderr
    by_note: Dict[str, List[str]] = {}
    for report in result.reports:
        for note in report.notes:
            by_note.setdefault(note, []).append(report.path)
    for note, paths in by_note.items():
        shown = terminal_text(", ".join(paths[:NOTE_NAMES]))
        if len(paths) > NOTE_NAMES:
            shown += f" and {len(paths) - NOTE_NAMES} more"
        if note == EMPTY_FILE:
            err.write(f"note: skipped {_plural(len(paths), 'empty file')} (nothing to check): {shown}\n")
        else:
            err.write(f"note: {note}: {shown}\n")
    err.flush()


NOTE_NAMES = 3  # files named in a note line before "and N more"


def _finish(result: RunResult, out: TextIO, summary: Callable[[str], object]) -> None:
    """Notes (stderr), then the summary line: the end of a text run."""
    if result.quiet:
        return
    out.flush()
    write_notes(result)
    summary(summary_line(result))


def make_console(out: TextIO, color: str = "auto"):
    from rich.console import Console

    if color == "always":
        return Console(file=out, highlight=False, force_terminal=True, soft_wrap=True)
    if color == "never":
        return Console(file=out, highlight=False, color_system=None, soft_wrap=True)
    return Console(file=out, highlight=False, soft_wrap=True)


class PlainConsole:
    """What the text format asks of rich's Console where rich would neither colour nor
    wrap (a pipe or a file: pre-commit, CI): the plain text of each line, a `rich.text.Text`
    or a string (never markup).  It saves importing rich.console, 20–30 ms: a tenth of
    linting one handler file."""

    def __init__(self, out: TextIO) -> None:
        self.file = out

    def print(self, line=None, **_layout) -> None:
        text = "" if line is None else line if isinstance(line, str) else line.plain
        self.file.write(text + "\n")


def _plain(out: TextIO, color: str) -> bool:
    """Neither colour nor a terminal's width: not a tty, and (with `auto`) nothing in the
    environment that makes rich take any stream for a terminal."""
    if _isatty(out) or color == "always":
        return False
    return color == "never" or not ("FORCE_COLOR" in os.environ or "TTY_COMPATIBLE" in os.environ)


def _isatty(out: TextIO) -> bool:
    try:
        return out.isatty()
    except (AttributeError, ValueError):
        return False


def write_text(result: RunResult, out: TextIO) -> None:
    if not result.findings and not result.errors and not (result.show_fixes and result.fixed):
        # Nothing to colour: skip importing rich (a third of a clean run's start-up).
        _finish(result, out, lambda line: out.write(line + "\n"))
        if result.statistics:
            write_statistics(result, out)
        return
    # Wrapped to the width of a real terminal; piped output keeps one line per message.
    if _plain(out, result.color):
        console, width = PlainConsole(out), None
    else:
        console = make_console(out, result.color)
        width = console.width if _isatty(out) else None
    render_text(result, console, width)

    def summary(line: str) -> None:
        from rich.text import Text

        for part in wrap(Text(line), width, 0):
            console.print(part)

    _finish(result, out, summary)
    if result.statistics:
        write_statistics(result, out)


def render_text(result: RunResult, console, width: Optional[int]) -> None:
    """Every finding and error, for a person: `width` (cells) wraps messages on word
    boundaries; None leaves them on one line."""
    from rich.text import Text

    from lambdalint.registry import all_rules

    rules = all_rules()
    lines: Dict[str, List[str]] = {}
    for f in result.findings:
        rule = rules.get(f.code)
        header = Text()
        header.append(f"{terminal_path(f.path)}:{f.line}:{f.column}:", style="bold")
        header.append(" ")
        header.append(f.code, style=f"bold red link {rule.docs_url()}" if rule is not None else "bold red")
        if _fixable(f, result.unsafe_fixes):
            header.append(" [*]", style="cyan")
        header.append(" " + terminal_text(f.message))
        for line in wrap(header, width, 4):
            console.print(line)
        src = _source_line(f, lines)
        if src:
            for line in source_snippet(f, terminal_text(src), width):
                _print_code(console, line, width)
        if crosses_files(f):  # how the invocation path reaches the construct
            chain = terminal_text(" → ".join(f.call_chain))
            for line in wrap(Text("  via ", style="dim") + Text(chain, style="dim"), width, 6):
                console.print(line)
        for line in wrap(Text("  help: ", style="cyan") + Text(terminal_text(f.suggestion, keep_lines=True)), width, 8):
            console.print(line)
        if result.show_fixes and f.fix is not None:
            how = "--fix" if f.fix.applicability == SAFE else "--fix --unsafe-fixes"
            label = Text(f"  fix ({f.fix.applicability}, {how}): ", style="green") + Text(
                terminal_text(f.fix.description)
            )
            for line in wrap(label, width, 6):
                console.print(line)
            for line in source_lines(f.fix.diff or "")[2:]:
                style = "green" if line.startswith("+") else "red" if line.startswith("-") else "dim"
                _print_code(console, Text("    " + terminal_text(line), style=style), width)
        console.print()
    for error in result.errors:
        text = terminal_text(f"{error.path}: {error.message}")
        for line in wrap(Text("error: ", style="bold red") + Text(text), width, 4):
            console.print(line)
    if result.show_fixes and result.fix_mode and result.fixed:
        write_fixed_listing(result, console)


def _print_code(console, line, width: Optional[int]) -> None:
    """Code is never wrapped: cut at the terminal's edge, or whole when piped."""
    if width is None:
        console.print(line, soft_wrap=True)
    else:
        console.print(line, no_wrap=True, overflow="ellipsis", width=width)


def write_fixed_listing(result: RunResult, console) -> None:
    """`--fix --show-fixes`: what was fixed, per file and rule (ruff's listing)."""
    from rich.text import Text

    from lambdalint.registry import all_rules

    rules = all_rules()
    console.print(f"Fixed {_plural(result.fixed, 'finding')}:")
    for report in result.reports:
        if not report.fixed_codes:
            continue
        console.print(Text(f"- {terminal_text(report.path)}:"))  # a file name is not markup
        for code, count in sorted(report.fixed_codes.items()):
            name = rules[code].name if code in rules else ""
            console.print(f"    {count} × {code} ({name})")
    console.print()


def wrap(text, width: Optional[int], indent: int) -> list:
    """`text` (a rich Text) cut on word boundaries into lines of at most `width` cells
    (a word longer than a line stays whole); continuation lines start with `indent` spaces."""
    from rich.cells import cell_len
    from rich.text import Text

    plain = text.plain
    if width is None or cell_len(plain) <= width:
        return [text]
    breaks = []
    words = list(re.finditer(r"\S+\s*", plain))
    used = cell_len(plain[: words[0].start()]) if words else 0
    for word in words:
        length = cell_len(word.group().rstrip())
        # a word starting with `::` never starts a line: a GitHub log would run it as a command
        if used > indent and used + length > width and word.start() > 0 and not word.group().startswith("::"):
            breaks.append(word.start())
            used = indent
        used += cell_len(word.group())
    out = []
    for index, piece in enumerate(text.divide(breaks)):
        piece.rstrip()
        out.append(Text(" " * indent) + piece if index else piece)
    return out


def source_snippet(finding: Finding, src: str, width: Optional[int]) -> list:
    """The reported line with its number, and `^` under the whole reported range on it."""
    from rich.cells import cell_len
    from rich.text import Text

    gutter = str(finding.line)
    shown = src.expandtabs(8)
    start = cell_len(src[: finding.column - 1].expandtabs(8))
    if finding.end_line == finding.line and finding.end_column > finding.column:
        end = cell_len(src[: finding.end_column - 1].expandtabs(8))
    else:  # a range that goes on below: underline the rest of this line
        end = cell_len(src.rstrip().expandtabs(8))
    carets = max(1, end - start)
    if width is not None:  # keep the underlined part on screen: drop the left of a long line
        room = width - len(gutter) - 3
        if start + carets > room and start > room // 2:
            skip = start - room // 4
            index = 0
            while index < len(shown) and cell_len(shown[:index]) < skip:
                index += 1
            start -= cell_len(shown[:index]) - 1
            shown = "…" + shown[index:]
    line = Text(f"{gutter} | ", style="blue") + Text(shown)
    marks = Text(f"{' ' * len(gutter)} | ", style="blue") + Text(" " * start + "^" * carets, style="bold red")
    return [line, marks]


def write_patch(result: RunResult, out: TextIO) -> None:
    """`--diff`: only the patch on `out`, with git's `a/` and `b/` prefixes so that
    `git apply` (and `patch -p1`) take it as it is; the counts go to stderr."""
    for report in result.reports:
        if report.diff:
            out.write(git_patch(report.diff))
    for error in result.errors:
        sys.stderr.write(terminal_text(f"error: {error.path}: {error.message}") + "\n")
    out.flush()
    if not result.quiet:
        write_notes(result)
        sys.stderr.write(summary_line(result) + "\n")


def git_patch(diff: str) -> str:
    """A unified diff of one file with `a/PATH` / `b/PATH` headers (relative paths)."""
    head, _, rest = diff.partition("\n")
    second, _, body = rest.partition("\n")
    if head.startswith("--- ") and second.startswith("+++ ") and not head[4:].startswith("/"):
        return f"--- a/{head[4:]}\n+++ b/{second[4:]}\n{body}"
    return diff


def write_concise(result: RunResult, out: TextIO) -> None:
    for f in result.findings:
        out.write(f"{terminal_path(f.path)}:{f.line}:{f.column}: {f.code} {terminal_text(f.message)}\n")
    for error in result.errors:
        sys.stderr.write(terminal_text(f"error: {error.path}: {error.message}") + "\n")
    if result.statistics:
        write_statistics(result, out)


def write_json(result: RunResult, out: TextIO) -> None:
    document = {
        "version": __version__,
        "findings": [f.to_json() for f in result.findings],
        "errors": [e.to_json() for e in result.errors],
        "summary": result.summary(),
    }
    if result.statistics:
        document["statistics"] = rule_counts(result)
    out.write(json_text(json.dumps(json_safe(document), indent=2)))
    out.write("\n")


def rule_counts(result: RunResult) -> List[dict]:
    """A count per rule, most frequent first (ruff's order)."""
    from lambdalint.registry import all_rules

    rules = all_rules()
    counts = Counter(f.code for f in result.findings)
    fixable = Counter(f.code for f in result.findings if f.fix is not None)
    return [
        {"code": code, "name": rules[code].name if code in rules else "", "count": count, "fixable": fixable[code]}
        for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]


def write_statistics(result: RunResult, out: TextIO) -> None:
    """`count<TAB>code<TAB>[*] name`, as ruff prints it; `[*]` marks fixable findings."""
    for row in rule_counts(result):
        mark = "[*]" if row["fixable"] else "   "
        out.write(f"{row['count']:5d}\t{row['code']}\t{mark} {row['name']}\n")


# -- GitHub Actions workflow commands ------------------------------------------------------


def _github_command(command: str, properties: Dict[str, object], message: str) -> str:
    props = ",".join(f"{key}={github_property(str(value))}" for key, value in properties.items() if value is not None)
    return f"::{command} {props}::{github_data(message)}\n"


def write_github(result: RunResult, out: TextIO) -> None:
    """Annotations on the pull request diff, one `::warning` per finding."""
    for f in result.findings:
        out.write(
            _github_command(
                "warning",
                {
                    "file": f.path,
                    "line": f.line,
                    "col": f.column,
                    "endLine": f.end_line,
                    "endColumn": f.end_column,
                    "title": f.code,
                },
                f.message,
            )
        )
    for error in result.errors:
        out.write(
            _github_command(
                "error",
                {
                    "file": error.path,
                    "line": error.line,
                    "col": error.column,
                    "title": "lambdalint",
                },
                error.message,
            )
        )
    if result.statistics:
        write_statistics(result, out)


# -- SARIF 2.1.0 ------------------------------------------------------------------------------


def _artifact_location(path: str) -> dict:
    if os.path.isabs(path):
        return {"uri": Path(path).as_uri()}
    return {"uri": file_uri_path(path), "uriBaseId": "%SRCROOT%"}


def _sarif_rule(rule) -> dict:
    from lambdalint.docs import rule_markdown

    why = textwrap.dedent(rule.why).strip()
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": why, "markdown": why},
        "help": {"text": f"{rule.summary}\n\n{why}", "markdown": rule_markdown(rule)},
        "helpUri": rule.docs_url(),
        "defaultConfiguration": {"level": "warning"},
    }


_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? ")


def diff_replacements(diff: str, text: str) -> Optional[List[dict]]:
    """SARIF `replacements` (code point offsets into `text`) equivalent to a unified diff
    of `text` made by the engine (lines split as Python splits them: `source_lines`).
    None when the diff does not fit `text`, e.g. the file changed since."""
    starts = [0]
    for line in source_lines(text, keepends=True):
        starts.append(starts[-1] + len(line))
    runs: List[list] = []  # [first old line, lines deleted, lines inserted]
    old_line = 0
    in_run = False
    line_before = ""
    for line in source_lines(diff, keepends=True)[2:]:  # after the ---/+++ header
        hunk = _HUNK.match(line)
        tag = line[:1]
        if hunk:
            # `-N,0` names the line before a pure insertion
            old_line = int(hunk.group(1)) + (1 if hunk.group(2) == "0" else 0)
            in_run = False
        elif tag == " ":
            old_line += 1
            in_run = False
        elif tag in ("-", "+"):
            if not in_run:
                runs.append([old_line, 0, []])
                in_run = True
            if tag == "-":
                runs[-1][1] += 1
                old_line += 1
            else:
                runs[-1][2].append(line[1:])
        elif tag == "\\" and in_run and runs[-1][2] and line_before[:1] == "+":
            runs[-1][2][-1] = runs[-1][2][-1][:-1]  # the newline the marker says is not there
        line_before = line
    replacements = []
    for first, deleted, inserted in runs:
        if first < 1 or first - 1 + deleted >= len(starts):
            return None
        replacement: dict = {
            "deletedRegion": {
                "charOffset": starts[first - 1],
                "charLength": starts[first - 1 + deleted] - starts[first - 1],
            }
        }
        if inserted:
            replacement["insertedContent"] = {"text": "".join(inserted)}
        replacements.append(replacement)
    return replacements or None


def _sarif_fix(finding: Finding, texts: Dict[str, Optional[str]]) -> Optional[dict]:
    fix = finding.fix
    if fix is None or not fix.diff:
        return None
    if finding.path not in texts:
        texts[finding.path] = _read_text(finding.path)
    text = texts[finding.path]
    replacements = None if text is None else diff_replacements(fix.diff, text)
    if not replacements:
        return None  # SARIF requires the changes; the suggestion still says what to do
    return {
        "description": {"text": f"{fix.description} ({fix.applicability} fix)"},
        "artifactChanges": [{"artifactLocation": _artifact_location(finding.path), "replacements": replacements}],
        "properties": {"applicability": fix.applicability},
    }


def _read_text(path: str) -> Optional[str]:
    from lambdalint.source import SourceError, decode

    try:
        with open(path, "rb") as f:
            return decode(f.read()).text
    except (OSError, SourceError):
        return None


def crosses_files(finding: Finding) -> bool:
    """The construct is outside the entry point's file: the call chain says how it is reached."""
    return bool(finding.call_chain) and finding.call_chain[0].rpartition(":")[0] != finding.path


def _sarif_code_flow(finding: Finding) -> dict:
    """The call chain from the entry point to the function holding the construct."""
    steps: List[dict] = []
    for label in finding.call_chain:
        path, _, function = label.rpartition(":")
        steps.append(
            {
                "location": {
                    "physicalLocation": {"artifactLocation": _artifact_location(path)},
                    "message": {"text": f"calls {function}" if steps else f"entry point {function}"},
                }
            }
        )
    return {"threadFlows": [{"locations": steps}]}


def write_sarif(result: RunResult, out: TextIO) -> None:
    from lambdalint.registry import all_rules

    rules = list(all_rules().values())
    index = {rule.code: i for i, rule in enumerate(rules)}
    texts: Dict[str, Optional[str]] = {}
    results = []
    for f in result.findings:
        item: dict = {
            "ruleId": f.code,
            "level": "warning",
            "message": {"text": f.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": _artifact_location(f.path),
                        "region": {
                            "startLine": f.line,
                            "startColumn": f.column,
                            "endLine": f.end_line,
                            "endColumn": f.end_column,
                        },
                    }
                }
            ],
            "properties": {"suggestion": f.suggestion, "handler": f.handler},
        }
        if f.code in index:
            item["ruleIndex"] = index[f.code]
        fix = _sarif_fix(f, texts)
        if fix is not None:
            item["fixes"] = [fix]
        if len(f.call_chain) > 1:
            item["codeFlows"] = [_sarif_code_flow(f)]
        results.append(item)
    notifications = []
    for error in result.errors:
        location: dict = {"artifactLocation": _artifact_location(error.path)}
        if error.line:
            location["region"] = {"startLine": error.line, **({"startColumn": error.column} if error.column else {})}
        notifications.append(
            {"level": "error", "message": {"text": error.message}, "locations": [{"physicalLocation": location}]}
        )
    run: dict = {
        "tool": {
            "driver": {
                "name": "lambdalint",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": HOMEPAGE,
                "rules": [_sarif_rule(rule) for rule in rules],
            }
        },
        "invocations": [{"executionSuccessful": not result.errors, "toolExecutionNotifications": notifications}],
        "originalUriBaseIds": {"%SRCROOT%": {"uri": Path.cwd().as_uri().rstrip("/") + "/"}},
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    if result.statistics:
        run["properties"] = {"statistics": rule_counts(result)}
    out.write(json_text(json.dumps(json_safe({"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}), indent=2)))
    out.write("\n")


# -- JUnit XML -------------------------------------------------------------------------------

_xml_text = xml_text  # code from strangers can hold characters XML cannot carry


def _junit_classname(path: str) -> str:
    """`src/orders/app.py` -> `src.orders.app`: dashboards (Jenkins, GitLab) group test
    cases by the dotted class name."""
    stem = path[:-3] if path.endswith(".py") else path
    return stem.strip("/").replace("/", ".") or path


def write_junit(result: RunResult, out: TextIO) -> None:
    """One test suite per file, one failing test case per finding (named by code and
    position, so a dashboard lists each one), one passing case per clean file, an
    `<error>` case per file that could not be checked."""
    import xml.etree.ElementTree as ET

    from lambdalint.registry import all_rules

    rules = all_rules()
    suites = ET.Element("testsuites", name="lambdalint")
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for report in sorted(result.reports, key=lambda r: r.path):
        suite = ET.SubElement(suites, "testsuite", name=_xml_text(report.path))
        classname = _xml_text(_junit_classname(report.path))
        counts = {"tests": 0, "failures": 0, "errors": 0}
        for f in sorted(report.findings, key=Finding.sort_key):
            case = ET.SubElement(
                suite,
                "testcase",
                classname=classname,
                name=_xml_text(f"{f.code} {f.name} at line {f.line}, column {f.column}"),
                file=_xml_text(f.path),
                line=str(f.line),
            )
            failure = ET.SubElement(case, "failure", message=_xml_text(f.message), type=f.code)
            body = [f"{f.path}:{f.line}:{f.column}: {f.code} {f.message}", f"help: {f.suggestion}"]
            if f.handler:
                body.append(f"reached from: {f.handler}")
            if f.fix is not None:
                body.append(f"fix ({f.fix.applicability}): {f.fix.description}")
            if f.code in rules:
                body.append(f"docs: {rules[f.code].docs_url()}")
            failure.text = _xml_text("\n".join(body))
            counts["tests"] += 1
            counts["failures"] += 1
        for error in report.errors:
            attributes = {"classname": classname, "name": "lambdalint", "file": _xml_text(error.path)}
            if error.line:
                attributes["line"] = str(error.line)
            case = ET.SubElement(suite, "testcase", attributes)
            element = ET.SubElement(case, "error", message=_xml_text(error.message), type="error")
            element.text = _xml_text(f"{error.path}: {error.message}")
            counts["tests"] += 1
            counts["errors"] += 1
        if not counts["tests"]:
            ET.SubElement(suite, "testcase", classname=classname, name="lambdalint", file=_xml_text(report.path))
            counts["tests"] += 1
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
    for key, value in totals.items():
        suites.set(key, str(value))
    ET.indent(suites)
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(xml_document(ET.tostring(suites, encoding="unicode")))
    out.write("\n")


FORMATS: Dict[str, Callable[[RunResult, TextIO], None]] = {
    "text": write_text,
    "concise": write_concise,
    "json": write_json,
    "sarif": write_sarif,
    "github": write_github,
    "junit": write_junit,
}
