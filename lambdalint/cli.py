"""`lambdalint` command line: a thin adapter over the engine."""

from __future__ import annotations

import argparse
import os
import sys
from typing import List, Optional, Sequence

from lambdalint import __version__

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
SUBCOMMANDS = ("check", "rules", "explain")


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
    check.add_argument("paths", nargs="*", metavar="PATH", help="files or directories")
    check.add_argument("--select", type=_codes, help="comma-separated codes or prefixes to enable")
    check.add_argument("--ignore", type=_codes, help="comma-separated codes or prefixes to disable")
    check.add_argument("--format", choices=sorted(FORMATS), default="text",
                       help="output format (default: text)")
    check.add_argument("--fix", action="store_true", help="apply safe fixes")
    check.add_argument("--unsafe-fixes", action="store_true",
                       help="with --fix or --diff, include fixes that may change behaviour")
    check.add_argument("--diff", action="store_true",
                       help="print the fixes as a unified diff instead of writing them")
    check.add_argument("--statistics", action="store_true", help="print a count per rule")
    exits = check.add_mutually_exclusive_group()
    exits.add_argument("--exit-zero", action="store_true", help="exit 0 even with findings")
    exits.add_argument("--exit-non-zero-on-fix", action="store_true",
                       help="with --fix, exit 1 when a file was changed, even if no finding "
                            "remains (for pre-commit and CI)")
    check.add_argument("--no-cache", action="store_true",
                       help="do not read or write the result cache (.lambdalint_cache/ in the "
                            "project root, or $LAMBDALINT_CACHE_DIR)")
    check.add_argument("--jobs", "-j", type=_jobs, default=None, metavar="N",
                       help="parallel processes (default: all cores)")
    check.add_argument("--config", metavar="FILE", help="pyproject.toml or TOML file to read")
    check.add_argument("--exclude", action="append", default=[], metavar="GLOB",
                       help="skip matching paths (repeatable; adds to `exclude`)")
    check.add_argument("--handler", action="append", default=[], type=_handler,
                       metavar="PATH:FUNC", help="add an entry point (repeatable)")
    check.add_argument("--show-handlers", action="store_true",
                       help="list every entry point found and where it came from, then exit")

    rules = sub.add_parser("rules", help="list the rules")
    rules.add_argument("--format", choices=("text", "json", "markdown"), default="text")

    explain = sub.add_parser("explain", help="explain one rule")
    explain.add_argument("code", metavar="CODE")
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] not in SUBCOMMANDS and not argv[0].startswith("-"):
        argv.insert(0, "check")  # `lambdalint src/` means `lambdalint check src/`
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "check":
            return _check(args)
        if args.command == "rules":
            from lambdalint.docs import print_rules

            print_rules(args.format, sys.stdout)
            return EXIT_OK
        if args.command == "explain":
            from lambdalint.docs import explain

            return explain(args.code, sys.stdout)
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


def _check(args: argparse.Namespace) -> int:
    from lambdalint import pipeline
    from lambdalint.output import FORMATS, RunResult, write_notes

    overrides = {}
    if args.select:
        overrides["select"] = tuple(args.select)
    if args.ignore:
        overrides["ignore"] = tuple(args.ignore)
    request = pipeline.Request(
        paths=args.paths or ["."],
        config_file=args.config,
        overrides=overrides,
        exclude=args.exclude,
        handlers=args.handler,
        fix=("unsafe" if args.unsafe_fixes else "safe") if (args.fix or args.diff) else None,
        diff=args.diff,
        cache=not args.no_cache,
        jobs=args.jobs,
        fix_diffs=args.format in ("json", "sarif"),  # the formats that show each fix's diff
    )
    try:
        project = pipeline.prepare(request)
    except pipeline.ConfigError as exc:
        sys.stderr.write(f"lambdalint: configuration error: {exc}\n")
        return EXIT_USAGE
    except pipeline.PathsNotFound as exc:
        for path in exc.paths:
            sys.stderr.write(f"lambdalint: {path}: no such file or directory\n")
        return EXIT_USAGE
    if args.show_handlers:
        return _show_handlers(project)
    reports = pipeline.check(project)
    result = RunResult(reports, fix_mode=bool(args.fix), unsafe_fixes=args.unsafe_fixes,
                       diff_mode=args.diff, statistics=args.statistics)
    FORMATS[args.format](result, sys.stdout)
    write_notes(result)
    if args.diff:
        return EXIT_FINDINGS if any(r.diff for r in reports) else EXIT_OK
    if args.exit_zero:
        return EXIT_OK
    if args.fix and args.exit_non_zero_on_fix and result.fixed:
        return EXIT_FINDINGS
    return EXIT_FINDINGS if result.findings or result.errors else EXIT_OK


def _show_handlers(project) -> int:
    """`check --show-handlers`: every entry point, what made it one and how it runs."""
    from lambdalint.pipeline import handler_listing

    for item in handler_listing(project):
        if item.problem is not None:
            sys.stdout.write(f"{item.path}: {item.function}  (not found: {item.problem})\n")
            continue
        settings = f"; {item.settings}" if item.settings else ""
        sys.stdout.write(f"{item.path}:{item.line}: {item.function}  ({item.origin}{settings})\n")
        for label in item.reaches:
            sys.stdout.write(f"    reaches {label}\n")
    for error in project.templates.errors:
        sys.stdout.write(f"{project.display(error.path)}: error: {error.message}\n")
    for note in project.templates.notes:
        where = f"{project.display(note.path)}:{note.line}" if note.line else project.display(note.path)
        sys.stdout.write(f"{where}: note: {note.message}\n")
    return EXIT_OK
