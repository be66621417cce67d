"""The base class every rule derives from (Fixit's model: metadata and examples beside the logic)."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Dict, Iterable, List, Optional, Tuple

from lambdalint.model import Fix, RawFinding

if TYPE_CHECKING:  # pragma: no cover
    from lambdalint.analysis import Function, ModuleAnalysis

# Every link to a rule's page (text output, SARIF helpUri, `lambdalint rules`) and the file
# `python -m lambdalint.docs --write docs` writes come from these two, so they cannot drift.
DOCS_BASE_URL = "https://github.com/lambdalint/lambdalint/blob/main/docs/"
DOCS_PAGE = "rules/{code}-{name}.md"  # relative to the docs/ directory


@dataclass(frozen=True)
class Valid:
    """Code that must produce no finding of the rule."""

    code: str

    @property
    def source(self) -> str:
        return textwrap.dedent(self.code).lstrip("\n")


@dataclass(frozen=True)
class Invalid:
    """Code that must produce the rule's finding on each of `lines` (1-based).

    `fixed`, when given, is what `--fix --unsafe-fixes` must turn the code into.
    """

    code: str
    lines: Tuple[int, ...] = ()
    fixed: Optional[str] = None

    @property
    def source(self) -> str:
        return textwrap.dedent(self.code).lstrip("\n")

    @property
    def fixed_source(self) -> Optional[str]:
        return None if self.fixed is None else textwrap.dedent(self.fixed).lstrip("\n")


class Rule:
    code: ClassVar[str]
    name: ClassVar[str]
    summary: ClassVar[str]  # one line: what it flags
    why: ClassVar[str]  # markdown: what happens in the execution environment
    fix_safety: ClassVar[str] = "This rule has no automatic fix."
    options: ClassVar[str] = ""  # markdown: configuration keys that affect the rule
    # (title, url) pairs shown under "References" after the AWS lifecycle and best-practice pages
    references: ClassVar[List[Tuple[str, str]]] = []
    # Off unless selected by its own code (or a prefix longer than `LAM`, or ALL): the
    # default `select = ["LAM"]` does not run it.
    opt_in: ClassVar[bool] = False
    valid: ClassVar[List[Valid]] = []
    invalid: ClassVar[List[Invalid]] = []
    # Configuration the examples (and the docs that show them) run with, as `Config` fields:
    # `{"snapstart": True}` for a rule that applies only to SnapStart functions.
    example_config: ClassVar[Dict[str, object]] = {}

    def __init__(self, analysis: "ModuleAnalysis") -> None:
        self.analysis = analysis

    def check(self) -> Iterable[RawFinding]:
        raise NotImplementedError

    # -- helpers for subclasses --------------------------------------------------------
    def report(
        self, node, message: str, suggestion: str, function: "Optional[Function]" = None, fix: Optional[Fix] = None
    ) -> RawFinding:
        return RawFinding(node=node, message=message, suggestion=suggestion, function=function, fix=fix, code=self.code)

    @classmethod
    def docs_page(cls) -> str:
        """The rule's page, relative to the docs/ directory."""
        return DOCS_PAGE.format(code=cls.code, name=cls.name)

    @classmethod
    def docs_url(cls) -> str:
        return DOCS_BASE_URL + cls.docs_page()
