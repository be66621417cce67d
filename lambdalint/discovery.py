"""Which files to lint: directories recursively, `*.py`, minus excludes and tool folders."""

from __future__ import annotations

import fnmatch
import os
from typing import Callable, Iterator, List, Optional, Sequence, Set, Tuple

SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        ".tox",
        ".nox",
        "__pycache__",
        "node_modules",
        "build",
        "dist",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".eggs",
        ".aws-sam",
        ".serverless",
        "cdk.out",
        "site-packages",
        ".lambdalint_cache",
        ".direnv",
    }
)


class PathError(Exception):
    """A path given on the command line does not exist (exit 2)."""


def display_path(path: str, cwd: str) -> str:
    """Relative to the working directory when under it, always with `/`."""
    absolute = os.path.abspath(path)
    inside = cwd.rstrip(os.sep) + os.sep
    if absolute.startswith(inside) and os.path.isabs(cwd) and os.path.normpath(cwd) == cwd:
        return absolute[len(inside) :].replace(os.sep, "/")  # relpath's answer, without its cost
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


def discover(
    paths: Sequence[str],
    exclude: Sequence[str],
    cwd: str,
    root: Optional[str] = None,
    boundary: Optional[str] = None,
    outside: Optional[List[str]] = None,
) -> Tuple[List[Tuple[str, str]], List[str]]:
    """(real path, display path) pairs in a stable order, plus paths that do not exist.

    `exclude` globs match paths relative to `root` (where the settings are) and relative to
    the working directory.  With a `boundary` (the project), symbolic links that lead out
    of it are not followed: they are added to `outside`."""
    missing: List[str] = []
    found: List[Tuple[str, str]] = []
    seen = set()
    for given in paths:
        if not os.path.lexists(given):
            missing.append(given)
            continue
        for path in walk(given, exclude, cwd, root=root, boundary=boundary, outside=outside):
            key = os.path.abspath(path)
            if key not in seen:
                seen.add(key)
                found.append((path, display_path(path, cwd)))
    return found, missing


# Files given by name that are not Python source: templates (read as templates), other data
# files that pre-commit passes along with them.
DATA_SUFFIXES = (".yaml", ".yml", ".json", ".template", ".toml", ".cfg", ".ini", ".txt", ".md")


def is_data_file(path: str) -> bool:
    return os.path.basename(path).lower().endswith(DATA_SUFFIXES)


def _is_python(name: str) -> bool:
    return name.endswith(".py")


def leads_out(path: str, boundary: str) -> bool:
    """`path` resolves (through `..` and symbolic links) to somewhere outside `boundary`
    (a real path)."""
    real = os.path.realpath(path)
    return real != boundary and not real.startswith(boundary.rstrip(os.sep) + os.sep)


def walk(
    given: str,
    exclude: Sequence[str],
    cwd: str,
    accept: Callable[[str], bool] = _is_python,
    root: Optional[str] = None,
    boundary: Optional[str] = None,
    outside: Optional[List[str]] = None,
) -> Iterator[str]:
    """Files under `given` whose name `accept`s, skipping tool folders and excludes.

    With a `boundary` (a real path), a symbolic link (or `given` itself) that leads out of
    it is neither walked nor yielded, but added to `outside`."""

    def excluded(path: str) -> bool:
        return bool(exclude) and (
            is_excluded(display_path(path, cwd), exclude)
            or (root is not None and is_excluded(display_path(path, root), exclude))
        )

    def escapes(path: str) -> bool:
        if boundary is None or not leads_out(path, boundary):
            return False
        if outside is not None and not excluded(path):
            outside.append(path)
        return True

    if boundary is not None and escapes(given):
        return
    if not os.path.isdir(given):
        if not excluded(given) and not is_data_file(given):
            yield given
        return
    visited: Set[object] = set()  # (device, inode), or the real path where stat fails
    for directory, dirs, files in os.walk(given, followlinks=True):
        try:
            st = os.stat(directory)
            real: object = (st.st_dev, st.st_ino)  # one stat instead of realpath's lstat per component
        except OSError:
            real = os.path.realpath(directory)
        if real in visited:  # a symlink loop
            dirs[:] = []
            continue
        visited.add(real)
        dirs[:] = sorted(
            d
            for d in dirs
            if d not in SKIP_DIRS
            and not d.endswith(".egg-info")
            and not _is_virtualenv(os.path.join(directory, d))
            and not excluded(os.path.join(directory, d))
            and not (
                boundary is not None
                and os.path.islink(os.path.join(directory, d))
                and escapes(os.path.join(directory, d))
            )
        )
        for name in sorted(files):
            if accept(name):
                path = os.path.join(directory, name)
                if boundary is not None and os.path.islink(path) and escapes(path):
                    continue
                if not excluded(path):  # display_path costs two normalisations: only with excludes
                    yield path
