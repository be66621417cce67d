"""The result cache: unchanged files are not parsed again.

Like ruff's: an entry per file, keyed by a digest of the file's bytes, its display path,
the settings that can change its findings (configuration, selected rules, entry points
given for it) and the lambdalint code itself.  Keys are content addresses, so an entry is
never updated in place and concurrent runs can only write identical bytes; each write is
a temporary file plus `os.replace`, and an unreadable or corrupt entry is a miss.

Location: `.lambdalint_cache/` in the project root (where the configuration was found),
or `$LAMBDALINT_CACHE_DIR`.  Only check results are cached: `--fix` / `--diff` always
recompute.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import sys
import time
from typing import Iterable, List, Optional, Sequence, Tuple

from lambdalint import __version__
from lambdalint.files import replace_atomically
from lambdalint.model import FileError, FileReport, Finding, Fix

CACHE_DIR_ENV = "LAMBDALINT_CACHE_DIR"
DEFAULT_DIR_NAME = ".lambdalint_cache"
_FORMAT = 3  # bump when the entry or index layout changes
_RACY_NS = 2_000_000_000


def default_directory(root: str) -> str:
    return os.environ.get(CACHE_DIR_ENV) or os.path.join(os.path.abspath(root), DEFAULT_DIR_NAME)


@functools.lru_cache(maxsize=1)
def _code_fingerprint() -> str:
    """lambdalint's version plus the size and mtime of its modules, so that editing a
    rule in a development checkout (same version number) does not serve stale results."""
    package = os.path.dirname(os.path.abspath(__file__))
    parts = [__version__, str(_FORMAT)]
    for directory, _, names in sorted(os.walk(package)):
        for name in sorted(names):
            if name.endswith(".py"):
                try:
                    st = os.stat(os.path.join(directory, name))
                except OSError:
                    continue
                parts.append(f"{os.path.relpath(os.path.join(directory, name), package)}:{st.st_size}:{st.st_mtime_ns}")
    return "\n".join(parts)


def _stable(value):
    """A JSON-able, order-independent form of configuration values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _stable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (set, frozenset)):
        return sorted(_stable(v) for v in value)
    if isinstance(value, (list, tuple)):
        return [_stable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _stable(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, type):
        return f"{value.__module__}.{value.__qualname__}"
    return value


def _config_key(config) -> dict:
    """The configuration as far as it can change results.  Its directory matters only
    through the patterns relative to it; without them (no [tool.lambdalint], where the
    directory is that of the linted paths) `check svc/handler.py` shares the entries of
    `check .`."""
    stable = _stable(config)
    if not (config.exclude or config.per_file_ignores or config.templates):
        stable.pop("root", None)
    return stable


def _explicit_rules(options) -> List[str]:
    """Rules a caller chose other than by `select`/`ignore` (those are in the config digest).

    Options resolve their rules lazily, so `options.rules` may be empty or filled from the
    config; neither changes the key.  (Resolving them here would import every rule module
    on a warm run.)"""
    if not options.rules:
        return []
    from lambdalint.registry import selected_rules

    if list(options.rules) == selected_rules(options.config.selected, options.config.ignore):
        return []
    return [f"{r.__module__}.{r.__qualname__}:{r.code}" for r in options.rules]


class ResultCache:
    def __init__(self, directory: str, options) -> None:
        self.directory = os.path.join(directory, f"v{__version__}")
        settings = {
            "code": _code_fingerprint(),
            "config": _config_key(options.config),
            "rules": _explicit_rules(options),
            # flake8 applies noqa comments itself and gets every finding: not the CLI's results
            "noqa": bool(options.noqa),
        }
        self._settings = json.dumps(settings, sort_keys=True, default=repr).encode()
        self._options = options
        self._prepared = False
        # The stat index: absolute path -> [mtime_ns, size, inode, facts] (see `facts`).  One
        # per settings and entry-point table, since both decide the facts.
        table = json.dumps(_stable(options.entry_points), sort_keys=True).encode()
        self._index_path = os.path.join(
            self.directory, f"index-{hashlib.sha256(self._settings + table).hexdigest()[:24]}.json"
        )
        self._index: Optional[dict] = None
        self._index_updates: dict = {}
        self._now_ns = time.time_ns()
        self.write_problem: Optional[str] = None  # why the cache cannot be written, once known

    def unit_key(self, members: Sequence[Tuple[str, str]], digests: Sequence[str]) -> str:
        """The key of a unit's results: the settings, the source layout, and each member's
        path (real, as the plan gives it), named entry points and content.  Editing any member (a helper module) changes
        the results of every linted file of the unit."""
        digest = hashlib.sha256(self._settings)
        layout = self._options.layout
        roots = [layout.root, layout.roots, layout.layer_roots] if layout is not None else []
        digest.update(json.dumps(roots).encode())
        for (real, shown), content in zip(members, digests):
            extra = {
                "path": shown,
                "real": real,
                "content": content,
                "entry_points": _stable(self._options.entry_points_at(real)),
            }
            digest.update(json.dumps(extra, sort_keys=True).encode())
        return digest.hexdigest()

    @staticmethod
    def content_digest(data: bytes) -> str:
        return hashlib.sha256(data).hexdigest()

    @staticmethod
    def member_key(unit_key: str, real_path: str) -> str:
        return hashlib.sha256(f"{unit_key}\0{real_path}".encode()).hexdigest()

    # -- the stat index --------------------------------------------------------------------
    def facts(self, path: str) -> Tuple[Optional[list], dict]:
        """(stat signature, what was learnt about the file at exactly this signature).

        Facts: `digest` (of its bytes), `entry` (the entry-point pre-pass), `imports` (the
        modules its text imports), `light` ("" or "empty" once a syntax check found nothing
        to report).  A file whose stat matches is not even read again (ruff does the same)."""
        try:
            st = os.stat(path)
        except OSError:
            return None, {}
        signature = [st.st_mtime_ns, st.st_size, st.st_ino]
        if self._index is None:
            self._index = self._load_index()
        name = os.path.abspath(path)
        row = self._index_updates.get(name) or self._index.get(name)
        if isinstance(row, list) and len(row) == 4 and row[:3] == signature and isinstance(row[3], dict):
            return signature, row[3]
        return signature, {}

    def remember(self, path: str, signature: Optional[list], **facts) -> None:
        """Record facts about the file as it was at `signature` (merged with what is known)."""
        # A file modified in the last seconds may change again within the file system's
        # timestamp granularity without changing its stat ("racy git"): not trusted.
        if signature is None or signature[0] > self._now_ns - _RACY_NS:
            return
        name = os.path.abspath(path)
        _, known = self.facts(path)
        merged = {**known, **facts}
        if self._index is None or self._index.get(name) != [*signature, merged]:
            self._index_updates[name] = [*signature, merged]

    def save(self) -> None:
        """Write the stat index (merged with what another run may have written meanwhile)."""
        if not self._index_updates:
            return
        merged = self._load_index()
        merged.update(self._index_updates)
        self._write_json(self._index_path, merged)
        self._index_updates = {}

    def _load_index(self) -> dict:
        try:
            with open(self._index_path, encoding="utf-8") as f:
                data = json.load(f)
            return data if isinstance(data, dict) else {}
        except (OSError, ValueError):
            return {}

    def _entry(self, key: str) -> str:
        return os.path.join(self.directory, key[:2], key[2:] + ".json")

    def get(self, key: str) -> Optional[FileReport]:
        try:
            with open(self._entry(key), encoding="utf-8") as f:
                data = json.load(f)
            if self._options.fix_diffs and not data["fix_diffs"]:
                return None  # written by a run that did not compute the fix diffs
            return _report_from_json(data)
        except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
            return None  # missing, truncated or corrupt: recompute

    def put(self, key: str, report: FileReport) -> None:
        self._write_json(self._entry(key), dict(_report_to_json(report), fix_diffs=self._options.fix_diffs))

    def _write_json(self, path: str, data) -> None:
        try:
            self._prepare()
            _write_entry(path, data)
        except OSError as exc:
            # A read-only checkout, a full disk or a cache directory that is a file must not
            # fail the lint: said once, and the run goes on uncached.
            if self.write_problem is None:
                self.write_problem = (
                    f"warning: cannot write the lambdalint cache in "
                    f"{os.path.dirname(self.directory)}: {exc.strerror or exc}; "
                    f"results are not cached (set {CACHE_DIR_ENV} or use --no-cache)"
                )
                sys.stderr.write(self.write_problem + "\n")

    def _prepare(self) -> None:
        """Mark the directory as a cache (ignored by git and backup tools), once."""
        if self._prepared:
            return
        self._prepared = True
        _mark_as_cache(os.path.dirname(self.directory))


class ParseStore:
    """Templates and CDK apps as read, by a digest of their bytes: a warm run in a
    checkout with hundreds of templates takes them from here instead of parsing them
    again (YAML is most of such a run's set-up).  What is stored is only what the file
    says, never what it resolves to on disk (whether the handler's module exists is
    looked up on every run).  Keyed by lambdalint's code too; an entry that does not
    decode is a miss, and a store that cannot be written is no store."""

    def __init__(self, directory: str) -> None:
        self.directory = os.path.join(directory, f"v{__version__}", "parsed")
        self._code = hashlib.sha256(_code_fingerprint().encode()).hexdigest()
        self._prepared = False

    def _entry(self, kind: str, key: str) -> str:
        digest = hashlib.sha256(f"{self._code}\0{kind}\0{key}".encode()).hexdigest()
        return os.path.join(self.directory, digest[:2], digest[2:] + ".json")

    def get(self, kind: str, key: str):
        try:
            with open(self._entry(kind, key), encoding="utf-8") as f:
                return json.load(f)
        except (OSError, ValueError, RecursionError):
            return None

    def put(self, kind: str, key: str, value) -> None:
        path = self._entry(kind, key)
        try:
            if not self._prepared:
                self._prepared = True
                _mark_as_cache(os.path.dirname(os.path.dirname(self.directory)))
            _write_entry(path, value)
        except (OSError, ValueError, RecursionError):
            pass  # the result cache says once that the directory cannot be written


def _write_entry(path: str, data) -> None:
    """One cache entry as JSON, whole or not at all; not fsync'ed: an entry lost in a crash
    is only a miss.  Raises OSError."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    replace_atomically(path, json.dumps(data).encode("utf-8"), durable=False, prefix=".tmp-")


def _mark_as_cache(root: str) -> None:
    """`.gitignore` and `CACHEDIR.TAG` in the cache directory, so git and backup tools skip it."""
    os.makedirs(root, exist_ok=True)
    for name, text in (
        (".gitignore", "# Created by lambdalint automatically.\n*\n"),
        (
            "CACHEDIR.TAG",
            "Signature: 8a477f597d28d172789f06886806bc55\n"
            "# This file is a cache directory tag created by lambdalint.\n",
        ),
    ):
        target = os.path.join(root, name)
        if not os.path.exists(target):
            try:
                with open(target, "x", encoding="utf-8") as f:
                    f.write(text)
            except OSError:
                pass  # another run created it first


def _report_to_json(report: FileReport) -> dict:
    return {
        "findings": [_finding_to_json(f) for f in report.findings],
        "errors": [dataclasses.asdict(e) for e in report.errors],
        "notes": list(report.notes),  # "empty file": a warm run says what a cold one says
    }


def _finding_to_json(finding: Finding) -> dict:
    out = {f.name: getattr(finding, f.name) for f in dataclasses.fields(finding) if f.name != "fix"}
    fix = finding.fix
    out["fix"] = (
        None
        if fix is None
        else {
            "applicability": fix.applicability,
            "description": fix.description,
            "imports": list(fix.imports),
            "diff": fix.diff,
        }
    )
    return out


def _report_from_json(data: dict) -> FileReport:
    report = FileReport(path="")
    report.findings = [_finding_from_json(f) for f in data["findings"]]
    report.errors = [FileError(**e) for e in data["errors"]]
    report.notes = list(data["notes"])
    if not all(isinstance(note, str) for note in report.notes):
        raise TypeError("notes")
    for item in [*report.findings, *report.errors, *(f.fix for f in report.findings if f.fix is not None)]:
        _check_types(item)
    return report


def _check_types(item) -> None:
    """An entry whose fields have the wrong types (a damaged or planted file) is a miss,
    never a crash later in the output.  Raises TypeError."""
    for f in dataclasses.fields(item):
        value = getattr(item, f.name)
        kind = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", "")
        if kind in ("int", "str") and type(value) is not (int if kind == "int" else str):
            raise TypeError(f.name)
        if kind == "Optional[int]" and value is not None and type(value) is not int:
            raise TypeError(f.name)
        if kind in ("Optional[str]",) and value is not None and not isinstance(value, str):
            raise TypeError(f.name)
        if kind == "List[str]" and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            raise TypeError(f.name)


def _finding_from_json(data: dict) -> Finding:
    data = dict(data)
    fix = data.pop("fix")
    return Finding(**data, fix=None if fix is None else Fix(**fix))


def portable(reports: Iterable[FileReport]) -> List[FileReport]:
    """Reports without CST nodes in their fixes (for another process or the cache)."""
    out = []
    for report in reports:
        for finding in report.findings:
            if finding.fix is not None:
                finding.fix = Fix(
                    finding.fix.applicability,
                    finding.fix.description,
                    imports=list(finding.fix.imports),
                    diff=finding.fix.diff,
                )
        out.append(report)
    return out
