"""`lambdalint` command line: a thin adapter over `lambdalint.pipeline`."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Dict, List, Optional, Sequence, Tuple

from lambdalint import __version__

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
SUBCOMMANDS = ("check", "rules", "explain", "server")


def _codes(value: str) -> List[str]:
    from lambdalint.registry import validate_code_prefixes

    codes = [c.strip().upper() for c in value.split(",") if c.strip()]
    try:
        validate_code_prefixes(codes)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return codes


def _jobs(value: str) -> int:
    try:
        jobs = int(value)
    except ValueError:
        jobs = 0
    if jobs < 1:
        raise argparse.ArgumentTypeError(f"expected a number of processes (1 or more), got {value!r}")
    return jobs


def _handler(value: str) -> str:
    path, sep, func = value.rpartition(":")
    if not sep or not path or not func:
        raise argparse.ArgumentTypeError(f"expected PATH:FUNC, got {value!r}")
    return f"{os.path.abspath(path)}:{func}"


def build_parser() -> argparse.ArgumentParser:
    from lambdalint.output import FORMATS

    parser = argparse.ArgumentParser(
        prog="lambdalint",
        description="Find state leaks, per-request setup and invariant I/O in AWS Lambda handlers.",
    )
    parser.add_argument("--version", action="version", version=f"lambdalint {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = sub.add_parser("check", help="lint files and directories (default: .)")
    parser.check_parser = check  # type: ignore[attr-defined]  # its usage for unknown options
    check.add_argument("paths", nargs="*", metavar="PATH", help="files or directories; `-` reads standard input")
    selection_group = check.add_argument_group("rule selection")
    selection_group.add_argument(
        "--select",
        action="append",
        type=_codes,
        metavar="CODES",
        help="comma-separated codes or prefixes to enable, or ALL (repeatable; replaces the configured selection)",
    )
    selection_group.add_argument(
        "--extend-select",
        action="append",
        type=_codes,
        metavar="CODES",
        help="codes or prefixes to enable on top of the selection (repeatable)",
    )
    selection_group.add_argument(
        "--ignore", action="append", type=_codes, metavar="CODES", help="codes or prefixes to disable (repeatable)"
    )
    out = check.add_argument_group("output")
    out.add_argument(
        "--format",
        "--output-format",
        dest="format",
        choices=sorted(FORMATS),
        default="text",
        help="output format (default: text)",
    )
    out.add_argument("--output-file", "-o", metavar="FILE", help="write the output to FILE")
    out.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour the text output (default: auto, when writing to a terminal)",
    )
    out.add_argument(
        "--show-fixes",
        action="store_true",
        help="show each fix's diff under its finding; with --fix, list what was fixed",
    )
    out.add_argument("--statistics", action="store_true", help="print a count per rule")
    out.add_argument(
        "--quiet", "-q", action="store_true", help="print the findings only: no summary, notes or progress bar"
    )
    fixes = check.add_argument_group("fixes")
    fixes.add_argument("--fix", action="store_true", help="apply safe fixes")
    fixes.add_argument(
        "--unsafe-fixes", action="store_true", help="with --fix or --diff, include fixes that may change behaviour"
    )
    fixes.add_argument(
        "--diff", action="store_true", help="print the fixes as a patch (git apply takes it) instead of writing them"
    )
    fixes.add_argument(
        "--add-noqa",
        action="store_true",
        help="add `# noqa: CODE` to every line with a finding (merged with an existing noqa)",
    )
    exits = check.add_mutually_exclusive_group()
    exits.add_argument("--exit-zero", action="store_true", help="exit 0 even with findings")
    exits.add_argument(
        "--exit-non-zero-on-fix",
        action="store_true",
        help="with --fix, exit 1 when a file was changed, even if no finding remains (for pre-commit and CI)",
    )
    check.add_argument(
        "--stdin-filename",
        metavar="PATH",
        help="lint standard input as the file PATH (with --fix, print the fixed text)",
    )
    check.add_argument("--watch", action="store_true", help="re-lint whenever files change, until interrupted (Ctrl-C)")
    check.add_argument(
        "--no-cache",
        action="store_true",
        help="do not read or write the result cache (.lambdalint_cache/ in the project root, or $LAMBDALINT_CACHE_DIR)",
    )
    check.add_argument(
        "--jobs", "-j", type=_jobs, default=None, metavar="N", help="parallel processes (default: all cores)"
    )
    check.add_argument("--config", metavar="FILE", help="pyproject.toml or TOML file to read")
    check.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="GLOB",
        help="skip matching paths (repeatable; adds to `exclude`)",
    )
    check.add_argument(
        "--no-respect-gitignore",
        dest="respect_gitignore",
        action="store_false",
        help="also lint the files that git ignores",
    )
    check.add_argument(
        "--handler",
        action="append",
        default=[],
        type=_handler,
        metavar="PATH:FUNC",
        help="add an entry point (repeatable)",
    )
    check.add_argument(
        "--show-handlers", action="store_true", help="list every entry point found and where it came from, then exit"
    )

    rules = sub.add_parser("rules", help="list the rules")
    rules.add_argument("--format", choices=("text", "json", "markdown"), default="text")

    explain = sub.add_parser("explain", help="explain one rule")
    explain.add_argument("code", metavar="CODE")

    sub.add_parser("server", help="run the language server (LSP) over standard input and output")
    return parser


def _never_fail_on_file_names() -> None:
    """A file name with bytes that are not UTF-8 (a lone surrogate in Python) is written
    escaped, never as invalid UTF-8 and never as a UnicodeEncodeError: the formats clean
    what they write, this is for every other line (notes, --show-handlers)."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="backslashreplace")
            except (ValueError, OSError):
                pass


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] not in SUBCOMMANDS and (not argv[0].startswith("-") or argv[0] == "-"):
        argv.insert(0, "check")  # `lambdalint src/` means `lambdalint check src/`
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        # An unknown option belongs to the subcommand's usage, not the top-level one.
        owner = parser.check_parser if args.command == "check" else parser  # type: ignore[attr-defined]
        owner.error(f"unrecognized arguments: {' '.join(unknown)}")
    try:
        if args.command == "check":
            _never_fail_on_file_names()
            problem = _conflicts(args)
            if problem:
                parser.check_parser.error(problem)  # type: ignore[attr-defined]
            from lambdalint._gc import collecting_less_often

            with collecting_less_often():  # imports, the tree walk and templates allocate too
                if args.watch:
                    from lambdalint.watch import watch

                    return watch(args)
                return _check(args)
        if args.command == "rules":
            from lambdalint.docs import print_rules

            print_rules(args.format, sys.stdout)
            return EXIT_OK
        if args.command == "explain":
            from lambdalint.docs import explain

            return explain(args.code, sys.stdout)
        if args.command == "server":
            from lambdalint.server import serve

            return serve()
    except KeyboardInterrupt:
        sys.stderr.write("lambdalint: interrupted\n")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # `lambdalint rules | head`: the reader left early.  Python's documented recipe:
        # point stdout at devnull so the interpreter's final flush does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FINDINGS
    parser.print_help()
    return EXIT_USAGE


def _conflicts(args: argparse.Namespace) -> Optional[str]:
    if args.add_noqa and (args.fix or args.diff):
        return "--add-noqa cannot be combined with --fix or --diff"
    if args.watch and (args.add_noqa or args.diff or _reads_stdin(args) or args.show_handlers):
        return "--watch cannot be combined with --add-noqa, --diff, --show-handlers or standard input"
    if _reads_stdin(args) and (args.add_noqa or len(args.paths) > 1):
        return "standard input is linted alone and cannot take --add-noqa"
    return None


def _flat(values: Optional[List[List[str]]]) -> Optional[Tuple[str, ...]]:
    """Repeated comma-separated options, in order (a repeated --select adds, as in ruff)."""
    if values is None:
        return None
    return tuple(code for group in values for code in group)


def selection(args: argparse.Namespace) -> Dict[str, Tuple[str, ...]]:
    """--select / --extend-select / --ignore for `Request.selection` (layered on the
    configuration as ruff layers them; a repeated option adds to itself)."""
    out: Dict[str, Tuple[str, ...]] = {}
    for key, values in (("select", args.select), ("extend_select", args.extend_select), ("ignore", args.ignore)):
        flat = _flat(values)
        if flat is not None:
            out[key] = flat
    return out


def _reads_stdin(args: argparse.Namespace) -> bool:
    return args.paths == ["-"] or (args.stdin_filename is not None and not args.paths)


def build_request(args: argparse.Namespace, sources: Optional[Dict[str, str]] = None):
    """The pipeline request that `check`'s options ask for."""
    from lambdalint import pipeline

    fixing = args.fix or args.diff
    return pipeline.Request(
        paths=list(sources) if sources else (args.paths or ["."]),
        config_file=args.config,
        selection=selection(args),
        exclude=args.exclude,
        handlers=args.handler,
        fix=("unsafe" if args.unsafe_fixes else "safe") if fixing else None,
        diff=args.diff or bool(sources and fixing),  # standard input is never written to
        cache=not args.no_cache,
        jobs=args.jobs,
        # the outputs that show each fix's diff
        fix_diffs=args.format in ("json", "sarif") or args.show_fixes,
        respect_gitignore=args.respect_gitignore,
        sources=sources or {},
    )


def prepare(args: argparse.Namespace, sources: Optional[Dict[str, str]] = None):
    """The pipeline's project for `args`, or an exit code (bad settings or paths)."""
    from lambdalint import pipeline

    try:
        return pipeline.prepare(build_request(args, sources))
    except pipeline.ConfigError as exc:
        sys.stderr.write(f"lambdalint: configuration error: {exc}\n")
        return EXIT_USAGE
    except pipeline.PathsNotFound as exc:
        for path in exc.paths:
            sys.stderr.write(f"lambdalint: {path}: no such file or directory\n")
        return EXIT_USAGE


def _check(args: argparse.Namespace) -> int:
    from lambdalint import pipeline
    from lambdalint.progress import ProgressBar

    sources = None
    if _reads_stdin(args):
        from lambdalint.source import SourceError, decode

        name = args.stdin_filename or "-"
        try:
            sources = {name: decode(sys.stdin.buffer.read()).text}
        except SourceError as exc:
            sys.stderr.write(f"error: {name}: {exc}\n")
            return EXIT_FINDINGS
    project = prepare(args, sources)
    if isinstance(project, int):
        return project
    if args.show_handlers:
        return _show_handlers(project)
    with ProgressBar() if not args.quiet else _no_progress() as progress:
        reports = pipeline.check(project, progress=progress)
    if args.add_noqa:
        return _add_noqa(args, project, reports)
    if sources is not None:
        return _report_stdin(args, project, reports, sources)
    return report(args, reports)


class _no_progress:
    def __enter__(self):
        return None

    def __exit__(self, *exc) -> None:
        pass


def _result(args: argparse.Namespace, reports, color: Optional[str] = None):
    from lambdalint.output import RunResult

    return RunResult(
        reports,
        fix_mode=bool(args.fix) and not args.diff,
        unsafe_fixes=args.unsafe_fixes,
        diff_mode=args.diff,
        statistics=args.statistics,
        show_fixes=args.show_fixes,
        quiet=args.quiet,
        color=color or ("never" if args.output_file else args.color),
    )


def report(args: argparse.Namespace, reports, out=None) -> int:
    """Print a run's reports as `args` asks and return the exit code."""
    from lambdalint.output import FORMATS, write_notes, write_patch

    result = _result(args, reports)
    target = out
    try:
        if target is None:
            target = (
                open(args.output_file, "w", encoding="utf-8", errors="backslashreplace")
                if args.output_file
                else sys.stdout
            )
    except OSError as exc:
        sys.stderr.write(f"lambdalint: cannot write {args.output_file}: {exc.strerror or exc}\n")
        return EXIT_USAGE
    try:
        if args.diff:
            write_patch(result, target)
        else:
            FORMATS[args.format](result, target)
            if args.format != "text" and not args.quiet:
                write_notes(result)
    finally:
        if target is not sys.stdout and target is not out:
            target.close()
    return exit_code(args, result)


def exit_code(args: argparse.Namespace, result) -> int:
    if args.diff:
        return EXIT_FINDINGS if any(r.diff for r in result.reports) else EXIT_OK
    if args.exit_zero:
        return EXIT_OK
    if args.fix and args.exit_non_zero_on_fix and result.fixed:
        return EXIT_FINDINGS
    return EXIT_FINDINGS if result.findings or result.errors else EXIT_OK


def _report_stdin(args: argparse.Namespace, project, reports, sources: Dict[str, str]) -> int:
    """Standard input: with --fix the fixed text goes to stdout (as ruff does) and the
    findings that remain to stderr; otherwise the findings as usual."""
    if not args.fix or args.diff:
        return report(args, reports)
    from lambdalint.output import diff_replacements

    ((name, text),) = sources.items()
    fixed = text
    for r in reports:
        if r.diff:
            edits = diff_replacements(r.diff, text) or []
            for edit in sorted(edits, key=lambda e: e["deletedRegion"]["charOffset"], reverse=True):
                start = edit["deletedRegion"]["charOffset"]
                end = start + edit["deletedRegion"]["charLength"]
                fixed = fixed[:start] + edit.get("insertedContent", {}).get("text", "") + fixed[end:]
    sys.stdout.write(fixed)
    sys.stdout.flush()
    args.fix, args.output_file = True, None
    return report(args, reports, out=sys.stderr)


def _add_noqa(args: argparse.Namespace, project, reports) -> int:
    """`--add-noqa`: every finding gets its `# noqa: CODE`; then nothing is reported."""
    from lambdalint.addnoqa import add_noqa

    findings = [f for r in reports for f in r.findings]
    done = add_noqa(findings, project.cwd, project.options.may_write)
    for path, message in done.errors:
        sys.stderr.write(f"error: {path}: {message}\n")
    for r in reports:
        for error in r.errors:
            sys.stderr.write(f"error: {error.path}: {error.message}\n")
    if done.skipped:
        sys.stderr.write(f"warning: {done.skipped} finding(s) in JSON files cannot carry a comment\n")
    if not args.quiet:
        sys.stderr.write(
            f"Added {done.added} noqa directive{'s' if done.added != 1 else ''} "
            f"to {done.files} file{'s' if done.files != 1 else ''}.\n"
        )
    failed = done.errors or done.skipped or any(r.errors for r in reports)
    return EXIT_FINDINGS if failed and not args.exit_zero else EXIT_OK


def _show_handlers(project) -> int:
    """`check --show-handlers`: every entry point, what made it one and how it runs.
    Paths, names and template values come from the code: written as the text output
    writes them (no control characters, no workflow command for a CI log)."""
    from lambdalint.escaping import terminal_path, terminal_text
    from lambdalint.pipeline import handler_listing

    def line(path: str, rest: str) -> None:
        sys.stdout.write(f"{terminal_path(path)}{terminal_text(rest)}\n")

    for item in handler_listing(project):
        if item.problem is not None:
            line(item.path, f": {item.function}  (not found: {item.problem})")
            continue
        settings = f"; {item.settings}" if item.settings else ""
        line(item.path, f":{item.line}: {item.function}  ({item.origin}{settings})")
        for label in item.reaches:
            sys.stdout.write(f"    reaches {terminal_text(label)}\n")
    for error in project.templates.errors:
        line(project.display(error.path), f": error: {error.message}")
    for note in project.templates.notes:
        where = f":{note.line}" if note.line else ""
        line(project.display(note.path), f"{where}: note: {note.message}")
    return EXIT_OK
