"""Files that git ignores are skipped like `exclude`.

Inside a git work tree, git itself answers (`git check-ignore --stdin`: nested
`.gitignore` files, `.git/info/exclude`, the global excludes file, exactly as git reads
them), in one process for the whole run.  Outside one, or without git, the `.gitignore`
files between the project root and each file are read with `pathspec`, which implements
git's pattern rules.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from functools import lru_cache
from typing import Dict, List, Optional, Sequence, Set, Tuple

GIT_TIMEOUT = 60  # seconds; a hung git must not hang the linter


def ignored(paths: Sequence[str], root: str) -> Set[str]:
    """The absolute paths among `paths` that git (or the .gitignore files) ignores."""
    absolute = [os.path.abspath(p) for p in paths]
    if not absolute:
        return set()
    by_git = _git_ignored(absolute, root)
    if by_git is not None:
        return by_git
    return _pathspec_ignored(absolute, root)


def _work_tree(directory: str) -> Optional[str]:
    for candidate in (directory, *_parents(directory)):
        if os.path.exists(os.path.join(candidate, ".git")):
            return candidate
    return None


def _parents(directory: str):
    while True:
        parent = os.path.dirname(directory)
        if parent == directory:
            return
        yield parent
        directory = parent


def _git_ignored(paths: List[str], root: str) -> Optional[Set[str]]:
    """git's answer per work tree, or None when there is no work tree or no git."""
    git = shutil.which("git")
    if git is None:
        return None
    trees: Dict[str, List[str]] = {}
    work_trees: Dict[str, Optional[str]] = {}  # by directory: the files of one share it
    for path in paths:
        directory = os.path.dirname(path)
        if directory not in work_trees:
            work_trees[directory] = _work_tree(directory)
        tree = work_trees[directory]
        if tree is None:
            return None  # some files are outside any repository: read .gitignore files instead
        trees.setdefault(tree, []).append(path)
    out: Set[str] = set()
    for tree, members in trees.items():
        try:
            done = subprocess.run(
                [git, "-C", tree, "check-ignore", "--stdin", "-z"],
                input=b"".join(os.fsencode(p) + b"\0" for p in members),
                capture_output=True,
                timeout=GIT_TIMEOUT,
                env={**os.environ, "GIT_OPTIONAL_LOCKS": "0"},
            )
        except (OSError, subprocess.SubprocessError):
            return None
        if done.returncode not in (0, 1):  # 1: nothing ignored; 128: not a repository, ...
            return None
        out.update(os.path.abspath(os.fsdecode(p)) for p in done.stdout.split(b"\0") if p)
    return out


@lru_cache(maxsize=256)
def _spec(directory: str):
    """The compiled .gitignore of `directory`, or None."""
    path = os.path.join(directory, ".gitignore")
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = f.read().splitlines()
    except OSError:
        return None
    import pathspec

    return pathspec.GitIgnoreSpec.from_lines(lines)


def _pathspec_ignored(paths: List[str], root: str) -> Set[str]:
    top = os.path.abspath(root)
    matcher = _Matcher(top)
    return {path for path in paths if matcher.ignored(path)}


class _Matcher:
    """git's rule: the deepest .gitignore with a matching pattern decides; a directory
    that is ignored takes everything under it along.  What a directory's verdict is and
    which .gitignore files lie above it are worked out once per run, not once per file."""

    def __init__(self, top: str) -> None:
        self.top = top
        self.prefix = top.rstrip(os.sep) + os.sep
        self._verdicts: Dict[Tuple[str, ...], bool] = {}
        # directory (parts below top) -> [(depth, its .gitignore)] for it and each directory above
        self._specs: Dict[Tuple[str, ...], List[Tuple[int, object]]] = {}

    def ignored(self, path: str) -> bool:
        if not path.startswith(self.prefix):
            return False  # outside the project, or the project root itself
        relative = tuple(path[len(self.prefix) :].split(os.sep))  # `path` is absolute (normalised)
        # every ancestor directory, then the file itself
        for depth in range(1, len(relative)):
            target = relative[:depth]
            verdict = self._verdicts.get(target)
            if verdict is None:
                verdict = self._verdicts[target] = self._decide(target, True)
            if verdict:
                return True
        return self._decide(relative, False)

    def _above(self, directory: Tuple[str, ...]) -> List[Tuple[int, object]]:
        found = self._specs.get(directory)
        if found is None:
            found = list(self._above(directory[:-1])) if directory else []
            spec = _spec(os.path.join(self.top, *directory) if directory else self.top)
            if spec is not None:
                found.append((len(directory), spec))
            self._specs[directory] = found
        return found

    def _decide(self, parts: Tuple[str, ...], is_dir: bool) -> bool:
        verdict: Optional[bool] = None
        for level, spec in self._above(parts[:-1]):  # from the top down; deeper ones win
            relative = "/".join(parts[level:]) + ("/" if is_dir else "")
            result = spec.check_file(relative)  # type: ignore[attr-defined]
            if result.include is not None:
                verdict = result.include
        return bool(verdict)


def drop_ignored(files: List[Tuple[str, str]], root: str, keep: Set[str]) -> List[Tuple[str, str]]:
    """`files` ((real, display) pairs) without those git ignores; paths in `keep` (real
    paths of text given directly, e.g. an editor's buffer) stay."""
    candidates = [real for real, _ in files if not keep or os.path.realpath(real) not in keep]
    skipped = ignored(candidates, root)
    if not skipped:
        return files
    return [(real, shown) for real, shown in files if os.path.abspath(real) not in skipped]
