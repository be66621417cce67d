"""Plain data shared by the engine, the rules and the front ends (no libcst import here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

SAFE = "safe"
UNSAFE = "unsafe"


@dataclass(frozen=True)
class FunctionSettings:
    """How Lambda runs a function, as its template or configuration says (None: not said)."""

    runtime: Optional[str] = None
    timeout: Optional[int] = None  # seconds
    memory: Optional[int] = None  # MB
    snapstart: bool = False
    managed_instances: bool = False
    durable: bool = False

    def combined(self, other: "FunctionSettings") -> "FunctionSettings":
        """The settings for code that runs in both functions: a phase applies if it applies
        to either, the shorter timeout bounds it."""
        timeouts = [t for t in (self.timeout, other.timeout) if t is not None]
        return FunctionSettings(
            runtime=self.runtime or other.runtime,
            timeout=min(timeouts) if timeouts else None,
            memory=self.memory or other.memory,
            snapstart=self.snapstart or other.snapstart,
            managed_instances=self.managed_instances or other.managed_instances,
            durable=self.durable or other.durable,
        )

    def describe(self) -> str:
        """`python3.12, timeout 30 s, SnapStart` for --show-handlers ('' when nothing is known)."""
        parts = [self.runtime or ""]
        parts.append(f"timeout {self.timeout} s" if self.timeout is not None else "")
        parts.append(f"{self.memory} MB" if self.memory is not None else "")
        parts += [
            "SnapStart" if self.snapstart else "",
            "Managed Instances" if self.managed_instances else "",
            "durable" if self.durable else "",
        ]
        return ", ".join(p for p in parts if p)


@dataclass(frozen=True)
class NamedHandler:
    """Why a function is an entry point when something outside its module says so:
    `source` is "config" or "template", `detail` which line, `settings` how it runs."""

    source: str
    detail: str = ""
    settings: FunctionSettings = FunctionSettings()


@dataclass
class Fix:
    """A mechanical change proposed by a rule.

    `edits` maps CST nodes of the linted module to their replacement: a node,
    ``libcst.RemoveFromParent()`` or a ``libcst.FlattenSentinel``.  `module_statements`
    are inserted at module level after the imports and existing setup; `imports` are
    module names that must be imported (e.g. ``functools``).
    """

    applicability: str
    description: str
    edits: dict = field(default_factory=dict, repr=False)
    module_statements: list = field(default_factory=list, repr=False)
    imports: List[str] = field(default_factory=list)
    diff: Optional[str] = None  # filled in by the engine for reports


@dataclass
class Finding:
    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    code: str
    name: str
    message: str
    suggestion: str
    handler: Optional[str] = None
    # `path:function` from the entry point down to the function that holds the construct
    call_chain: List[str] = field(default_factory=list)
    fix: Optional[Fix] = None

    def sort_key(self):
        return (self.path, self.line, self.column, self.code)

    def to_json(self) -> dict:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "code": self.code,
            "name": self.name,
            "message": self.message,
            "handler": self.handler,
            "call_chain": list(self.call_chain),
            "suggestion": self.suggestion,
            "fix": None
            if self.fix is None
            else {
                "applicability": self.fix.applicability,
                "description": self.fix.description,
                "diff": self.fix.diff or "",
            },
        }


@dataclass
class FileError:
    path: str
    message: str
    line: Optional[int] = None
    column: Optional[int] = None

    def to_json(self) -> dict:
        return {"path": self.path, "message": self.message}


@dataclass
class FileReport:
    path: str
    findings: List[Finding] = field(default_factory=list)
    errors: List[FileError] = field(default_factory=list)
    fixed: int = 0  # findings removed by --fix in this file
    diff: Optional[str] = None  # unified diff of the fixes, with --diff
    fixed_codes: Dict[str, int] = field(default_factory=dict)  # code -> findings fixed
    notes: List[str] = field(default_factory=list)  # said about the file, not errors


@dataclass
class RawFinding:
    """What a rule reports: a node and text; the engine turns it into a Finding."""

    node: Any
    message: str
    suggestion: str
    function: Any = None  # analysis.Function the finding is in
    fix: Optional[Fix] = None
    code: Optional[str] = None  # set by the engine
    # analysis.Function the construct is in when the finding is reported at a call of it
    # (a shared factory): the call chain ends there
    via: Any = None
