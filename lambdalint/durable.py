"""What runs where in a Lambda durable function (the AWS Durable Execution SDK for Python).

A function decorated with `@durable_execution` is the Lambda handler.  The SDK runs it from
the top on every resumption (after a wait, a callback, a retry); a durable operation that
completed earlier (`context.step`, `wait`, `invoke`, `map`, `parallel`, child contexts,
callbacks) returns its checkpointed result instead of running again.  So code in a durable
function is in one of two regions:

- **replay**: the handler's own code outside durable operations, and the code of child-context
  functions (`run_in_child_context`, `map`, `parallel`, `@durable_with_child_context`) outside
  *their* operations.  It runs again on every replay.
- **step**: the body of a step (`context.step(fn)`, `@durable_step`), of a callback submitter
  (`wait_for_callback`) and of a `wait_for_condition` check.  It runs once per attempt and its
  result is checkpointed.

`DurableModel` answers, for one module: which functions are durable *scopes* (code that
replays: the handler, child-context functions, helpers that receive the DurableContext as a
parameter or through a closure), which names hold the DurableContext there, which calls are
durable operations, which lambdas and functions are step bodies, and which region a `Site`
is in.  Plain helpers (functions the durable code calls without handing them the context)
are summarised: `effect(fn, kind)` says whether calling one reads the clock, does I/O, logs,
or starts a durable operation, with the chain of calls that leads there.

The model covers every module of the project the analysis belongs to (handlers, helpers and
steps may be in different files); calls are followed with `ModuleAnalysis.resolve_call`,
which crosses modules, and each rule reports only what is in its own module.  The hooks
`resolve` and `analysis_of` replace those two questions for callers that need to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Dict, Iterator, List, Optional, Set, Tuple

from lambdalint._lazy import cst
from lambdalint.analysis import (
    Function,
    ModuleAnalysis,
    Site,
    dotted_name,
    string_value,
)
from lambdalint.analysis.nodes import walk_nodes
from lambdalint.catalog import (
    CLIENT_CONSTRUCTORS,
    CLIENT_LOCAL_METHODS,
    CLOCK_READS_WITHOUT_TIME,
    DURABLE_CHILD_CONTEXT_DECORATORS,
    DURABLE_CONTEXT_TYPES,
    DURABLE_EXECUTION_DECORATORS,
    DURABLE_OPERATIONS,
    DURABLE_SDK_PACKAGE,
    DURABLE_STEP_DECORATORS,
    ENVIRONMENT_READS,
    FILE_OPENERS,
    FILE_WRITES,
    HTTP_REQUESTS,
    LOGGER_FACTORIES,
    LOGGER_OBJECTS,
    LOGGING_METHODS,
    LOGGING_MODULES,
    MESSAGE_SENDS,
    NONDETERMINISTIC_CALLS,
    PATH_CONSTRUCTORS,
    PATH_WRITE_METHODS,
    STABLE_ENVIRONMENT_VARIABLES,
    VOLATILE_ENVIRONMENT_VARIABLES,
    WRITE_MODE_CHARACTERS,
    client_kind,
)

_SET_ORDER = "iterates over a set, whose order changes between processes"

REPLAY = "replay"
STEP = "step"

# effect kinds
NONDETERMINISM = "nondeterminism"
SIDE_EFFECT = "side effect"
LOGGING = "logging"
OPERATION = "operation"

_MAX_DEPTH = 12  # calls followed from one helper (cycles are cut anyway)


@dataclass(eq=False)
class Scope:
    """A function whose code outside durable operations replays."""

    function: Function
    kind: str  # "handler", "child" (a child-context function) or "helper"
    contexts: Set[str]  # names that hold the DurableContext in this function


@dataclass(eq=False)
class StepBody:
    """A function or lambda that runs as the body of a step."""

    node: cst.CSTNode  # the Lambda or FunctionDef
    function: Optional[Function]  # the Function for a def (None for a lambda)
    operation: Optional[Operation]  # the call that runs it (None: a decorated def)
    # parameters the SDK fills in (StepContext, callback id...); others come from the caller
    sdk_params: Tuple[str, ...] = ()


@dataclass(eq=False)
class Operation:
    """A durable operation call: `context.<method>(...)`."""

    site: Site
    method: str
    context: str  # the receiver's name
    in_step: bool = False  # started inside a step body (not allowed)
    bodies: List[cst.CSTNode] = field(default_factory=list)  # the lambdas/defs it runs
    unresolved: List[cst.CSTNode] = field(default_factory=list)  # function arguments not understood


@dataclass(frozen=True)
class Witness:
    """What a helper does (`reads the clock`), with which code, and the calls leading there."""

    verb: str  # "reads the clock"
    code: str  # "time.time()"
    chain: Tuple[str, ...] = ()  # function names from the called helper to the construct

    def through(self, name: str) -> Witness:
        return Witness(self.verb, self.code, (name, *self.chain))

    def describe(self) -> str:
        """'reads the clock (`time.time()` in `stamp`, called through `a` → `stamp`)'."""
        where = f" in `{self.chain[-1]}`" if self.chain else ""
        via = f", called through {' → '.join(f'`{c}`' for c in self.chain)}" if len(self.chain) > 1 else ""
        return f"{self.verb} (`{self.code}`{where}{via})"


def sdk_name(qualified: Optional[str]) -> Optional[str]:
    """The exported name when `qualified` names something of the SDK, else None."""
    if not qualified:
        return None
    if qualified == DURABLE_SDK_PACKAGE or qualified.startswith(DURABLE_SDK_PACKAGE + "."):
        return qualified.rsplit(".", 1)[-1]
    return None


def uses_sdk(analysis: ModuleAnalysis) -> bool:
    """The module imports the Durable Execution SDK (under any name)."""
    if any(sdk_name(v) for v in analysis.aliases.values()):
        return True
    if any(sdk_name(v) for fn in analysis.functions.values() for v in fn.local_aliases.values()):
        return True
    return bool(_star_imports(analysis))


def _star_imports(analysis: ModuleAnalysis) -> bool:
    for stmt in analysis.module.body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if (
                    isinstance(small, cst.ImportFrom)
                    and isinstance(small.names, cst.ImportStar)
                    and sdk_name(dotted_name(small.module)) is not None
                ):
                    return True
    return False


def _durable_entries(analysis: ModuleAnalysis) -> list:
    """Entry points whose settings (a template's durable configuration) say durable."""
    return [e for e in analysis.entry_points if getattr(getattr(e, "settings", None), "durable", False)]


def durable_model(analysis: ModuleAnalysis) -> DurableModel:
    """The durable model of the project `analysis` belongs to (of the module alone when it
    has none), built once and shared by the LAM5 rules of every module.

    Kept on the project itself, never in a table keyed by it: the model holds the
    project's analyses, so a weak-keyed table would keep every unit's analyses and syntax
    trees alive until the process ends."""
    return analysis.project.remember("durable_model", lambda: DurableModel(analysis))


class DurableModel:
    def __init__(
        self,
        analysis: ModuleAnalysis,
        resolve: Optional[Callable[[cst.BaseExpression, Function], Optional[Function]]] = None,
        analysis_of: Optional[Callable[[Function], ModuleAnalysis]] = None,
    ) -> None:
        self.analysis = analysis
        project = getattr(analysis, "project", None)
        # every module of the project: a handler's helpers and steps may live in others
        self.modules: List[ModuleAnalysis] = (
            list(project.modules.values()) if project is not None and getattr(project, "modules", None) else [analysis]
        )
        if analysis not in self.modules:
            self.modules.append(analysis)
        self._resolve_hook = resolve
        self._analysis_of_hook = analysis_of
        self.scopes: Dict[Function, Scope] = {}
        self.handlers: List[Function] = []
        self.operations: List[Operation] = []
        self.step_functions: Dict[Function, StepBody] = {}
        self.step_lambdas: Dict[int, StepBody] = {}  # id(Lambda) -> body
        self.child_lambdas: Dict[int, str] = {}  # id(Lambda) -> its DurableContext parameter
        # Calls that hand the DurableContext to a function lambdalint cannot see (another
        # module, a method of an unknown object): its code is not checked.
        self.unresolved_helpers: List[Site] = []
        self._operation_of: Dict[int, Operation] = {}  # id(Call) -> operation
        self._step_nodes: Optional[Set[int]] = None
        self._effects: Dict[Tuple[int, str], Optional[Witness]] = {}
        self._scanned: Dict[Function, frozenset] = {}
        self._replays: Dict[Function, bool] = {}
        sdk_modules = [m for m in self.modules if uses_sdk(m)]
        self._star: Set[int] = {id(m) for m in sdk_modules if _star_imports(m)}
        if sdk_modules or any(_durable_entries(m) for m in self.modules):
            self._build(sdk_modules)

    # -- public questions -------------------------------------------------------------
    @property
    def active(self) -> bool:
        return bool(self.scopes or self.step_functions)

    def owner(self, fn: Optional[Function]) -> ModuleAnalysis:
        """The analysis of the module `fn` is in."""
        if self._analysis_of_hook is not None and fn is not None:
            return self._analysis_of_hook(fn)
        owner = getattr(self.analysis, "owner", None)
        return owner(fn) if owner is not None else self.analysis

    def here(self, fn: Function, analysis: ModuleAnalysis) -> bool:
        """`fn` is a function of the module `analysis` (whose rules report it)."""
        return self.owner(fn) is analysis

    def resolve(self, func: cst.BaseExpression, fn: Function) -> Optional[Function]:
        if self._resolve_hook is not None:
            return self._resolve_hook(func, fn)
        try:
            return self.owner(fn).resolve_call(func, fn)
        except RecursionError:
            return None

    def operation(self, call: cst.Call) -> Optional[Operation]:
        return self._operation_of.get(id(call))

    def scope_of(self, fn: Function) -> Optional[Scope]:
        """The durable scope whose code `fn`'s sites are (itself or an enclosing function)."""
        current: Optional[Function] = fn
        while current is not None:
            if current in self.step_functions:
                return None
            if current in self.scopes:
                return self.scopes[current]
            current = current.parent
        return None

    def step_body_of(self, site: Site) -> Optional[StepBody]:
        """The step body the site is in, if any (innermost)."""
        for anc in reversed(site.ancestors):
            if isinstance(anc, cst.Lambda) and id(anc) in self.step_lambdas:
                return self.step_lambdas[id(anc)]
        current: Optional[Function] = site.function
        while current is not None:
            if current in self.step_functions:
                return self.step_functions[current]
            current = current.parent
        return None

    def region(self, site: Site) -> Optional[str]:
        """STEP inside a step body, REPLAY in a durable scope outside operations, None in
        code lambdalint does not know to be durable (plain helpers: see `effect`)."""
        if self.step_body_of(site) is not None:
            return STEP
        return REPLAY if self.scope_of(site.function) is not None else None

    def contexts_at(self, site: Site) -> List[str]:
        """Names holding a DurableContext at the site, innermost first."""
        names: List[str] = []
        for anc in reversed(site.ancestors):
            if isinstance(anc, cst.Lambda) and id(anc) in self.child_lambdas:
                names.append(self.child_lambdas[id(anc)])
        current: Optional[Function] = site.function
        while current is not None:
            scope = self.scopes.get(current)
            if scope is not None:
                names.extend(sorted(scope.contexts))
            current = current.parent
        return names

    def replays(self, scope: Scope) -> bool:
        """Whether the scope's code runs again at all.  A handler or a child-context function
        that starts no durable operation (directly or through the helpers it hands its
        context to) checkpoints nothing and is never replayed: a child context without
        operations is checkpointed as a whole, like a step.  A helper replays with its caller."""
        if scope.kind == "helper":
            return True
        if scope.function not in self._replays:
            self._replays[scope.function] = self._has_operations(scope.function, set())
        return self._replays[scope.function]

    def _has_operations(self, fn: Function, seen: Set[Function]) -> bool:
        if fn in seen:
            return False
        seen.add(fn)
        for op in self.operations:
            if not op.in_step and (op.site.function is fn or _inside(op.site.function, fn)):
                return True
        for site in fn.iter(cst.Call):
            target = self.resolve(site.node.func, site.function)
            if (
                target is not None
                and target is not fn
                and target in self.scopes
                and self.scopes[target].kind == "helper"
                and self._has_operations(target, seen)
            ):
                return True
        return False

    def replayed(
        self, types: Optional[tuple] = None, module: Optional[ModuleAnalysis] = None
    ) -> Iterator[Tuple[Site, Scope]]:
        """Sites of the given node types (calls by default) that run again on every replay,
        in `module` only when given."""
        types = types or (cst.Call,)
        for fn, scope in list(self.scopes.items()):
            if (module is not None and not self.here(fn, module)) or not self.replays(scope):
                continue
            for site in fn.iter(*types):
                if self.step_body_of(site) is None and self.scope_of(site.function) is scope:
                    yield site, scope

    def in_step_nodes(self) -> Set[int]:
        """ids of every node inside a step lambda (for nodes that are not Sites)."""
        if self._step_nodes is None:
            from lambdalint._cstfast import walk

            ids: Set[int] = set()

            class _Collect:
                def on_visit(self, node) -> bool:
                    ids.add(id(node))
                    return True

                def on_leave(self, node) -> None:
                    pass

            for body in self.step_lambdas.values():
                walk(body.node, _Collect())
            self._step_nodes = ids
        return self._step_nodes

    def is_context_call(self, call: cst.Call, site: Site) -> bool:
        """`context.<anything>(...)` or `context.logger.info(...)` on a DurableContext."""
        base = call.func
        while isinstance(base, (cst.Attribute, cst.Call)):
            base = base.value if isinstance(base, cst.Attribute) else base.func
        return isinstance(base, cst.Name) and base.value in self.contexts_at(site)

    def guarded_by_not_replaying(self, site: Site) -> bool:
        """Under `if not context.is_replaying():` (or the `else` of `if context.is_replaying()`)."""
        contexts = set(self.contexts_at(site))
        chain = (*site.ancestors, site.node)
        for index, anc in enumerate(chain[:-1]):
            if not isinstance(anc, cst.If):
                continue
            below = chain[index + 1]
            test, negated = anc.test, False
            if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
                test, negated = test.expression, True
            if not (
                isinstance(test, cst.Call)
                and isinstance(test.func, cst.Attribute)
                and test.func.attr.value == "is_replaying"
                and isinstance(test.func.value, cst.Name)
                and test.func.value.value in contexts
            ):
                continue
            if negated and below is anc.body:
                return True
            if not negated and below is anc.orelse:
                return True
        return False

    def checkpointed_by_one_step(self, site: Site) -> bool:
        """`site`'s value is bound to a local name (`token = uuid.uuid4()`) that, directly
        or through other local names, is read only inside the body of one step run once,
        outside loops, whose body has no side effect.  That step's checkpoint then fixes
        what every replay sees: the value a replay makes anew is read by nothing
        (`summary = parse(event)`, then `context.step(lambda _: summary)`)."""
        fn = site.function
        target = None
        for anc in reversed(site.ancestors):
            if isinstance(anc, (cst.Lambda, cst.FunctionDef)):
                return False
            if isinstance(anc, cst.Assign):
                if len(anc.targets) == 1 and isinstance(anc.targets[0].target, cst.Name):
                    target = anc.targets[0].target.value
                break
            if isinstance(anc, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
                return False
        if target is None or any(isinstance(a, (cst.For, cst.While)) for a in site.ancestors):
            return False
        return _reads_only_in_one_step(self, fn, target)

    def in_final_branch(self, site: Site, scope: Scope) -> bool:
        """In a branch (`if`, `else`, `except`) of the durable handler's own body that ends
        the execution (its last statement returns or raises, outside any `try` body) and
        holds no durable operation: such a branch never suspends, so a run that enters it
        is the execution's last, and its code runs once however often the code before it
        replays."""
        if scope.kind != "handler" or site.function is not scope.function:
            return False
        chain = (*site.ancestors, site.node)
        for index, anc in enumerate(chain[:-1]):
            if isinstance(anc, (cst.Try, cst.TryStar)) and chain[index + 1] is anc.body:
                return False  # a `raise` there may be caught, a `return` may run a `finally`
        for index, anc in enumerate(chain[1:], start=1):
            branch = (cst.If, cst.Else, cst.ExceptHandler, cst.ExceptStarHandler)
            if not isinstance(anc, cst.IndentedBlock) or not isinstance(chain[index - 1], branch):
                continue
            last = anc.body[-1] if anc.body else None
            if not isinstance(last, cst.SimpleStatementLine) or not isinstance(last.body[-1], (cst.Return, cst.Raise)):
                continue
            if not self._holds_operation(anc):
                return True
        return False

    def _holds_operation(self, block: cst.CSTNode) -> bool:
        return any(isinstance(node, cst.Call) and self.operation(node) is not None for node in walk_nodes(block))

    # -- building -------------------------------------------------------------------------
    def _sdk(self, qualified: Optional[str], module: ModuleAnalysis) -> Optional[str]:
        name = sdk_name(qualified)
        if name is None and id(module) in self._star and qualified and "." not in qualified:
            return qualified  # `from aws_durable_execution_sdk_python import *`
        return name

    def _decorated(self, fn: Function, names) -> bool:
        module = self.owner(fn)
        return any(self._sdk(d, module) in names for d in fn.decorators)

    def _build(self, sdk_modules: List[ModuleAnalysis]) -> None:
        for analysis in sdk_modules:
            self._find_roots(analysis)
        for analysis in self.modules:  # handlers a template marks as durable
            for entry in _durable_entries(analysis):
                if entry.function not in self.scopes and entry.function not in self.step_functions:
                    self.handlers.append(entry.function)
                    self._add_scope(
                        entry.function,
                        "handler",
                        set(entry.function.positional_params()[1:2]) | self._annotated(entry.function),
                    )
        todo = list(self.scopes)
        while todo:
            fn = todo.pop()
            scope = self.scopes[fn]
            key = frozenset(scope.contexts)
            if self._scanned.get(fn) == key:
                continue
            self._scanned[fn] = key
            todo.extend(self._scan(scope))
        for body in list(self.step_functions.values()):
            self._scan_step_function(body)

    def _find_roots(self, analysis: ModuleAnalysis) -> None:
        """Handlers, child-context and step functions by their decorators, and functions
        with a parameter annotated `DurableContext`."""
        for fn in analysis.functions.values():
            params = fn.positional_params()
            if self._decorated(fn, DURABLE_EXECUTION_DECORATORS):
                self.handlers.append(fn)
                self._add_scope(fn, "handler", set(params[1:2]) | self._annotated(fn))
            elif self._decorated(fn, DURABLE_CHILD_CONTEXT_DECORATORS):
                self._add_scope(fn, "child", set(params[:1]) | self._annotated(fn))
            elif self._decorated(fn, DURABLE_STEP_DECORATORS):
                sdk = 2 if self._decorated(fn, {"durable_wait_for_callback"}) else 1
                self._add_step_function(fn, None, tuple(params[:sdk]))
            elif self._annotated(fn):
                self._add_scope(fn, "helper", self._annotated(fn))
        for values in analysis.module_bindings.values():  # handler = durable_execution(process)
            for value in values:
                if (
                    isinstance(value, cst.Call)
                    and value.args
                    and self._sdk(analysis.qualified_name(value.func, None), analysis) in DURABLE_EXECUTION_DECORATORS
                ):
                    target = self._function_value(value.args[0].value, None, analysis)
                    if target is not None and target not in self.scopes:
                        self.handlers.append(target)
                        self._add_scope(
                            target, "handler", set(target.positional_params()[1:2]) | self._annotated(target)
                        )

    def _annotated(self, fn: Function) -> Set[str]:
        """Parameters annotated `DurableContext`."""
        out: Set[str] = set()
        params = fn.node.params
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            if param.annotation is None:
                continue
            annotation = param.annotation.annotation
            text = string_value(annotation)
            name: Optional[str]
            if text is not None:
                name = text.strip().rsplit(".", 1)[-1]
            else:
                qualified = self.owner(fn).qualified_name(annotation, fn.parent)
                name = self._sdk(qualified, self.owner(fn))
                if name is None and isinstance(annotation, cst.Name) and qualified is None:
                    name = annotation.value  # imported under TYPE_CHECKING or star-imported
            if name in DURABLE_CONTEXT_TYPES:
                out.add(param.name.value)
        return out

    def _add_scope(self, fn: Function, kind: str, contexts: Set[str]) -> List[Function]:
        if fn in self.step_functions:
            return []
        scope = self.scopes.get(fn)
        if scope is None:
            self.scopes[fn] = Scope(fn, kind, set(contexts))
            return [fn]
        if contexts - scope.contexts:
            scope.contexts |= contexts
            return [fn]
        return []

    def _add_step_function(self, fn: Function, operation: Optional[Operation], sdk_params: Tuple[str, ...]) -> None:
        if fn not in self.step_functions:
            self.step_functions[fn] = StepBody(fn.node, fn, operation, sdk_params)
        elif operation is not None and self.step_functions[fn].operation is None:
            self.step_functions[fn].operation = operation
        self.scopes.pop(fn, None)

    def _scan(self, scope: Scope) -> List[Function]:
        """Find the operations of a scope, the step and child bodies they run, and the
        helpers it hands the context to; returns functions that became (larger) scopes."""
        fn = scope.function
        grown: List[Function] = []
        for site in fn.iter(cst.Call):
            if self.scope_of(site.function) is not scope:
                continue
            op = self._as_operation(site)
            if op is not None:
                grown.extend(self._register(op, fn))
                continue
            grown.extend(self._context_handed_on(site, fn))
        for child in fn.children:
            if child in self.step_functions:
                continue
            free = {name for name in scope.contexts if name in child.referenced and not child.is_local(name)}
            if free:
                grown.extend(self._add_scope(child, "helper", free))
        return grown

    def _as_operation(self, site: Site) -> Optional[Operation]:
        call = site.node
        if id(call) in self._operation_of:
            return self._operation_of[id(call)]
        func = call.func
        if not (
            isinstance(func, cst.Attribute)
            and isinstance(func.value, cst.Name)
            and func.attr.value in DURABLE_OPERATIONS
        ):
            return None
        receiver = func.value.value
        body = self.step_body_of(site)
        if receiver not in self.contexts_at(site) and not (body is not None and receiver in body.sdk_params[:1]):
            return None
        op = Operation(site, func.attr.value, receiver, in_step=body is not None)
        self._operation_of[id(call)] = op
        self.operations.append(op)
        return op

    def _register(self, op: Operation, fn: Function) -> List[Function]:
        spec = DURABLE_OPERATIONS.get(op.method)
        if spec is None:
            return []
        keyword, position, kind = spec
        arg = _argument(op.site.node, position, keyword)
        if arg is None:
            return []
        values = [e.value for e in arg.elements] if isinstance(arg, (cst.List, cst.Tuple)) else [arg]
        grown: List[Function] = []
        for value in values:
            grown.extend(self._register_body(op, fn, value, kind))
        return grown

    def _register_body(self, op: Operation, fn: Function, value: cst.BaseExpression, kind: str) -> List[Function]:
        if isinstance(value, cst.Lambda):
            params = [p.name.value for p in (*value.params.posonly_params, *value.params.params)]
            op.bodies.append(value)
            if kind == STEP:
                self.step_lambdas[id(value)] = StepBody(value, None, op, tuple(params))
                self._step_nodes = None
            elif params:
                self.child_lambdas[id(value)] = params[0]
            return []
        target = self._function_value(value, fn)
        if target is None:
            op.unresolved.append(value)
            return []
        op.bodies.append(target.node)
        params = target.positional_params()
        decorated_step = self._decorated(target, DURABLE_STEP_DECORATORS)
        decorated_child = self._decorated(target, DURABLE_CHILD_CONTEXT_DECORATORS)
        if kind == STEP or decorated_step:
            # a callback submitter gets (callback_id, context), a condition check (state, context)
            sdk = (
                2
                if op.method in ("wait_for_callback", "wait_for_condition")
                or self._decorated(target, {"durable_wait_for_callback"})
                else 1
            )
            self._add_step_function(target, op, tuple(params[:sdk]))
            return []
        if decorated_child or kind != STEP:
            return self._add_scope(target, "child", set(params[:1]) | self._annotated(target))
        return []

    def _function_value(
        self, value: cst.BaseExpression, fn: Optional[Function], module: Optional[ModuleAnalysis] = None
    ) -> Optional[Function]:
        """The function an argument names: `f`, `self.f`, `f(args)` of a decorated step or
        child function (the decorator binds the arguments), `functools.partial(f, ...)`."""
        analysis = module or self.owner(fn)
        if isinstance(value, cst.Name):
            return analysis.function_named(value.value, fn)
        if isinstance(value, cst.Attribute) and fn is not None:
            return self.resolve(value, fn)
        if isinstance(value, cst.Call):
            qualified = analysis.qualified_name(value.func, fn)
            if qualified in ("functools.partial",) and value.args:
                return self._function_value(value.args[0].value, fn, analysis)
            target = (
                self.resolve(value.func, fn)
                if fn is not None
                else (analysis.function_named(value.func.value, None) if isinstance(value.func, cst.Name) else None)
            )
            if target is not None and (
                self._decorated(target, DURABLE_STEP_DECORATORS)
                or self._decorated(target, DURABLE_CHILD_CONTEXT_DECORATORS)
            ):
                return target
        return None

    def _context_handed_on(self, site: Site, fn: Function) -> List[Function]:
        """`helper(context)`: the helper's code is durable code too."""
        call = site.node
        contexts = set(self.contexts_at(site))
        passed = [
            (i, a)
            for i, a in enumerate(call.args)
            if isinstance(a.value, cst.Name) and a.value.value in contexts and not a.star
        ]
        if not passed or self.is_context_call(call, site):
            return []
        target = self.resolve(call.func, fn)
        if target is None:
            if (dotted_name(call.func) or "") not in (
                "print",
                "repr",
                "str",
                "id",
                "isinstance",
                "getattr",
                "hasattr",
                "type",
                "len",
            ):
                self.unresolved_helpers.append(site)
            return []
        if self._decorated(target, DURABLE_STEP_DECORATORS) or self._decorated(
            target, DURABLE_CHILD_CONTEXT_DECORATORS
        ):
            return []  # binds arguments for a later operation
        params = target.positional_params()
        names: Set[str] = set()
        positional = 0
        for _, arg in passed:
            if arg.keyword is not None:
                names.add(arg.keyword.value)
        for arg in call.args:
            if arg.keyword is not None or arg.star:
                continue
            if isinstance(arg.value, cst.Name) and arg.value.value in contexts and positional < len(params):
                names.add(params[positional])
            positional += 1
        return self._add_scope(target, "helper", names) if names else []

    def _scan_step_function(self, body: StepBody) -> None:
        """Operations a step function (a def) starts: on a context it closes over, or on the
        SDK's step context (which has none)."""
        fn = body.function
        assert fn is not None
        for site in fn.iter(cst.Call):
            self._as_operation(site)

    # -- what a plain helper does, transitively -----------------------------------------------
    def effect(self, fn: Function, kind: str, depth: int = 0) -> Optional[Witness]:
        """Whether calling `fn` (outside any step) does `kind`: reads the clock or another
        non-deterministic source, has a side effect, logs, or starts a durable operation."""
        key = (id(fn), kind)
        if key in self._effects:
            return self._effects[key]
        self._effects[key] = None  # cuts cycles
        result = None if depth > _MAX_DEPTH else self._effect(fn, kind, depth)
        self._effects[key] = result
        return result

    def _effect(self, fn: Function, kind: str, depth: int) -> Optional[Witness]:
        analysis = self.owner(fn)
        if kind == OPERATION and fn in self.scopes:
            ops = [op for op in self.operations if op.site.function is fn or _inside(op.site.function, fn)]
            if ops:
                op = ops[0]
                return Witness("starts a durable operation", f"{op.context}.{op.method}(...)", (fn.name,))
        for site in fn.sites:
            node = site.node
            found: Optional[str] = None
            if kind == NONDETERMINISM:
                if isinstance(node, cst.For):
                    found = set_iteration(node.iter, fn, analysis)
                elif isinstance(node, (cst.Call, cst.Subscript)):
                    found = nondeterministic(node, fn, analysis)
                    if found is None:
                        variable = environment_read(node, fn, analysis)
                        if (
                            variable is not None
                            and not _is_store(site)
                            and environment_matters(variable, site, fn, analysis)
                        ):
                            found = environment_description(variable)
            elif isinstance(node, cst.Call):
                found = (
                    side_effect(node, fn, analysis)
                    if kind == SIDE_EFFECT
                    else logging_call(node, fn, analysis)
                    if kind == LOGGING
                    else None
                )
            if found is not None:
                code = (
                    f"for ... in {_short(analysis, node.iter)}" if isinstance(node, cst.For) else _short(analysis, node)
                )
                return Witness(found, code, (fn.name,))
            if isinstance(node, cst.Call):
                target = self.resolve(node.func, fn)
                if target is None or target is fn:
                    continue
                if self._decorated(target, DURABLE_STEP_DECORATORS) or self._decorated(
                    target, DURABLE_CHILD_CONTEXT_DECORATORS
                ):
                    continue
                if kind != OPERATION and target in self.scopes:
                    continue  # durable code: checked where it is
                inner = self.effect(target, kind, depth + 1)
                if inner is not None:
                    return inner.through(fn.name)
        return None

    def callee_effect(self, site: Site, kind: str) -> Optional[Tuple[Function, Witness]]:
        """For a call in durable code: the plain helper it runs and what that does."""
        call = site.node
        if not isinstance(call, cst.Call) or self.operation(call) is not None or self.is_context_call(call, site):
            return None
        target = self.resolve(call.func, site.function)
        if target is None or target is site.function:
            return None
        if self._decorated(target, DURABLE_STEP_DECORATORS) or self._decorated(
            target, DURABLE_CHILD_CONTEXT_DECORATORS
        ):
            return None  # `context.step(fetch(id))`: the call only binds the arguments
        if kind != OPERATION and target in self.scopes:
            return None  # durable code: checked where it is
        witness = self.effect(target, kind)
        return None if witness is None else (target, witness)

    def helper_mutates_outer_state(self, fn: Function, depth: int = 0, seen=None) -> bool:
        """`fn` or a function it calls assigns a global, changes a module-level container or
        changes an object it was given: a step around the call would skip that change on
        replay."""
        from lambdalint.catalog import MUTATING_METHODS

        seen = set() if seen is None else seen
        if fn in seen or depth > _MAX_DEPTH:
            return False
        seen.add(fn)
        analysis = self.owner(fn)
        if fn.globals_declared or fn.nonlocals_declared:
            return True
        params = set(fn.params) | set(fn.extra_params)

        def outer(base: Optional[str]) -> bool:
            if base is None or base in ("self", "cls"):
                return base is not None and base in params  # an object's own state
            if base in params:
                return True
            return analysis.is_module_level_name(base, fn) and base in analysis.module_bindings

        for site in fn.sites:
            node = site.node
            if isinstance(node, cst.Call):
                func = node.func
                if (
                    isinstance(func, cst.Attribute)
                    and func.attr.value in MUTATING_METHODS
                    and outer(_base_name(func.value))
                ):
                    return True
                target = self.resolve(func, fn)
                if target is not None and self.helper_mutates_outer_state(target, depth + 1, seen):
                    return True
            elif isinstance(node, (cst.Assign, cst.AugAssign)):
                targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
                for target_node in targets:
                    if isinstance(target_node, (cst.Subscript, cst.Attribute)) and outer(_base_name(target_node)):
                        return True
        return False


# -- detectors (shared by the rules and the helper summaries) ------------------------------------


def nondeterministic(node: cst.CSTNode, fn: Function, analysis: ModuleAnalysis) -> Optional[str]:
    """'reads the clock (`time.time()`)' when the call reads a non-deterministic source."""
    if not isinstance(node, cst.Call):
        return None
    qualified = analysis.qualified_name(node.func, fn)
    if qualified is None:
        return None
    what = NONDETERMINISTIC_CALLS.get(qualified)
    if what is None and qualified in CLOCK_READS_WITHOUT_TIME:
        if len([a for a in node.args if a.keyword is None]) <= CLOCK_READS_WITHOUT_TIME[qualified]:
            what = "reads the clock"
    return what


def environment_read(node: cst.CSTNode, fn: Function, analysis: ModuleAnalysis) -> Optional[str]:
    """The variable an environment read reads ("" when not a literal), else None."""
    if isinstance(node, cst.Call):
        qualified = analysis.qualified_name(node.func, fn)
        if qualified in ENVIRONMENT_READS and node.args:
            return string_value(node.args[0].value) or ""
        return None
    if (
        isinstance(node, cst.Subscript)
        and analysis.qualified_name(node.value, fn) == "os.environ"
        and len(node.slice) == 1
        and isinstance(node.slice[0].slice, cst.Index)
    ):
        return string_value(node.slice[0].slice.value) or ""
    return None


def environment_description(variable: str) -> str:
    if variable in VOLATILE_ENVIRONMENT_VARIABLES:
        return f"reads `{variable}`, which Lambda sets anew for each invocation or environment"
    return "reads an environment variable that decides the path"


def environment_matters(variable: str, site: Site, fn: Function, analysis: ModuleAnalysis) -> bool:
    """A read of a variable set per invocation, or one that decides the path (a test of an
    `if`/`while`/conditional expression, the iterable of a loop), directly or through a
    local name bound to it."""
    if variable in STABLE_ENVIRONMENT_VARIABLES:
        return False
    if variable in VOLATILE_ENVIRONMENT_VARIABLES:
        return True
    chain = (*site.ancestors, site.node)
    for index, anc in enumerate(chain[:-1]):
        below = chain[index + 1]
        if isinstance(anc, cst.If) and anc.test is below and _fails_when_unset(anc):
            return False
        if isinstance(anc, (cst.If, cst.While, cst.IfExp)) and anc.test is below:
            return True
        if isinstance(anc, cst.For) and anc.iter is below:
            return True
        if isinstance(anc, cst.Match) and anc.subject is below:
            return True
        if isinstance(anc, (cst.SimpleStatementLine, cst.BaseCompoundStatement)) and index > 0:
            break
    assigned = _assigned_names(site)
    return bool(assigned & _names_deciding_path(fn))


def set_iteration(
    iterable: cst.BaseExpression, fn: Function, analysis: ModuleAnalysis, depth: int = 0
) -> Optional[str]:
    """'iterates over a set' when the iterable is a set whose order can change between
    processes (not a set of int literals: their hash, and so their order, is fixed)."""
    if depth > 5:
        return None
    if isinstance(iterable, cst.Set):
        if all(isinstance(e.value, cst.Integer) for e in iterable.elements):
            return None
        return _SET_ORDER
    if isinstance(iterable, cst.SetComp):
        return _SET_ORDER
    if (
        isinstance(iterable, cst.Call)
        and isinstance(iterable.func, cst.Name)
        and iterable.func.value in ("set", "frozenset")
        and not _bound_locally(iterable.func.value, fn)
        and iterable.func.value not in analysis.module_bindings
        and iterable.func.value not in analysis.aliases
    ):
        return _SET_ORDER
    if isinstance(iterable, cst.BinaryOperation) and isinstance(
        iterable.operator, (cst.BitOr, cst.BitAnd, cst.BitXor, cst.Subtract)
    ):
        return set_iteration(iterable.left, fn, analysis, depth + 1)
    if isinstance(iterable, cst.Name):
        scope: Optional[Function] = fn
        while scope is not None:
            if scope.is_local(iterable.value):
                values = scope.assigned.get(iterable.value, [])
                if len(values) == 1 and isinstance(values[0], cst.BaseExpression):
                    return set_iteration(values[0], scope, analysis, depth + 1)
                return None
            scope = scope.parent
        values = analysis.module_bindings.get(iterable.value, [])
        if (
            len(values) == 1
            and isinstance(values[0], cst.BaseExpression)
            and iterable.value not in analysis.rebound_globals
        ):
            return set_iteration(values[0], None, analysis, depth + 1)
    return None


def side_effect(call: cst.Call, fn: Function, analysis: ModuleAnalysis) -> Optional[str]:
    """'sends an AWS SDK request (`s3.put_object(...)`)' and the like, else None."""
    qualified = analysis.qualified_name(call.func, fn)
    if qualified is not None:
        if qualified in HTTP_REQUESTS:
            return "sends an HTTP request"
        if qualified in MESSAGE_SENDS:
            return "sends a message"
        if qualified in FILE_WRITES:
            return "writes to the file system"
        client = _client_prefix(qualified)
        if client is not None:
            method = qualified.rsplit(".", 1)[-1]
            if method[:1].islower() and method not in CLIENT_LOCAL_METHODS and not method.startswith("_"):
                kind = client_kind(client)
                what = {
                    "AWS SDK client": "sends an AWS SDK request",
                    "AWS SDK resource": "sends an AWS SDK request",
                    "AWS SDK session": "sends an AWS SDK request",
                    "database connection": "queries a database",
                    "database client": "queries a database",
                    "HTTP connection pool": "sends an HTTP request",
                }.get(kind, "calls a client")
                return what
        if (
            any(qualified.startswith(p + "().") for p in PATH_CONSTRUCTORS)
            and qualified.rsplit(".", 1)[-1] in PATH_WRITE_METHODS
        ):
            return "writes to the file system"
    if _opens_for_writing(call, fn, analysis, qualified):
        return "opens a file for writing"
    return None


def _client_prefix(qualified: str) -> Optional[str]:
    """The client constructor a method call's receiver was built by (longest match)."""
    best = None
    for constructor in CLIENT_CONSTRUCTORS:
        if qualified.startswith(constructor + "().") and (best is None or len(constructor) > len(best)):
            best = constructor
    return best


def _opens_for_writing(call: cst.Call, fn: Function, analysis: ModuleAnalysis, qualified: Optional[str]) -> bool:
    is_open = qualified in FILE_OPENERS or (
        isinstance(call.func, cst.Name)
        and call.func.value == "open"
        and qualified is None
        and not _bound_locally("open", fn)
        and "open" not in analysis.module_bindings
    )
    if not is_open and qualified is not None and any(qualified == p + "().open" for p in PATH_CONSTRUCTORS):
        mode = _argument(call, 0, "mode")
        return mode is not None and bool(set(string_value(mode) or "") & WRITE_MODE_CHARACTERS)
    if not is_open:
        return False
    mode = _argument(call, 1, "mode")
    return mode is not None and bool(set(string_value(mode) or "") & WRITE_MODE_CHARACTERS)


def logging_call(call: cst.Call, fn: Function, analysis: ModuleAnalysis) -> Optional[str]:
    """'prints (`print(...)`)' / 'logs (`logger.info(...)`)' for output that is not replay-aware."""
    func = call.func
    if (
        isinstance(func, cst.Name)
        and func.value == "print"
        and not _bound_locally("print", fn)
        and "print" not in analysis.module_bindings
        and "print" not in analysis.aliases
    ):
        return "prints"
    if not isinstance(func, cst.Attribute) or func.attr.value not in LOGGING_METHODS:
        return None
    qualified = analysis.qualified_name(func, fn)
    if qualified is None:
        return None
    receiver = qualified.rsplit(".", 1)[0]
    if (
        receiver in LOGGING_MODULES
        or receiver in LOGGER_OBJECTS
        or any(receiver == factory + "()" or receiver.startswith(factory + "().") for factory in LOGGER_FACTORIES)
    ):
        return "logs"
    return None


# -- small helpers ------------------------------------------------------------------------------


def _short(analysis: ModuleAnalysis, node: cst.CSTNode, limit: int = 60) -> str:
    text = " ".join(analysis.module.code_for_node(node).split())
    if len(text) > limit and isinstance(node, cst.Call):
        text = _short(analysis, node.func, limit) + "(...)"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _argument(call: cst.Call, position: int, keyword: Optional[str]) -> Optional[cst.BaseExpression]:
    for arg in call.args:
        if keyword is not None and arg.keyword is not None and arg.keyword.value == keyword:
            return arg.value
    positional = [a for a in call.args if a.keyword is None and not a.star]
    if 0 <= position < len(positional):
        return positional[position].value
    return None


def _bound_locally(name: str, fn: Optional[Function]) -> bool:
    scope = fn
    while scope is not None:
        if scope.is_local(name):
            return True
        scope = scope.parent
    return False


def _base_name(node: cst.CSTNode) -> Optional[str]:
    while isinstance(node, (cst.Attribute, cst.Subscript)):
        node = node.value
    return node.value if isinstance(node, cst.Name) else None


def _is_store(site: Site) -> bool:
    """The node is assigned or deleted, not read (`os.environ["X"] = ...`)."""
    parent = site.parent
    if isinstance(parent, cst.AssignTarget) and parent.target is site.node:
        return True
    if isinstance(parent, (cst.AugAssign, cst.AnnAssign)) and parent.target is site.node:
        return True
    return isinstance(parent, cst.Del)


def is_store(site: Site) -> bool:
    return _is_store(site)


def where_in(scope: Scope) -> str:
    """'outside any durable operation in durable handler `handler`', for messages."""
    kind = {"handler": "durable handler", "child": "child-context function", "helper": "durable function"}[scope.kind]
    return f"outside any durable operation in {kind} `{scope.function.name}`"


def short(analysis: ModuleAnalysis, node: cst.CSTNode) -> str:
    """The node's code on one line, shortened, for messages."""
    return _short(analysis, node)


def _inside(fn: Function, outer: Function) -> bool:
    current = fn.parent
    while current is not None:
        if current is outer:
            return True
        current = current.parent
    return False


def _assigned_names(site: Site) -> Set[str]:
    """Names the statement holding the node binds when the node is (part of) its value."""
    for anc in reversed(site.ancestors):
        if isinstance(anc, cst.Assign):
            return {t.target.value for t in anc.targets if isinstance(t.target, cst.Name)}
        if isinstance(anc, (cst.AnnAssign, cst.NamedExpr)):
            return {anc.target.value} if isinstance(anc.target, cst.Name) else set()
        if isinstance(anc, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            break
    return set()


def _names_deciding_path(fn: Function) -> Set[str]:
    """Names read in the tests of `if` / `while` / conditional expressions and in the
    iterables of loops of `fn` (its own body, not nested functions)."""
    from lambdalint._cstfast import walk

    names: Set[str] = set()

    class _Tests:
        def __init__(self) -> None:
            self.depth = 0

        def on_visit(self, node) -> bool:
            if node is not fn.node and isinstance(node, (cst.FunctionDef, cst.ClassDef)):
                return False
            if isinstance(node, cst.If) and _fails_when_unset(node):
                pass  # a missing-setting guard: it fails every execution alike
            elif isinstance(node, (cst.If, cst.While, cst.IfExp)):
                names.update(_read_names(node.test))
            elif isinstance(node, cst.For):
                names.update(_read_names(node.iter))
            elif isinstance(node, cst.Match):
                names.update(_read_names(node.subject))
            return True

        def on_leave(self, node) -> None:
            pass

    walk(fn.node.body, _Tests())
    return names


def _reads_only_in_one_step(model: "DurableModel", fn: Function, name: str) -> bool:
    """Every read of `name` in `fn` (and of the local names assigned from it) is inside
    the body of one step, whose operation runs once per execution."""
    from lambdalint._cstfast import children

    step_defs = {id(f.node): body for f, body in model.step_functions.items()}
    tainted = {name}
    carriers: Set[int] = set()  # `other = f(name)`: reads that only pass the value on
    changed = True
    while changed:
        changed = False
        for site in fn.iter(cst.Assign):
            assign = site.node
            if site.function is not fn or id(assign) in carriers:
                continue
            if tainted & _reads_outside_step_lambdas(model, assign.value):
                if len(assign.targets) != 1 or not isinstance(assign.targets[0].target, cst.Name):
                    return False  # stored into an attribute, a container or a tuple
                carriers.add(id(assign))
                tainted.add(assign.targets[0].target.value)
                changed = True
    bodies: Set[int] = set()
    body_of: Dict[int, StepBody] = {}

    def visit(node, body: Optional[StepBody], in_carrier: bool) -> bool:
        if isinstance(node, cst.Lambda) and id(node) in model.step_lambdas:
            body = model.step_lambdas[id(node)]
        elif isinstance(node, cst.FunctionDef):
            body = step_defs.get(id(node), body)
            params = node.params
            if any(p.name.value in tainted for p in (*params.posonly_params, *params.params, *params.kwonly_params)):
                return False  # a parameter shadows the name: not followed
        if isinstance(node, cst.Assign) and id(node) in carriers:
            in_carrier = True
        if isinstance(node, cst.Name) and node.value in tainted:
            if body is None:
                return in_carrier
            bodies.add(id(body.node))
            body_of[id(body.node)] = body
            return True
        for child in children(node):
            if isinstance(node, cst.Attribute) and child is node.attr:
                continue
            if isinstance(node, cst.Arg) and child is node.keyword:
                continue
            if isinstance(node, cst.AssignTarget) and isinstance(child, cst.Name):
                continue  # the binding itself
            if isinstance(node, (cst.Param, cst.FunctionDef, cst.ClassDef)) and child is node.name:
                continue
            if not visit(child, body, in_carrier):
                return False
        return True

    if not all(visit(stmt, None, False) for stmt in fn.node.body.body) or len(bodies) != 1:
        return False
    body = body_of[bodies.pop()]
    operation = body.operation
    if operation is None or any(isinstance(a, (cst.For, cst.While)) for a in operation.site.ancestors):
        return False
    if body.function is not None and _name_count(fn.node.body, body.function.name) != 1:
        return False  # a def handed to more than one operation
    # A failed attempt is retried after a replay, with the replay's new value: harmless
    # only if the attempt left nothing behind.
    return not _step_has_side_effect(model, fn, body)


def _reads_outside_step_lambdas(model: "DurableModel", expr: cst.CSTNode) -> Set[str]:
    """The names `expr` reads, leaving out step bodies written in it: `saved =
    context.step(lambda _: record)` binds the checkpointed result, not `record`."""
    from lambdalint._cstfast import children

    names: Set[str] = set()
    todo = [expr]
    while todo:
        node = todo.pop()
        if isinstance(node, cst.Lambda) and id(node) in model.step_lambdas:
            continue
        if isinstance(node, cst.Name):
            names.add(node.value)
        elif isinstance(node, cst.Attribute):
            todo.append(node.value)
            continue
        elif isinstance(node, cst.Arg):
            todo.append(node.value)
            continue
        todo.extend(children(node))
    return names


def _step_has_side_effect(model: "DurableModel", fn: Function, body: StepBody) -> bool:
    if body.function is not None:
        return model.effect(body.function, SIDE_EFFECT) is not None
    analysis = model.owner(fn)
    for site in fn.iter(cst.Call):
        if not any(anc is body.node for anc in site.ancestors):
            continue
        if side_effect(site.node, fn, analysis) is not None:
            return True
        target = model.resolve(site.node.func, fn)
        if target is not None and target is not fn and model.effect(target, SIDE_EFFECT) is not None:
            return True
    return False


def _name_count(root: cst.CSTNode, name: str) -> int:
    """How often `name` is written as a name under `root` (its `def` lines not counted)."""
    count = 0
    for node in walk_nodes(root):
        if isinstance(node, cst.Name) and node.value == name:
            count += 1
        elif isinstance(node, cst.FunctionDef) and node.name.value == name:
            count -= 1
    return count


def _fails_when_unset(node: cst.If) -> bool:
    """`if not table: raise ValueError(...)`: a test for a missing value (`not x`,
    `x is None`, `x == ""`, joined with `or`) whose only branch, after any logging, raises.
    A setting tested this way decides no durable operation: its branch fails the execution,
    as it fails every execution that starts without the setting."""
    if node.orelse is not None or not _tests_missing(node.test):
        return False
    body = node.body.body
    statements = [small for line in body for small in getattr(line, "body", (None,))]
    if not statements or not isinstance(statements[-1], cst.Raise):
        return False
    return all(isinstance(small, cst.Expr) and isinstance(small.value, cst.Call) for small in statements[:-1])


def _tests_missing(test: cst.BaseExpression) -> bool:
    if isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.Or):
        return _tests_missing(test.left) and _tests_missing(test.right)
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        return True
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
        target = test.comparisons[0]
        empty = isinstance(target.comparator, cst.Name) and target.comparator.value == "None"
        empty = empty or (isinstance(target.comparator, cst.SimpleString) and target.comparator.evaluated_value == "")
        return empty and isinstance(target.operator, (cst.Is, cst.Equal))
    return False


def _read_names(expr: cst.CSTNode) -> Set[str]:
    from lambdalint.analysis import free_names

    return set(free_names(expr))
