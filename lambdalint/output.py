"""Output formats for `lambdalint check`: text, concise, json, sarif, github."""

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
from urllib.parse import quote

from lambdalint import __version__
from lambdalint.model import FileError, FileReport, Finding, SAFE
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
        return sum(
            1 for f in self.findings
            if f.fix is not None and (unsafe or f.fix.applicability == SAFE)
        )

    def summary(self) -> Dict[str, int]:
        return {
            "files": len(self.reports),
            "findings": len(self.findings),
            "fixable": sum(1 for f in self.findings if f.fix is not None),
            "errors": len(self.errors),
        }


def _source_line(finding: Finding, cache: Dict[str, List[str]]) -> str:
    if finding.path not in cache:
        try:
            with open(finding.path, encoding="utf-8", errors="replace") as f:
                cache[finding.path] = source_lines(f.read())
        except OSError:
            cache[finding.path] = []
    lines = cache[finding.path]
    return lines[finding.line - 1] if 0 < finding.line <= len(lines) else ""


def summary_line(result: RunResult) -> str:
    findings = len(result.findings)
    parts = []
    if result.fix_mode or result.diff_mode:
        verb = "Would fix" if result.diff_mode else "Fixed"
        parts.append(f"{verb} {result.fixed} finding{'s' if result.fixed != 1 else ''}")
        parts.append(f"{findings} remaining")
    else:
        parts.append(f"Found {findings} finding{'s' if findings != 1 else ''}"
                     f" in {len(result.reports)} file{'s' if len(result.reports) != 1 else ''}")
    safe = result.fixable(unsafe=False)
    more = result.fixable(unsafe=True) - safe
    if safe and not result.diff_mode:
        parts.append(f"{safe} fixable with `--fix`")
    if more and not result.unsafe_fixes:
        parts.append(f"{more} more fixable with `--fix --unsafe-fixes`")
    elif more and not result.diff_mode:
        parts.append(f"{more} fixable with `--fix --unsafe-fixes`")
    if result.errors:
        parts.append(f"{len(result.errors)} error{'s' if len(result.errors) != 1 else ''}")
    return parts[0] + (" (" + "; ".join(parts[1:]) + ")" if len(parts) > 1 else "") + "."


def write_notes(result: RunResult) -> None:
    """One stderr line per kind of note, naming the files (e.g. empty files)."""
    by_note: Dict[str, List[str]] = {}
    for report in result.reports:
        for note in report.notes:
            by_note.setdefault(note, []).append(report.path)
    for note, paths in by_note.items():
        sys.stderr.write(f"note: {note}: {', '.join(paths)}\n")


def write_text(result: RunResult, out: TextIO) -> None:
    if not result.findings and not result.errors and not any(r.diff for r in result.reports):
        # Nothing to colour: skip importing rich (a third of a clean run's start-up).
        out.write(summary_line(result) + "\n")
        return
    from rich.console import Console
    from rich.markup import escape

    from lambdalint.registry import all_rules

    console = Console(file=out, highlight=False, soft_wrap=True)
    rules = all_rules()
    lines: Dict[str, List[str]] = {}
    for f in result.findings:
        console.print(
            f"[bold]{escape(f.path)}:{f.line}:{f.column}:[/] [bold red]{f.code}[/] {escape(f.message)}"
        )
        if crosses_files(f):
            console.print(f"  [magenta]via[/] {escape(' → '.join(f.call_chain))}")
        src = _source_line(f, lines)
        if src:
            gutter = str(f.line)
            console.print(f"[blue]{gutter} |[/] {escape(src)}")
            console.print(f"[blue]{' ' * len(gutter)} |[/] {' ' * (f.column - 1)}[red]^[/]")
        console.print(f"  [cyan]help:[/] {escape(f.suggestion)}")
        if f.fix is not None:
            how = "--fix" if f.fix.applicability == SAFE else "--fix --unsafe-fixes"
            console.print(f"  [green]fix ({f.fix.applicability}):[/] {escape(f.fix.description)} ({how})")
        rule = rules.get(f.code)
        if rule is not None:
            console.print(f"  [dim]docs: {rule.docs_url()}[/]")
        console.print()
    for report in result.reports:
        if report.diff:
            out.write(report.diff)
    for error in result.errors:
        console.print(f"[bold red]error:[/] {escape(error.path)}: {escape(error.message)}")
    console.print(summary_line(result))
    if result.statistics:
        write_statistics(result, out)


def write_concise(result: RunResult, out: TextIO) -> None:
    for f in result.findings:
        out.write(f"{f.path}:{f.line}:{f.column}: {f.code} {f.message}\n")
    _write_diffs(result, out)
    for error in result.errors:
        sys.stderr.write(f"error: {error.path}: {error.message}\n")
    if result.statistics:
        write_statistics(result, out)


def _write_diffs(result: RunResult, out: TextIO) -> None:
    for report in result.reports:
        if report.diff:
            out.write(report.diff)


def write_json(result: RunResult, out: TextIO) -> None:
    document = {
        "version": __version__,
        "findings": [f.to_json() for f in result.findings],
        "errors": [e.to_json() for e in result.errors],
        "summary": result.summary(),
    }
    if result.statistics:
        document["statistics"] = rule_counts(result)
    json.dump(document, out, indent=2)
    out.write("\n")


def rule_counts(result: RunResult) -> List[dict]:
    """A count per rule, most frequent first (ruff's order)."""
    from lambdalint.registry import all_rules

    rules = all_rules()
    counts = Counter(f.code for f in result.findings)
    fixable = Counter(f.code for f in result.findings if f.fix is not None)
    return [
        {"code": code, "name": rules[code].name if code in rules else "", "count": count,
         "fixable": fixable[code]}
        for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]


def write_statistics(result: RunResult, out: TextIO) -> None:
    """`count<TAB>code<TAB>[*] name`, as ruff prints it; `[*]` marks fixable findings."""
    for row in rule_counts(result):
        mark = "[*]" if row["fixable"] else "   "
        out.write(f"{row['count']:5d}\t{row['code']}\t{mark} {row['name']}\n")


# -- GitHub Actions workflow commands ------------------------------------------------------

def _github_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _github_property(value: str) -> str:
    return _github_data(value).replace(":", "%3A").replace(",", "%2C")


def _github_command(command: str, properties: Dict[str, object], message: str) -> str:
    props = ",".join(f"{key}={_github_property(str(value))}" for key, value in properties.items()
                     if value is not None)
    return f"::{command} {props}::{_github_data(message)}\n"


def write_github(result: RunResult, out: TextIO) -> None:
    """Annotations on the pull request diff, one `::warning` per finding."""
    for f in result.findings:
        out.write(_github_command("warning", {
            "file": f.path, "line": f.line, "col": f.column,
            "endLine": f.end_line, "endColumn": f.end_column, "title": f.code,
        }, f.message))
    _write_diffs(result, out)
    for error in result.errors:
        out.write(_github_command("error", {
            "file": error.path, "line": error.line, "col": error.column, "title": "lambdalint",
        }, error.message))
    if result.statistics:
        write_statistics(result, out)


# -- SARIF 2.1.0 ------------------------------------------------------------------------------

def _artifact_location(path: str) -> dict:
    if os.path.isabs(path):
        return {"uri": Path(path).as_uri()}
    return {"uri": quote(path), "uriBaseId": "%SRCROOT%"}


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
        replacement: dict = {"deletedRegion": {
            "charOffset": starts[first - 1],
            "charLength": starts[first - 1 + deleted] - starts[first - 1],
        }}
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
        "artifactChanges": [{"artifactLocation": _artifact_location(finding.path),
                             "replacements": replacements}],
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
    steps = []
    for label in finding.call_chain:
        path, _, function = label.rpartition(":")
        steps.append({"location": {
            "physicalLocation": {"artifactLocation": _artifact_location(path)},
            "message": {"text": f"calls {function}" if steps else f"entry point {function}"},
        }})
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
            "locations": [{"physicalLocation": {
                "artifactLocation": _artifact_location(f.path),
                "region": {"startLine": f.line, "startColumn": f.column,
                           "endLine": f.end_line, "endColumn": f.end_column},
            }}],
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
            location["region"] = {"startLine": error.line, **(
                {"startColumn": error.column} if error.column else {})}
        notifications.append({"level": "error", "message": {"text": error.message},
                              "locations": [{"physicalLocation": location}]})
    run: dict = {
        "tool": {"driver": {
            "name": "lambdalint",
            "version": __version__,
            "semanticVersion": __version__,
            "informationUri": HOMEPAGE,
            "rules": [_sarif_rule(rule) for rule in rules],
        }},
        "invocations": [{"executionSuccessful": not result.errors,
                         "toolExecutionNotifications": notifications}],
        "originalUriBaseIds": {"%SRCROOT%": {"uri": Path.cwd().as_uri().rstrip("/") + "/"}},
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    if result.statistics:
        run["properties"] = {"statistics": rule_counts(result)}
    json.dump({"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}, out, indent=2)
    out.write("\n")


FORMATS: Dict[str, Callable[[RunResult, TextIO], None]] = {
    "text": write_text,
    "concise": write_concise,
    "json": write_json,
    "sarif": write_sarif,
    "github": write_github,
}
