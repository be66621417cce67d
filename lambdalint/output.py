"""Output formats for `lambdalint check`: text, concise, json, sarif, github."""

from __future__ import annotations

import json
import sys
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Dict, List, TextIO

from lambdalint import __version__
from lambdalint.model import FileError, FileReport, Finding, SAFE


@dataclass
class RunResult:
    reports: List[FileReport]
    fix_mode: bool = False
    unsafe_fixes: bool = False
    diff_mode: bool = False

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
                cache[finding.path] = f.read().splitlines()
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


def write_text(result: RunResult, out: TextIO) -> None:
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


def write_concise(result: RunResult, out: TextIO) -> None:
    for f in result.findings:
        out.write(f"{f.path}:{f.line}:{f.column}: {f.code} {f.message}\n")
    for report in result.reports:
        if report.diff:
            out.write(report.diff)
    for error in result.errors:
        sys.stderr.write(f"error: {error.path}: {error.message}\n")


def write_json(result: RunResult, out: TextIO) -> None:
    document = {
        "version": __version__,
        "findings": [f.to_json() for f in result.findings],
        "errors": [e.to_json() for e in result.errors],
        "summary": result.summary(),
    }
    json.dump(document, out, indent=2)
    out.write("\n")


def write_statistics(result: RunResult, out: TextIO) -> None:
    from lambdalint.registry import all_rules

    rules = all_rules()
    counts = Counter(f.code for f in result.findings)
    fixable = Counter(f.code for f in result.findings if f.fix is not None)
    for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        name = rules[code].name if code in rules else ""
        mark = "[*]" if fixable[code] else "   "
        out.write(f"{count:5d}\t{code}\t{mark} {name}\n")


FORMATS: Dict[str, Callable[[RunResult, TextIO], None]] = {
    "text": write_text,
    "concise": write_concise,
    "json": write_json,
}
