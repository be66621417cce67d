"""Where a project's modules are: the source roots imports resolve against.

The roots are the project root, its `src/`, each template function's code directory
(`CodeUri`, a Serverless service), each layer's `python/` directory, and `source-roots`.
An absolute import is resolved against the importing file's own roots first — its
directory, then the roots that contain it, deepest first — because repositories with many
Lambda functions often hold same-named modules (`utils.py` in every function), and a
name-only match would pick another function's copy.  Then the layers and the other roots,
and last a module whose name is unique in the project (a shared folder a build script
copies into every function).

Only files inside the project are ever returned: third-party packages (installed, or
vendored beside a `*.dist-info` directory) and paths that lead out of the project through
`..` or symbolic links are not followed.
"""

from __future__ import annotations

import os
import sys
from typing import Dict, FrozenSet, Iterable, Iterator, List, Optional, Sequence, Set, Tuple

from lambdalint.files import RealPaths

# Top-level names of the standard library (3.10+ lists them; before, the common ones).
_STDLIB = frozenset(getattr(sys, "stdlib_module_names", ())) or frozenset(
    "abc argparse array asyncio base64 binascii bisect calendar collections concurrent "
    "contextlib copy csv ctypes dataclasses datetime decimal difflib email enum errno "
    "fnmatch fractions functools gc getpass glob gzip hashlib heapq hmac html http "
    "importlib inspect io ipaddress itertools json logging lzma math mimetypes "
    "multiprocessing numbers operator os pathlib pickle platform pprint queue random re "
    "secrets select shlex shutil signal socket sqlite3 ssl stat statistics string struct "
    "subprocess sys tarfile tempfile textwrap threading time timeit traceback types "
    "typing unittest urllib uuid warnings weakref xml zipfile zlib zoneinfo".split()
)


# More folders than this holding a top-level name: the name is too common to guess from.
_MAX_HOMES = 8


def _inside(path: str, directory: str) -> bool:
    return path == directory or path.startswith(directory.rstrip(os.sep) + os.sep)


class SourceLayout:
    def __init__(
        self,
        root: str,
        code_roots: Iterable[str] = (),
        layer_roots: Iterable[str] = (),
        extra_roots: Iterable[str] = (),
        files: Iterable[str] = (),
    ) -> None:
        self.root = os.path.realpath(root)
        candidates = [self.root, os.path.join(self.root, "src"), *code_roots, *extra_roots]
        self.roots = self._existing(candidates)  # where a file's own modules may live
        self._root_set = frozenset(self.roots)
        # Each function's package: what one function imports is never in another's.
        self.code_roots = {r for r in self._existing(code_roots) if r != self.root}
        self.layer_roots = self._existing(layer_roots)
        # Top-level module name -> the directories holding a module or package of that name:
        # build scripts often copy a shared folder into each function's package, so
        # `import lambda_base` means `src/common/lambda_base.py` although no root says so.
        self.by_name: Dict[str, List[str]] = {}
        indexed: Set[Tuple[str, str]] = set()
        for path in files:
            self._index(path, indexed)
        self._module_file: Dict[Tuple[str, str], Optional[str]] = {}
        self._vendored: Dict[str, bool] = {}
        # Every import of every module asks these again: remembered per directory.
        self._directory: Dict[str, str] = {}
        self._roots_for: Dict[str, List[str]] = {}
        self._resolved: Dict[Tuple[str, str], Optional[str]] = {}
        self._heads: Dict[str, Tuple[List[str], FrozenSet[str], bool]] = {}
        self._holding: Dict[str, FrozenSet[str]] = {}
        # Each directory resolved once: a module probe then costs one lstat, not one per
        # path component (a warm run in a 5,000-file checkout makes 17,000 probes).
        self._realpath = RealPaths()
        # Top-level name -> the indexes (in `roots`) of the roots holding `name.py` or
        # `name/`, from one listing of each root; roots that cannot be listed are always
        # tried.  An import is looked up in those roots only, so resolving costs the same
        # in a project of five functions as in one of five hundred.
        self._holders: Optional[Dict[str, List[int]]] = None
        self._unlisted: List[int] = []

    def _index(self, path: str, indexed: Set[Tuple[str, str]]) -> None:
        """`a/b/c.py` can be imported as `c`, `b.c` or `a.b.c` from somewhere: remember the
        directory each of those top-level names would be found in (packages with or without
        `__init__.py`)."""
        directory, name = os.path.split(path)
        name = name[:-3] if name.endswith(".py") else name
        while _inside(directory, self.root) and name.isidentifier():
            if (name, directory) in indexed:
                break  # this directory's ancestors were indexed with an earlier file of it
            indexed.add((name, directory))
            if name != "__init__":
                self.by_name.setdefault(name, []).append(directory)
            if directory == self.root:
                break
            directory, name = os.path.split(directory)

    def __getstate__(self) -> dict:  # sent to worker processes without what is remembered
        state = dict(self.__dict__)
        for name in ("_module_file", "_vendored", "_directory", "_roots_for", "_resolved", "_heads"):
            state[name] = {}
        state["_holders"], state["_unlisted"] = None, []
        return state

    def _dir_of(self, importer: str) -> str:
        found = self._directory.get(importer)
        if found is None:
            found = self._directory[importer] = os.path.dirname(self._realpath(importer))
        return found

    def _existing(self, directories: Iterable[str]) -> List[str]:
        out: Dict[str, None] = {}  # ordered, and membership without a scan
        for directory in directories:
            real = os.path.realpath(directory)
            if real not in out and os.path.isdir(real) and _inside(real, self.root):
                out[real] = None
        return list(out)

    def contains(self, path: str) -> bool:
        return _inside(os.path.realpath(path), self.root)

    def roots_for(self, importer: str) -> List[str]:
        """The directories an absolute import in `importer` is looked up in, in order."""
        directory = self._dir_of(importer)
        if directory not in self._roots_for:
            self._roots_for[directory] = self._ordered_roots(directory)
        return self._roots_for[directory]

    def _ordered_roots(self, directory: str) -> List[str]:
        head, in_head, in_function = self._head(directory)
        rest = [r for r in self.roots if r not in in_head and not (in_function and r in self.code_roots)]
        return [*head, *rest]

    def _head(self, directory: str) -> Tuple[List[str], FrozenSet[str], bool]:
        """What an absolute import in `directory` tries before the other roots: the
        directory itself, the roots that contain it (deepest first), the layers; and
        whether it is inside one function's package (then the other functions' roots are
        never tried)."""
        found = self._heads.get(directory)
        if found is None:
            own = []  # the roots among the directory's ancestors, found by walking up
            current = directory
            while True:
                if current in self._root_set:
                    own.append(current)
                parent = os.path.dirname(current)
                if parent == current:
                    break
                current = parent
            head: List[str] = []
            for candidate in (directory, *own, *self.layer_roots):
                if candidate not in head and _inside(candidate, self.root):
                    head.append(candidate)
            found = self._heads[directory] = (head, frozenset(head), any(r in self.code_roots for r in own))
        return found

    def _search_path(self, top: str, importer: str) -> Iterator[str]:
        """`roots_for(importer)`, in its order, without the roots that hold no `top`."""
        head, in_head, in_function = self._head(self._dir_of(importer))
        yield from head
        for index in self._roots_holding(top):
            root = self.roots[index]
            if root not in in_head and not (in_function and root in self.code_roots):
                yield root

    def _roots_holding(self, top: str) -> List[int]:
        if self._holders is None:
            self._holders = {}
            for index, root in enumerate(self.roots):
                try:
                    entries = os.listdir(root)
                except OSError:
                    self._unlisted.append(index)
                    continue
                for entry in entries:
                    name = entry[:-3] if entry.endswith(".py") else entry
                    if name.isidentifier():
                        self._holders.setdefault(name, []).append(index)
        holding = self._holders.get(top, [])
        return sorted({*holding, *self._unlisted}) if self._unlisted else holding

    def module_file(self, base: str, dotted: str) -> Optional[str]:
        """`base/a/b.py` or `base/a/b/__init__.py` for `a.b`, if it is a project file."""
        key = (base, dotted)
        if key not in self._module_file:
            self._module_file[key] = self._find(base, dotted)
        return self._module_file[key]

    def _find(self, base: str, dotted: str) -> Optional[str]:
        parts = [p for p in dotted.split(".") if p]
        if not parts or not all(p.isidentifier() for p in parts):
            return None
        stem = os.path.join(base, *parts)
        for candidate in (stem + ".py", os.path.join(stem, "__init__.py")):
            if os.path.isfile(candidate):
                real = self._realpath(candidate)
                if _inside(real, self.root) and not self._is_vendored(os.path.join(base, parts[0])):
                    return real
        return None

    def _is_vendored(self, top: str) -> bool:
        """A top-level package installed into the tree (`pip install -t .`): its directory
        has `<name>-<version>.dist-info` (or `.egg-info`) beside it."""
        if top not in self._vendored:
            parent, name = os.path.split(top)
            prefix = name.lower().replace("-", "_") + "-"
            try:
                entries = os.listdir(parent)
            except OSError:
                entries = []
            self._vendored[top] = any(
                entry.lower().replace("-", "_").startswith(prefix) and entry.endswith((".dist-info", ".egg-info"))
                for entry in entries
            )
        return self._vendored[top]

    def resolve(self, dotted: str, importer: str) -> Optional[str]:
        """The project file module `dotted` means in `importer`; leading dots are a relative
        import (`..models` from `pkg/api/x.py` is `pkg/models`)."""
        key = (dotted, self._dir_of(importer))
        if key not in self._resolved:
            self._resolved[key] = self._resolve(dotted, importer)
        return self._resolved[key]

    def _resolve(self, dotted: str, importer: str) -> Optional[str]:
        level = len(dotted) - len(dotted.lstrip("."))
        name = dotted[level:]
        if level:
            base = self._dir_of(importer)
            for _ in range(level - 1):
                base = os.path.dirname(base)
            if not name:  # `from . import x` names the package itself
                init = os.path.join(base, "__init__.py")
                return os.path.realpath(init) if os.path.isfile(init) and self.contains(init) else None
            return self.module_file(base, name)
        top = name.partition(".")[0]
        for base in self._search_path(top, importer):
            found = self.module_file(base, name)
            if found is not None:
                return found
        # Not under any root: a module whose name is unique in the project is that one
        # (a name two folders share is another function's copy: not guessed).  Never a
        # standard-library name: `import uuid` is Python's, not a vendored library's
        # `.../uuid.py` (which would pull that library into the handler's unit).
        top = name.partition(".")[0]
        if top in _STDLIB:
            return None
        homes = self.by_name.get(top, ())
        if len(homes) > _MAX_HOMES:
            return None  # a name many folders share (`utils`): whichever it is, not guessed
        # Only the folders that hold the module itself count: `layers/boto_utils/python/
        # boto_utils.py` puts `boto_utils` in `layers/` too, as a folder without the module.
        holding = [(home, found) for home in homes for found in [self.module_file(home, name)] if found is not None]
        if len({found for _, found in holding}) != 1 or self._in_another_package(holding[0][0], importer):
            return None
        return holding[0][1]

    def _in_another_package(self, directory: str, importer: str) -> bool:
        """`directory` is in one function's package and `importer` in another's: Lambda
        deploys them apart, so one never imports the other's modules."""
        mine = self._code_roots_holding(os.path.dirname(importer))
        theirs = self._code_roots_holding(directory)
        return bool(mine) and bool(theirs) and not (mine & theirs)

    def _code_roots_holding(self, directory: str) -> FrozenSet[str]:
        """The code roots `directory` is in (itself included): found by walking up from it,
        not by testing every code root, since a monorepo has hundreds."""
        found = self._holding.get(directory)
        if found is None:
            parent = os.path.dirname(directory)
            above = self._code_roots_holding(parent) if parent != directory else frozenset()
            found = above | {directory} if directory in self.code_roots else above
            self._holding[directory] = found
        return found

    def resolve_prefix(self, dotted: str, importer: str) -> Optional[Tuple[str, str]]:
        """The longest leading part of `dotted` that is a project module, as (file, the
        rest): `services.db.get_connection` -> (`services/db.py`, `get_connection`)."""
        level = len(dotted) - len(dotted.lstrip("."))
        parts = dotted[level:].split(".") if dotted[level:] else []
        for cut in range(len(parts), -1, -1):
            if cut == 0 and not level:
                break
            found = self.resolve("." * level + ".".join(parts[:cut]), importer)
            if found is not None:
                return found, ".".join(parts[cut:])
        return None


def code_roots_of(refs: Sequence[object]) -> List[str]:
    """The code directories template functions name (CodeUri, Serverless service, CDK asset)."""
    return sorted({code_dir for code_dir in (getattr(ref, "code_dir", None) for ref in refs) if code_dir})
