"""Entry points named by infrastructure code: SAM / CloudFormation, Serverless Framework, CDK.

Real projects name their handlers in templates (`Handler: thumbs.run`), not by convention.
This module finds those templates, reads the handler names with the line each one is
written on, and maps them to Python files: handler `pkg.mod.func` under `CodeUri: src/`
is `src/pkg/mod.py`, function `func` (the Python runtime does `rsplit(".", 1)` and imports
the module with `/` read as `.`, so `Class.method` cannot be a handler).

Nothing here raises on bad input: a template that is not valid YAML/JSON is a FileError
and the run goes on.  CloudFormation short-form tags (`!Ref`, `!Sub`, `!GetAtt`, `!If`, ...)
load as `Intrinsic` values, which are "unknown" wherever a literal is needed.
"""

from __future__ import annotations

import ast
import glob
import json
import os
import re
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

from lambdalint.model import FileError, FileReport, Finding, FunctionSettings, NamedHandler

CODE = "LAM304"
NAME = "handler-not-found"

SAM_NAMES = ("template.yaml", "template.yml", "template.json")
SAM_GLOBS = ("*.template", "*.template.json", "*.template.yaml", "*.template.yml")
SERVERLESS_NAMES = ("serverless.yml", "serverless.yaml")


_SAM_SUFFIXES = tuple(g[1:] for g in SAM_GLOBS)  # the globs are all "*<suffix>"


def is_template_name(name: str) -> bool:
    # endswith instead of fnmatch: called for every file of the tree (issue 8)
    return name in SAM_NAMES or name in SERVERLESS_NAMES or name.endswith(_SAM_SUFFIXES)


# -- loading YAML with CloudFormation tags and line numbers ------------------------------

@dataclass(frozen=True)
class Intrinsic:
    """A CloudFormation short-form function (`!Ref X`): a value lambdalint cannot know."""

    tag: str
    value: object


class Located(dict):
    """A mapping that remembers the (line, column) of each key's value, 1-based."""

    marks: Dict[str, Tuple[int, int]]


def _yaml():
    import yaml

    return yaml


_LOADER = None


def _loader():
    global _LOADER
    if _LOADER is not None:
        return _LOADER
    yaml = _yaml()

    class CloudFormationLoader(yaml.SafeLoader):
        """SafeLoader that accepts any `!Tag` (CloudFormation intrinsics) and keeps marks."""

    def construct_map(loader, node):
        data = Located()
        data.marks = {}
        yield data
        data.update(loader.construct_mapping(node))
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                mark = value_node.start_mark
                data.marks[key_node.value] = (mark.line + 1, mark.column + 1)

    def construct_intrinsic(loader, suffix, node):
        if isinstance(node, yaml.MappingNode):
            value = loader.construct_mapping(node, deep=True)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_scalar(node)
        return Intrinsic("!" + suffix, value)

    CloudFormationLoader.add_constructor("tag:yaml.org,2002:map", construct_map)
    CloudFormationLoader.add_multi_constructor("!", construct_intrinsic)
    _LOADER = CloudFormationLoader
    return _LOADER


class TemplateError(Exception):
    """The template cannot be read or parsed; the message names the problem."""


def load_yaml(text: str):
    yaml = _yaml()
    try:
        return yaml.load(text, Loader=_loader())  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = exc.problem or exc.context or "invalid YAML"
        raise TemplateError(f"invalid YAML{where}: {problem}") from None
    except yaml.YAMLError as exc:
        raise TemplateError(f"invalid YAML: {exc}") from None
    except RecursionError:
        raise TemplateError("invalid YAML: too deeply nested") from None


def load_json(text: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise TemplateError(f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    except RecursionError:
        raise TemplateError("invalid JSON: too deeply nested") from None


# -- what a template names -----------------------------------------------------------

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
    module_path: Optional[str] = None  # the .py file, when it exists
    function: str = ""
    settings: FunctionSettings = FunctionSettings()  # how Lambda runs it

    def label(self, shown_origin: str) -> str:
        where = f"{shown_origin}:{self.line}" if self.line else shown_origin
        return f"{self.kind} {where} ({self.name})" if self.name else f"{self.kind} {where}"


def resolve(ref: HandlerRef) -> HandlerRef:
    """Fill in `module_path` / `function` or `problem` from `handler` and `code_dir`."""
    module, sep, func = ref.handler.rpartition(".")
    if not sep or not module or not func:
        ref.problem = (f"handler `{ref.handler}` is not of the form `module.function` "
                       "(the Python runtime splits it at the last dot)")
        return ref
    ref.function = func
    if not func.isidentifier():
        ref.problem = f"handler `{ref.handler}`: `{func}` is not a Python function name"
        return ref
    where = ref.code_label or f"`{ref.code_dir}`"
    if not os.path.isdir(ref.code_dir):
        ref.problem = f"handler `{ref.handler}`: {where} does not exist"
        return ref
    parts = [p for p in module.replace("/", ".").split(".") if p]
    base = os.path.join(ref.code_dir, *parts)
    for candidate in (base + ".py", os.path.join(base, "__init__.py")):
        if os.path.isfile(candidate):
            ref.module_path = os.path.realpath(candidate)
            return ref
    shown = "/".join(parts) + ".py"
    ref.problem = f"handler `{ref.handler}`: there is no module `{shown}` in {where}"
    return ref


# -- SAM / CloudFormation ---------------------------------------------------------------

_FUNCTION_TYPES = {"AWS::Serverless::Function": "SAM template", "AWS::Lambda::Function": "CloudFormation template"}


def _literal(value) -> Optional[str]:
    """A plain string value, or None for intrinsics, `${...}` variables and non-strings."""
    if isinstance(value, str) and "${" not in value:
        return value
    return None


def _is_local(path: str) -> bool:
    return not re.match(r"^[a-z][a-z0-9+.-]*://", path, re.IGNORECASE)


def _python_runtime(value) -> Optional[bool]:
    """True for python*, False for another runtime, None when unknown."""
    runtime = _literal(value)
    if runtime is None:
        return None
    return runtime.strip().lower().startswith("python")


def _mark(mapping, key: str) -> Tuple[int, int]:
    return getattr(mapping, "marks", {}).get(key, (0, 0))


def cloudformation_refs(doc, path: str, text: str, seen: Set[str]) -> Tuple[List[HandlerRef], List[FileError]]:
    refs: List[HandlerRef] = []
    errors: List[FileError] = []
    if not isinstance(doc, dict) or not isinstance(doc.get("Resources"), dict):
        return refs, errors
    directory = os.path.dirname(path)
    globals_fn = doc.get("Globals", {})
    globals_fn = globals_fn.get("Function", {}) if isinstance(globals_fn, dict) else {}
    if not isinstance(globals_fn, dict):
        globals_fn = {}
    for logical_id, resource in doc["Resources"].items():
        if not isinstance(resource, dict):
            continue
        kind = resource.get("Type")
        if not isinstance(kind, str):
            continue
        props = resource.get("Properties")
        props = props if isinstance(props, dict) else {}
        if kind in ("AWS::Serverless::Application", "AWS::CloudFormation::Stack"):
            location = _literal(props.get("Location") if kind.startswith("AWS::Serverless") else props.get("TemplateURL"))
            if location and _is_local(location):
                nested = os.path.normpath(os.path.join(directory, location))
                if os.path.isfile(nested):
                    more, more_errors = template_refs(nested, seen)
                    refs.extend(more)
                    errors.extend(more_errors)
            continue
        if kind not in _FUNCTION_TYPES:
            continue
        sam = kind == "AWS::Serverless::Function"
        merged = {**globals_fn, **props} if sam else dict(props)
        if _literal(merged.get("PackageType")) == "Image" or "ImageUri" in merged:
            continue
        if sam and "InlineCode" in merged:
            continue
        runtime = _python_runtime(merged.get("Runtime"))
        if runtime is False:
            continue
        handler = _literal(merged.get("Handler"))
        if handler is None:
            continue
        if sam:
            code = merged.get("CodeUri", ".")
        else:
            code = merged.get("Code")
        code_dir = _literal(code)
        if code_dir is None or not _is_local(code_dir) or code_dir.lower().endswith((".zip", ".jar")):
            continue  # S3, inline ZipFile, an intrinsic or a built artefact: nothing local to read
        if "Handler" in props:
            line, column = _mark(props, "Handler")
        else:
            line, column = _mark(globals_fn, "Handler")
        if not line and text.lstrip().startswith("{"):
            line, column = _json_line(text, logical_id if "Handler" in props else "Globals", "Handler")
        refs.append(resolve(HandlerRef(
            origin=path, line=line, column=column, kind=_FUNCTION_TYPES[kind], name=str(logical_id),
            handler=handler, code_dir=os.path.normpath(os.path.join(directory, code_dir)),
            code_label=f"CodeUri `{code_dir}`" if sam else f"Code `{code_dir}`", runtime_known=runtime is True,
        )))
    return refs, errors


def _json_line(text: str, owner: str, key: str) -> Tuple[int, int]:
    """Line and column of `"key": value` after `"owner":` in JSON text (json keeps no marks)."""
    start = re.search(r'"%s"\s*:\s*\{' % re.escape(owner), text)
    found = re.compile(r'"%s"\s*:\s*' % re.escape(key)).search(text, start.end() if start else 0)
    if found is None:
        return 0, 0
    offset = found.end()
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


# -- Serverless Framework ---------------------------------------------------------------

def serverless_refs(doc, path: str) -> List[HandlerRef]:
    refs: List[HandlerRef] = []
    if not isinstance(doc, dict) or not isinstance(doc.get("functions"), dict):
        return refs
    provider = doc.get("provider") if isinstance(doc.get("provider"), dict) else {}
    default_runtime = provider.get("runtime")
    directory = os.path.dirname(path)
    for name, spec in doc["functions"].items():
        if not isinstance(spec, dict) or "image" in spec:
            continue
        package = spec.get("package")
        if isinstance(package, dict) and "artifact" in package:
            continue  # a prebuilt zip
        runtime = _python_runtime(spec.get("runtime", default_runtime))
        if runtime is False:
            continue
        handler = _literal(spec.get("handler"))
        if handler is None:
            continue
        line, column = _mark(spec, "handler")
        refs.append(resolve(HandlerRef(
            origin=path, line=line, column=column, kind="Serverless", name=str(name),
            handler=handler, code_dir=directory, code_label="the service directory",
            runtime_known=runtime is True,
        )))
    return refs


# -- one template file --------------------------------------------------------------------

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
    return cloudformation_refs(doc, path, text, seen)


# -- AWS CDK (Python) -----------------------------------------------------------------------

_CDK_FUNCTION = {"aws_cdk.aws_lambda.Function"}
_CDK_PYTHON_FUNCTION = {"aws_cdk.aws_lambda_python_alpha.PythonFunction", "aws_cdk.aws_lambda_python.PythonFunction"}
_CDK_FROM_ASSET = {"aws_cdk.aws_lambda.Code.from_asset", "aws_cdk.aws_lambda.Code.asset",
                   "aws_cdk.aws_lambda.AssetCode"}


def cdk_refs(path: str, text: str) -> List[HandlerRef]:
    """Functions a CDK app builds with literal handler and asset paths (read with `ast`)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return []  # the Python lint reports it
    aliases = _ast_aliases(tree)
    app_dir = _cdk_root(path) or os.path.dirname(os.path.abspath(path))
    refs: List[HandlerRef] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        qn = _ast_qualname(node.func, aliases)
        if qn not in _CDK_FUNCTION and qn not in _CDK_PYTHON_FUNCTION:
            continue
        kwargs = {k.arg: k.value for k in node.keywords if k.arg}
        runtime = kwargs.get("runtime")
        runtime_name = _ast_qualname(runtime, aliases) if runtime is not None else None
        if runtime_name and ".Runtime." in runtime_name and not runtime_name.split(".")[-1].startswith("PYTHON"):
            continue
        runtime_known = bool(runtime_name and runtime_name.split(".")[-1].startswith("PYTHON"))
        if qn in _CDK_PYTHON_FUNCTION:
            entry = _ast_path(kwargs.get("entry"), path, aliases)
            index = kwargs.get("index")
            handler_node = kwargs.get("handler")
            index_value = "index.py" if index is None else _ast_str(index)
            func = "handler" if handler_node is None else _ast_str(handler_node)
            if entry is None or index_value is None or func is None:
                continue
            module = index_value[:-3] if index_value.endswith(".py") else index_value
            handler, code_dir, where = f"{module}.{func}", entry, handler_node or node
            runtime_known = True  # PythonFunction only builds Python
        else:
            handler = _ast_str(kwargs.get("handler"))
            code = kwargs.get("code")
            if handler is None or not isinstance(code, ast.Call):
                continue
            if _ast_qualname(code.func, aliases) not in _CDK_FROM_ASSET or not code.args:
                continue  # inline code, S3 buckets, Docker images
            code_dir = _ast_path(code.args[0], path, aliases)
            if code_dir is None:
                continue
            where = kwargs["handler"]
        construct_id = _ast_str(node.args[1]) if len(node.args) > 1 else None
        refs.append(resolve(HandlerRef(
            origin=path, line=where.lineno, column=where.col_offset + 1, kind="CDK",
            name=construct_id or "", handler=handler,
            code_dir=os.path.normpath(os.path.join(app_dir, code_dir)), code_label=f"asset directory `{code_dir}`",
            runtime_known=runtime_known,
        )))
    return refs


def _cdk_root(path: str, memo: Optional[Dict[str, Optional[str]]] = None) -> Optional[str]:
    """The directory holding cdk.json above `path`: `cdk synth` runs there, so asset
    paths are relative to it (None when there is none: not a CDK app)."""
    memo = {} if memo is None else memo
    directory = os.path.dirname(os.path.abspath(path))
    walked = []
    found: Optional[str] = None
    while True:
        if directory in memo:
            found = memo[directory]
            break
        walked.append(directory)
        if os.path.isfile(os.path.join(directory, "cdk.json")):
            found = directory
            break
        parent = os.path.dirname(directory)
        if parent == directory:
            break
        directory = parent
    for d in walked:
        memo[d] = found
    return found


def _ast_aliases(tree: ast.Module) -> Dict[str, str]:
    aliases: Dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    aliases[alias.asname] = alias.name
                else:
                    aliases[alias.name.split(".")[0]] = alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return aliases


def _ast_qualname(node, aliases: Dict[str, str]) -> Optional[str]:
    if isinstance(node, ast.Name):
        return aliases.get(node.id)
    if isinstance(node, ast.Attribute):
        base = _ast_qualname(node.value, aliases)
        return None if base is None else f"{base}.{node.attr}"
    return None


def _ast_str(node) -> Optional[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and "${" not in node.value:
        return node.value
    return None


def _ast_path(node, path: str, aliases: Dict[str, str]) -> Optional[str]:
    """A literal path, or `os.path.join(os.path.dirname(__file__), "lit", ...)`."""
    literal = _ast_str(node)
    if literal is not None:
        return literal
    if isinstance(node, ast.Name) and node.id == "__file__":
        return os.path.abspath(path)
    if isinstance(node, ast.Call):
        qn = _ast_qualname(node.func, aliases)
        parts = [_ast_path(a, path, aliases) for a in node.args]
        if None in parts or node.keywords:
            return None
        if qn == "os.path.join" and parts:
            return os.path.join(*parts)
        if qn == "os.path.dirname" and len(parts) == 1:
            return os.path.dirname(parts[0])
    return None


# -- finding the templates ----------------------------------------------------------------

@dataclass
class TemplateScan:
    refs: List[HandlerRef] = field(default_factory=list)
    errors: List[FileError] = field(default_factory=list)
    templates: List[str] = field(default_factory=list)


def find_templates(paths: Sequence[str], python_files: Iterable[str], config, cwd: str) -> List[str]:
    """Templates named by the `templates` globs, or else found under the linted paths.

    For files given one by one (pre-commit does that) the directories above them, up to
    the working directory, are searched too: the template usually sits at the app's root.
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
    top = os.path.abspath(cwd)
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


def scan(paths: Sequence[str], python_files: Sequence[str], config, cwd: str) -> TemplateScan:
    """Every handler the templates and CDK apps under `paths` name."""
    result = TemplateScan()
    seen: Set[str] = set()
    for template in find_templates(paths, python_files, config, cwd):
        try:
            refs, errors = template_refs(template, seen)
        except Exception as exc:  # a template must never stop the run
            refs, errors = [], [FileError(template, f"cannot read template: {type(exc).__name__}: {exc}")]
        result.templates.append(template)
        result.refs.extend(refs)
        result.errors.extend(errors)
    cdk_roots: Dict[str, Optional[str]] = {}
    for file in python_files:
        if _cdk_root(file, cdk_roots) is None:
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


# -- LAM304, template side ------------------------------------------------------------------

def module_names(path: str) -> Optional[Set[str]]:
    """Names bound at module level (defs, classes, assignments, imports); None if unknown."""
    try:
        with open(path, "rb") as f:
            tree = ast.parse(f.read())
    except (OSError, SyntaxError, ValueError, RecursionError):
        return None
    names: Set[str] = set()
    todo = list(tree.body)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.name == "*":
                    return None  # anything could come in
                names.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
        elif isinstance(node, (ast.If, ast.Try, ast.With, ast.For, ast.While)) or type(node).__name__ == "TryStar":
            for block in ("body", "orelse", "finalbody", "handlers"):
                for child in getattr(node, block, []):
                    todo.extend(child.body if isinstance(child, ast.ExceptHandler) else [child])
    return names


def problem_of(ref: HandlerRef, cache: Dict[str, Optional[Set[str]]]) -> Optional[str]:
    """Why the handler a template names does not exist (arity is checked at the `def`)."""
    if ref.problem is not None:
        return ref.problem if ref.runtime_known or ref.kind in ("config", "--handler") else None
    assert ref.module_path is not None
    if ref.module_path not in cache:
        cache[ref.module_path] = module_names(ref.module_path)
    names = cache[ref.module_path]
    if names is not None and ref.function not in names:
        return (f"handler `{ref.handler}`: `{os.path.basename(ref.module_path)}` defines no "
                f"function `{ref.function}`")
    return None


def check_refs(refs: Sequence[HandlerRef], display, wanted) -> Tuple[List[FileReport], List[FileError]]:
    """LAM304 findings at the template/config line, grouped per origin file.

    `display` turns a path into the one reports show; `wanted(shown_path)` says whether
    LAM304 is selected there (select / ignore / per-file-ignores).
    """
    from lambdalint import noqa

    reports: Dict[str, FileReport] = {}
    errors: List[FileError] = []
    cache: Dict[str, Optional[Set[str]]] = {}
    texts: Dict[str, Dict[int, frozenset]] = {}
    for ref in refs:
        problem = problem_of(ref, cache)
        if problem is None:
            continue
        if not ref.origin:
            errors.append(FileError(ref.handler.rpartition(":")[0], f"--handler: {problem}"))
            continue
        shown = display(ref.origin)
        if not wanted(shown):
            continue
        if ref.origin not in texts:
            try:
                with open(ref.origin, encoding="utf-8-sig", errors="replace") as f:
                    texts[ref.origin] = noqa.noqa_lines(f.read())
            except OSError:
                texts[ref.origin] = {}
        line = max(ref.line, 1)
        if noqa.is_suppressed(CODE, line, texts[ref.origin]):
            continue
        where = f" ({ref.name})" if ref.name else ""
        finding = Finding(
            path=shown, line=line, column=max(ref.column, 1), end_line=line,
            end_column=max(ref.column, 1) + len(ref.handler),
            code=CODE, name=NAME,
            message=f"{ref.kind}{where} names a handler Lambda cannot load: {problem}",
            suggestion=_suggestion(ref),
            handler=f"{display(ref.module_path)}:{ref.function}" if ref.module_path else None,
        )
        reports.setdefault(shown, FileReport(shown)).findings.append(finding)
    return list(reports.values()), errors


def _suggestion(ref: HandlerRef) -> str:
    if ref.module_path is not None:
        return (f"Define `def {ref.function}(event, context):` at module level in "
                f"`{os.path.basename(ref.module_path)}`, or change the handler to name an existing function.")
    if ref.kind in ("config", "--handler"):
        return "Fix the path in `handlers` (relative to the config file) or remove the entry."
    return ("Make the handler `<module path relative to the code directory>.<function>` "
            "point at an existing file, or fix the code directory (CodeUri / Code / entry).")


def entry_points(refs: Sequence[HandlerRef], display) -> Dict[str, Dict[str, NamedHandler]]:
    """Resolved template handlers as engine entry points: real path -> {function: NamedHandler}."""
    out: Dict[str, Dict[str, NamedHandler]] = {}
    for ref in refs:
        if ref.module_path is None or not ref.function:
            continue
        out.setdefault(ref.module_path, {}).setdefault(
            ref.function, NamedHandler("template", ref.label(display(ref.origin)), ref.settings))
    return out


def template_reports(scan_result: TemplateScan, config, handler_args: Sequence[str], display) -> List[FileReport]:
    """Reports for the template/config side of a run: LAM304 findings and template errors."""
    from lambdalint.engine import _allowed_in_file, is_code_selected

    selected = is_code_selected(CODE, config)
    refs = [*config_refs(config, handler_args), *scan_result.refs]
    reports, errors = check_refs(refs, display, lambda shown: selected and _allowed_in_file(CODE, shown, config))
    by_path = {r.path: r for r in reports}
    for error in [*scan_result.errors, *errors]:
        shown = display(error.path)
        if shown not in by_path:
            by_path[shown] = FileReport(shown)
            reports.append(by_path[shown])
        by_path[shown].errors.append(FileError(shown, error.message, error.line, error.column))
    return reports
