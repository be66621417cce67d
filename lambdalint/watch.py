"""`lambdalint check --watch`: lint, then lint again whenever a file changes, until Ctrl-C.

Each run goes through the same pipeline as `check` with the result cache, so only the
files that changed (and those whose findings depend on them) are analysed again.
Changes are watched with `watchfiles` under the project root, so an edited template or
`pyproject.toml` counts too.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Iterable, List, Tuple

from lambdalint.discovery import SKIP_DIRS

WATCHED_SUFFIXES = (".py", ".pyi", ".yaml", ".yml", ".json", ".toml", ".template")
DEBOUNCE_MS = 200


def _wanted(path: str) -> bool:
    name = os.path.basename(path)
    if not name.endswith(WATCHED_SUFFIXES) or name.startswith(".lambdalint-"):
        return False
    parts = set(os.path.normpath(path).split(os.sep))
    return not parts & SKIP_DIRS


def _roots(args: argparse.Namespace, project) -> List[str]:
    roots = {os.path.abspath(project.root)}
    for path in args.paths or ["."]:
        absolute = os.path.abspath(path)
        if not any((absolute + os.sep).startswith(r.rstrip(os.sep) + os.sep) for r in roots):
            roots.add(absolute if os.path.isdir(absolute) else os.path.dirname(absolute))
    return sorted(roots)


def _run(args: argparse.Namespace) -> None:
    from lambdalint import cli, pipeline

    project = cli.prepare(args)
    if isinstance(project, int):  # bad settings: said on stderr; wait for the next change
        return
    reports = pipeline.check(project)
    cli.report(args, reports)
    sys.stdout.flush()


def _describe(changes: Iterable[Tuple[object, str]], cwd: str) -> str:
    names = sorted({os.path.relpath(path, cwd) for _, path in changes})
    return ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")


def watch(args: argparse.Namespace) -> int:
    """Runs until Ctrl-C (KeyboardInterrupt: exit 130, as a process killed by SIGINT)."""
    from watchfiles import watch as changes_of

    from lambdalint import cli

    project = cli.prepare(args)
    if isinstance(project, int):
        return project
    terminal = sys.stdout.isatty()
    cwd = os.getcwd()
    # The watcher starts before the first run (an empty set after `rust_timeout` says it
    # is ready), so a change made while that run goes on is not missed.
    changes = changes_of(
        *_roots(args, project),
        watch_filter=lambda change, path: _wanted(path),
        debounce=DEBOUNCE_MS,
        rust_timeout=100,
        yield_on_timeout=True,
        raise_interrupt=True,
    )
    next(changes)
    sys.stderr.write("Starting lambdalint in watch mode (Ctrl-C to stop)...\n")
    sys.stderr.flush()
    _run(args)
    for changed in changes:
        if not changed:
            continue
        if terminal:
            sys.stdout.write("\x1b[2J\x1b[H")  # clear the screen, as ruff does
        stamp = time.strftime("%H:%M:%S")
        sys.stderr.write(f"[{stamp}] File change detected ({_describe(changed, cwd)}); re-linting...\n")
        sys.stderr.flush()
        _run(args)
    return 0
