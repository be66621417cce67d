"""flake8 plugin: the LAM codes from the same engine as `lambdalint check`.

A thin adapter in the style of flake8-bugbear.  It reports every LAM finding and leaves
the filtering to flake8 (`--select`, `--extend-select`, `--per-file-ignores`, `# noqa`,
`--disable-noqa`), so lambdalint's own `select`, `ignore`, `per-file-ignores` and noqa
handling are switched off here.  The settings that change what is found (`handlers`,
`handler-names`, `client-factories`, `io-functions`, ...) come from `[tool.lambdalint]` as
for the CLI, and so do handlers named by SAM / CloudFormation / Serverless templates and CDK
apps; both are read once per process.  LAM304 findings on template lines have no Python
file to be reported in, so flake8 does not show them.
"""

from __future__ import annotations

import argparse
import os
import sys
from functools import lru_cache
from typing import Iterator, List, Optional, Tuple

from lambdalint import __version__
from lambdalint.escaping import terminal_text


@lru_cache(maxsize=None)
def _project(config_file: Optional[str], paths: Tuple[str, ...] = (".",)):
    """The pipeline's set-up, once per flake8 process: settings, templates, entry points,
    the project model.  flake8 forks its `--jobs` workers after `parse_options`, so they
    share the parent's.  Results go to lambdalint's result cache (as for `lambdalint
    check`, in entries of their own: flake8 applies noqa itself), so a second flake8 run
    parses only what changed; flake8 never shows fix diffs, so none are computed."""
    from lambdalint import pipeline

    project = pipeline.prepare(
        pipeline.Request(
            paths=paths,
            config_file=config_file,
            noqa=False,
            fix_diffs=False,
            overrides={"select": ("LAM",), "extend_select": (), "ignore": (), "per_file_ignores": ()},
        )
    )
    if project.cache is not None:
        project.cache.save()  # the pre-pass verdicts and imports of the project's files
    return project


def _linted_paths(options: argparse.Namespace) -> Tuple[str, ...]:
    paths = []
    for path in options.filenames or ["."]:
        if path == "-":  # stdin: its display name says where it lives, if it is a path
            path = options.stdin_display_name
        if os.path.exists(path):
            paths.append(path)
    return tuple(paths)


class LambdaLintChecker:
    name = "lambdalint"
    version = __version__
    config_file: Optional[str] = None
    paths: Tuple[str, ...] = (".",)  # what flake8 was asked to check, for finding templates

    def __init__(self, tree, filename: str, lines: List[str]) -> None:
        # `tree` makes flake8 run this as an AST plugin (after its own syntax check);
        # the engine parses `lines` with LibCST, and only for files that may hold a handler.
        self.filename = filename
        self.lines = lines

    @classmethod
    def add_options(cls, manager) -> None:
        manager.add_option(
            "--lambdalint-config",
            metavar="FILE",
            parse_from_config=True,
            help="pyproject.toml or TOML file with lambdalint settings "
            "(default: the nearest pyproject.toml with [tool.lambdalint])",
        )

    @classmethod
    def parse_options(cls, options: argparse.Namespace) -> None:
        from flake8.exceptions import ExecutionError

        from lambdalint.config import ConfigError

        cls.config_file = options.lambdalint_config
        cls.paths = _linted_paths(options)
        try:
            _project(cls.config_file, cls.paths)  # once, before any file: a bad value is one clear error
        except ConfigError as exc:
            raise ExecutionError(f"lambdalint configuration error: {exc}") from None

    def run(self) -> Iterator[Tuple[int, int, str, type]]:
        from lambdalint.pipeline import lint_file

        result = lint_file(_project(self.config_file, self.paths), self.filename, "".join(self.lines))
        for error in result.errors:
            # flake8 reports syntax errors itself (E999); these are LibCST-only failures.
            sys.stderr.write(terminal_text(f"lambdalint: {error.path}: {error.message}") + "\n")
        for finding in result.findings:
            # flake8 prints the message as is: no control character or workflow command
            yield finding.line, finding.column - 1, terminal_text(f"{finding.code} {finding.message}"), type(self)
