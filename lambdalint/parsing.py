"""Parsing a module, and the text pre-pass that keeps files without entry points from LibCST.

Files that cannot have an entry point cost a regular-expression scan and CPython's own
syntax check; the others are parsed with LibCST behind CPython's nesting limits.
"""

from __future__ import annotations

import ast
import re
import sys
import warnings
from threading import get_ident
from typing import TYPE_CHECKING, List, Optional, Sequence, Set, Tuple

from lambdalint import catalog
from lambdalint.model import FileError

if TYPE_CHECKING:  # pragma: no cover
    from libcst import CSTNode

# A superset of what makes a function an entry point (analysis.entry_points), checked on
# the raw text so that files without one never reach LibCST.  Exactness matters
# more than speed: a miss is a false negative, so every alternative errs towards "maybe".
# _GAP is anything Python allows between tokens of a `def` line: whitespace, newlines inside
# the parentheses, backslash continuations and comments.  The event parameter mirrors
# catalog.EVENT_PARAM (case-sensitive: case-insensitive matching costs 3x the scan).
# Each stretch of a gap matches one way only (a comment runs to the end of its line, a
# continuation is one of three line ends): with `#[^\r\n]*` free to stop anywhere, a
# comment block full of `#` after a word like `default` took minutes to fail to match
# (exponential backtracking; importlib's own `_bootstrap_external.py` is such a file).
# `def` must start a word: inside a long word such as `defdefdef...` every `def` began a
# match whose `\w+` ran to the word's end, quadratic in the word's length.  The check is a
# lookbehind after the literal, not a `\b` before it, so that the scan can jump from one
# `def` to the next (16x faster on moto's sources); `__call__` is a plain substring test.
_GAP = r"(?:\s|\\(?:\r\n|\r(?!\n)|\n)|#[^\r\n]*(?![^\r\n]))*"
_DEF = rf"def(?<!\wdef){_GAP}"
_EVENT_AFTER_PAREN = rf"\({_GAP}(?:self{_GAP},{_GAP})?\w*(?:event|evt)\b"
# Route functions and decorated handlers of Lambda web frameworks, and a durable function's
# `@durable_execution`, need one of these packages imported (analysis.entry_points).
_FRAMEWORK_PACKAGES = ("aws_lambda_powertools", "chalice", "mangum", "aws_durable_execution_sdk_python")
_HANDLER_DEF = rf"(?:(?:lambda_handler|handler)\b|\w+{_GAP}{_EVENT_AFTER_PAREN})"
_ENTRY_HINTS = re.compile(rf"{_DEF}{_HANDLER_DEF}")
# The same `def` at the start of a line is taken at its word: the handler files the
# pre-pass is for have one, and confirming them would cost a parse each.  (A lookbehind
# after the literal again: "at the start of a line" as a `^` would try every line.)
_TOP_LEVEL_HINTS = (
    re.compile(rf"def(?<![^\n]def){_GAP}{_HANDLER_DEF}"),
    re.compile(rf"async(?<![^\n]async)[ \t]+def{_GAP}{_HANDLER_DEF}"),
)
_EVENT_PARAM = re.compile(catalog.EVENT_PARAM)
_CONTEXT_PARAM = re.compile(catalog.CONTEXT_PARAM)


def might_have_entry_point(text: str, handler_names: Sequence[str] = (), forced: bool = False) -> bool:
    """False only when `ModuleAnalysis` would find no entry point in `text`.

    A hint found only in an indented `def` (a method taking `event`, a nested callback, a
    `__call__`) is confirmed with CPython's parser: in library code such as moto these are
    common, and each file let through pulls its imports into the project's units."""
    if forced or any(package in text for package in _FRAMEWORK_PACKAGES):
        return True
    if any(pattern.search(text) for pattern in _TOP_LEVEL_HINTS):
        return True
    custom = [re.compile(rf"{_DEF}{re.escape(name)}\b") for name in handler_names]
    if "__call__" not in text and not _ENTRY_HINTS.search(text) and not any(p.search(text) for p in custom):
        return False
    return _has_entry_point_shape(text, {*catalog.DEFAULT_HANDLER_NAMES, *handler_names})


def _has_entry_point_shape(text: str, handler_names: Set[str]) -> bool:
    """What `analysis.entry_points` finds without frameworks, asked of CPython's syntax tree:
    a module-level function named like a handler or taking `(event, context)`, or a
    module-level `name = Cls(...)` of a class whose `__call__` takes two arguments.
    Text CPython cannot parse is a "maybe": LibCST decides and reports it."""
    tree = python_ast(text)
    if tree is None:
        return True
    callable_classes: Set[str] = set()
    instantiated: Set[str] = set()
    pending: List[ast.AST] = [tree]
    while pending:  # module-level statements, through `if` / `try` / `with` blocks
        node = pending.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if child.name in handler_names or takes_event_and_context(_positional(child, method=False)):
                    return True
            elif isinstance(child, ast.ClassDef):
                if _has_handler_call_method(child):
                    callable_classes.add(child.name)
            elif isinstance(child, (ast.Assign, ast.AnnAssign)):
                if isinstance(child.value, ast.Call) and isinstance(child.value.func, ast.Name):
                    instantiated.add(child.value.func.id)
            elif isinstance(child, (ast.stmt, ast.excepthandler)) or (
                sys.version_info >= (3, 10) and isinstance(child, ast.match_case)
            ):
                pending.append(child)
    return not callable_classes.isdisjoint(instantiated)


def _has_handler_call_method(cls: ast.ClassDef) -> bool:
    pending: List[ast.AST] = [cls]
    while pending:  # the class body, through `if` / `try` blocks
        node = pending.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if child.name == "__call__" and len(_positional(child, method=True)) >= 2:
                    return True
            elif isinstance(child, ast.stmt) and not isinstance(child, ast.ClassDef):
                pending.append(child)
    return False


def takes_event_and_context(params: Sequence[str]) -> bool:
    """The first two positional parameters are named like `(event, context)`; shared with
    `analysis.entry_points`, which asks it of LibCST's functions."""
    return len(params) >= 2 and bool(_EVENT_PARAM.match(params[0])) and bool(_CONTEXT_PARAM.match(params[1]))


def _positional(fn, method: bool) -> List[str]:
    """As `Function.positional_params`: a method's `self` or `cls` does not count."""
    params = [a.arg for a in (*fn.args.posonlyargs, *fn.args.args)]
    if method and params and params[0] in ("self", "cls"):
        params = params[1:]
    return params


# Files that reach LibCST are capped: its parser is slow on very large inputs (minutes
# for a few megabytes), and a handler module is never anywhere near this big.
MAX_PARSE_CHARS = 1_000_000
DEEP_NESTING = "too deeply nested to parse (beyond Python's own limits)"
# Python 3.11+ refuses ASTs deeper than about its recursion limit; 3.9 and 3.10 build them,
# so there the depth is checked by hand (LibCST overflows the C stack a few thousand deep).
_UNGUARDED_AST = sys.version_info < (3, 11)
MAX_AST_DEPTH = 1000


def parse(text: str, path: str):
    """(LibCST module or None, FileError or None): `parse_with_lines` without the lines."""
    module, _lines, error = parse_with_lines(text, path)
    return module, error


def statement_lines(tree: ast.Module) -> Tuple[int, ...]:
    """The line of the first token of each module-level statement, as CPython's parser
    saw it (a decorated definition starts at its first decorator): where the positions of
    reported nodes start counting (analysis.layout)."""
    return tuple(min([stmt.lineno, *(d.lineno for d in getattr(stmt, "decorator_list", ()))]) for stmt in tree.body)


def parse_with_lines(text: str, path: str):
    """Parse with LibCST; a FileError (with line and column) instead of an exception.
    Returns (module or None, `statement_lines` or None, error or None).

    CPython's parser runs first, for its nesting limits: LibCST's native parser overflows
    the C stack (a segfault that would end the whole run) or takes minutes on nesting that
    CPython refuses anyway.  Other syntax errors CPython finds are only used for the message:
    LibCST decides, as it knows newer grammar than the running interpreter may."""
    import libcst as cst

    if len(text) > MAX_PARSE_CHARS:
        return (
            None,
            None,
            FileError(
                path,
                f"too large to analyse ({len(text):,} characters; lambdalint parses files "
                f"of up to {MAX_PARSE_CHARS:,}); exclude it with `--exclude` or `exclude`",
            ),
        )
    try:
        tree = _cpython_parse(text)
        python_error = None
        if _UNGUARDED_AST and _deeper_than(tree, MAX_AST_DEPTH):
            return None, None, FileError(path, DEEP_NESTING)
        lines: Optional[Tuple[int, ...]] = statement_lines(tree)
    except (RecursionError, MemoryError):
        return None, None, FileError(path, DEEP_NESTING)
    except SyntaxError as exc:
        if re.search(r"too many nested|too many levels|too complex|too deeply", str(exc.msg)):
            error = FileError(path, f"{DEEP_NESTING}: line {exc.lineno}: {exc.msg}", exc.lineno, exc.offset)
            return None, None, error
        python_error, lines = exc, None
    except ValueError:  # "source code string cannot contain null bytes"
        python_error, lines = None, None
    try:
        return parse_unvalidated(text), lines, None
    except cst.ParserSyntaxError as exc:
        if python_error is not None and python_error.lineno:
            # CPython's message and position are the more precise, and match what the
            # user's interpreter says.
            line, column = python_error.lineno, python_error.offset or 1
            message = python_error.msg
        else:
            line, column, message = exc.raw_line, exc.raw_column + 1, exc.message
        return None, None, FileError(path, f"syntax error at line {line}, column {column}: {message}", line, column)
    except RecursionError:
        return None, None, FileError(path, DEEP_NESTING)
    except Exception as exc:  # LibCST raises assorted errors on odd input
        return None, None, FileError(path, f"cannot parse: {type(exc).__name__}: {exc}")


# Threads now inside `parse_unvalidated`: nodes built there skip LibCST's validation.
_UNVALIDATED: Set[int] = set()


def parse_unvalidated(text: str):
    """`libcst.parse_module(text)` without validating each node as it is built.

    LibCST checks every new node (`CSTNode.__post_init__` calls `_validate`: whitespace
    patterns, parentheses, operators), about a sixth of a parse, yet nodes its own parser
    builds from source are valid by construction (LibCST's base.py says as much in a PERF
    note).  Only this thread's nodes, only during the parse, skip the check: nodes that
    fixes build, in this thread or any other, are still validated."""
    import libcst as cst

    _skip_validation_when_parsing()
    thread = get_ident()
    _UNVALIDATED.add(thread)
    try:
        return cst.parse_module(text)
    finally:
        _UNVALIDATED.discard(thread)


def _skip_validation_when_parsing() -> None:
    from libcst._nodes.base import CSTNode

    if CSTNode.__post_init__ is not _validate_unless_parsing:
        CSTNode.__post_init__ = _validate_unless_parsing  # type: ignore[assignment]


def _validate_unless_parsing(node: "CSTNode") -> None:
    if get_ident() not in _UNVALIDATED:
        node._validate()


def _deeper_than(tree: ast.AST, limit: int) -> bool:
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return False


def syntax_error(text: str, path: str) -> Optional[FileError]:
    """Why a file that cannot have findings is still unparsable, if it is.

    Such files skip LibCST, but every unparsable file is reported all the same.  CPython's
    parser is a tenth of LibCST's cost; only when it refuses the file does LibCST decide
    (it may know newer grammar than the running interpreter) and word the message."""
    if python_ast(text) is not None:
        return None
    return parse(text, path)[1]


def python_ast(text: str) -> Optional[ast.Module]:
    """CPython's own AST of `text`, or None where CPython refuses it (syntax, null bytes,
    nesting beyond its limits)."""
    try:
        return _cpython_parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _cpython_parse(text: str) -> ast.Module:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # invalid escapes and the like are not our business
        return ast.parse(text)
