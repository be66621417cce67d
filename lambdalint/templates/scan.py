"""Finding the templates of a run and every handler they (and the configuration) name."""

from __future__ import annotations

import glob
import os
import re
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

from lambdalint.model import FileError, NamedHandler
from lambdalint.templates.cdk import cdk_refs, cdk_root
from lambdalint.templates.cloudformation import cloudformation_refs
from lambdalint.templates.loading import TemplateError, load_json, load_yaml
from lambdalint.templates.refs import HandlerRef
from lambdalint.templates.serverless import serverless_refs

SAM_NAMES = ("template.yaml", "template.yml", "template.json")
SAM_GLOBS = ("*.template", "*.template.json", "*.template.yaml", "*.template.yml")
SERVERLESS_NAMES = ("serverless.yml", "serverless.yaml")
_SAM_SUFFIXES = tuple(g[1:] for g in SAM_GLOBS)  # the globs are all "*<suffix>"


def is_template_name(name: str) -> bool:
    # endswith instead of fnmatch: called for every file of the tree
    return name in SAM_NAMES or name in SERVERLESS_NAMES or name.endswith(_SAM_SUFFIXES)


def template_refs(path: str, seen: Optional[Set[str]] = None) -> Tuple[List[HandlerRef], List[FileError]]:
    """The handlers one template names (following local nested stacks), and its errors."""
    seen = set() if seen is None else seen
    real = os.path.realpath(path)
    if real in seen:
        return [], []
    seen.add(real)
    try:
        with open(path, "rb") as f:
            data = f.read()
        text = data.decode("utf-8-sig")
    except OSError as exc:
        return [], [FileError(path, f"cannot read template: {exc.strerror or exc}")]
    except UnicodeDecodeError as exc:
        return [], [FileError(path, f"cannot decode template as UTF-8 (byte {exc.start}: {exc.reason})")]
    name = os.path.basename(path)
    try:
        if name.endswith(".json") or (name.endswith(".template") and text.lstrip().startswith("{")):
            doc = load_json(text)
        else:
            doc = load_yaml(text)
    except TemplateError as exc:
        return [], [FileError(path, str(exc))]
    if name in SERVERLESS_NAMES:
        return serverless_refs(doc, path), []
    return cloudformation_refs(doc, path, text, seen, template_refs)


@dataclass
class TemplateScan:
    refs: List[HandlerRef] = field(default_factory=list)
    errors: List[FileError] = field(default_factory=list)
    templates: List[str] = field(default_factory=list)


def find_templates(paths: Sequence[str], python_files: Iterable[str], config, cwd: str,
                   root: Optional[str] = None) -> List[str]:
    """Templates named by the `templates` globs, or else found under the linted paths.

    The directories above the linted files, up to the project `root` (default: the working
    directory), are searched too: the template usually sits at the app's root, above
    `src/`, and pre-commit passes files one by one.
    """
    if config.templates:
        found: List[str] = []
        for pattern in config.templates:
            found.extend(sorted(glob.glob(os.path.join(config.root, pattern), recursive=True)))
        return _unique(p for p in found if os.path.isfile(p))
    from lambdalint.discovery import walk

    found = []
    for given in paths:
        if os.path.isdir(given):
            found.extend(walk(given, config.exclude, cwd, is_template_name))
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
            found.extend(os.path.join(directory, n) for n in names
                         if is_template_name(n) and os.path.isfile(os.path.join(directory, n)))
            parent = os.path.dirname(directory)
            if parent == directory or directory == top:
                break
            directory = parent
    return _unique(found)


def _unique(paths: Iterable[str]) -> List[str]:
    seen: Set[str] = set()
    out = []
    for p in paths:
        key = os.path.realpath(p)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


def scan(paths: Sequence[str], python_files: Sequence[str], config, cwd: str,
         root: Optional[str] = None) -> TemplateScan:
    """Every handler the templates and CDK apps under `paths` name."""
    result = TemplateScan()
    seen: Set[str] = set()
    for template in find_templates(paths, python_files, config, cwd, root):
        try:
            refs, errors = template_refs(template, seen)
        except Exception as exc:  # a template must never stop the run
            refs, errors = [], [FileError(template, f"cannot read template: {type(exc).__name__}: {exc}")]
        result.templates.append(template)
        result.refs.extend(refs)
        result.errors.extend(errors)
    cdk_roots: Dict[str, Optional[str]] = {}
    for file in python_files:
        if cdk_root(file, cdk_roots) is None:
            continue  # only CDK apps (a cdk.json above) are read twice
        try:
            with open(file, "rb") as f:
                data = f.read()
        except OSError:
            continue  # the Python lint reports unreadable files
        if b"aws_cdk" in data:
            try:
                result.refs.extend(cdk_refs(file, data.decode("utf-8-sig")))
            except UnicodeDecodeError:
                continue
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
        ref = HandlerRef(origin=origin, line=line, column=column,
                         kind="config" if origin else "--handler", name="", handler=f"{shown}:{func}",
                         code_dir=os.path.dirname(path), function=func)
        real = os.path.realpath(path)
        if os.path.isfile(real):
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
            ref.function, NamedHandler("template", ref.label(display(ref.origin)), ref.settings))
    return out
