"""Which files to lint: directories recursively, `*.py`, minus excludes and tool folders."""

from __future__ import annotations

import fnmatch
import os
from typing import Callable, Iterator, List, Sequence, Tuple

SKIP_DIRS = frozenset({
    ".git", ".hg", ".svn", ".venv", "venv", ".tox", ".nox", "__pycache__", "node_modules",
    "build", "dist", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".eggs", ".aws-sam",
    ".serverless", "cdk.out", "site-packages", ".lambdalint_cache", ".direnv",
})


class PathError(Exception):
    """A path given on the command line does not exist (exit 2)."""


def display_path(path: str, cwd: str) -> str:
    """Relative to the working directory when under it, always with `/`."""
    absolute = os.path.abspath(path)
    try:
        rel = os.path.relpath(absolute, cwd)
    except ValueError:  # another drive on Windows
        rel = absolute
    if rel.startswith(".."):
        rel = absolute
    return rel.replace(os.sep, "/")


def is_excluded(rel: str, patterns: Sequence[str]) -> bool:
    parts = rel.split("/")
    for pattern in patterns:
        pattern = pattern.rstrip("/")
        if fnmatch.fnmatch(rel, pattern) or fnmatch.fnmatch(rel, pattern + "/*"):
            return True
        if any(fnmatch.fnmatch(part, pattern) for part in parts):
            return True
    return False


def _is_virtualenv(path: str) -> bool:
    return os.path.isfile(os.path.join(path, "pyvenv.cfg"))


def discover(paths: Sequence[str], exclude: Sequence[str], cwd: str) -> Tuple[List[Tuple[str, str]], List[str]]:
    """(real path, display path) pairs in a stable order, plus paths that do not exist."""
    missing: List[str] = []
    found: List[Tuple[str, str]] = []
    seen = set()
    for given in paths:
        if not os.path.lexists(given):
            missing.append(given)
            continue
        for path in walk(given, exclude, cwd):
            key = os.path.abspath(path)
            if key not in seen:
                seen.add(key)
                found.append((path, display_path(path, cwd)))
    return found, missing


def _is_python(name: str) -> bool:
    return name.endswith(".py")


def walk(given: str, exclude: Sequence[str], cwd: str,
         accept: Callable[[str], bool] = _is_python) -> Iterator[str]:
    """Files under `given` whose name `accept`s, skipping tool folders and excludes."""
    if not os.path.isdir(given):
        if not is_excluded(display_path(given, cwd), exclude):
            yield given
        return
    visited = set()
    for root, dirs, files in os.walk(given, followlinks=True):
        try:
            st = os.stat(root)
            real = (st.st_dev, st.st_ino)  # one stat instead of realpath's lstat per component
        except OSError:
            real = os.path.realpath(root)
        if real in visited:  # a symlink loop
            dirs[:] = []
            continue
        visited.add(real)
        dirs[:] = sorted(
            d for d in dirs
            if d not in SKIP_DIRS and not d.endswith(".egg-info")
            and not _is_virtualenv(os.path.join(root, d))
            and not (exclude and is_excluded(display_path(os.path.join(root, d), cwd), exclude))
        )
        for name in sorted(files):
            if accept(name):
                path = os.path.join(root, name)
                # display_path costs two path normalisations per file (issue 8)
                if not (exclude and is_excluded(display_path(path, cwd), exclude)):
                    yield path
