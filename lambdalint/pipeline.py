"""The one pipeline every front end runs.

    Request --prepare--> Project --check--> [FileReport]

`prepare` finds the settings (from the linted paths, never from the working directory),
the files, the templates and the entry points they and the configuration name; `check`
lints (and fixes) every file through the engine and adds the findings that live in
templates and configuration (LAM304).  The CLI, the flake8 plugin, the docs generator, the
language server and the Python API (`lambdalint.api`) build a `Request` and call these;
none assembles its own set-up.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

from lambdalint import noqa
from lambdalint.config import Config, ConfigError, load
from lambdalint.discovery import discover, display_path
from lambdalint.engine import Options
from lambdalint.model import FileError, FileReport, NamedHandler

__all__ = ["Request", "Project", "ConfigError", "PathsNotFound", "prepare", "check", "run", "handler_listing"]


class PathsNotFound(Exception):
    """Paths given to lint do not exist (exit 2); `paths` lists them."""

    def __init__(self, paths: Sequence[str]) -> None:
        super().__init__(", ".join(paths))
        self.paths = list(paths)


@dataclass
class Request:
    """What a front end asks for: the command line, or its equivalent."""

    paths: Sequence[str] = (".",)
    config_file: Optional[str] = None  # --config; else the nearest pyproject.toml above the paths
    use_config_files: bool = True  # False: built-in defaults only (the docs' examples)
    overrides: Mapping[str, object] = field(default_factory=dict)  # Config fields to replace
    # `select` / `extend_select` / `ignore` given on the command line, layered on the
    # configured ones as ruff layers them (`Config.with_selection`)
    selection: Mapping[str, Sequence[str]] = field(default_factory=dict)
    exclude: Sequence[str] = ()  # added to `exclude`
    handlers: Sequence[str] = ()  # --handler PATH:FUNC
    fix: Optional[str] = None  # None, "safe" or "unsafe"
    diff: bool = False  # show fixes as a diff instead of writing them
    cache: bool = True
    jobs: Optional[int] = None
    fix_diffs: bool = True  # compute each finding's fix diff (JSON and SARIF show them)
    noqa: bool = True  # False when the caller applies `# noqa` itself (flake8)
    cwd: Optional[str] = None  # display paths are relative to it (default: the working directory)
    respect_gitignore: bool = True  # skip the files git ignores, as `exclude` would
    # Text that stands in for a file, by path (standard input, an editor's buffer, a docs
    # example); the file need not exist.
    sources: Mapping[str, str] = field(default_factory=dict)


@dataclass
class Project:
    """What set-up found for a request."""

    request: Request
    config: Config
    cwd: str
    root: str  # the project: nearest pyproject.toml, else .git, else the linted paths' parent
    files: List[Tuple[str, str]]  # (real path, display path) of the files to lint
    templates: object  # lambdalint.templates.TemplateScan
    options: Options
    sources: Dict[str, str] = field(default_factory=dict)  # real path -> text standing in for it

    def display(self, path: str) -> str:
        return display_path(path, self.cwd)


def start_directory(paths: Sequence[str], cwd: str) -> str:
    """Where settings are looked for: the deepest directory holding every linted path."""
    directories = []
    for path in paths:
        absolute = os.path.abspath(os.path.join(cwd, path))
        directories.append(absolute if os.path.isdir(absolute) else os.path.dirname(absolute))
    try:
        return os.path.commonpath(directories) if directories else cwd
    except ValueError:  # paths on different drives
        return directories[0]


def project_root(start: str, cwd: str) -> str:
    """The directory of the nearest pyproject.toml, else of the nearest .git, else `start`
    (or the working directory when `start` is inside it: `lambdalint check src/app.py`
    from an app's directory still sees the app's template)."""
    for marker in ("pyproject.toml", ".git"):
        for directory in (start, *Path(start).parents):
            if os.path.exists(os.path.join(directory, marker)):
                return str(directory)
    return cwd if (start + os.sep).startswith(cwd.rstrip(os.sep) + os.sep) else start


def load_config(request: Request, start: str) -> Config:
    if not request.use_config_files:
        config = Config(root=start)
    else:
        config = load(request.config_file, Path(start))
    overrides = dict(request.overrides)
    if request.selection:
        config = config.with_selection(**request.selection)
    if request.exclude:
        overrides["exclude"] = tuple(config.exclude) + tuple(request.exclude)
    return config.with_overrides(**overrides)


def configured_entry_points(config: Config, extra: Sequence[str] = ()) -> Dict[str, Dict[str, NamedHandler]]:
    """`handlers` from configuration plus `--handler PATH:FUNC`, keyed by real path."""
    out: Dict[str, Dict[str, NamedHandler]] = {}
    for items, how in ((config.handlers, NamedHandler("config", "`handlers` in configuration")),
                       (extra, NamedHandler("config", "--handler"))):
        for item in items:
            path, _, func = item.rpartition(":")
            out.setdefault(os.path.realpath(path), {}).setdefault(func, how)
    return out


def merge_entry_points(*sources: Dict[str, Dict[str, NamedHandler]]) -> Dict[str, Dict[str, NamedHandler]]:
    """Union of entry-point tables; the first source naming a function wins its label."""
    out: Dict[str, Dict[str, NamedHandler]] = {}
    for table in sources:
        for path, functions in table.items():
            for func, how in functions.items():
                out.setdefault(path, {}).setdefault(func, how)
    return out


def prepare(request: Request) -> Project:
    """Settings, files, templates and entry points.  Raises ConfigError (bad settings) and
    PathsNotFound (a linted path does not exist)."""
    from lambdalint import templates

    cwd = os.path.abspath(request.cwd or os.getcwd())
    paths = list(request.paths) or ["."]
    start = start_directory(paths, cwd)
    config = load_config(request, start)
    root = project_root(start, cwd)
    given = {os.path.join(cwd, p): p for p in paths}
    sources = {os.path.realpath(os.path.join(cwd, p)): text for p, text in request.sources.items()}
    files, missing = discover(list(given), config.exclude, cwd, config.root)
    for path in missing:
        if os.path.realpath(path) in sources:  # exists only as text
            files.append((path, display_path(path, cwd)))
    missing = [p for p in missing if os.path.realpath(p) not in sources]
    if missing:
        raise PathsNotFound([given[p] for p in missing])
    if request.respect_gitignore:
        files = _not_gitignored(files, root, set(sources))

    def display(path: str) -> str:
        return display_path(path, cwd)

    found = templates.scan(list(given), [real for real, _ in files], config, cwd, root)
    files = _with_handlers_of_given_templates(files, list(given), found, root, cwd)
    options = Options(
        config=config,
        entry_points=merge_entry_points(configured_entry_points(config, request.handlers),
                                        templates.entry_points(found.refs, display)),
        fix=request.fix,
        diff=request.diff,
        noqa=request.noqa,
        fix_diffs=request.fix_diffs,
    )
    return Project(request, config, cwd, root, files, found, options, sources)


def _not_gitignored(files: List[Tuple[str, str]], root: str, keep) -> List[Tuple[str, str]]:
    """Files that git ignores are skipped like `exclude` (text given directly stays)."""
    from lambdalint.gitignore import drop_ignored

    return drop_ignored(files, root, keep)


def _with_handlers_of_given_templates(files: List[Tuple[str, str]], given: Sequence[str], found,
                                      root: str, cwd: str) -> List[Tuple[str, str]]:
    """A template named on the command line (pre-commit passes a changed `template.yaml`
    alone) brings the modules of the handlers it names into the run: renaming a handler
    changes which functions are entry points there."""
    from lambdalint.templates import is_template_name

    named = {os.path.realpath(p) for p in given
             if os.path.isfile(p) and is_template_name(os.path.basename(p))}
    if not named:
        return files
    have = {os.path.realpath(real) for real, _ in files}
    top = os.path.realpath(root).rstrip(os.sep) + os.sep
    out = list(files)
    for ref in found.refs:
        module = ref.module_path
        if module and ref.origin and os.path.realpath(ref.origin) in named and module not in have \
                and module.startswith(top):
            have.add(module)
            out.append((module, display_path(module, cwd)))
    return out


def check(project: Project, progress: Optional[Callable[[int, int], None]] = None) -> List[FileReport]:
    """Lint (and fix) every file, then add the template and configuration side.
    `progress(done, total)` is told as files are done."""
    from lambdalint.runner import run as run_files

    cache = None
    if project.request.cache and not project.options.fix:
        from lambdalint.cache import ResultCache, default_directory

        cache = ResultCache(default_directory(project.config.root), project.options)
    reports = run_files(project.files, project.options, jobs=project.request.jobs, cache=cache,
                        sources=project.sources, progress=progress)
    reports.extend(handler_ref_reports(project))
    return reports


def run(request: Request) -> Tuple[Project, List[FileReport]]:
    project = prepare(request)
    return project, check(project)


def handler_ref_reports(project: Project) -> List[FileReport]:
    """LAM304 at template and configuration lines, and the templates' own errors."""
    from lambdalint.rules.lam304_handler_not_found import HandlerNotFound, handler_ref_findings
    from lambdalint.templates import config_refs

    config = project.config
    refs = [*config_refs(config, project.request.handlers), *project.templates.refs]
    findings, errors = handler_ref_findings(refs, project.display)
    by_path: Dict[str, FileReport] = {}
    silenced: Dict[str, Dict[int, frozenset]] = {}
    for finding in findings:
        if not config.reports(HandlerNotFound.code, finding.path):
            continue
        if project.options.noqa:
            if finding.path not in silenced:
                silenced[finding.path] = noqa.noqa_lines(_read_text(finding.path))
            if noqa.is_suppressed(finding.code, finding.line, silenced[finding.path]):
                continue
        by_path.setdefault(finding.path, FileReport(finding.path)).findings.append(finding)
    for error in [*project.templates.errors, *errors]:
        shown = project.display(error.path)
        by_path.setdefault(shown, FileReport(shown)).errors.append(
            FileError(shown, error.message, error.line, error.column))
    return list(by_path.values())


def _read_text(path: str) -> str:
    try:
        with open(path, encoding="utf-8-sig", errors="replace") as f:
            return f.read()
    except OSError:
        return ""


@dataclass
class HandlerListing:
    """One line of `--show-handlers`."""

    path: str
    line: int
    function: str
    origin: str  # what made it an entry point
    settings: str = ""  # how Lambda runs it, when a template or the configuration says
    problem: Optional[str] = None  # a named handler that cannot be loaded


def handler_listing(project: Project) -> Iterator[HandlerListing]:
    """Every entry point and what made it one; then named handlers that point nowhere."""
    from lambdalint.analysis import ModuleAnalysis
    from lambdalint.files import read_source
    from lambdalint.parsing import might_have_entry_point, parse

    options = project.options
    for real, shown in project.files:
        _, source, error, _ = read_source(real)
        named = options.entry_points_for(real)
        if error is not None or source is None or not might_have_entry_point(
                source.text, options.config.handler_names, bool(named)):
            continue
        module, error = parse(source.text, shown)
        if module is None:
            continue
        analysis = ModuleAnalysis(module, shown, options.config, named)
        for entry in analysis.entry_points:
            yield HandlerListing(shown, analysis.position(entry.function.node).start.line,
                                 entry.function.qualname, entry.describe(), entry.settings.describe())
    for ref in project.templates.refs:
        if ref.module_path is None and ref.runtime_known:
            yield HandlerListing(ref.label(project.display(ref.origin)), 0, ref.handler, "", problem=ref.problem)

