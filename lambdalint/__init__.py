"""lambdalint: find state leaks, per-request setup and invariant I/O in AWS Lambda handlers.

The Python API (`lint_paths`, `lint_source`) lives in `lambdalint.api` and is imported on
first use, so `import lambdalint` (and `lambdalint --version`) stays cheap.
"""

from typing import TYPE_CHECKING

__version__ = "0.1.0"

if TYPE_CHECKING:  # pragma: no cover - what type checkers see; at run time __getattr__ below
    from lambdalint.api import LintRun, lint_paths, lint_source
    from lambdalint.config import ConfigError
    from lambdalint.model import FileError, Finding, Fix
    from lambdalint.pipeline import PathsNotFound

__all__ = [
    "__version__",
    "lint_paths",
    "lint_source",
    "LintRun",
    "Finding",
    "FileError",
    "Fix",
    "ConfigError",
    "PathsNotFound",
]


def __getattr__(name: str):
    if name in ("lint_paths", "lint_source", "LintRun"):
        from lambdalint import api

        return getattr(api, name)
    if name in ("Finding", "FileError", "Fix"):
        from lambdalint import model

        return getattr(model, name)
    if name == "ConfigError":
        from lambdalint.config import ConfigError

        return ConfigError
    if name == "PathsNotFound":
        from lambdalint.pipeline import PathsNotFound

        return PathsNotFound
    raise AttributeError(f"module 'lambdalint' has no attribute {name!r}")
