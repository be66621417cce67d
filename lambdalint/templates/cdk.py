"""AWS CDK apps (Python), read as source with `ast`, never run: `lambda_.Function(...)` and
`PythonFunction(...)` whose handler and asset paths are literals, with the settings their
literal keyword arguments give (`runtime`, `timeout`, `memory_size`, `snap_start`,
`durable_config`) and `CapacityProvider(...).add_function(fn)` for Lambda Managed Instances."""

from __future__ import annotations

import ast
import hashlib
import json
import os
from typing import Dict, List, Optional, Set, Tuple

from lambdalint.model import FunctionSettings
from lambdalint.templates.refs import HandlerRef, ref_to_stored, refs_from_stored, resolve, runs_web_adapter
from lambdalint.templates.settings import SettingsReader

_CDK_FUNCTION = {"aws_cdk.aws_lambda.Function"}


_CDK_PYTHON_FUNCTION = {"aws_cdk.aws_lambda_python_alpha.PythonFunction", "aws_cdk.aws_lambda_python.PythonFunction"}


_CDK_FROM_ASSET = {
    "aws_cdk.aws_lambda.Code.from_asset",
    "aws_cdk.aws_lambda.Code.asset",
    "aws_cdk.aws_lambda.AssetCode",
}


_CDK_CAPACITY_PROVIDER = {"aws_cdk.aws_lambda.CapacityProvider"}
_CDK_SNAPSTART_ON = "aws_cdk.aws_lambda.SnapStartConf.ON_PUBLISHED_VERSIONS"
_CDK_SNAPSTART_APPLY_ON = "aws_cdk.aws_lambda.SnapStartConf.apply_on"
_CDK_DURABLE_CONFIG = "aws_cdk.aws_lambda.DurableConfig"
_CDK_DURATIONS = {"aws_cdk.Duration.seconds": 1, "aws_cdk.Duration.minutes": 60, "aws_cdk.Duration.hours": 3600}


def cdk_refs(path: str, text: str, store=None, data: Optional[bytes] = None) -> List[HandlerRef]:
    """Functions a CDK app builds with literal handler and asset paths (read with `ast`).
    `store`: a `lambdalint.cache.ParseStore`, which keeps what the app says (by its bytes,
    path and app directory); where that leads on disk is looked up on every run."""
    app_dir = cdk_root(path) or os.path.dirname(os.path.abspath(path))
    if store is None:
        return [resolve(ref) for ref in _cdk_functions(path, text, app_dir)]
    digest = hashlib.sha256(data if data is not None else text.encode("utf-8")).hexdigest()
    key = json.dumps([digest, os.path.abspath(path), app_dir])
    refs = refs_from_stored(store.get("cdk", key))
    if refs is None:
        refs = _cdk_functions(path, text, app_dir)
        store.put("cdk", key, [ref_to_stored(ref) for ref in refs])
    return [resolve(ref) for ref in refs]


def _cdk_functions(path: str, text: str, app_dir: str) -> List[HandlerRef]:
    """`cdk_refs` before the handlers are looked up on disk."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return []  # the Python lint reports it
    aliases = _ast_aliases(tree)
    refs: List[HandlerRef] = []
    bound, attached = _capacity_provider_functions(tree, aliases)
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
        handler: Optional[str]
        code_dir: Optional[str]
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
        settings, notes = _cdk_settings(kwargs, aliases, construct_id or handler, bound.get(id(node)) in attached)
        refs.append(
            HandlerRef(
                origin=path,
                line=where.lineno,
                column=where.col_offset + 1,
                kind="CDK",
                name=construct_id or "",
                handler=handler,
                code_dir=os.path.normpath(os.path.join(app_dir, code_dir)),
                code_label=f"asset directory `{code_dir}`",
                runtime_known=runtime_known,
                settings=settings,
                notes=notes,
                web_adapter=_runs_web_adapter(kwargs),
            )
        )
    return refs


def _runs_web_adapter(kwargs: Dict[str, ast.expr]) -> bool:
    """`environment={"AWS_LAMBDA_EXEC_WRAPPER": "/opt/bootstrap"}`, or a layer whose ARN
    names the Lambda Web Adapter's layer."""
    environment: Dict[str, str] = {}
    env = kwargs.get("environment")
    if isinstance(env, ast.Dict):
        for key, value in zip(env.keys, env.values):
            name, text = _ast_str(key), _ast_str(value)
            if name is not None and text is not None:
                environment[name] = text
    layers = kwargs.get("layers")
    texts = (
        [n.value for n in ast.walk(layers) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
        if layers
        else []
    )
    return runs_web_adapter(environment, texts)


def _capacity_provider_functions(tree: ast.Module, aliases: Dict[str, str]) -> Tuple[Dict[int, str], Set[str]]:
    """(the name each construct call is bound to, by id of the call; the names handed to
    `<capacity provider>.add_function(...)`): `fn = Function(...)` then `cp.add_function(fn)`."""
    bound: Dict[int, str] = {}
    providers: Set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and isinstance(node.value, ast.Call):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if len(targets) == 1 and isinstance(targets[0], (ast.Name, ast.Attribute)):
                name = ast.unparse(targets[0])
                bound[id(node.value)] = name
                if _ast_qualname(node.value.func, aliases) in _CDK_CAPACITY_PROVIDER:
                    providers.add(name)
    attached: Set[str] = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "add_function"
            and node.args
        ):
            receiver = node.func.value
            direct = isinstance(receiver, ast.Call) and _ast_qualname(receiver.func, aliases) in _CDK_CAPACITY_PROVIDER
            if direct or ast.unparse(receiver) in providers:
                attached.add(ast.unparse(node.args[0]))
    return bound, attached


def _cdk_settings(
    kwargs: Dict[str, ast.expr], aliases: Dict[str, str], name: str, on_capacity_provider: bool
) -> Tuple[FunctionSettings, List[str]]:
    """Settings from the construct's literal keyword arguments."""
    reader = SettingsReader(name)
    runtime = _ast_qualname(kwargs["runtime"], aliases) if "runtime" in kwargs else None
    if runtime and runtime.startswith("aws_cdk.aws_lambda.Runtime.PYTHON_"):
        reader.runtime = "python" + runtime.rsplit("PYTHON_", 1)[1].replace("_", ".")
    timeout = kwargs.get("timeout")
    if isinstance(timeout, ast.Call) and len(timeout.args) == 1 and isinstance(timeout.args[0], ast.Constant):
        unit = _CDK_DURATIONS.get(_ast_qualname(timeout.func, aliases) or "")
        value = timeout.args[0].value
        if unit is not None and isinstance(value, int) and not isinstance(value, bool):
            reader.timeout = value * unit
    memory = kwargs.get("memory_size")
    if isinstance(memory, ast.Constant) and isinstance(memory.value, int) and not isinstance(memory.value, bool):
        reader.memory = memory.value
    snap = kwargs.get("snap_start")
    if snap is not None and not (isinstance(snap, ast.Constant) and snap.value is None):
        qn = _ast_qualname(snap, aliases)
        applied = (
            _ast_str(snap.args[0])
            if isinstance(snap, ast.Call)
            and len(snap.args) == 1
            and _ast_qualname(snap.func, aliases) == _CDK_SNAPSTART_APPLY_ON
            else None
        )
        if qn == _CDK_SNAPSTART_ON or applied == "PublishedVersions":
            reader.snapstart = True
        elif applied != "None":
            reader.note(
                f"`snap_start={ast.unparse(snap)}` is not a literal "
                "`SnapStartConf.ON_PUBLISHED_VERSIONS`, so lambdalint cannot tell whether "
                "SnapStart is on; the SnapStart rules are off for this function"
            )
    durable = kwargs.get("durable_config")
    if durable is not None and not (isinstance(durable, ast.Constant) and durable.value is None):
        if isinstance(durable, ast.Call) and _ast_qualname(durable.func, aliases) == _CDK_DURABLE_CONFIG:
            reader.durable = True
        else:
            reader.note(
                f"`durable_config={ast.unparse(durable)}` is not a literal `DurableConfig(...)`; "
                "the durable execution settings are off for this function"
            )
    reader.managed_instances = on_capacity_provider
    settings = reader.settings()
    return settings, reader.notes


def cdk_root(path: str, memo: Optional[Dict[str, Optional[str]]] = None) -> Optional[str]:
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
        known = [part for part in parts if part is not None]
        if qn == "os.path.join" and known:
            return os.path.join(*known)
        if qn == "os.path.dirname" and len(known) == 1:
            return os.path.dirname(known[0])
    return None
