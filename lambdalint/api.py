"""The Python API: lint files or text and get back the findings `lambdalint check` prints.

    import lambdalint

    run = lambdalint.lint_paths(["src/"])
    for finding in run.findings:
        print(finding.path, finding.line, finding.code, finding.message)
    lambdalint.lint_source(text, "src/app.py").findings

Both functions go through the same pipeline as the command line (`lambdalint.pipeline`):
settings from the nearest `pyproject.toml` above the paths, templates, entry points, every
rule.  They raise `lambdalint.ConfigError` for bad settings and `lambdalint.PathsNotFound`
for paths that do not exist; problems with single files (syntax errors, unreadable files)
are `errors` of the result, never exceptions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

from lambdalint import pipeline
from lambdalint.model import FileError, FileReport, Finding


@dataclass
class LintRun:
    """What a run found: findings and errors of every file, sorted by path and line."""

    reports: List[FileReport] = field(default_factory=list)

    @property
    def findings(self) -> List[Finding]:
        return sorted((f for r in self.reports for f in r.findings), key=Finding.sort_key)

    @property
    def errors(self) -> List[FileError]:
        return [e for r in self.reports for e in r.errors]

    @property
    def fixed(self) -> int:
        """Findings that `fix=` removed by changing files."""
        return sum(r.fixed for r in self.reports)


def _selection(
    select: Optional[Sequence[str]], extend_select: Optional[Sequence[str]], ignore: Optional[Sequence[str]]
) -> Dict[str, Tuple[str, ...]]:
    """The selection arguments, checked against the registry, as the command line's."""
    from lambdalint.config import ConfigError
    from lambdalint.registry import validate_code_prefixes

    out: Dict[str, Tuple[str, ...]] = {}
    for key, codes in (("select", select), ("extend_select", extend_select), ("ignore", ignore)):
        if codes is not None:
            if isinstance(codes, str):
                codes = codes.split(",")
            codes = tuple(c.strip().upper() for c in codes if c.strip())
            try:
                validate_code_prefixes(codes)
            except ValueError as exc:
                raise ConfigError(f"{key}: {exc}") from None
            out[key] = codes
    return out


def lint_paths(
    paths: Sequence[str] = (".",),
    *,
    config: Optional[str] = None,
    select: Optional[Sequence[str]] = None,
    extend_select: Optional[Sequence[str]] = None,
    ignore: Optional[Sequence[str]] = None,
    exclude: Sequence[str] = (),
    handlers: Sequence[str] = (),
    fix: bool = False,
    unsafe_fixes: bool = False,
    cache: bool = False,
    jobs: Optional[int] = None,
) -> LintRun:
    """Lint files and directories.  `config` names a TOML file (default: the nearest
    `pyproject.toml` with `[tool.lambdalint]` above the paths); `select` / `extend_select` /
    `ignore` layer on it as the command line's options do; `handlers` adds `path:function` entry points; `fix` writes safe
    fixes (`unsafe_fixes` too) to the files; `cache` uses the result cache."""
    request = pipeline.Request(
        paths=list(paths),
        config_file=config,
        selection=_selection(select, extend_select, ignore),
        exclude=exclude,
        handlers=list(handlers),
        fix=("unsafe" if unsafe_fixes else "safe") if fix else None,
        cache=cache,
        jobs=jobs,
    )
    _, reports = pipeline.run(request)
    return LintRun(reports)


def lint_source(
    text: str,
    path: str = "handler.py",
    *,
    config: Optional[str] = None,
    select: Optional[Sequence[str]] = None,
    extend_select: Optional[Sequence[str]] = None,
    ignore: Optional[Sequence[str]] = None,
    handlers: Sequence[str] = (),
) -> LintRun:
    """Lint `text` as if it were the file `path` (which need not exist): settings and
    templates are found from `path`'s directory.  A text that does not parse gives an error
    in the result, not an exception."""
    request = pipeline.Request(
        paths=[path],
        sources={path: text},
        config_file=config,
        selection=_selection(select, extend_select, ignore),
        handlers=list(handlers),
        cache=False,
        jobs=1,
    )
    project, reports = pipeline.run(request)
    shown = project.display(path)
    return LintRun([r for r in reports if r.path == shown])
