"""Parsing a module, and the text pre-pass that keeps files without entry points from LibCST.

Files that cannot have an entry point cost a regular-expression scan and CPython's own
syntax check; the others are parsed with LibCST behind CPython's nesting limits.
"""

from __future__ import annotations

import ast
import re
import sys
import warnings
from typing import Optional, Sequence

from lambdalint.model import FileError

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
_GAP = r"(?:\s|\\(?:\r\n|\r(?!\n)|\n)|#[^\r\n]*(?![^\r\n]))*"
_ENTRY_HINTS = re.compile(
    rf"def{_GAP}\w+{_GAP}\({_GAP}(?:self{_GAP},{_GAP})?\w*(?:event|evt)\b"
    r"|__call__"
    rf"|def{_GAP}(?:lambda_handler|handler)\b"
    # route functions and decorated handlers of Lambda web frameworks (analysis.entry_points)
    r"|aws_lambda_powertools|chalice|mangum"
    # a durable function's handler is the one `@durable_execution` decorates
    r"|aws_durable_execution_sdk_python"
)


def might_have_entry_point(text: str, handler_names: Sequence[str] = (), forced: bool = False) -> bool:
    """False only when `ModuleAnalysis` would find no entry point in `text`."""
    if forced or _ENTRY_HINTS.search(text):
        return True
    return any(re.search(rf"def{_GAP}{re.escape(name)}\b", text) for name in handler_names)


# Files that reach LibCST are capped: its parser is slow on very large inputs (minutes
# for a few megabytes), and a handler module is never anywhere near this big.
MAX_PARSE_CHARS = 1_000_000
DEEP_NESTING = "too deeply nested to parse (beyond Python's own limits)"
# Python 3.11+ refuses ASTs deeper than about its recursion limit; 3.9 and 3.10 build them,
# so there the depth is checked by hand (LibCST overflows the C stack a few thousand deep).
_UNGUARDED_AST = sys.version_info < (3, 11)
MAX_AST_DEPTH = 1000


def parse(text: str, path: str):
    """Parse with LibCST; a FileError (with line and column) instead of an exception.

    CPython's parser runs first, for its nesting limits: LibCST's native parser overflows
    the C stack (a segfault that would end the whole run) or takes minutes on nesting that
    CPython refuses anyway.  Other syntax errors CPython finds are only used for the message:
    LibCST decides, as it knows newer grammar than the running interpreter may."""
    import libcst as cst

    if len(text) > MAX_PARSE_CHARS:
        return None, FileError(
            path,
            f"too large to analyse ({len(text):,} characters; lambdalint parses files "
            f"of up to {MAX_PARSE_CHARS:,}); exclude it with `--exclude` or `exclude`",
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escapes and the like are not our business
            tree = ast.parse(text)
        python_error = None
        if _UNGUARDED_AST and _deeper_than(tree, MAX_AST_DEPTH):
            return None, FileError(path, DEEP_NESTING)
    except (RecursionError, MemoryError):
        return None, FileError(path, DEEP_NESTING)
    except SyntaxError as exc:
        if re.search(r"too many nested|too many levels|too complex|too deeply", str(exc.msg)):
            return None, FileError(path, f"{DEEP_NESTING}: line {exc.lineno}: {exc.msg}", exc.lineno, exc.offset)
        python_error = exc
    except ValueError:  # "source code string cannot contain null bytes"
        python_error = None
    try:
        return cst.parse_module(text), None
    except cst.ParserSyntaxError as exc:
        if python_error is not None and python_error.lineno:
            # CPython's message and position are the more precise, and match what the
            # user's interpreter says.
            line, column = python_error.lineno, python_error.offset or 1
            message = python_error.msg
        else:
            line, column, message = exc.raw_line, exc.raw_column + 1, exc.message
        return None, FileError(path, f"syntax error at line {line}, column {column}: {message}", line, column)
    except RecursionError:
        return None, FileError(path, DEEP_NESTING)
    except Exception as exc:  # LibCST raises assorted errors on odd input
        return None, FileError(path, f"cannot parse: {type(exc).__name__}: {exc}")


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
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(text)
        return None
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return parse(text, path)[1]
