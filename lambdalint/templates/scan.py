"""Finding the templates of a run and every handler they (and the configuration) name."""

from __future__ import annotations

import glob
import hashlib
import os
import re
from dataclasses import dataclass, field
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Set, Tuple

from lambdalint.files import RealPaths
from lambdalint.model import FileError, NamedHandler
from lambdalint.templates.cdk import cdk_refs, cdk_root
from lambdalint.templates.cloudformation import cloudformation_refs
from lambdalint.templates.layers import layer_dirs
from lambdalint.templates.loading import (
    MAX_TEMPLATE_BYTES,
    TemplateError,
    from_stored_form,
    load_json,
    load_yaml,
    stored_form,
)
from lambdalint.templates.refs import OUTSIDE, HandlerRef, outside_project, project_boundary, within
from lambdalint.templates.serverless import serverless_refs

SAM_NAMES = ("template.yaml", "template.yml", "template.json")
SAM_GLOBS = ("*.template", "*.template.json", "*.template.yaml", "*.template.yml")
SERVERLESS_NAMES = ("serverless.yml", "serverless.yaml")
_SAM_SUFFIXES = tuple(g[1:] for g in SAM_GLOBS)  # the globs are all "*<suffix>"


# A top-level key only CloudFormation / SAM templates have, quoted (JSON) or not (YAML).
_CLOUDFORMATION_KEY = re.compile(rb"""(?m)(?:^|[{,\s])["']?(?:AWSTemplateFormatVersion|Resources|Transform)["']?\s*:""")


def is_template_name(name: str) -> bool:
    # endswith instead of fnmatch: called for every file of the tree
    return name in SAM_NAMES or name in SERVERLESS_NAMES or name.endswith(_SAM_SUFFIXES)


def template_refs(
    path: str, seen: Optional[Set[str]] = None, layers: Optional[List[str]] = None, store=None
) -> Tuple[List[HandlerRef], List[FileError]]:
    """The handlers one template names (following local nested stacks), and its errors;
    the local directories of the layers it builds are added to `layers`.  `store`: a
    `lambdalint.cache.ParseStore` holding documents already parsed."""
    seen = set() if seen is None else seen
    real = os.path.realpath(path)
    if real in seen:
        return [], []
    seen.add(real)
    if outside_project(path):
        return [], [FileError(path, f"symbolic link to `{real}` leads outside the project; not read")]
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_TEMPLATE_BYTES + 1)  # a huge file is never read whole
        name = os.path.basename(path)
        # `*.template` also names Jinja, Helm or Fluent Bit files: one that does not say it
        # is CloudFormation is no template, and not an error.
        loose = name not in SAM_NAMES and name not in SERVERLESS_NAMES
        if loose and not _CLOUDFORMATION_KEY.search(data):
            return [], []
        if len(data) > MAX_TEMPLATE_BYTES:
            return [], [
                FileError(path, f"template too large (over {MAX_TEMPLATE_BYTES // (1024 * 1024)} MiB); not read")
            ]
        text = data.decode("utf-8-sig")
    except OSError as exc:
        return [], [FileError(path, f"cannot read template: {exc.strerror or exc}")]
    except UnicodeDecodeError as exc:
        return [], [FileError(path, f"cannot decode template as UTF-8 (byte {exc.start}: {exc.reason})")]
    try:
        json_like = name.endswith(".json") or (name.endswith(".template") and text.lstrip().startswith("{"))
        doc = _parsed(text, data, json_like, store)
    except TemplateError as exc:
        return [], [FileError(path, str(exc))]
    outside: List[str] = []
    found = layer_dirs(doc, path, name in SERVERLESS_NAMES, outside)
    if layers is not None:
        layers.extend(found)
    errors = [FileError(path, f"layer directory `{written}` {OUTSIDE}") for written in outside]
    if name in SERVERLESS_NAMES:
        return serverless_refs(doc, path), errors
    refs, more = cloudformation_refs(
        doc, path, text, seen, lambda nested, seen: template_refs(nested, seen, layers, store)
    )
    return refs, errors + more


def _parsed(text: str, data: bytes, json_like: bool, store):
    """The document (raises TemplateError), from the parse store when it holds these bytes."""
    if store is None:
        return load_json(text) if json_like else load_yaml(text)
    key = f"{hashlib.sha256(data).hexdigest()}:{'json' if json_like else 'yaml'}"
    stored = store.get("template", key)
    if isinstance(stored, dict):
        if isinstance(stored.get("error"), str):
            raise TemplateError(stored["error"])
        if "doc" in stored:
            try:
                return from_stored_form(stored["doc"])
            except (ValueError, TypeError, KeyError, IndexError, RecursionError):
                pass  # damaged: parsed again below
    try:
        doc = load_json(text) if json_like else load_yaml(text)
    except TemplateError as exc:
        store.put("template", key, {"error": str(exc)})
        raise
    form = stored_form(doc)
    if form is not None:
        store.put("template", key, {"doc": form})
    return doc


@dataclass
class TemplateScan:
    refs: List[HandlerRef] = field(default_factory=list)
    errors: List[FileError] = field(default_factory=list)
    templates: List[str] = field(default_factory=list)
    # Templates whose LAM304 findings and errors a run reports (under the linted paths or
    # above the linted files); the others only name entry points.
    reported: Set[str] = field(default_factory=set)
    refs_only: Set[str] = field(default_factory=set)  # origins read for entry points only
    layer_dirs: List[str] = field(default_factory=list)  # local code of the layers templates build

    @property
    def notes(self) -> List[FileError]:
        """What the templates say about a function's settings that lambdalint could not use
        (an intrinsic where a literal is needed, SnapStart on a runtime without it): said
        once per template line, never an error."""
        out: List[FileError] = []
        seen: Set[Tuple[str, int, str]] = set()
        for ref in self.refs:
            for note in ref.notes:
                key = (ref.origin, ref.line, note)
                if key not in seen:
                    seen.add(key)
                    out.append(FileError(ref.origin, note, ref.line or None, ref.column or None))
        return out


def find_templates(
    paths: Sequence[str], python_files: Iterable[str], config, cwd: str, root: Optional[str] = None
) -> List[str]:
    """Templates named by the `templates` globs, or else found under the linted paths.

    The directories above the linted files, up to the project `root` (default: the working
    directory), are searched too: the template usually sits at the app's root, above
    `src/`, and pre-commit passes files one by one.
    """
    if config.templates:
        found: List[str] = []
        for pattern in config.templates:
            found.extend(sorted(glob.glob(os.path.join(config.root, pattern), recursive=True)))
        return _unique(p for p in found if os.path.isfile(p) and not outside_project(p))
    from lambdalint.discovery import walk

    found = []
    for given in paths:
        if os.path.isdir(given):
            found.extend(walk(given, config.exclude, cwd, is_template_name, boundary=project_boundary()))
        elif is_template_name(os.path.basename(given)) and os.path.isfile(given):
            found.append(given)  # named on the command line (pre-commit passes changed files)
    top = os.path.abspath(root or cwd)
    listed: Set[str] = set()
    for file in python_files:
        directory = os.path.dirname(os.path.abspath(file))
        while directory not in listed and (directory + os.sep).startswith(top.rstrip(os.sep) + os.sep):
            listed.add(directory)
            try:
                names = sorted(os.listdir(directory))
            except OSError:
                names = []
            found.extend(
                os.path.join(directory, n)
                for n in names
                if is_template_name(n) and os.path.isfile(os.path.join(directory, n))
            )
            parent = os.path.dirname(directory)
            if parent == directory or directory == top:
                break
            directory = parent
    return _unique(found)


def _unique(paths: Iterable[str], realpath: Callable[[str], str] = os.path.realpath) -> List[str]:
    seen: Set[str] = set()
    out = []
    for p in paths:
        key = realpath(p)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


def scan(
    paths: Sequence[str],
    python_files: Sequence[str],
    config,
    cwd: str,
    root: Optional[str] = None,
    more_templates: Sequence[str] = (),
    more_python: Sequence[str] = (),
    store=None,
) -> TemplateScan:
    """Every handler the templates and CDK apps under `paths` name; `more_templates` and
    `more_python` (the rest of the project) are read for entry points, not reported.
    Nothing outside the project (`root`, default: the working directory) is read.
    `store`: a `lambdalint.cache.ParseStore` for documents parsed by earlier runs."""
    with within(root or cwd):
        return _scan(paths, python_files, config, cwd, root, more_templates, more_python, store)


def _scan(
    paths: Sequence[str],
    python_files: Sequence[str],
    config,
    cwd: str,
    root: Optional[str],
    more_templates: Sequence[str],
    more_python: Sequence[str],
    store=None,
) -> TemplateScan:
    result = TemplateScan()
    seen: Set[str] = set()
    reported = find_templates(paths, python_files, config, cwd, root)
    result.reported = {os.path.realpath(t) for t in reported}
    extra = [] if config.templates else [t for t in more_templates if os.path.realpath(t) not in result.reported]
    for template in [*reported, *extra]:
        before = len(seen)
        try:
            refs, errors = template_refs(template, seen, result.layer_dirs, store)
        except Exception as exc:  # a template must never stop the run
            refs, errors = [], [FileError(template, f"cannot read template: {type(exc).__name__}: {exc}")]
        if len(seen) == before and not refs and not errors:
            continue  # already read as a nested stack
        result.templates.append(template)
        result.refs.extend(refs)
        if os.path.realpath(template) in result.reported:
            result.errors.extend(errors)
        else:
            result.refs_only.update(os.path.realpath(r.origin) for r in refs)
    cdk_roots: Dict[str, Optional[str]] = {}
    realpath = RealPaths()
    linted = {realpath(f) for f in python_files}
    for file in _unique([*python_files, *more_python], realpath):
        if cdk_root(file, cdk_roots) is None:
            continue  # only CDK apps (a cdk.json above) are read twice
        try:
            with open(file, "rb") as f:
                data = f.read()
        except OSError:
            continue  # the Python lint reports unreadable files
        # Every function it can report is a `...Function(...)` call, imported or written
        # under that name: a stack without the word builds none (two files in three of a
        # large CDK monorepo), and `ast` need not read it.
        if b"aws_cdk" in data and b"Function" in data:
            try:
                refs = cdk_refs(file, data.decode("utf-8-sig"), store, data)
            except UnicodeDecodeError:
                continue
            result.refs.extend(refs)
            if os.path.realpath(file) not in linted:
                result.refs_only.add(os.path.realpath(file))
    return result


def config_refs(config, extra: Sequence[str] = ()) -> List[HandlerRef]:
    """`handlers` from configuration (with their line in the config file) and `--handler`."""
    text = ""
    if config.source:
        try:
            with open(config.source, encoding="utf-8") as f:
                text = f.read()
        except (OSError, UnicodeDecodeError):
            text = ""
    refs = []
    for item, origin in [(h, config.source or "") for h in config.handlers] + [(h, "") for h in extra]:
        path, _, func = item.rpartition(":")
        line = column = 0
        if origin and text:
            written = os.path.relpath(path, config.root).replace(os.sep, "/")
            match = re.search(re.escape(f"{written}:{func}"), text) or re.search(re.escape(f":{func}"), text)
            if match:
                line = text.count("\n", 0, match.start()) + 1
                column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
        shown = os.path.relpath(path, config.root if origin else os.getcwd()).replace(os.sep, "/")
        ref = HandlerRef(
            origin=origin,
            line=line,
            column=column,
            kind="config" if origin else "--handler",
            name="",
            handler=f"{shown}:{func}",
            code_dir=os.path.dirname(path),
            function=func,
        )
        real = os.path.realpath(path)
        if origin and outside_project(path):  # the configuration comes with the code
            ref.problem = f"handler `{shown}:{func}`: `{shown}` {OUTSIDE}"
        elif os.path.isfile(real):
            ref.module_path = real
        else:
            ref.problem = f"handler `{shown}:{func}`: there is no file `{shown}`"
        refs.append(ref)
    return refs


def entry_points(refs: Sequence[HandlerRef], display) -> Dict[str, Dict[str, NamedHandler]]:
    """Resolved template handlers as engine entry points: real path -> {function: NamedHandler}."""
    out: Dict[str, Dict[str, NamedHandler]] = {}
    for ref in refs:
        if ref.module_path is None or not ref.function:
            continue
        out.setdefault(ref.module_path, {}).setdefault(
            ref.function, NamedHandler("template", ref.label(display(ref.origin)), ref.settings)
        )
    return out
