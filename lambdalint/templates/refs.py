"""A handler named outside the code (template or configuration) and the file it means."""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import os
import re
from dataclasses import dataclass, field
from typing import Iterator, List, Optional, Tuple

from lambdalint.catalog import (
    BUILD_OUTPUT_DIRS,
    BUILT_ARCHIVE_SUFFIXES,
    EXEC_WRAPPER_VARIABLE,
    WEB_ADAPTER_LAYER_MARKERS,
    WEB_ADAPTER_WRAPPERS,
)
from lambdalint.model import FunctionSettings
from lambdalint.templates.loading import Intrinsic


@dataclass
class HandlerRef:
    """One handler named by a template or configuration, and where it lives in the code."""

    origin: str  # the template or config file (absolute), "" for --handler
    line: int  # where the handler value is written (1-based), 0 when unknown
    column: int
    kind: str  # "SAM template", "CloudFormation template", "Serverless", "CDK", "config"
    name: str  # the function's logical id / name in the template
    handler: str  # as written
    code_dir: str  # absolute directory the handler is relative to
    code_label: str = ""  # the code directory as the template writes it, for messages
    runtime_known: bool = True  # False when the runtime could be anything (unset, intrinsic)
    problem: Optional[str] = None  # why the handler cannot be resolved, if it cannot
    # the code is a build's output (a zip, a build directory not in the repository): what
    # Lambda loads is not in the source, so a missing module is no finding
    built: bool = False
    # the Lambda Web Adapter starts the handler as a script (`run.sh`) that runs a web
    # application: there is no Python function to find
    web_adapter: bool = False
    module_path: Optional[str] = None  # the .py file, when it exists
    function: str = ""
    settings: FunctionSettings = FunctionSettings()  # how Lambda runs it
    # what the template says about the settings that lambdalint could not use
    notes: List[str] = field(default_factory=list)

    def label(self, shown_origin: str) -> str:
        where = f"{shown_origin}:{self.line}" if self.line else shown_origin
        return f"{self.kind} {where} ({self.name})" if self.name else f"{self.kind} {where}"


def ref_to_stored(ref: HandlerRef) -> dict:
    """A handler as a template or app names it (before `resolve`), JSON-ready."""
    return dataclasses.asdict(ref)


def refs_from_stored(data) -> Optional[List[HandlerRef]]:
    """`ref_to_stored` forms back, or None when `data` is not a list of them (a damaged or
    planted entry): every field is checked against its type."""
    if not isinstance(data, list):
        return None
    refs = []
    try:
        for item in data:
            fields = dict(item)
            fields["settings"] = FunctionSettings(**fields["settings"])
            ref = HandlerRef(**fields)
            for f in dataclasses.fields(HandlerRef):
                value = getattr(ref, f.name)
                if f.name == "settings":
                    continue
                if f.name == "notes":
                    if not (isinstance(value, list) and all(isinstance(n, str) for n in value)):
                        return None
                elif f.name in ("problem", "module_path"):
                    if value is not None and not isinstance(value, str):
                        return None
                elif not isinstance(value, type(getattr(_EMPTY_REF, f.name))):
                    return None
            for f in dataclasses.fields(FunctionSettings):
                value = getattr(ref.settings, f.name)
                if value is not None and not isinstance(value, (bool, int, str)):
                    return None
            refs.append(ref)
    except (TypeError, KeyError, ValueError):
        return None
    return refs


_EMPTY_REF = HandlerRef(origin="", line=0, column=0, kind="", name="", handler="", code_dir="")


# The project being read: templates are untrusted, so no path they name outside it is
# followed (not even probed: whether `/etc/x.py` exists is not the template's business).
_BOUNDARY: contextvars.ContextVar[Optional[str]] = contextvars.ContextVar("lambdalint_boundary", default=None)


@contextlib.contextmanager
def within(root: Optional[str]) -> Iterator[None]:
    """Templates read inside the block may name only paths under `root`."""
    token = _BOUNDARY.set(os.path.realpath(root) if root else None)
    try:
        yield
    finally:
        _BOUNDARY.reset(token)


def project_boundary() -> Optional[str]:
    """The real path of the project being read, inside `within`."""
    return _BOUNDARY.get()


def outside_project(path: str) -> bool:
    """`path` (after `..` and symbolic links) is not under the project being read."""
    root = _BOUNDARY.get()
    if root is None:
        return False
    real = os.path.realpath(path)
    return real != root and not real.startswith(root.rstrip(os.sep) + os.sep)


OUTSIDE = "is outside the project; lambdalint does not read it"


def is_build_output(code_dir: str) -> bool:
    """A prebuilt archive (`functioncode.zip`), or a build directory that is not there
    (`CodeUri: .build/lambdas/`, `dist/`): the code Lambda gets comes out of a build step."""
    if code_dir.endswith(BUILT_ARCHIVE_SUFFIXES):
        return True
    return not os.path.exists(code_dir) and any(
        part in BUILD_OUTPUT_DIRS for part in code_dir.replace("\\", "/").split("/")
    )


def runs_web_adapter(environment, layers) -> bool:
    """The function runs the Lambda Web Adapter: its environment sets the adapter's
    `AWS_LAMBDA_EXEC_WRAPPER`, or one of its layers is the adapter's layer."""
    wrapper = environment.get(EXEC_WRAPPER_VARIABLE) if isinstance(environment, dict) else None
    if isinstance(wrapper, str) and wrapper.strip() in WEB_ADAPTER_WRAPPERS:
        return True
    return any(marker in text for text in _strings_in(layers) for marker in WEB_ADAPTER_LAYER_MARKERS)


def _strings_in(value, depth: int = 0) -> Iterator[str]:
    """The strings anywhere in a template value, intrinsics (`!Sub arn:...`) included."""
    if depth > 10:
        return
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings_in(item, depth + 1)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings_in(item, depth + 1)
    elif isinstance(value, Intrinsic):
        yield from _strings_in(value.value, depth + 1)


def _built_from(code_dir: str, parts: List[str]) -> Optional[str]:
    """The source module a missing build directory is made from: `pip install -t package`
    next to `handler.py` and a copy of it into `package/` makes `package/handler.py` of
    the `handler.py` beside the directory."""
    if code_dir.endswith(BUILT_ARCHIVE_SUFFIXES) or os.path.exists(code_dir):
        return None
    source = os.path.dirname(code_dir)
    if not os.path.isdir(source) or outside_project(source):
        return None
    base = os.path.join(source, *parts)
    for candidate in (base + ".py", os.path.join(base, "__init__.py")):
        if os.path.isfile(candidate) and not outside_project(candidate):
            return os.path.realpath(candidate)
    return None


def resolve(ref: HandlerRef) -> HandlerRef:
    """Fill in `module_path` / `function` or `problem` from `handler` and `code_dir`."""
    if ref.web_adapter:
        ref.problem = (
            f"handler `{ref.handler}` is the start-up script of the Lambda Web Adapter, which runs "
            "a web application instead of a Python function; not checked"
        )
        return ref
    module, sep, func = ref.handler.rpartition(".")
    if not sep or not module or not func:
        ref.problem = (
            f"handler `{ref.handler}` is not of the form `module.function` "
            "(the Python runtime splits it at the last dot)"
        )
        return ref
    ref.function = func
    if not func.isidentifier():
        ref.problem = f"handler `{ref.handler}`: `{func}` is not a Python function name"
        return ref
    where = ref.code_label or f"`{ref.code_dir}`"
    if outside_project(ref.code_dir):
        ref.problem = f"handler `{ref.handler}`: {where} {OUTSIDE}"
        return ref
    parts = [p for p in module.replace("/", ".").split(".") if p]
    shown = "/".join(parts) + ".py"
    if is_build_output(ref.code_dir):
        ref.built = True
        # What Lambda loads is copied from the module beside the build directory: that is
        # the entry point, but a build may add what the source lacks, so nothing is reported.
        ref.module_path = _built_from(ref.code_dir, parts)
        if ref.module_path is not None:
            return ref
        ref.problem = f"handler `{ref.handler}`: {where} is built outside the source; not checked"
        return ref
    if os.path.isfile(ref.code_dir) and ref.code_dir.endswith(".py"):
        # `CodeUri: src/function.py`: the package is that one file, at its root.
        single, ref.code_dir = ref.code_dir, os.path.dirname(ref.code_dir)
        if parts == [os.path.basename(single)[:-3]]:
            ref.module_path = os.path.realpath(single)
            return ref
        ref.problem = (
            f"handler `{ref.handler}`: {where} is the single file "
            f"`{os.path.basename(single)}`, which is not the module `{shown}`"
        )
        return ref
    if not os.path.isdir(ref.code_dir):
        ref.problem = f"handler `{ref.handler}`: {where} does not exist"
        return ref
    base = os.path.join(ref.code_dir, *parts)
    for candidate in (base + ".py", os.path.join(base, "__init__.py")):
        if os.path.isfile(candidate):
            if outside_project(candidate):
                shown = os.path.relpath(candidate, ref.code_dir).replace(os.sep, "/")
                ref.problem = (
                    f"handler `{ref.handler}`: `{shown}` in {where} is a symbolic link that "
                    f"leads out of the project; lambdalint does not follow it"
                )
                return ref
            ref.module_path = os.path.realpath(candidate)
            return ref
    ref.problem = f"handler `{ref.handler}`: there is no module `{shown}` in {where}"
    return ref


def literal(value) -> Optional[str]:
    """A plain string value, or None for intrinsics, `${...}` variables and non-strings."""
    if isinstance(value, str) and "${" not in value:
        return value
    return None


def is_local(path: str) -> bool:
    return not re.match(r"^[a-z][a-z0-9+.-]*://", path, re.IGNORECASE)


def python_runtime(value) -> Optional[bool]:
    """True for python*, False for another runtime, None when unknown."""
    runtime = literal(value)
    if runtime is None:
        return None
    return runtime.strip().lower().startswith("python")


def mark(mapping, key: str) -> Tuple[int, int]:
    return getattr(mapping, "marks", {}).get(key, (0, 0))
