"""The one rule engine: parse once, analyse once, run every selected rule, fix.

The CLI and the flake8 plugin are thin adapters over `lint_text` / `check_file`.
"""

from __future__ import annotations

import ast
import contextlib
import difflib
import errno
import fnmatch
import os
import re
import signal
import stat
import sys
import tempfile
import threading
import warnings
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple, Type

from lambdalint import noqa
from lambdalint.config import Config
from lambdalint.model import SAFE, FileError, FileReport, Finding, NamedHandler, RawFinding
from lambdalint.registry import is_selected, selected_rules
from lambdalint.rule import Rule
from lambdalint.source import Source, SourceError, decode, source_lines

BUG_REPORT_URL = "https://github.com/lambdalint/lambdalint/issues"
MAX_FIX_PASSES = 10
EMPTY_FILE = "empty file, nothing to check"

# A superset of what makes a function an entry point (analysis._find_entry_points), checked
# on the raw text so that files without one never reach LibCST (issue 8).  Exactness matters
# more than speed: a miss is a false negative, so every alternative errs towards "maybe".
# _GAP is anything Python allows between tokens of a `def` line: whitespace, newlines inside
# the parentheses, backslash continuations and comments.  The event parameter mirrors
# analysis._EVENT_PARAM (case-sensitive: case-insensitive matching costs 3x the scan).
_GAP = r"(?:\s|\\\r?\n|\\\r|#[^\r\n]*)*"
_ENTRY_HINTS = re.compile(
    rf"def{_GAP}\w+{_GAP}\({_GAP}(?:self{_GAP},{_GAP})?\w*(?:event|evt)\b"
    r"|__call__"
    rf"|def{_GAP}(?:lambda_handler|handler)\b"
    # route functions and decorated handlers of Lambda web frameworks (analysis.py)
    r"|aws_lambda_powertools|chalice|mangum"
)


def might_have_entry_point(text: str, handler_names: Sequence[str] = (),
                           forced: bool = False) -> bool:
    """False only when `ModuleAnalysis` would find no entry point in `text`."""
    if forced or _ENTRY_HINTS.search(text):
        return True
    return any(re.search(rf"def{_GAP}{re.escape(name)}\b", text) for name in handler_names)


@dataclass
class Options:
    """How to run: which rules, which extra entry points, whether to fix."""

    config: Config
    rules: List[Type[Rule]] = field(default_factory=list)
    # real path -> {function: (source, detail)}: from configuration, --handler and templates
    entry_points: Dict[str, Dict[str, NamedHandler]] = field(default_factory=dict)
    fix: Optional[str] = None  # None, "safe" or "unsafe": the fixes to compute
    diff: bool = False  # show the fixes as a diff instead of writing them
    # False when the caller applies `# noqa` itself (flake8 does, and has --disable-noqa).
    noqa: bool = True
    # Compute each finding's fix diff (`fix.diff`): only the JSON and SARIF outputs show it;
    # it costs a transform and code generation per fix (issue 8).
    fix_diffs: bool = True

    def selected_rules(self) -> List[Type[Rule]]:
        # Resolved on first use: importing the rules imports libcst, which files without
        # an entry point never need.
        if not self.rules:
            self.rules = selected_rules(self.config.selected, self.config.ignore)
        return self.rules

    def entry_points_for(self, path: str) -> Dict[str, NamedHandler]:
        return self.entry_points.get(os.path.realpath(path), {})


def configured_entry_points(config: Config, extra: Sequence[str] = ()) -> Dict[str, Dict[str, NamedHandler]]:
    """`handlers` from configuration plus `--handler PATH:FUNC`, keyed by real path."""
    out: Dict[str, Dict[str, NamedHandler]] = {}
    for item in config.handlers:
        path, _, func = item.rpartition(":")
        out.setdefault(os.path.realpath(path), {}).setdefault(func, NamedHandler("config", "`handlers` in configuration"))
    for item in extra:
        path, _, func = item.rpartition(":")
        out.setdefault(os.path.realpath(path), {}).setdefault(func, NamedHandler("config", "--handler"))
    return out


def merge_entry_points(*sources: Dict[str, Dict[str, NamedHandler]]) -> Dict[str, Dict[str, NamedHandler]]:
    """Union of entry-point tables; the first source naming a function wins its label."""
    out: Dict[str, Dict[str, NamedHandler]] = {}
    for table in sources:
        for path, functions in table.items():
            for func, how in functions.items():
                out.setdefault(path, {}).setdefault(func, how)
    return out


# -- linting text -----------------------------------------------------------------------

@dataclass
class LintResult:
    findings: List[Finding]
    errors: List[FileError]
    module: object = None  # the parsed libcst Module, when one was built
    raw: List[Tuple[RawFinding, Finding]] = field(default_factory=list)


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
            path, f"too large to analyse ({len(text):,} characters; lambdalint parses files "
                  f"of up to {MAX_PARSE_CHARS:,}); exclude it with `--exclude` or `exclude`")
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
            return None, FileError(path, f"{DEEP_NESTING}: line {exc.lineno}: {exc.msg}",
                                   exc.lineno, exc.offset)
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
        return None, FileError(path, f"syntax error at line {line}, column {column}: {message}",
                               line, column)
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


def needs_analysis(text: str, path: str, options: Options) -> bool:
    """Whether the file can have findings at all (else LibCST is never run on it)."""
    return might_have_entry_point(text, options.config.handler_names, bool(options.entry_points_for(path)))


def syntax_error(text: str, path: str) -> Optional[FileError]:
    """Why a file that cannot have findings is still unparsable, if it is.

    Such files skip LibCST, but SPEC wants every unparsable file reported.  CPython's
    parser is a tenth of LibCST's cost; only when it refuses the file does LibCST decide
    (it may know newer grammar than the running interpreter) and word the message."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(text)
        return None
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return parse(text, path)[1]


def lint_text(text: str, path: str, options: Options, module=None) -> LintResult:
    """Lint one module's text.  `path` is the display path used in findings."""
    entry_names = options.entry_points_for(path)
    config = options.config
    if module is None and not needs_analysis(text, path, options):
        error = syntax_error(text, path)
        return LintResult([], [error] if error else [])
    if module is None:
        module, error = parse(text, path)
        if error is not None:
            return LintResult([], [error])
    from lambdalint.analysis import ModuleAnalysis

    try:
        analysis = ModuleAnalysis(module, path, config, entry_names)
    except RecursionError:
        return LintResult([], [FileError(path, "too deeply nested to analyse (recursion limit)")], module)
    except Exception as exc:  # a bug in the shared analysis: this file only
        return LintResult([], [FileError(path, internal_error("the analysis", exc))], module)
    rules = [r for r in options.selected_rules() if _allowed_in_file(r.code, path, config)]
    if not analysis.entry_points:
        return LintResult([], [], module)
    silenced = noqa.noqa_lines(text) if options.noqa else {}
    findings: List[Finding] = []
    errors: List[FileError] = []
    raw_pairs: List[Tuple[RawFinding, Finding]] = []
    reported: List[Tuple[Type[Rule], List[RawFinding]]] = []
    for rule_type in rules:
        try:
            reported.append((rule_type, list(rule_type(analysis).check())))
        except RecursionError:
            errors.append(FileError(path, f"{rule_type.code}: too deeply nested to analyse"))
        except Exception as exc:  # one rule's bug must not stop the others
            errors.append(FileError(
                path, internal_error(f"{rule_type.code} ({rule_type.name})", exc)))
    try:
        analysis.resolve_positions(raw.node for _, raws in reported for raw in raws)  # one pass
    except Exception:  # pragma: no cover - _to_finding resolves (and reports) them one by one
        pass
    for rule_type, raws in reported:
        try:
            pairs = [(raw, _to_finding(raw, rule_type, analysis, path)) for raw in raws]
        except Exception as exc:  # a node the rule reported that is not in the module
            errors.append(FileError(
                path, internal_error(f"{rule_type.code} ({rule_type.name})", exc)))
            continue
        for raw, finding in pairs:
            if not noqa.is_suppressed(finding.code, finding.line, silenced):
                findings.append(finding)
                raw_pairs.append((raw, finding))
    findings.sort(key=Finding.sort_key)
    return LintResult(findings, errors, module, raw_pairs)


def internal_error(where: str, exc: BaseException) -> str:
    return (f"internal error in {where}: {type(exc).__name__}: {exc}; this is a lambdalint bug, "
            f"please report it with the file at {BUG_REPORT_URL}")


def _allowed_in_file(code: str, path: str, config: Config) -> bool:
    for glob, codes in config.per_file_ignores:
        if _glob_match(path, glob) and any(code.startswith(c) for c in codes):
            return False
    return True


def _glob_match(path: str, glob: str) -> bool:
    return fnmatch.fnmatch(path, glob) or fnmatch.fnmatch(os.path.basename(path), glob)


def _to_finding(raw: RawFinding, rule: Type[Rule], analysis, path: str) -> Finding:
    position = analysis.position(raw.node)
    handler = analysis.handler_label(raw.function) if raw.function is not None else None
    return Finding(
        path=path,
        line=position.start.line,
        column=position.start.column + 1,
        end_line=position.end.line,
        end_column=position.end.column + 1,
        code=rule.code,
        name=rule.name,
        message=raw.message,
        suggestion=raw.suggestion,
        handler=handler,
        fix=raw.fix,
    )


# -- fixing -------------------------------------------------------------------------------

def _applicable(finding: Finding, level: str) -> bool:
    return finding.fix is not None and (level == "unsafe" or finding.fix.applicability == SAFE)


def fix_text(text: str, path: str, options: Options, level: str) -> Tuple[str, int, LintResult]:
    """Apply fixes up to `level` until stable.  Returns (new text, fixes applied, last lint)."""
    from lambdalint import fixer

    applied = 0
    result = lint_text(text, path, options)
    for _ in range(MAX_FIX_PASSES):
        chosen, anchors = [], []
        shared = 0  # findings resolved by a fix object another finding already chose
        for raw, finding in result.raw:
            if not _applicable(finding, level):
                continue
            if any(finding.fix is other for other in chosen):
                shared += 1  # one edit set covering several findings (e.g. LAM101 resets)
                continue
            if any(fixer.conflicts(finding.fix, other) for other in chosen):
                continue  # waits for the next pass
            chosen.append(finding.fix)
            anchors.append(raw.node)
        if not chosen:
            break
        try:
            new_text = fixer.apply(result.module, chosen, anchors).code
        except RecursionError:
            result.errors.append(FileError(path, "too deeply nested to fix (recursion limit); not fixed"))
            break
        except Exception as exc:  # a fixer bug: keep the findings, fix nothing more
            result.errors.append(FileError(path, internal_error("the fixer", exc) + "; not fixed"))
            break
        reparsed, error = parse(new_text, path)
        if error is not None or new_text == text:
            break  # never produce code that does not parse
        text = new_text
        applied += len(chosen) + shared
        result = lint_text(text, path, options, module=reparsed)
    return text, applied, result


def single_fix_diff(module, raw: RawFinding, path: str, known: Optional[dict] = None) -> str:
    """The diff of one finding's fix.  `known` (kept by the caller across the findings
    of one module) lets the code of unchanged statements be generated only once."""
    from lambdalint import fixer
    from lambdalint._cstfast import module_code

    known = {} if known is None else known
    old = module_code(module, known, remember=True)
    try:
        new = module_code(fixer.apply(module, [raw.fix], [raw.node]), known)
    except Exception:  # a diff for display only; the fix itself is checked when applied
        return ""
    return unified_diff(old, new, path)


def unified_diff(old: str, new: str, path: str) -> str:
    out = []
    for line in difflib.unified_diff(
        source_lines(old, keepends=True), source_lines(new, keepends=True),
        fromfile=path, tofile=path,
    ):
        out.append(line)
        if not line.endswith(("\n", "\r")):  # a last line without its newline, marked as git does
            out.append("\n\\ No newline at end of file\n")
    return "".join(out)


# -- files --------------------------------------------------------------------------------

def read_source(path: str) -> Tuple[Optional[bytes], Optional[Source], Optional[FileError], str]:
    problem = _unreadable_kind(path)
    if problem is not None:
        return None, None, FileError(path, problem), path
    try:
        with open(path, "rb") as f:
            data = f.read()
    except IsADirectoryError:
        return None, None, FileError(path, "is a directory, not a Python file"), path
    except PermissionError:
        return None, None, FileError(path, "cannot read: permission denied"), path
    except OSError as exc:
        return None, None, FileError(path, f"cannot read: {exc.strerror or exc}"), path
    return (*_decoded(data, path), path)


def _decoded(data: bytes, path: str) -> Tuple[bytes, Optional[Source], Optional[FileError]]:
    try:
        return data, decode(data), None
    except SourceError as exc:
        return data, None, FileError(path, str(exc))


def _unreadable_kind(path: str) -> Optional[str]:
    """Why `path` is not a file we can read, found without opening it (opening a FIFO
    would block the run forever)."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        if os.path.islink(path):
            if exc.errno == errno.ELOOP:
                return "cannot read: symbolic link loop"
            return f"cannot read: dangling symbolic link to {os.readlink(path)!r}"
        return None  # let open() report it
    if stat.S_ISDIR(mode):
        return "is a directory, not a Python file"
    if not stat.S_ISREG(mode):
        return "not a regular file (a FIFO, socket or device); skipped"
    return None


def check_file(real_path: str, display_path: str, options: Options,
               data: Optional[bytes] = None) -> FileReport:
    """Lint (and fix) one file.  Never raises: any failure is an error for this file.
    `data` is its content when the caller has read it already."""
    try:
        return _check_file(real_path, display_path, options, data)
    except RecursionError:
        return FileReport(display_path, errors=[
            FileError(display_path, "too deeply nested to analyse (recursion limit)")])
    except Exception as exc:
        return FileReport(display_path, errors=[
            FileError(display_path, internal_error("the engine", exc))])


def _check_file(real_path: str, display_path: str, options: Options,
                data: Optional[bytes] = None) -> FileReport:
    report = FileReport(display_path)
    if data is None:
        data, source, error, _ = read_source(real_path)
    else:
        data, source, error = _decoded(data, real_path)
    if error is not None:
        report.errors.append(FileError(display_path, error.message, error.line, error.column))
        return report
    assert source is not None and data is not None
    if not source.text.strip():
        # SPEC asks for a message; not an error, or every empty __init__.py would fail CI.
        report.notes.append(EMPTY_FILE)
    if options.fix:
        new_text, applied, result = fix_text(source.text, display_path, options, options.fix)
        if applied and new_text != source.text:
            if options.diff:
                report.diff = unified_diff(source.text, new_text, display_path)
                report.fixed = applied
                result = lint_text(source.text, display_path, options)
            else:
                write_error = _write_fixed(real_path, source, new_text, data)
                if write_error:
                    report.errors.append(FileError(display_path, write_error))
                    result = lint_text(source.text, display_path, options)
                else:
                    report.fixed = applied
    else:
        result = lint_text(source.text, display_path, options)
    known: dict = {}
    for raw, finding in result.raw:
        if finding.fix is not None and options.fix_diffs:
            finding.fix.diff = single_fix_diff(result.module, raw, display_path, known)
    report.findings = result.findings
    report.errors.extend(result.errors)
    return report


def _write_fixed(path: str, source: Source, new_text: str, original: bytes) -> Optional[str]:
    try:
        data = source.encode(new_text)
    except UnicodeEncodeError as exc:
        return (f"cannot write fix: the fixed code has {exc.object[exc.start:exc.end]!r}, "
                f"which {source.encoding} cannot encode; not fixed")
    return write_atomic(path, data, original)


def write_atomic(path: str, data: bytes, expected_old: Optional[bytes]) -> Optional[str]:
    """Replace `path` with `data` atomically, keeping its mode (and owner when allowed);
    refuse if it changed since it was read.  A symbolic link stays a link: its target is
    replaced."""
    target = os.path.realpath(path)
    try:
        with open(target, "rb") as f:
            if expected_old is not None and f.read() != expected_old:
                return "changed on disk while lambdalint was running; not fixed"
        replace_atomically(target, data, like=os.stat(target))
    except OSError as exc:
        return f"cannot write fix: {exc.strerror or exc}; not fixed"
    return None


def replace_atomically(path: str, data: bytes, like: Optional[os.stat_result] = None,
                       durable: bool = True, prefix: str = ".lambdalint-") -> None:
    """Write a temporary file beside `path` (never a `.py`, so never linted), then rename
    it over `path`: readers see the old or the new content, never a part.  `like` gives
    the mode and owner to keep.  Ctrl-C is held back until the file is either untouched or
    replaced, and the temporary file is removed on any failure.  Raises OSError."""
    with interrupts_deferred():
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)), prefix=prefix,
                                   suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                if durable:
                    f.flush()
                    os.fsync(f.fileno())
            if like is not None:
                os.chmod(tmp, stat.S_IMODE(like.st_mode))
                _keep_owner(tmp, like)
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise


def _keep_owner(tmp: str, info: os.stat_result) -> None:
    if hasattr(os, "chown") and (info.st_uid, info.st_gid) != _owner(tmp):
        try:
            os.chown(tmp, info.st_uid, info.st_gid)
        except OSError:  # only root may give files away; the mode is what matters
            pass


def _owner(path: str) -> Tuple[int, int]:
    info = os.stat(path)
    return info.st_uid, info.st_gid


@contextlib.contextmanager
def interrupts_deferred():
    """Hold SIGINT back for the duration (main thread only) and raise KeyboardInterrupt
    after it, so an interrupted --fix never leaves a half-done file operation."""
    if threading.current_thread() is not threading.main_thread() \
            or signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield
        return
    received = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if received:
        raise KeyboardInterrupt


def is_code_selected(code: str, config: Config) -> bool:
    return is_selected(code, config.selected, config.ignore)
