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
from typing import TYPE_CHECKING, Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

from lambdalint import noqa
from lambdalint.config import Config, ConfigError, load
from lambdalint.discovery import discover, display_path
from lambdalint.engine import Options
from lambdalint.model import FileError, FileReport, NamedHandler

if TYPE_CHECKING:
    from lambdalint.cache import ResultCache
    from lambdalint.project import Plan
    from lambdalint.templates.scan import TemplateScan

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
    noqa: bool = True  # False when the caller applies noqa comments itself (flake8)
    cwd: Optional[str] = None  # display paths are relative to it (default: the working directory)
    respect_gitignore: bool = True  # skip the files git ignores, as `exclude` would
    # Text that stands in for a file, by path (standard input, an editor's buffer, a docs
    # example); the file need not exist.
    sources: Mapping[str, str] = field(default_factory=dict)
    # False: lint the paths on their own, without the project around them (a docs example
    # is not part of the repository it is generated in).
    whole_project: bool = True


@dataclass
class Project:
    """What set-up found for a request."""

    request: Request
    config: Config
    cwd: str
    root: str  # the project: nearest pyproject.toml, else .git, else the linted paths' parent
    files: List[Tuple[str, str]]  # (real path, display path) of the files to lint
    templates: TemplateScan
    options: Options
    sources: Dict[str, str] = field(default_factory=dict)  # real path -> text standing in for it
    plan: Plan = None  # type: ignore[assignment]  # set by prepare: which files are analysed together
    cache: Optional[ResultCache] = None  # when results are cached
    outside: List[str] = field(default_factory=list)  # symbolic links out of the project, not followed

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


def project_root(start: str) -> str:
    """The directory of the nearest pyproject.toml, else of the nearest .git, else `start`
    (the common parent of the linted paths).  Never the working directory: a run from `~`
    would then walk the whole home directory, and the findings would depend on where the
    command was typed."""
    for marker in ("pyproject.toml", ".git"):
        for directory in (Path(start), *Path(start).parents):
            if os.path.exists(os.path.join(directory, marker)):
                return str(directory)
    return start


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
    for items, how in (
        (config.handlers, NamedHandler("config", "`handlers` in configuration")),
        (extra, NamedHandler("config", "--handler")),
    ):
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
    root = project_root(start) if request.whole_project else start
    given = {os.path.join(cwd, p): p for p in paths}
    sources = {os.path.realpath(os.path.join(cwd, p)): text for p, text in request.sources.items()}
    outside: List[str] = []
    files, missing = discover(
        list(given), config.exclude, cwd, config.root, boundary=os.path.realpath(root), outside=outside
    )
    for path in missing:
        if os.path.realpath(path) in sources:  # exists only as text
            files.append((path, display_path(path, cwd)))
    missing = [p for p in missing if os.path.realpath(p) not in sources]
    if missing:
        raise PathsNotFound([given[p] for p in missing])

    def display(path: str) -> str:
        return display_path(path, cwd)

    tree_python, tree_templates = _project_tree(root, config, cwd) if request.whole_project else ([], [])
    if request.respect_gitignore:  # one question to git (or the .gitignore files) for both lists
        files, tree_python, tree_templates = _not_gitignored_all(files, tree_python, tree_templates, root, set(sources))
    found = templates.scan(
        list(given),
        [real for real, _ in files],
        config,
        cwd,
        root,
        more_templates=tree_templates,
        more_python=tree_python,
        store=_parse_store(request, root),
    )
    files = _with_handlers_of_given_templates(files, list(given), found, root, cwd)
    options = Options(
        config=config,
        entry_points=merge_entry_points(
            configured_entry_points(config, request.handlers), templates.entry_points(found.refs, display)
        ),
        fix=request.fix,
        diff=request.diff,
        noqa=request.noqa,
        fix_diffs=request.fix_diffs,
        cwd=cwd,
    )
    options.layout = _layout(root, config, found, tree_python)
    options.write_roots = tuple(os.path.realpath(p) for p in given if os.path.lexists(p))
    cache = _cache(request, options, root)
    plan = _plan(files, tree_python, options, sources, display, cache)
    return Project(
        request,
        config,
        cwd,
        root,
        files,
        found,
        options,
        sources,
        plan,
        cache,
        outside=list(dict.fromkeys(display_path(p, cwd) for p in outside)),
    )


def _project_tree(root: str, config: Config, cwd: str) -> Tuple[List[str], List[str]]:
    """Every Python file and template of the project, in one walk (real paths)."""
    from lambdalint.discovery import walk
    from lambdalint.files import RealPaths
    from lambdalint.templates import is_template_name

    python: List[str] = []
    found: List[str] = []
    inside = os.path.realpath(root).rstrip(os.sep) + os.sep
    realpath = RealPaths()
    for path in walk(
        root,
        config.exclude,
        cwd,
        lambda n: n.endswith(".py") or is_template_name(n),
        root=config.root,
        boundary=os.path.realpath(root),
    ):
        real = realpath(path)
        if real.startswith(inside):  # a symbolic link out of the project is not followed
            (python if real.endswith(".py") else found).append(real)
    return python, found


def _layout(root: str, config: Config, found, tree_python: Sequence[str]):
    from lambdalint.project.layout import SourceLayout

    code_roots = [ref.code_dir for ref in found.refs if getattr(ref, "code_dir", None)]
    layer_roots = [os.path.join(d, "python") for d in getattr(found, "layer_dirs", [])]
    return SourceLayout(root, code_roots, layer_roots, config.source_roots, tree_python)


def _plan(files, tree_python, options: Options, sources: Dict[str, str], display, cache):
    """Which files are analysed together (`lambdalint.project`), from the text pre-pass and
    the imports of each file, remembered in the cache's stat index between runs."""
    from lambdalint.files import read_source
    from lambdalint.parsing import might_have_entry_point
    from lambdalint.project import build_plan
    from lambdalint.project.imports import imported_modules

    entry_texts: Dict[str, str] = {}  # entry files' text, until their imports are read

    def text_of(real: str) -> Optional[Tuple[Optional[bytes], str]]:
        if real in sources:
            return None, sources[real]
        data, source, error, _ = read_source(real)
        return None if error is not None or source is None else (data, source.text)

    def facts_of(real: str) -> Tuple[Optional[list], dict]:
        """The stat index's facts (none for text standing in for the file)."""
        return cache.facts(real) if cache is not None and real not in sources else (None, {})

    def may_hold_entry_point(real: str) -> Optional[bool]:
        signature, facts = facts_of(real)
        if "entry" in facts:
            return facts["entry"]
        read = text_of(real)
        if read is None:
            return None
        data, text = read
        entry = might_have_entry_point(text, options.config.handler_names, bool(options.entry_points_at(real)))
        if entry:
            entry_texts[real] = text
        if cache is not None and data is not None:
            cache.remember(real, signature, entry=entry, digest=cache.content_digest(data))
        return entry

    def imports_of(real: str) -> List[str]:
        signature, facts = facts_of(real)
        if "imports" in facts:
            return facts["imports"]
        text = entry_texts.pop(real, None)
        if text is None:
            read = text_of(real)
            if read is None:
                return []
            text = read[1]
        imports = imported_modules(text) if "import" in text else []
        if cache is not None and signature is not None:
            cache.remember(real, signature, imports=imports)
        return imports

    assert options.layout is not None  # prepare always gives a project its layout
    return build_plan(files, tree_python, options.layout, may_hold_entry_point, imports_of, display)


def _parse_store(request: Request, root: str):
    """Templates and CDK apps parsed by earlier runs, beside the result cache (none with
    `--no-cache`)."""
    if not request.cache:
        return None
    from lambdalint.cache import ParseStore, default_directory

    return ParseStore(default_directory(root))


def _cache(request: Request, options: Options, root: str):
    """The result cache, in `.lambdalint_cache/` at the project root (or $LAMBDALINT_CACHE_DIR)."""
    if not request.cache or options.fix or request.sources:
        return None
    from lambdalint.cache import ResultCache, default_directory

    return ResultCache(default_directory(root), options)


def _not_gitignored(files: List[Tuple[str, str]], root: str, keep) -> List[Tuple[str, str]]:
    """Files that git ignores are skipped like `exclude` (text given directly stays)."""
    from lambdalint.gitignore import drop_ignored

    return drop_ignored(files, root, keep)


def _not_gitignored_all(
    files: List[Tuple[str, str]], tree_python: List[str], tree_templates: List[str], root: str, keep
) -> Tuple[List[Tuple[str, str]], List[str], List[str]]:
    """`_not_gitignored` for the linted files and the project tree's lists (real paths),
    with one question to git for all of them."""
    from lambdalint.gitignore import ignored

    def kept(real: str) -> bool:
        return bool(keep) and os.path.realpath(real) in keep

    candidates = [real for real, _ in files if not kept(real)]
    skipped = ignored(candidates + tree_python + tree_templates, root)
    if not skipped:
        return files, tree_python, tree_templates
    return (
        [(real, shown) for real, shown in files if os.path.abspath(real) not in skipped or kept(real)],
        [p for p in tree_python if p not in skipped],
        [p for p in tree_templates if p not in skipped],
    )


def _with_handlers_of_given_templates(
    files: List[Tuple[str, str]], given: Sequence[str], found, root: str, cwd: str
) -> List[Tuple[str, str]]:
    """A template named on the command line (pre-commit passes a changed `template.yaml`
    alone) brings the modules of the handlers it names into the run: renaming a handler
    changes which functions are entry points there."""
    from lambdalint.templates import is_template_name

    named = {os.path.realpath(p) for p in given if os.path.isfile(p) and is_template_name(os.path.basename(p))}
    if not named:
        return files
    have = {os.path.realpath(real) for real, _ in files}
    top = os.path.realpath(root).rstrip(os.sep) + os.sep
    out = list(files)
    for ref in found.refs:
        module = ref.module_path
        if (
            module
            and ref.origin
            and os.path.realpath(ref.origin) in named
            and module not in have
            and module.startswith(top)
        ):
            have.add(module)
            out.append((module, display_path(module, cwd)))
    return out


def check(project: Project, progress: Optional[Callable[[int, int], None]] = None) -> List[FileReport]:
    """Lint (and fix) every file, then add the template and configuration side.
    `progress(done, total)` is told as files are done."""
    from lambdalint.runner import run as run_files

    reports = run_files(
        project.plan,
        project.files,
        project.options,
        jobs=project.request.jobs,
        cache=project.cache,
        sources=project.sources,
        progress=progress,
    )
    reports.extend(handler_ref_reports(project))
    reports.extend(outside_link_reports(project))
    return reports


def outside_link_reports(project: Project) -> List[FileReport]:
    """An error for each symbolic link that leads out of the project: code from strangers
    must not make lambdalint read (or `--fix` write) files elsewhere on the machine."""
    out = []
    for shown in project.outside:
        try:
            target = os.readlink(os.path.join(project.cwd, shown))
            to = f" (to `{target}`)"
        except OSError:
            to = ""  # a path given through a linked directory
        message = f"symbolic link{to} leads outside the project; not followed"
        out.append(FileReport(shown, errors=[FileError(shown, message)]))
    return out


def lint_file(project: Project, path: str, text: str) -> FileReport:
    """The report for one linted file whose text is `text` (flake8 hands files over one at
    a time), with its whole unit in view: the unit is linted once per process and its
    reports are kept for the unit's other files, and in the result cache when the project
    has one (keyed by the content of every member, `text` for this file)."""
    from lambdalint.engine import check_file, check_unit

    real = os.path.realpath(path)
    unit = project.plan.unit_of(real)
    if unit is None or real not in unit.linted:
        return check_file(path, path, project.options, data=text.encode("utf-8"))
    from lambdalint.files import read_source

    memo: Dict[Tuple[int, str], Tuple[Optional[bytes], FileReport]] = project.__dict__.setdefault("_unit_reports", {})
    data = text.encode("utf-8")
    known = memo.get((id(unit), real))
    if known is None or known[0] != data:
        datas = [data if member == real else read_source(member)[0] for member, _ in unit.members]
        reports = _cached_unit(project, unit, datas)
        if reports is None:
            members = [(member, shown, content) for (member, shown), content in zip(unit.members, datas)]
            reports = check_unit(members, unit.linted, project.options, project.options.layout)
            _cache_unit(project, unit, datas, reports)
        used = dict(zip((m for m, _ in unit.members), datas))
        for member, report in zip(unit.linted, reports):
            memo[(id(unit), member)] = (used[member], report)
        known = memo[(id(unit), real)]
    report = known[1]
    report.path = path
    return report


def _unit_key(project: Project, unit, datas) -> Optional[str]:
    cache = project.cache
    if cache is None or any(data is None for data in datas):
        return None  # an unreadable member: linted (and its error worded) every time
    return cache.unit_key(unit.members, [cache.content_digest(data) for data in datas])


def _cached_unit(project: Project, unit, datas) -> Optional[List[FileReport]]:
    """The unit's reports from the result cache, when every linted member has one."""
    key, cache = _unit_key(project, unit, datas), project.cache
    if key is None or cache is None:
        return None
    cached = [cache.get(cache.member_key(key, real)) for real in unit.linted]
    found = [report for report in cached if report is not None]
    return found if len(found) == len(cached) else None


def _cache_unit(project: Project, unit, datas, reports: List[FileReport]) -> None:
    from lambdalint.cache import portable

    key, cache = _unit_key(project, unit, datas), project.cache
    if key is not None and cache is not None:
        for real, report in zip(unit.linted, portable(reports)):
            cache.put(cache.member_key(key, real), report)


def run(request: Request) -> Tuple[Project, List[FileReport]]:
    project = prepare(request)
    return project, check(project)


def handler_ref_reports(project: Project) -> List[FileReport]:
    """LAM304 at template and configuration lines, and the templates' own errors."""
    from lambdalint.templates import config_refs
    from lambdalint.templates.refs import within

    config = project.config
    with within(project.root):
        named = config_refs(config, project.request.handlers)
    refs = [
        *named,
        *(r for r in project.templates.refs if os.path.realpath(r.origin) not in project.templates.refs_only),
    ]
    if not refs and not project.templates.errors and not getattr(project.templates, "notes", ()):
        return []  # no template, no `handlers`: nor the rule's imports (the analysis) either
    from lambdalint.rules.lam304_handler_not_found import HandlerNotFound, handler_ref_findings

    findings, errors = handler_ref_findings(refs, project.display)
    by_path: Dict[str, FileReport] = {}
    silenced: Dict[str, Dict[int, frozenset]] = {}
    for finding in findings:
        if not config.reports(HandlerNotFound.code, finding.path, project.cwd):
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
            FileError(shown, error.message, error.line, error.column)
        )
    for note in getattr(project.templates, "notes", ()):
        shown = project.display(note.path)
        where = f"line {note.line}: " if note.line else ""
        by_path.setdefault(shown, FileReport(shown)).notes.append(f"{where}{note.message}")
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
    reaches: List[str] = field(default_factory=list)  # functions in other files on its path


def handler_listing(project: Project) -> Iterator[HandlerListing]:
    """Every entry point of the linted files, what made it one, how it runs and the
    functions in other files its invocation path reaches; then named handlers that point
    nowhere."""
    from lambdalint._lazy import cst
    from lambdalint.analysis import entry_points as _entry_points
    from lambdalint.analysis import function_label
    from lambdalint.engine import Unit
    from lambdalint.files import read_source

    for plan_unit in project.plan.units:
        unit = Unit(project.options, project.options.layout)
        for real, shown in plan_unit.members:
            _, source, error, _ = read_source(real)
            if source is not None:
                unit.set(real, shown, source.text)
        analysis_project, analyses, _ = unit.analyse()
        for real in plan_unit.linted:
            analysis = analyses.get(real)
            if analysis is None:
                continue
            for entry in analysis.entry_points:
                reached = sorted(
                    {function_label(fn) for fn in analysis.reachable_from(entry.function) if fn.module is not analysis}
                )
                yield HandlerListing(
                    analysis.path,
                    analysis.position(entry.function.node).start.line,
                    entry.function.qualname,
                    entry.describe(),
                    entry.settings.describe(),
                    reaches=reached,
                )
            for name, how in analysis.opaque_handlers.items():
                value = analysis.module_bindings[name][-1]
                made_by = _entry_points.made_by(analysis, name)
                named_by = f"{how.source}: {how.detail}" if how.detail else how.source
                yield HandlerListing(
                    analysis.path,
                    analysis.position(value).start.line if isinstance(value, cst.CSTNode) else 0,
                    name,
                    f"{named_by}; made by `{made_by or 'an expression'}(...)`, not a function of the"
                    " project: its settings apply to the module's Init code",
                    how.settings.describe(),
                )
    for ref in project.templates.refs:
        if ref.module_path is None and ref.runtime_known:
            yield HandlerListing(ref.label(project.display(ref.origin)), 0, ref.handler, "", problem=ref.problem)
