"""The one rule engine: parse once, analyse once, run every selected rule, fix.

Every front end reaches it through `lambdalint.pipeline`; `lint_text` lints one module's
text, `fix_text` applies fixes until the text is stable, `check_file` does either for a
file on disk.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Dict, List, Optional, Sequence, Tuple, Type

from lambdalint import noqa
from lambdalint.config import Config
from lambdalint.files import decoded, read_source, write_fixed
from lambdalint.model import SAFE, FileError, FileReport, Finding, Fix, NamedHandler, RawFinding
from lambdalint.parsing import might_have_entry_point, parse, parse_with_lines, syntax_error
from lambdalint.registry import selected_rules
from lambdalint.rule import Rule
from lambdalint.source import Source, source_lines

if TYPE_CHECKING:
    import libcst as cst

    from lambdalint.analysis import ModuleAnalysis, ProjectAnalysis
    from lambdalint.project.layout import SourceLayout

BUG_REPORT_URL = "https://github.com/lambdalint/lambdalint/issues"
MAX_FIX_PASSES = 10
EMPTY_FILE = "empty file, nothing to check"
NOT_WRITTEN = "not fixed: the file is outside the paths given to lint (reached through a template or a symbolic link)"
UNUSED_NOQA = "LAM001"  # judged after the other rules, from the noqa comments they needed


@dataclass
class Options:
    """How to run: which rules, which extra entry points, whether to fix."""

    config: Config
    rules: List[Type[Rule]] = field(default_factory=list)
    # real path -> {function: (source, detail)}: from configuration, --handler and templates
    entry_points: Dict[str, Dict[str, NamedHandler]] = field(default_factory=dict)
    fix: Optional[str] = None  # None, "safe" or "unsafe": the fixes to compute
    diff: bool = False  # show the fixes as a diff instead of writing them
    # False when the caller applies noqa comments itself (flake8 does, and has --disable-noqa).
    noqa: bool = True
    # Compute each finding's fix diff (`fix.diff`): only the JSON and SARIF outputs show it;
    # it costs a transform and code generation per fix.
    fix_diffs: bool = True
    layout: Optional[SourceLayout] = None  # the project's source roots; None for a lone module
    cwd: Optional[str] = None  # display paths are relative to it (None: the working directory)
    # Where --fix may write (real paths of the linted paths); empty: anywhere it lints.
    write_roots: Tuple[str, ...] = ()

    def may_write(self, path: str) -> bool:
        """`path`, followed through symbolic links, is under the linted paths: code from
        strangers (a link, a template naming a module elsewhere) must not make --fix
        change a file nobody asked to fix."""
        if not self.write_roots:
            return True
        real = os.path.realpath(path)
        return any(real == root or real.startswith(root.rstrip(os.sep) + os.sep) for root in self.write_roots)

    def selected_rules(self) -> List[Type[Rule]]:
        # Resolved on first use: importing the rules imports libcst, which files without
        # an entry point never need.
        if not self.rules:
            self.rules = selected_rules(self.config.selected, self.config.ignore)
        return self.rules

    def entry_points_for(self, path: str) -> Dict[str, NamedHandler]:
        """Entry points named for the file at `path` (relative to `cwd`, or absolute)."""
        return self.entry_points_at(os.path.realpath(os.path.join(self.cwd or "", path)))

    def entry_points_at(self, real_path: str) -> Dict[str, NamedHandler]:
        """`entry_points_for` a path already resolved (a project's members are)."""
        return self.entry_points.get(real_path, {})


# -- linting text -----------------------------------------------------------------------


@dataclass
class LintResult:
    findings: List[Finding]
    errors: List[FileError]
    module: Optional[cst.Module] = None  # the parsed libcst Module, when one was built
    raw: List[Tuple[RawFinding, Finding]] = field(default_factory=list)
    fix_errors: List[FileError] = field(default_factory=list)  # why fixing stopped, if it failed
    fixed_codes: List[str] = field(default_factory=list)  # by fix_text: a code per finding fixed


def needs_analysis(text: str, path: str, options: Options) -> bool:
    """Whether the file can have findings at all (else LibCST is never run on it)."""
    return might_have_entry_point(text, options.config.handler_names, bool(options.entry_points_for(path)))


def lint_text(text: str, path: str, options: Options, module=None, light: bool = False) -> LintResult:
    """Lint one module's text on its own.  `path` is the display path used in findings.
    `light`: the project's pre-pass already found no entry point in it (syntax check only)."""
    if noqa.file_exemption(text) is noqa.ALL:  # `# lambdalint: noqa` at the top of the file
        return LintResult([], [])
    if module is None and (light or not needs_analysis(text, path, options)):
        error = syntax_error(text, path)
        return LintResult([], [error] if error else [])
    real = os.path.realpath(os.path.join(options.cwd or "", path))
    unit = Unit(options)
    unit.set(real, path, text, module)
    return unit.lint([real])[real]


class Unit:
    """Modules that import one another, linted together as one project: calls are followed
    between them, and each module's findings are its own.  Parsed modules are kept, so a
    fix in one member re-parses only that one."""

    def __init__(self, options: Options, layout=None) -> None:
        self.options = options
        self.layout = layout  # lambdalint.project.layout.SourceLayout, None for a lone module
        self.members: Dict[str, Tuple[str, str]] = {}  # real path -> (display path, text)
        # real path -> (text, module, its statement lines, error)
        self._parsed: Dict[str, Tuple[str, object, Optional[Tuple[int, ...]], Optional[FileError]]] = {}

    def set(self, real: str, shown: str, text: str, module=None) -> None:
        self.members[real] = (shown, text)
        if module is not None:
            self._parsed[real] = (text, module, None, None)

    def _parse(self, real: str):
        """(module, parsing.statement_lines or None, error) of a member's current text."""
        shown, text = self.members[real]
        cached = self._parsed.get(real)
        if cached is None or cached[0] != text:
            cached = self._parsed[real] = (text, *parse_with_lines(text, shown))
        return cached[1:]

    def analyse(self) -> Tuple[ProjectAnalysis, Dict[str, ModuleAnalysis], Dict[str, LintResult]]:
        """(the linked ProjectAnalysis, each member's ModuleAnalysis, results for the members
        that could not be analysed) by real path."""
        from lambdalint.analysis import ModuleAnalysis, ProjectAnalysis

        config = self.options.config
        failed: Dict[str, LintResult] = {}
        project = ProjectAnalysis(self.layout)
        analyses = {}
        for real, (shown, text) in self.members.items():
            module, lines, error = self._parse(real)
            if error is not None:
                failed[real] = LintResult([], [error])
                continue
            try:
                analyses[real] = ModuleAnalysis(
                    module,
                    shown,
                    config,
                    self.options.entry_points_at(real),
                    project=project,
                    real_path=real,
                    source=(text, lines),
                )
            except RecursionError:
                failed[real] = LintResult(
                    [], [FileError(shown, "too deeply nested to analyse (recursion limit)")], module
                )
            except Exception as exc:  # a bug in the shared analysis: this file only
                failed[real] = LintResult([], [FileError(shown, internal_error("the analysis", exc))], module)
        try:
            project.link()
        except Exception as exc:  # a bug in linking: every file of the unit says so
            for real, analysis in analyses.items():
                message = (
                    "too deeply nested to analyse (recursion limit)"
                    if isinstance(exc, RecursionError)
                    else internal_error("the analysis", exc)
                )
                failed[real] = LintResult([], [FileError(analysis.path, message)], analysis.module)
            analyses = {}
        return project, analyses, failed

    def lint(self, wanted: Sequence[str]) -> Dict[str, LintResult]:
        """A LintResult for each real path in `wanted`, with the whole unit in view."""
        _, analyses, results = self.analyse()
        for real, analysis in analyses.items():
            if real in wanted:
                results[real] = _run_rules(analysis, self.members[real][1], self.options)
        return {real: results.get(real, LintResult([], [])) for real in wanted}


def _run_rules(analysis, text: str, options: Options) -> LintResult:
    """Every selected rule over one module of a linked project."""
    path, config, module = analysis.path, options.config, analysis.module
    exempt = noqa.file_exemption(text)  # `# lambdalint: noqa` at the top of the file
    if not analysis.project.loaded_by_lambda or exempt is noqa.ALL:
        return LintResult([], [], module)  # no Lambda loads it, or the file opts out
    rules = [
        r
        for r in options.selected_rules()
        if config.allows(r.code, path, options.cwd) and not (exempt and noqa.is_suppressed(r.code, 0, {0: exempt}))
    ]
    silenced = noqa.python_noqa_lines(text) if options.noqa else {}
    used: Dict[int, set] = {}  # line -> codes of the findings a noqa comment silenced there
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
            errors.append(FileError(path, internal_error(f"{rule_type.code} ({rule_type.name})", exc)))
    try:
        analysis.resolve_positions(raw.node for _, raws in reported for raw in raws)  # one pass
    except Exception:  # pragma: no cover - _to_finding resolves (and reports) them one by one
        pass
    for rule_type, raws in reported:
        try:
            pairs = [(raw, _to_finding(raw, rule_type, analysis, path)) for raw in raws]
        except Exception as exc:  # a node the rule reported that is not in the module
            errors.append(FileError(path, internal_error(f"{rule_type.code} ({rule_type.name})", exc)))
            continue
        for raw, finding in pairs:
            if not noqa.is_suppressed(finding.code, finding.line, silenced):
                findings.append(finding)
                raw_pairs.append((raw, finding))
            else:
                used.setdefault(finding.line, set()).add(finding.code)
    if silenced and any(r.code == UNUSED_NOQA for r in rules):
        from lambdalint.rules.lam001_unused_noqa import unused_noqa

        try:
            for raw, finding in unused_noqa(analysis, text, path, used, {r.code for r in rules}):
                findings.append(finding)
                raw_pairs.append((raw, finding))
        except Exception as exc:
            errors.append(FileError(path, internal_error(f"{UNUSED_NOQA} (unused-noqa)", exc)))
    findings.sort(key=Finding.sort_key)
    return LintResult(findings, errors, module, raw_pairs)


def internal_error(where: str, exc: BaseException) -> str:
    return (
        f"internal error in {where}: {type(exc).__name__}: {exc}; this is a lambdalint bug, "
        f"please report it with the file at {BUG_REPORT_URL}"
    )


def _to_finding(raw: RawFinding, rule: Type[Rule], analysis, path: str) -> Finding:
    position = analysis.position(raw.node)
    handler = analysis.handler_label(raw.function) if raw.function is not None else None
    chain = analysis.call_chain(raw.function) if raw.function is not None else []
    if raw.via is not None:
        from lambdalint.analysis import function_label

        chain = [*(chain or [function_label(raw.function)]), function_label(raw.via)]
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
        call_chain=chain,
        fix=raw.fix,
    )


# -- fixing -------------------------------------------------------------------------------


def _applicable(finding: Finding, level: str) -> bool:
    return finding.fix is not None and (level == "unsafe" or finding.fix.applicability == SAFE)


def fix_text(
    text: str,
    path: str,
    options: Options,
    level: str,
    relint: Optional[Callable[[str, object], LintResult]] = None,
    linted: Optional[LintResult] = None,
) -> Tuple[str, int, LintResult]:
    """Apply fixes up to `level` until stable.  Returns (new text, fixes applied, last lint).
    `relint(text, module)` lints the new text (default: as a module on its own); `linted`
    is the lint of `text` when the caller has it already."""
    from lambdalint import fixer

    if relint is None:

        def relint(new_text: str, module: object) -> LintResult:
            return lint_text(new_text, path, options, module=module)

    applied = 0
    fixed_codes: List[str] = []
    result = linted if linted is not None else relint(text, None)
    for _ in range(MAX_FIX_PASSES):
        chosen: List[Fix] = []
        anchors: List[cst.CSTNode] = []
        codes: List[str] = []
        shared = 0  # findings resolved by a fix object another finding already chose
        for raw, finding in result.raw:
            fix = finding.fix
            if fix is None or not _applicable(finding, level):
                continue
            if any(fix is other for other in chosen):
                shared += 1  # one edit set covering several findings (e.g. LAM101 resets)
                codes.append(finding.code)
                continue
            if any(fixer.conflicts(fix, other) for other in chosen):
                continue  # waits for the next pass
            chosen.append(fix)
            anchors.append(raw.node)
            codes.append(finding.code)
        if not chosen:
            break
        try:
            assert result.module is not None  # a module with findings was parsed
            new_text = fixer.apply(result.module, chosen, anchors).code
        except RecursionError:
            result.fix_errors.append(FileError(path, "too deeply nested to fix (recursion limit); not fixed"))
            result.errors.extend(result.fix_errors)
            break
        except Exception as exc:  # a fixer bug: keep the findings, fix nothing more
            result.fix_errors.append(FileError(path, internal_error("the fixer", exc) + "; not fixed"))
            result.errors.extend(result.fix_errors)
            break
        reparsed, error = parse(new_text, path)
        if error is not None or new_text == text:
            break  # never produce code that does not parse
        text = new_text
        applied += len(chosen) + shared
        fixed_codes.extend(codes)
        result = relint(text, reparsed)
    result.fixed_codes = fixed_codes
    return text, applied, result


def single_fix_diff(module, raw: RawFinding, path: str, known: Optional[dict] = None) -> str:
    """The diff of one finding's fix.  `known` (kept by the caller across the findings
    of one module) lets the code of unchanged statements be generated only once."""
    from lambdalint import fixer
    from lambdalint._cstfast import module_code

    known = {} if known is None else known
    old = module_code(module, known, remember=True)
    try:
        assert raw.fix is not None
        new = module_code(fixer.apply(module, [raw.fix], [raw.node]), known)
    except Exception:  # a diff for display only; the fix itself is checked when applied
        return ""
    return unified_diff(old, new, path)


def unified_diff(old: str, new: str, path: str) -> str:
    out = []
    for line in difflib.unified_diff(
        source_lines(old, keepends=True),
        source_lines(new, keepends=True),
        fromfile=path,
        tofile=path,
    ):
        out.append(line)
        if not line.endswith(("\n", "\r")):  # a last line without its newline, marked as git does
            out.append("\n\\ No newline at end of file\n")
    return "".join(out)


# -- files --------------------------------------------------------------------------------

Member = Tuple[str, str, Optional[bytes]]  # (real path, display path, content if already read)


def check_file(
    real_path: str, display_path: str, options: Options, data: Optional[bytes] = None, light: bool = False
) -> FileReport:
    """Lint (and fix) one file on its own.  Never raises: any failure is an error for this
    file.  `data` is its content when the caller has read it already; `light` as for
    `lint_text`."""
    return check_unit([(real_path, display_path, data)], [real_path], options, light=light)[0]


def check_unit(
    members: Sequence[Member], linted: Sequence[str], options: Options, layout=None, light: bool = False
) -> List[FileReport]:
    """Lint (and fix) the `linted` members of a unit (real paths), with every member in
    view; one report per linted member, in order.  Never raises."""
    try:
        return _check_unit(members, linted, options, layout, light)
    except RecursionError:
        message = "too deeply nested to analyse (recursion limit)"
    except Exception as exc:
        message = internal_error("the engine", exc)
    shown = {real: display for real, display, _ in members}
    return [FileReport(shown[real], errors=[FileError(shown[real], message)]) for real in linted]


def _check_unit(
    members: Sequence[Member], linted: Sequence[str], options: Options, layout, light: bool
) -> List[FileReport]:
    reports: Dict[str, FileReport] = {}
    sources: Dict[str, Tuple[bytes, Source]] = {}
    alone = len(members) == 1 and layout is None
    unit = Unit(options, layout)
    for real, shown, data in members:
        report = reports[real] = FileReport(shown)
        if data is None:
            data, source, error, _ = read_source(real)
        else:
            data, source, error = decoded(data, real)
        if error is not None:
            report.errors.append(FileError(shown, error.message, error.line, error.column))
            continue
        assert source is not None and data is not None
        if not source.text.strip():
            # A note, not an error, or every empty __init__.py would fail CI.
            report.notes.append(EMPTY_FILE)
        sources[real] = (data, source)
        unit.set(real, shown, source.text)

    def lint(wanted: Sequence[str]) -> Dict[str, LintResult]:
        if alone:  # a lone file keeps the pre-pass: no entry point, no LibCST
            return {
                real: lint_text(unit.members[real][1], unit.members[real][0], options, light=light) for real in wanted
            }
        return unit.lint(wanted)

    wanted = [real for real in linted if real in sources]
    # Lints cost the whole unit, so they are shared: one for every member, and one more
    # only after a fix changes a module the others see (cost grows with fixes, not members).
    results: Dict[str, LintResult] = {}
    if options.fix:
        for real in wanted:
            if real not in results:
                results = lint(wanted)
            current = results[real]
            if not any(_applicable(finding, options.fix) for _, finding in current.raw):
                continue
            shown, original = unit.members[real]

            def relint(text: str, module: object, real: str = real, shown: str = shown) -> LintResult:
                unit.set(real, shown, text, module)
                return lint([real])[real]

            # `current` is still the lint of `original`: nothing changed since it was made
            new_text, applied, last = fix_text(original, shown, options, options.fix, relint, linted=current)
            unit.set(real, shown, original)
            report = reports[real]
            report.errors.extend(last.fix_errors)
            results.pop(real)  # fix_text may have added its errors to it
            if not applied or new_text == original:
                continue
            if options.diff:
                # What --fix would leave: the findings of the fixed text, as --fix counts them.
                report.diff = unified_diff(original, new_text, shown)
                report.fixed = applied
                report.fixed_codes = _counts(last.fixed_codes)
                unit.set(real, shown, new_text)
                results = {}  # every member sees the fixed module
                continue
            if not options.may_write(real):
                report.notes.append(NOT_WRITTEN)
                continue
            data, source = sources[real]
            write_error = write_fixed(real, source, new_text, data)
            if write_error:
                report.errors.append(FileError(shown, write_error))
            else:
                report.fixed = applied
                report.fixed_codes = _counts(last.fixed_codes)
                unit.set(real, shown, new_text)  # the other members see the fixed module
                results = {}
    stale = [real for real in wanted if real not in results]
    if stale:
        results.update(lint(stale))
    for real in wanted:
        result, report = results[real], reports[real]
        known: dict = {}
        for raw, finding in result.raw:
            if finding.fix is not None and options.fix_diffs:
                finding.fix.diff = single_fix_diff(result.module, raw, report.path, known)
        report.findings = result.findings
        report.errors.extend(result.errors)
    return [reports[real] for real in linted]


def _counts(codes: List[str]) -> Dict[str, int]:
    out: Dict[str, int] = {}
    for code in codes:
        out[code] = out.get(code, 0) + 1
    return out
