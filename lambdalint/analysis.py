"""The per-file analysis every rule shares, computed in one pass over the CST.

One visitor collects imports and aliases, module-level bindings, the function table with
the interesting nodes of each function body (calls, assignments, imports, loops, ...),
and call edges.  From that we derive the entry points, the invocation path (what runs on
every request) and answer invariance / taint questions about expressions.  No LibCST
metadata provider is used: they cost several times the parse (see issue 8); positions are
resolved lazily, and only when a finding is reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Set, Tuple

from lambdalint._lazy import cst

from lambdalint.catalog import CLIENT_CONSTRUCTORS
from lambdalint.config import Config

DEFAULT_HANDLER_NAMES = ("lambda_handler", "handler")
_EVENT_PARAM = re.compile(r"^_*(?:\w+_)?(?:event|evt)$")
_CONTEXT_PARAM = re.compile(r"^_*(?:\w+_)?(?:context|ctx)$|^_$")

CACHE_DECORATORS = {
    "functools.cache",
    "functools.lru_cache",
    "functools.cached_property",
    "cachetools.cached",
    "cachetools.func.ttl_cache",
    "cachetools.func.lru_cache",
}

# Calls whose result is invariant when their arguments are.
PURE_CALLS = {
    "str", "int", "float", "bool", "bytes", "dict", "list", "tuple", "set", "frozenset",
    "len", "min", "max", "sorted", "round", "abs", "repr", "format", "range", "zip",
    "os.getenv", "os.environ.get", "os.path.join", "os.path.dirname", "os.path.abspath",
    "os.path.realpath", "os.path.basename", "os.path.expanduser", "pathlib.Path",
    "pathlib.PurePath", "pathlib.PurePosixPath", "botocore.config.Config",
    "json.dumps", "json.loads", "urllib.parse.urljoin", "urllib.parse.quote",
    "datetime.timedelta",
}
PURE_METHODS = {
    "format", "lower", "upper", "strip", "lstrip", "rstrip", "split", "rsplit", "replace",
    "join", "get", "encode", "decode", "startswith", "endswith", "joinpath", "with_name",
    "with_suffix", "copy", "keys", "values", "items", "title", "casefold", "removeprefix",
    "removesuffix", "parent",
}

# What differs per request on the Lambda context object (the rest describes the function
# or the environment, or is a timer).
REQUEST_CONTEXT_ATTRIBUTES = {"aws_request_id", "client_context", "identity"}


def collected_types() -> tuple:
    """Nodes a rule may ask for, per function (a function so that importing this module,
    e.g. for `lambdalint rules`, does not import libcst)."""
    return (
        cst.Call, cst.Assign, cst.AnnAssign, cst.AugAssign, cst.Del, cst.Import, cst.ImportFrom,
        cst.While, cst.For, cst.With, cst.Return, cst.Lambda, cst.Await, cst.Yield,
        cst.Subscript, cst.Comparison,
    )


@dataclass(eq=False)
class Site:
    """A node inside a function body, with its ancestors up to (excluding) the function."""

    node: cst.CSTNode
    ancestors: Tuple[cst.CSTNode, ...]
    function: "Function"

    @property
    def parent(self) -> Optional[cst.CSTNode]:
        return self.ancestors[-1] if self.ancestors else None

    def statement(self) -> Optional[cst.CSTNode]:
        """The innermost statement line (SimpleStatementLine or compound) holding the node."""
        for anc in reversed(self.ancestors):
            if isinstance(anc, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
                return anc
        return self.node if isinstance(self.node, cst.BaseCompoundStatement) else None

    def enclosing(self, *types) -> List[cst.CSTNode]:
        return [a for a in self.ancestors if isinstance(a, types)]

    def in_control_flow(self) -> bool:
        """Inside an if/loop/try/with of the function (not at the top of its body)."""
        return any(
            isinstance(a, (cst.If, cst.For, cst.While, cst.Try, cst.With, cst.TryStar, cst.Match))
            for a in self.ancestors
        ) or any(isinstance(a, (cst.Lambda, cst.CompFor)) for a in self.ancestors)


@dataclass(eq=False)
class Function:
    name: str
    qualname: str
    node: cst.FunctionDef
    cls: Optional[str] = None  # qualname of the class for methods
    parent: Optional["Function"] = None  # enclosing function for nested defs
    params: List[str] = field(default_factory=list)  # positional parameters
    extra_params: List[str] = field(default_factory=list)  # keyword-only, *args, **kwargs
    decorators: List[str] = field(default_factory=list)  # qualified names, best effort
    sites: List[Site] = field(default_factory=list)
    globals_declared: Set[str] = field(default_factory=set)
    nonlocals_declared: Set[str] = field(default_factory=set)
    local_aliases: Dict[str, str] = field(default_factory=dict)
    assigned: Dict[str, List[cst.CSTNode]] = field(default_factory=dict)  # name -> values
    referenced: Set[str] = field(default_factory=set)  # Names loaded in the body
    children: List["Function"] = field(default_factory=list)

    @property
    def cached(self) -> bool:
        return any(d in CACHE_DECORATORS or d.endswith(("lru_cache", "ttl_cache")) for d in self.decorators)

    @property
    def is_method(self) -> bool:
        return self.cls is not None and self.parent is None

    def positional_params(self) -> List[str]:
        params = list(self.params)
        if self.is_method and params and params[0] in ("self", "cls"):
            params = params[1:]
        return params

    def iter(self, *types) -> Iterator[Site]:
        for site in self.sites:
            if isinstance(site.node, types):
                yield site

    def is_local(self, name: str) -> bool:
        if name in self.globals_declared:
            return False
        return (
            name in self.params
            or name in self.extra_params
            or name in self.assigned
            or name in self.local_aliases
        )


@dataclass(eq=False)
class EntryPoint:
    function: Function
    # "convention", "signature", "config", "template", "class instance", "framework"
    # (a route on a web framework app) or "decorator" (a Powertools handler decorator)
    source: str
    detail: str = ""  # which template line, which framework or decorator

    def describe(self) -> str:
        return f"{self.source}: {self.detail}" if self.detail else self.source


# Web frameworks whose route functions Lambda reaches through the app object (issue 6).
# `module.Class().method` after alias resolution, e.g. `app = APIGatewayRestResolver()`
# and `@app.get("/")` give `aws_lambda_powertools.event_handler.APIGatewayRestResolver().get`.
_POWERTOOLS_ROUTE = re.compile(
    r"^aws_lambda_powertools\.event_handler\.(?:[\w.]+\.)?(?P<cls>\w+)\(\)\.(?P<method>\w+)$")
POWERTOOLS_RESOLVERS = {
    "APIGatewayRestResolver", "APIGatewayHttpResolver", "ALBResolver", "LambdaFunctionUrlResolver",
    "VPCLatticeResolver", "VPCLatticeV2Resolver", "AppSyncResolver", "AppSyncEventsResolver",
    "BedrockAgentResolver", "BedrockAgentFunctionResolver", "ApiGatewayResolver", "Router",
    "APIGatewayRouter", "APIGatewayHttpRouter", "ALBRouter", "LambdaFunctionUrlRouter",
    "VPCLatticeRouter", "VPCLatticeV2Router", "BedrockAgentRouter",
}
POWERTOOLS_ROUTE_METHODS = {
    "get", "post", "put", "delete", "patch", "head", "options", "route", "resolver",
    "batch_resolver", "async_batch_resolver", "on_publish", "on_subscribe", "tool",
    "exception_handler", "not_found",
}
_CHALICE_ROUTE = re.compile(r"^chalice(?:\.app)?\.(?P<cls>Chalice|Blueprint)\(\)\.(?P<method>\w+)$")
CHALICE_METHODS = {
    "route", "lambda_function", "on_s3_event", "on_sns_message", "on_sqs_message", "on_cw_event",
    "schedule", "on_dynamodb_record", "on_kinesis_record", "authorizer", "websocket_connect",
    "websocket_message", "websocket_disconnect", "middleware",
}
_ASGI_ROUTE = re.compile(
    r"^(?:fastapi|starlette)(?:\.[\w.]+)?\.(?P<cls>FastAPI|APIRouter|Starlette|Router)\(\)\.(?P<method>\w+)$")
ASGI_ROUTE_METHODS = {
    "get", "post", "put", "delete", "patch", "head", "options", "trace", "api_route", "route",
    "websocket", "websocket_route", "middleware", "exception_handler",
}
MANGUM = {"mangum.Mangum", "mangum.adapter.Mangum"}
# `app.current_event` (Powertools), `app.current_request` (Chalice): this request's data.
REQUEST_ATTRIBUTES = ("current_event", "current_request")
# Powertools decorators whose wrapper calls the handler with (event, context).
POWERTOOLS_HANDLER_DECORATORS = {
    "inject_lambda_context", "capture_lambda_handler", "log_metrics", "event_source",
    "event_parser", "validator", "idempotent", "batch_processor", "async_batch_processor",
}


def powertools_calls_with_event_and_context(decorator: str) -> bool:
    """A Powertools decorator whose wrapper calls the wrapped function as f(event, context)."""
    return decorator.startswith("aws_lambda_powertools.") and \
        decorator.rsplit(".", 1)[-1] in POWERTOOLS_HANDLER_DECORATORS


class _Collector:
    """The single walk over the module (driven by `_cstfast.walk`, not libcst's visitor)."""

    def __init__(self, analysis: "ModuleAnalysis") -> None:
        self.a = analysis
        # Exact-type sets: isinstance() on libcst's ABC-derived nodes costs more than the
        # rest of the walk (issue 8), and these node classes have no subclasses.
        self.collected = frozenset(collected_types())
        self.bodies = frozenset((cst.IndentedBlock, cst.SimpleStatementSuite))
        self.imports = frozenset((cst.Import, cst.ImportFrom))
        self.function_binders = frozenset(_function_binder_types())
        self.module_binders = frozenset(_module_binder_types())
        self.stack: List[cst.CSTNode] = []
        self.functions: List[Function] = []  # enclosing function chain
        self.frames: List[int] = []  # index into stack where each function body starts
        self.classes: List[str] = []

    # -- generic bookkeeping -------------------------------------------------------
    def on_visit(self, node: cst.CSTNode) -> bool:
        kind = type(node)
        if kind is cst.FunctionDef:
            self._enter_function(node)
        elif kind is cst.ClassDef:
            self._enter_class(node)
        elif kind in self.imports:
            self._record_import(node)
        if self.functions and self._in_body():
            fn = self.functions[-1]
            if kind in self.collected:
                fn.sites.append(Site(node, tuple(self.stack[self.frames[-1]:]), fn))
            if kind is cst.Name:
                fn.referenced.add(node.value)
            elif kind is cst.Global:
                fn.globals_declared.update(n.name.value for n in node.names)
            elif kind is cst.Nonlocal:
                fn.nonlocals_declared.update(n.name.value for n in node.names)
            elif kind in self.function_binders:
                self._record_binding(fn, node)
        elif not self.classes and kind in self.module_binders:
            self._record_module_binding(node)
        self.stack.append(node)
        return True

    def _in_body(self) -> bool:
        """Inside the body of the innermost function, not its decorators, defaults or
        annotations (those run when the `def` runs, in the enclosing scope)."""
        start = self.frames[-1]
        return len(self.stack) > start and type(self.stack[start]) in self.bodies

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self.stack.pop()
        kind = type(original_node)
        if kind is cst.FunctionDef:
            self.functions.pop()
            self.frames.pop()
        elif kind is cst.ClassDef:
            self.classes.pop()

    # -- definitions ----------------------------------------------------------------
    def _enter_class(self, node: cst.ClassDef) -> None:
        prefix = self.classes[-1] + "." if self.classes else ""
        qual = prefix + node.name.value
        if not self.functions:
            self.a.classes[qual] = node
        self.classes.append(qual)

    def _enter_function(self, node: cst.FunctionDef) -> None:
        parent = self.functions[-1] if self.functions else None
        in_class = bool(self.classes) and (
            parent is None or self.a.class_depth_of(parent) < len(self.classes)
        )
        cls = self.classes[-1] if in_class else None
        if parent is not None and cls is None:
            qual = f"{parent.qualname}.<locals>.{node.name.value}"
        elif cls is not None:
            qual = f"{cls}.{node.name.value}"
        else:
            qual = node.name.value
        params = [
            p.name.value
            for p in (*node.params.posonly_params, *node.params.params)
        ]
        fn = Function(
            name=node.name.value,
            qualname=qual,
            node=node,
            cls=cls,
            parent=parent,
            params=params,
            decorators=[],
        )
        fn.extra_params = [p.name.value for p in node.params.kwonly_params]
        if isinstance(node.params.star_arg, cst.Param):
            fn.extra_params.append(node.params.star_arg.name.value)
        if node.params.star_kwarg is not None:
            fn.extra_params.append(node.params.star_kwarg.name.value)
        self.a.functions[qual] = fn
        self.a._class_depth[id(fn)] = len(self.classes)
        if parent is not None:
            parent.children.append(fn)
            parent.assigned.setdefault(node.name.value, []).append(node)
        elif cls is None:
            self.a.module_functions[node.name.value] = fn
        self.functions.append(fn)
        self.frames.append(len(self.stack) + 1)

    def _record_import(self, node: cst.CSTNode) -> None:
        aliases = self.functions[-1].local_aliases if self.functions else self.a.aliases
        if isinstance(node, cst.Import):
            for alias in node.names:
                full = dotted_name(alias.name)
                if full is None:
                    continue
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    aliases[alias.asname.name.value] = full
                else:
                    top = full.split(".")[0]
                    aliases[top] = top
        else:
            module = dotted_name(node.module) if node.module is not None else ""
            module = "." * len(node.relative) + (module or "")
            if isinstance(node.names, cst.ImportStar):
                return
            for alias in node.names:
                name = dotted_name(alias.name)
                if name is None:
                    continue
                local = name
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    local = alias.asname.name.value
                aliases[local] = f"{module}.{name}" if module else name

    # -- bindings --------------------------------------------------------------------
    # _record_binding / _record_module_binding only look at these node types (keep in sync).
    def _record_binding(self, fn: Function, node: cst.CSTNode) -> None:
        if isinstance(node, cst.Assign):
            for t in node.targets:
                for name in _target_names(t.target):
                    fn.assigned.setdefault(name, []).append(node.value)
        elif isinstance(node, cst.AnnAssign) and node.value is not None:
            for name in _target_names(node.target):
                fn.assigned.setdefault(name, []).append(node.value)
        elif isinstance(node, cst.AugAssign):
            for name in _target_names(node.target):
                fn.assigned.setdefault(name, []).append(node)
        elif isinstance(node, (cst.For, cst.CompFor)):
            for name in _target_names(node.target):
                fn.assigned.setdefault(name, []).append(_IterOf(node.iter))
        elif isinstance(node, cst.WithItem) and node.asname is not None:
            for name in _target_names(node.asname.name):
                fn.assigned.setdefault(name, []).append(_Opaque())
        elif isinstance(node, cst.NamedExpr):
            for name in _target_names(node.target):
                fn.assigned.setdefault(name, []).append(node.value)
        elif isinstance(node, cst.ExceptHandler) and node.name is not None:
            for name in _target_names(node.name.name):
                fn.assigned.setdefault(name, []).append(_Opaque())

    def _record_module_binding(self, node: cst.CSTNode) -> None:
        b = self.a.module_bindings
        if isinstance(node, cst.Assign):
            for t in node.targets:
                for name in _target_names(t.target):
                    b.setdefault(name, []).append(node.value)
        elif isinstance(node, cst.AnnAssign):
            for name in _target_names(node.target):
                b.setdefault(name, []).append(node.value if node.value is not None else _Opaque())
        elif isinstance(node, (cst.For, cst.CompFor)):
            for name in _target_names(node.target):
                b.setdefault(name, []).append(_IterOf(node.iter))
        elif isinstance(node, cst.ClassDef):
            b.setdefault(node.name.value, []).append(node)


def target_names(target: cst.CSTNode) -> List[str]:
    """The names an assignment, `for` or `with ... as` target binds (`a, *b` -> a, b)."""
    return _target_names(target)


def _function_binder_types() -> tuple:
    return (cst.Assign, cst.AnnAssign, cst.AugAssign, cst.For, cst.CompFor, cst.WithItem,
            cst.NamedExpr, cst.ExceptHandler)


def _module_binder_types() -> tuple:
    return (cst.Assign, cst.AnnAssign, cst.For, cst.CompFor, cst.ClassDef)


class _IterOf:
    """Marker value: the element of an iterable (a for-loop target)."""

    def __init__(self, iterable: cst.BaseExpression) -> None:
        self.iterable = iterable


class _Opaque:
    """Marker value: bound to something we do not model (with-as, except-as)."""


def _target_names(target: cst.CSTNode) -> List[str]:
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        out: List[str] = []
        for el in target.elements:
            out.extend(_target_names(el.value))
        return out
    if isinstance(target, cst.StarredElement):
        return _target_names(target.value)
    return []


def dotted_name(node: Optional[cst.CSTNode]) -> Optional[str]:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = dotted_name(node.value)
        return None if base is None else f"{base}.{node.attr.value}"
    return None


def string_value(node: Optional[cst.CSTNode]) -> Optional[str]:
    """The value of a plain or concatenated string literal, else None."""
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    if isinstance(node, cst.ConcatenatedString):
        left, right = string_value(node.left), string_value(node.right)
        return None if left is None or right is None else left + right
    return None


class ModuleAnalysis:
    """Everything the rules need to know about one module, computed once."""

    def __init__(self, module: cst.Module, path: str, config: Config,
                 extra_entry_points: "Sequence[str] | Mapping[str, Tuple[str, str]]" = ()) -> None:
        self.module = module
        self.path = path
        self.config = config
        self.aliases: Dict[str, str] = {}
        self.module_bindings: Dict[str, List[object]] = {}
        self.module_functions: Dict[str, Function] = {}
        self.functions: Dict[str, Function] = {}
        self.classes: Dict[str, cst.ClassDef] = {}
        self._class_depth: Dict[int, int] = {}
        self._positions: Dict[cst.CSTNode, object] = {}
        self._top_index: Optional[Dict[int, int]] = None
        self._binding_index: Optional[Dict[str, int]] = None
        self._module_value_functions: Dict[str, List[Function]] = {}
        from lambdalint._cstfast import walk

        walk(module, _Collector(self))
        self.rebound_globals: Set[str] = set()
        for fn in self.functions.values():
            self.rebound_globals.update(n for n in fn.globals_declared if n in fn.assigned)
        for fn in self.functions.values():
            fn.decorators = [self._decorator_name(d.decorator, fn.parent) for d in fn.node.decorators]
        self.entry_points: List[EntryPoint] = self._find_entry_points(extra_entry_points)
        self.path_functions: Dict[Function, EntryPoint] = self._invocation_path()
        self._invariant_cache: Dict[int, bool] = {}
        self._tainted_cache: Dict[int, bool] = {}
        self._param_invariance: Dict[Tuple[int, str], bool] = {}
        self._reach: Dict[int, Set[Function]] = {}
        self._call_index: Optional[Dict[Function, List[Tuple[Function, Optional[cst.Call]]]]] = None
        self._param_taint: Dict[Tuple[int, str, bool], bool] = {}

    def class_depth_of(self, fn: Function) -> int:
        return self._class_depth.get(id(fn), 0)

    # -- names -------------------------------------------------------------------
    def _decorator_name(self, expr: cst.BaseExpression, scope: Optional[Function]) -> str:
        if isinstance(expr, cst.Call):
            expr = expr.func
        return self.qualified_name(expr, scope) or dotted_name(expr) or ""

    def qualified_name(self, expr: cst.CSTNode, fn: Optional[Function]) -> Optional[str]:
        """`boto3.client` for `b.client` after `import boto3 as b`; calls become `...()`.

        Local variables bound once to a call resolve through it, so
        `s = boto3.session.Session(); s.client` gives `boto3.session.Session().client`.
        """
        return self._qn(expr, fn, 0)

    def _qn(self, expr: cst.CSTNode, fn: Optional[Function], depth: int) -> Optional[str]:
        if depth > 20:
            return None
        if isinstance(expr, cst.Name):
            name = expr.value
            scope = fn
            while scope is not None:
                if name in scope.local_aliases:
                    return scope.local_aliases[name]
                if scope.is_local(name) and name not in scope.params:
                    values = scope.assigned.get(name, [])
                    if len(values) == 1 and isinstance(values[0], cst.Call):
                        inner = self._qn(values[0], scope, depth + 1)
                        return inner
                    return None
                if name in scope.params:
                    return None
                scope = scope.parent
            if name in self.aliases:
                return self.aliases[name]
            values = self.module_bindings.get(name)
            if values and len(values) == 1 and isinstance(values[0], cst.Call) and name not in self.rebound_globals:
                return self._qn(values[0], None, depth + 1)
            return None
        if isinstance(expr, cst.Attribute):
            base = self._qn(expr.value, fn, depth + 1)
            return None if base is None else f"{base}.{expr.attr.value}"
        if isinstance(expr, cst.Call):
            base = self._qn(expr.func, fn, depth + 1)
            return None if base is None else f"{base}()"
        return None

    def binding_call(self, expr: cst.CSTNode, fn: Optional[Function]) -> Optional[cst.Call]:
        """The call a name was bound to (locally or at module level), if exactly one."""
        if isinstance(expr, cst.Call):
            return expr
        if not isinstance(expr, cst.Name):
            return None
        scope = fn
        while scope is not None:
            if scope.is_local(expr.value):
                values = scope.assigned.get(expr.value, [])
                return values[0] if len(values) == 1 and isinstance(values[0], cst.Call) else None
            scope = scope.parent
        values = self.module_bindings.get(expr.value)
        if values and len(values) == 1 and isinstance(values[0], cst.Call):
            return values[0]
        return None

    def is_module_level_name(self, name: str, fn: Optional[Function]) -> bool:
        scope = fn
        while scope is not None:
            if scope.is_local(name):
                return False
            scope = scope.parent
        return name in self.module_bindings or name in self.aliases or name in self.module_functions

    # -- entry points and the invocation path ------------------------------------------
    def _find_entry_points(self, extra: Sequence[str]) -> List[EntryPoint]:
        names = {*DEFAULT_HANDLER_NAMES, *self.config.handler_names}
        found: Dict[str, EntryPoint] = {}

        def add(fn: Function, source: str, detail: str = "") -> None:
            if fn.qualname not in found:
                found[fn.qualname] = EntryPoint(fn, source, detail)

        for name in extra:
            # `extra` maps names to (source, detail) when they come from templates
            source, detail = extra[name] if isinstance(extra, Mapping) else ("config", "")
            fn = self.functions.get(name)
            if fn is None and name in self.module_bindings:
                fn = self._instance_call(name)
            if fn is not None:
                add(fn, source, detail)
        for fn in self.module_functions.values():
            params = fn.positional_params()
            if fn.name in names:
                add(fn, "convention")
            elif (
                len(params) >= 2
                and _EVENT_PARAM.match(params[0])
                and _CONTEXT_PARAM.match(params[1])
            ):
                add(fn, "signature")
        for name in self.module_bindings:
            fn = self._instance_call(name)
            if fn is not None:
                params = fn.positional_params()
                if len(params) >= 2:
                    add(fn, "class instance")
        mangum = self._has_mangum()
        for fn in self.functions.values():
            how = self._framework_entry(fn, mangum)
            if how is not None:
                add(fn, *how)
        return list(found.values())

    def _has_mangum(self) -> bool:
        """A module-level `handler = Mangum(app)`: the app's routes run per invocation."""
        return any(
            isinstance(v, cst.Call) and self.qualified_name(v.func, None) in MANGUM
            for values in self.module_bindings.values() for v in values
        )

    def _framework_entry(self, fn: Function, mangum: bool) -> Optional[Tuple[str, str]]:
        """("framework" | "decorator", detail) when a decorator makes `fn` run per request."""
        for decorator in fn.decorators:
            match = _POWERTOOLS_ROUTE.match(decorator)
            if match and match["cls"] in POWERTOOLS_RESOLVERS and match["method"] in POWERTOOLS_ROUTE_METHODS:
                return "framework", f"Powertools {match['cls']} @{match['method']}"
            match = _CHALICE_ROUTE.match(decorator)
            if match and match["method"] in CHALICE_METHODS:
                return "framework", f"Chalice @{match['method']}"
            match = _ASGI_ROUTE.match(decorator)
            if mangum and match and match["method"] in ASGI_ROUTE_METHODS:
                return "framework", f"Mangum {match['cls']} @{match['method']}"
            if self.is_powertools_handler_decorator(decorator):
                return "decorator", f"Powertools @{decorator.rsplit('.', 1)[-1]}"
        return None

    def is_powertools_handler_decorator(self, decorator: str) -> bool:
        """A Powertools handler decorator, or one made by `@lambda_handler_decorator` in
        this module: the function it wraps is the Lambda handler."""
        if powertools_calls_with_event_and_context(decorator):
            return True
        factory = self.module_functions.get(decorator)
        return factory is not None and any(
            d.endswith("lambda_handler_decorator") and d.startswith("aws_lambda_powertools.")
            for d in factory.decorators
        )

    def _instance_call(self, name: str) -> Optional[Function]:
        """`Cls.__call__` when module-level `name = Cls(...)`."""
        cls = self.instance_class(name, None)
        return self.functions.get(f"{cls}.__call__") if cls else None

    def instance_class(self, name: str, fn: Optional[Function]) -> Optional[str]:
        if fn is not None and not self.is_module_level_name(name, fn):
            call = self.binding_call(cst.Name(name), fn)
        else:
            values = self.module_bindings.get(name)
            call = values[0] if values and len(values) == 1 and isinstance(values[0], cst.Call) else None
        if call is not None and isinstance(call.func, cst.Name) and call.func.value in self.classes:
            return call.func.value
        return None

    def callees(self, fn: Function) -> Iterator[Function]:
        """Functions of this module that `fn` calls or hands on as a callback."""
        for child in fn.children:
            if child.name in fn.referenced:
                yield child
        for site in fn.iter(cst.Call):
            target = self._resolve_direct(site.node.func, fn)
            if target is not None:
                yield target
        for name in fn.referenced:
            if name in self.classes:
                continue  # `Cls.method` / `isinstance(x, Cls)` do not run `Cls.__init__`
            target = self._lookup_function(name, fn)
            if target is not None:
                yield target
            elif self.is_module_level_name(name, fn):
                yield from self._functions_in_module_value(name)

    def _functions_in_module_value(self, name: str) -> Iterator[Function]:
        """Functions a module-level value hands on: a dispatch table `{"a": on_a}`, an
        alias `process = on_a`, a lambda or `functools.partial(on_a, ...)`.  A call in the
        value (`X = build()`) ran at import time (Init), so its callee is not included."""
        if name in self._module_value_functions:
            return iter(self._module_value_functions[name])
        found: List[Function] = []
        self._module_value_functions[name] = found  # also guards against self-reference
        for value in self.module_bindings.get(name, ()):
            if isinstance(value, cst.BaseExpression):
                for ref in _callable_references(value):
                    target = self._lookup_function(ref, None)
                    if target is not None and target not in found:
                        found.append(target)
                    elif target is None and ref != name and ref in self.module_bindings:
                        found.extend(f for f in self._functions_in_module_value(ref) if f not in found)
        return iter(found)

    def _lookup_function(self, name: str, fn: Optional[Function]) -> Optional[Function]:
        scope: Optional[Function] = fn
        while scope is not None:
            for child in scope.children:
                if child.name == name:
                    return child
            if scope.is_local(name):
                return None
            scope = scope.parent
        if name in self.module_functions:
            return self.module_functions[name]
        if name in self.classes:
            return self.functions.get(f"{name}.__init__")
        return None

    def _resolve_callee(self, func: cst.BaseExpression, fn: Function) -> Optional[Function]:
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Call):
            inner = func.value.func
            if isinstance(inner, cst.Name) and inner.value == "super":
                owner = _owning_method(fn)
                node = self.classes.get(owner.cls) if owner is not None and owner.cls else None
                for base in node.bases if node is not None else ():
                    if isinstance(base.value, cst.Name) and base.value.value in self.classes:
                        target = self._method(base.value.value, func.attr.value)
                        if target is not None:
                            return target
                return None
            if isinstance(inner, cst.Name) and inner.value in self.classes \
                    and not self._shadowed(inner.value, fn):
                return self._method(inner.value, func.attr.value)  # `Service().run(...)`
            return None
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
            receiver, method = func.value.value, func.attr.value
            owner = fn
            while owner is not None and owner.cls is None:
                owner = owner.parent
            if receiver in ("self", "cls") and owner is not None:
                return self._method(owner.cls, method)
            if receiver in self.classes:
                return self._method(receiver, method)
            cls = self.instance_class(receiver, fn)
            if cls is not None:
                return self._method(cls, method)
        return None

    def _shadowed(self, name: str, fn: Optional[Function]) -> bool:
        """`name` is bound in `fn` or an enclosing function (not the module's)."""
        scope = fn
        while scope is not None:
            if scope.is_local(name):
                return True
            scope = scope.parent
        return False

    def _method(self, cls: str, method: str) -> Optional[Function]:
        seen: Set[str] = set()
        todo = [cls]
        while todo:
            c = todo.pop(0)
            if c in seen:
                continue
            seen.add(c)
            if f"{c}.{method}" in self.functions:
                return self.functions[f"{c}.{method}"]
            node = self.classes.get(c)
            if node is not None:
                todo.extend(b.value.value for b in node.bases if isinstance(b.value, cst.Name))
        return None

    def _invocation_path(self) -> Dict[Function, EntryPoint]:
        reached: Dict[Function, EntryPoint] = {}
        for entry in self.entry_points:
            todo = [entry.function]
            while todo:
                fn = todo.pop()
                if fn in reached or (fn.cached and fn is not entry.function):
                    continue
                reached[fn] = entry
                todo.extend(self.callees(fn))
        return reached

    def reachable_from(self, fn: Function) -> Set[Function]:
        """`fn` and every function it reaches (the invocation path below one function)."""
        key = id(fn)
        if key not in self._reach:
            reached: Set[Function] = set()
            todo = [fn]
            while todo:
                current = todo.pop()
                if current in reached or (current.cached and current is not fn):
                    continue
                reached.add(current)
                todo.extend(self.callees(current))
            self._reach[key] = reached
        return self._reach[key]

    def function_called(self, func: cst.BaseExpression, fn: Function) -> Optional[Function]:
        """The function of this module a call's `func` runs, when resolvable."""
        return self._resolve_direct(func, fn)

    def function_named(self, name: str, fn: Optional[Function]) -> Optional[Function]:
        """The function a name means inside `fn` (nested, module-level, or a class's __init__)."""
        return self._lookup_function(name, fn)

    def entries_reaching(self, fn: Function) -> List[EntryPoint]:
        """Every entry point whose invocation path includes `fn`."""
        return [e for e in self.entry_points if fn in self.reachable_from(e.function)]

    def on_path(self, fn: Function) -> bool:
        return fn in self.path_functions

    def handler_label(self, fn: Function) -> Optional[str]:
        entry = self.path_functions.get(fn)
        return None if entry is None else f"{self.path}:{entry.function.qualname}"

    def entry_params(self, fn: Function) -> Set[str]:
        """The event/context parameters of an entry point."""
        for entry in self.entry_points:
            if entry.function is fn:
                if entry.source == "framework":  # route parameters come from the request
                    return set(fn.positional_params()) | set(fn.extra_params)
                return set(fn.positional_params()[:2])
        return set()

    # -- invariance and taint ------------------------------------------------------
    def is_invariant(self, expr: object, fn: Optional[Function]) -> bool:
        """True when the value cannot depend on the event or context (SPEC)."""
        return self._invariant(expr, fn, set())

    def _invariant(self, expr: object, fn: Optional[Function], active: Set[Tuple[int, str]]) -> bool:
        if isinstance(expr, _IterOf):
            return self._invariant(expr.iterable, fn, active)
        if isinstance(expr, _Opaque) or expr is None:
            return False
        if isinstance(expr, (cst.SimpleString, cst.Integer, cst.Float, cst.Imaginary, cst.Ellipsis)):
            return True
        if isinstance(expr, cst.ConcatenatedString):
            return self._invariant(expr.left, fn, active) and self._invariant(expr.right, fn, active)
        if isinstance(expr, cst.FormattedString):
            return all(
                self._invariant(p.expression, fn, active)
                for p in expr.parts
                if isinstance(p, cst.FormattedStringExpression)
            )
        if isinstance(expr, cst.Name):
            return self._name_invariant(expr.value, fn, active)
        if isinstance(expr, (cst.Tuple, cst.List, cst.Set)):
            return all(self._invariant(e.value, fn, active) for e in expr.elements)
        if isinstance(expr, cst.Dict):
            return all(
                self._invariant(e.value, fn, active)
                and (not isinstance(e, cst.DictElement) or self._invariant(e.key, fn, active))
                for e in expr.elements
            )
        if isinstance(expr, cst.BinaryOperation):
            return self._invariant(expr.left, fn, active) and self._invariant(expr.right, fn, active)
        if isinstance(expr, cst.UnaryOperation):
            return self._invariant(expr.expression, fn, active)
        if isinstance(expr, cst.BooleanOperation):
            return self._invariant(expr.left, fn, active) and self._invariant(expr.right, fn, active)
        if isinstance(expr, cst.Comparison):
            return self._invariant(expr.left, fn, active) and all(
                self._invariant(c.comparator, fn, active) for c in expr.comparisons
            )
        if isinstance(expr, cst.IfExp):
            return all(self._invariant(e, fn, active) for e in (expr.test, expr.body, expr.orelse))
        if isinstance(expr, cst.Attribute):
            if expr.attr.value in REQUEST_ATTRIBUTES:
                return False  # the framework app's view of the current event
            qn = self.qualified_name(expr, fn)
            if qn in ("os.environ",):
                return True
            return self._invariant(expr.value, fn, active)
        if isinstance(expr, cst.Subscript):
            return self._invariant(expr.value, fn, active) and all(
                isinstance(s.slice, cst.Index) and self._invariant(s.slice.value, fn, active)
                for s in expr.slice
            )
        if isinstance(expr, cst.Call):
            return self._call_invariant(expr, fn, active)
        if isinstance(expr, cst.AugAssign):
            return self._invariant(expr.value, fn, active)
        return False

    def _call_invariant(self, call: cst.Call, fn: Optional[Function], active) -> bool:
        if not all(self._invariant(a.value, fn, active) for a in call.args):
            return False
        if isinstance(call.func, cst.Attribute) and not self._invariant(call.func.value, fn, active):
            return False  # `session.client(...)` of a per-request session
        qn = self.qualified_name(call.func, fn)
        if qn is not None and (
            qn in PURE_CALLS or qn in CLIENT_CONSTRUCTORS or qn in self.config.client_factories
        ):
            return True
        if isinstance(call.func, cst.Attribute):
            if call.func.attr.value in PURE_METHODS:
                return True
            if qn is not None and qn.split(".")[-1][:1].isupper():
                return True  # an imported class: botocore.config.Config(...), Timeout(...)
            return False
        if isinstance(call.func, cst.Name):
            name = call.func.value
            if name in self.classes or name in self.module_functions:
                return self.is_module_level_name(name, fn)
            if qn is not None and qn.split(".")[-1][:1].isupper():
                return True
        return False

    def _name_invariant(self, name: str, fn: Optional[Function], active) -> bool:
        scope = fn
        while scope is not None:
            if name in scope.globals_declared:
                break
            if name in scope.params or name in scope.extra_params:
                return self._param_invariant(scope, name, active)
            if name in scope.local_aliases:
                return True
            if name in scope.assigned:
                key = (id(scope), name)
                if key in active:
                    return False
                active.add(key)
                try:
                    return all(
                        isinstance(v, cst.FunctionDef) or self._invariant(v, scope, active)
                        for v in scope.assigned[name]
                    )
                finally:
                    active.discard(key)
            scope = scope.parent
        if name in self.rebound_globals:
            return False
        if name in self.aliases or name in self.module_bindings or name in self.module_functions:
            return True
        return name in _BUILTIN_CONSTANTS

    def _param_invariant(self, fn: Function, name: str, active) -> bool:
        """A helper's parameter is invariant when every call on the path passes one."""
        if name in self.entry_params(fn) or fn not in self.path_functions:
            return False
        if any(e.function is fn for e in self.entry_points):
            return False
        key = (id(fn), "param:" + name)
        if key in active:
            return False
        if name not in fn.params:
            return False
        index = fn.params.index(name)
        if fn.is_method and fn.params and fn.params[0] in ("self", "cls"):
            index -= 1
        memo = (id(fn), name)
        if memo in self._param_invariance:
            return self._param_invariance[memo]
        active.add(key)
        try:
            result = self._param_invariant_uncached(fn, name, index, active)
        finally:
            active.discard(key)
        self._param_invariance[memo] = result
        return result

    def _param_invariant_uncached(self, fn: Function, name: str, index: int, active) -> bool:
        calls = list(self._call_sites(fn))
        if not calls:
            return False
        for caller, call in calls:
            if call is None:
                return False
            arg = _argument(call, index, name)
            if arg is None:
                default = _param_default(fn.node, name)
                if default is None or not self._invariant(default, None, active):
                    return False
            elif not self._invariant(arg, caller, active):
                return False
        return True

    def _call_sites(self, target: Function) -> Iterator[Tuple[Function, Optional[cst.Call]]]:
        """Where `target` is called on the path; a None call means "passed as a callback"."""
        if self._call_index is None:
            self._call_index = self._index_call_sites()
        return iter(self._call_index.get(target, ()))

    def _index_call_sites(self) -> Dict[Function, List[Tuple[Function, Optional[cst.Call]]]]:
        """Every call site on the path by callee, built once: parameter invariance and
        taint ask for the callers of each helper, along chains of helpers."""
        by_name: Dict[str, List[Function]] = {}
        for fn in self.functions.values():
            by_name.setdefault(fn.name, []).append(fn)
        index: Dict[Function, List[Tuple[Function, Optional[cst.Call]]]] = {}
        for caller in self.path_functions:
            called: Set[Function] = set()
            for site in caller.iter(cst.Call):
                target = self._resolve_direct(site.node.func, caller)
                if target is not None:
                    called.add(target)
                    index.setdefault(target, []).append((caller, site.node))
            for name in caller.referenced:
                for target in by_name.get(name, ()):
                    if target not in called:
                        index.setdefault(target, []).append((caller, None))
        return index

    def call_sites(self, target: Function) -> Iterator[Tuple[Function, Optional[cst.Call]]]:
        """Where `target` is called on the invocation path: (caller, call); the call is
        None where `target` is only handed on (a callback)."""
        return self._call_sites(target)

    def resolve_call(self, func: cst.BaseExpression, fn: Function) -> Optional[Function]:
        """The function of this module that calling `func` inside `fn` runs, if known."""
        return self._resolve_direct(func, fn)

    def _resolve_direct(self, func: cst.BaseExpression, fn: Function) -> Optional[Function]:
        if isinstance(func, cst.Name):
            return self._lookup_function(func.value, fn)
        return self._resolve_callee(func, fn)

    def is_tainted(self, expr: object, fn: Optional[Function], request_only: bool = False) -> bool:
        """True when the value derives from the event or context of an entry point.

        With `request_only`, the context counts only through what differs per request
        (`aws_request_id`, `client_context`, `identity`), not through the remaining time,
        the function name or a bare `context` in `hasattr(context, ...)`."""
        return self._tainted(expr, fn, set(), request_only)

    def _tainted(self, expr: object, fn: Optional[Function], active, request_only: bool = False) -> bool:
        if fn is None or expr is None:
            return False
        if isinstance(expr, _IterOf):
            return self._tainted(expr.iterable, fn, active, request_only)
        if isinstance(expr, _Opaque):
            return False
        if isinstance(expr, cst.Name):
            return self._name_tainted(expr.value, fn, active, request_only)
        if isinstance(expr, cst.Attribute) and expr.attr.value in REQUEST_ATTRIBUTES:
            return True
        if request_only and isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name) \
                and self._is_context_param(expr.value.value, fn):
            return expr.attr.value in REQUEST_CONTEXT_ATTRIBUTES
        if isinstance(expr, cst.AugAssign):
            return self._tainted(expr.value, fn, active, request_only)
        if isinstance(expr, (cst.Lambda,)):
            return False
        return any(
            self._tainted(child, fn, active, request_only)
            for child in expr.children
            if isinstance(child, cst.CSTNode) and not isinstance(child, (cst.Comma, cst.BaseParenthesizableWhitespace, cst.TrailingWhitespace))
        ) if isinstance(expr, cst.CSTNode) else False

    def _is_context_param(self, name: str, fn: Function) -> bool:
        scope: Optional[Function] = fn
        while scope is not None:
            if scope.is_local(name):
                params = scope.positional_params()
                return name in self.entry_params(scope) and len(params) > 1 and params[1] == name
            scope = scope.parent
        return False

    def _name_tainted(self, name: str, fn: Function, active, request_only: bool = False) -> bool:
        scope: Optional[Function] = fn
        while scope is not None:
            if name in scope.globals_declared:
                return False
            if name in scope.params or name in scope.extra_params:
                if name in self.entry_params(scope):
                    return not (request_only and self._is_context_param(name, scope))
                return self._param_tainted(scope, name, active, request_only)
            if name in scope.assigned:
                key = (id(scope), name)
                if key in active:
                    return False
                active.add(key)
                try:
                    return any(
                        not isinstance(v, cst.FunctionDef) and self._tainted(v, scope, active, request_only)
                        for v in scope.assigned[name]
                    )
                finally:
                    active.discard(key)
            scope = scope.parent
        return False

    def _param_tainted(self, fn: Function, name: str, active, request_only: bool = False) -> bool:
        key = (id(fn), "taint:" + name)
        if key in active or name not in fn.params:
            return False
        index = fn.params.index(name)
        if fn.is_method and fn.params and fn.params[0] in ("self", "cls"):
            index -= 1
        memo = (id(fn), name, request_only)
        if memo in self._param_taint:
            return self._param_taint[memo]
        active.add(key)
        try:
            result = any(
                call is not None and _argument(call, index, name) is not None
                and self._tainted(_argument(call, index, name), caller, active, request_only)
                for caller, call in self._call_sites(fn)
            )
        finally:
            active.discard(key)
        self._param_taint[memo] = result
        return result

    # -- caching and lazy initialisation --------------------------------------------
    def is_lazily_initialised(self, site: Site) -> bool:
        """The node sits under `if x is None:` (or similar) guarding the name it assigns,
        or under an `if` whose test reads a name that its own body assigns (a lazy load
        into another name: `if _cfg is None: with open(p) as f: _cfg = json.load(f)`, or a
        refresh: `if time.time() > _expires: _secret = ...; _expires = ...`)."""
        targets = _assigned_bases(site)
        for anc in site.ancestors:
            if isinstance(anc, cst.If):
                mentioned = {n.value for n in _names_in(anc.test)}
                # A parameter is per call: filling it in is not a cache.
                assigned = _assigned_in(anc.body) - set(site.function.params)
                if mentioned & (targets | assigned):
                    return True
            if isinstance(anc, cst.While):
                if {n.value for n in _names_in(anc.test)} & targets:
                    return True
            if isinstance(anc, cst.IfExp):
                if {n.value for n in _names_in(anc.test)} & targets:
                    return True
        return False

    # -- module layout ----------------------------------------------------------------
    def top_level_index(self, node: cst.CSTNode) -> int:
        """Index of the module-level statement holding `node` (a def found by identity)."""
        if self._top_index is None:
            self._top_index = {}
            for index, stmt in enumerate(self.module.body):
                self._top_index[id(stmt)] = index
                if isinstance(stmt, cst.ClassDef):
                    for inner in _walk_defs(stmt):
                        self._top_index[id(inner)] = index
        for fn in self.functions.values():
            if fn.node is node:
                while fn.parent is not None:
                    fn = fn.parent
                return self._top_index.get(id(fn.node), len(self.module.body))
        return self._top_index.get(id(node), len(self.module.body))

    def module_binding_index(self, name: str) -> Optional[int]:
        """Index of the first module-level statement that binds `name`, if any."""
        if self._binding_index is None:
            self._binding_index = {}
            for index, stmt in enumerate(self.module.body):
                for bound in bound_by(stmt):
                    self._binding_index.setdefault(bound, index)
        return self._binding_index.get(name)

    def is_module_name_free(self, name: str) -> bool:
        """Nothing at module level (or via `global`) uses `name` yet."""
        if self.module_binding_index(name) is not None or name in self.aliases:
            return False
        return not any(name in fn.globals_declared for fn in self.functions.values())

    # -- positions (lazy) --------------------------------------------------------------
    def position(self, node: cst.CSTNode):
        """libcst's PositionProvider range of `node` (computed for reported nodes only)."""
        if node not in self._positions:
            self.resolve_positions([node])
        return self._positions[node]

    def resolve_positions(self, nodes: Iterable[cst.CSTNode]) -> None:
        """Compute the positions of `nodes` in one pass (call with every reported node)."""
        from lambdalint._cstfast import positions

        missing = [n for n in nodes if n not in self._positions]
        if missing:
            self._positions.update(positions(self.module, missing))


def _owning_method(fn: Optional[Function]) -> Optional[Function]:
    while fn is not None and fn.cls is None:
        fn = fn.parent
    return fn


def _callable_references(value: cst.CSTNode) -> Iterator[str]:
    """Names a module-level value stores for later calls (not names it calls right away)."""
    if isinstance(value, cst.Name):
        yield value.value
    elif isinstance(value, cst.Lambda):
        yield from (n.value for n in _names_in(value.body))
    elif isinstance(value, cst.Call):
        for arg in value.args:  # `partial(on_a, ...)`, `Router(routes=[...])`
            yield from _callable_references(arg.value)
    elif isinstance(value, (cst.Dict, cst.List, cst.Tuple, cst.Set)):
        for element in value.elements:
            yield from _callable_references(element.value)
            if isinstance(element, cst.DictElement):
                yield from _callable_references(element.key)


def _walk_defs(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """Every def and class inside `node` (not `node` itself), in lexical order."""
    from lambdalint._cstfast import walk

    found: List[cst.CSTNode] = []

    class _Defs:  # libcst's `children` rebuilds each node: walk instead (issue 8)
        def on_visit(self, child: cst.CSTNode) -> bool:
            if child is not node and type(child) in (cst.FunctionDef, cst.ClassDef):
                found.append(child)
            return True

        def on_leave(self, child: cst.CSTNode) -> None:
            pass

    walk(node, _Defs())
    return iter(found)


def bound_by(stmt: cst.CSTNode) -> Iterator[str]:
    """Names a module-level statement binds (looking into if/try/with blocks)."""
    if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
        yield stmt.name.value
    elif isinstance(stmt, cst.SimpleStatementLine):
        for small in stmt.body:
            if isinstance(small, cst.Assign):
                for t in small.targets:
                    yield from _target_names(t.target)
            elif isinstance(small, (cst.AnnAssign, cst.AugAssign)):
                yield from _target_names(small.target)
            elif isinstance(small, cst.Import):
                for alias in small.names:
                    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                        yield alias.asname.name.value
                    else:
                        full = dotted_name(alias.name)
                        if full:
                            yield full.split(".")[0]
            elif isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
                for alias in small.names:
                    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                        yield alias.asname.name.value
                    elif isinstance(alias.name, cst.Name):
                        yield alias.name.value
    elif isinstance(stmt, (cst.For, cst.With)):
        if isinstance(stmt, cst.For):
            yield from _target_names(stmt.target)
        else:
            for item in stmt.items:
                if item.asname is not None:
                    yield from _target_names(item.asname.name)
    if isinstance(stmt, (cst.If, cst.Try, cst.For, cst.While, cst.With)):
        for child in stmt.children:
            if isinstance(child, (cst.IndentedBlock, cst.Else, cst.ExceptHandler, cst.Finally, cst.If)):
                for inner in _block_statements(child):
                    yield from bound_by(inner)


def _block_statements(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    if isinstance(node, cst.IndentedBlock):
        yield from node.body
    elif isinstance(node, cst.If):
        yield node
    else:
        for child in node.children:
            if isinstance(child, cst.IndentedBlock):
                yield from child.body


def free_names(expr: cst.CSTNode) -> Iterator[str]:
    """Variable names an expression reads (not attribute names or keyword labels)."""
    if isinstance(expr, cst.Name):
        yield expr.value
        return
    if isinstance(expr, cst.Attribute):
        yield from free_names(expr.value)
        return
    if isinstance(expr, cst.Arg):
        yield from free_names(expr.value)
        return
    for child in expr.children:
        yield from free_names(child)


_BUILTIN_CONSTANTS = {"None", "True", "False", "__file__", "__name__"}


def _names_in(node: cst.CSTNode) -> Iterator[cst.Name]:
    if isinstance(node, cst.Name):
        yield node
    for child in node.children:
        yield from _names_in(child)


def _assigned_bases(site: Site) -> Set[str]:
    """Names (or self attributes) the statement holding the node assigns to."""
    out: Set[str] = set()
    for anc in reversed(site.ancestors):
        if isinstance(anc, cst.Assign):
            for t in anc.targets:
                out |= _target_keys(t.target)
            break
        if isinstance(anc, (cst.AnnAssign, cst.AugAssign)):
            out |= _target_keys(anc.target)
            break
        if isinstance(anc, cst.BaseSmallStatement):
            break
    return out


def _assigned_in(block: cst.CSTNode) -> Set[str]:
    """Names (or self attributes) assigned anywhere in a block, nested defs excluded."""
    out: Set[str] = set()
    stack = [block]
    while stack:
        node = stack.pop()
        if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            continue
        if isinstance(node, cst.Assign):
            for t in node.targets:
                out |= _target_keys(t.target)
        elif isinstance(node, (cst.AnnAssign, cst.AugAssign)):
            out |= _target_keys(node.target)
        stack.extend(node.children)
    return out


def _target_keys(target: cst.CSTNode) -> Set[str]:
    if isinstance(target, cst.Name):
        return {target.value}
    if isinstance(target, cst.Attribute):
        return {target.attr.value} | _target_keys(target.value) - {"self", "cls"}
    if isinstance(target, cst.Subscript):
        return _target_keys(target.value)
    if isinstance(target, (cst.Tuple, cst.List)):
        out: Set[str] = set()
        for el in target.elements:
            out |= _target_keys(el.value)
        return out
    return set()


def _argument(call: cst.Call, index: int, name: str) -> Optional[cst.BaseExpression]:
    positional = [a for a in call.args if a.keyword is None and not a.star]
    for a in call.args:
        if a.keyword is not None and a.keyword.value == name:
            return a.value
        if a.star:
            return a.value
    if 0 <= index < len(positional):
        return positional[index].value
    return None


def _param_default(node: cst.FunctionDef, name: str) -> Optional[cst.BaseExpression]:
    for p in (*node.params.posonly_params, *node.params.params, *node.params.kwonly_params):
        if p.name.value == name:
            return p.default
    return None

