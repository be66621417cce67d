"""Where a value comes from: invariant (the same on every request) or tainted (from the event).

An expression is invariant when it cannot depend on the event or context: literals,
module-level names bound once, `os.environ` reads, pure calls on invariant arguments, reads
of a fixed parameter, secret or object through an invariant client, and a
helper's parameter when every call on the invocation path passes an invariant value.  It is
tainted when it derives from an entry point's event or context (or the framework's view of
the current request), also through helpers' parameters.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Dict, Optional, Set, Tuple

from lambdalint import catalog
from lambdalint._lazy import cst
from lambdalint.analysis import nodes
from lambdalint.analysis.model import Function, IterOf, Opaque, binding_scope
from lambdalint.analysis.nodes import argument, param_default

if TYPE_CHECKING:  # pragma: no cover
    from lambdalint.analysis import ModuleAnalysis

Active = Set[Tuple[int, str]]  # (function, name) pairs being evaluated: cuts cycles


def _values_of(fn: Function, default: "Values") -> "Values":
    """The values of `fn`'s own module: a caller in another module is judged there."""
    return fn.module.values if fn.module is not None else default


class Values:
    def __init__(self, analysis: "ModuleAnalysis") -> None:
        self.analysis = analysis
        self._param_invariance: Dict[Tuple[int, str], bool] = {}
        self._param_taint: Dict[Tuple[int, str, bool], bool] = {}

    # -- invariance --------------------------------------------------------------------------
    def is_invariant(self, expr: object, fn: Optional[Function], active: Optional[Active] = None) -> bool:
        """True when the value cannot depend on the event or context."""
        active = set() if active is None else active
        if isinstance(expr, IterOf):
            return self.is_invariant(expr.iterable, fn, active)
        if isinstance(expr, Opaque) or expr is None:
            return False
        if isinstance(expr, (cst.SimpleString, cst.Integer, cst.Float, cst.Imaginary, cst.Ellipsis)):
            return True
        if isinstance(expr, cst.ConcatenatedString):
            return self.is_invariant(expr.left, fn, active) and self.is_invariant(expr.right, fn, active)
        if isinstance(expr, cst.FormattedString):
            return all(
                self.is_invariant(p.expression, fn, active)
                for p in expr.parts
                if isinstance(p, cst.FormattedStringExpression)
            )
        if isinstance(expr, cst.Name):
            return self._name_invariant(expr.value, fn, active)
        if isinstance(expr, (cst.Tuple, cst.List, cst.Set)):
            return all(self.is_invariant(e.value, fn, active) for e in expr.elements)
        if isinstance(expr, cst.Dict):
            return all(
                self.is_invariant(e.value, fn, active)
                and (not isinstance(e, cst.DictElement) or self.is_invariant(e.key, fn, active))
                for e in expr.elements
            )
        if isinstance(expr, (cst.BinaryOperation, cst.BooleanOperation)):
            return self.is_invariant(expr.left, fn, active) and self.is_invariant(expr.right, fn, active)
        if isinstance(expr, cst.UnaryOperation):
            return self.is_invariant(expr.expression, fn, active)
        if isinstance(expr, cst.Comparison):
            return self.is_invariant(expr.left, fn, active) and all(
                self.is_invariant(c.comparator, fn, active) for c in expr.comparisons
            )
        if isinstance(expr, cst.IfExp):
            return all(self.is_invariant(e, fn, active) for e in (expr.test, expr.body, expr.orelse))
        if isinstance(expr, cst.Attribute):
            if expr.attr.value in catalog.REQUEST_ATTRIBUTES:
                return False  # the framework app's view of the current event
            if self.analysis.qualified_name(expr, fn) == "os.environ":
                return True
            return self.is_invariant(expr.value, fn, active)
        if isinstance(expr, cst.Subscript):
            return self.is_invariant(expr.value, fn, active) and all(
                isinstance(s.slice, cst.Index) and self.is_invariant(s.slice.value, fn, active) for s in expr.slice
            )
        if isinstance(expr, cst.Call):
            return self._call_invariant(expr, fn, active)
        if isinstance(expr, cst.AugAssign):
            return self.is_invariant(expr.value, fn, active)
        return False

    def _call_invariant(self, call: cst.Call, fn: Optional[Function], active: Active) -> bool:
        analysis = self.analysis
        if not all(self.is_invariant(a.value, fn, active) for a in call.args):
            return False
        if isinstance(call.func, cst.Attribute) and not self.is_invariant(call.func.value, fn, active):
            return False  # `session.client(...)` of a per-request session
        qn = analysis.qualified_name(call.func, fn)
        if qn is not None and (
            qn in catalog.PURE_CALLS or qn in catalog.CLIENT_CONSTRUCTORS or qn in analysis.config.client_factories
        ):
            return True
        if isinstance(call.func, cst.Attribute):
            if call.func.attr.value in catalog.PURE_METHODS:
                return True
            if call.func.attr.value in catalog.INVARIANT_READ_METHODS:
                return True  # the result of invariant I/O: `sm.get_secret_value(SecretId="db")`
            if qn is not None and qn.split(".")[-1][:1].isupper():
                return True  # an imported class: botocore.config.Config(...), Timeout(...)
            return False
        if isinstance(call.func, cst.Name):
            name = call.func.value
            if (
                qn is None
                and name in catalog.PURE_CALLS
                and binding_scope(name, fn) is None
                and name not in analysis.aliases
                and name not in analysis.module_bindings
            ):
                return True  # a builtin (`dict(...)`, `str(...)`) that nothing rebinds
            if name in analysis.classes or name in analysis.module_functions:
                return analysis.is_module_level_name(name, fn)
            if qn is not None and qn.split(".")[-1][:1].isupper():
                return True
            if analysis.is_module_level_name(name, fn) and analysis.function_named(name, fn) is not None:
                return True  # a function or class imported from another module of the project
        return False

    def _name_invariant(self, name: str, fn: Optional[Function], active: Active) -> bool:
        analysis = self.analysis
        scope = binding_scope(name, fn)
        if scope is not None:
            if name in scope.params or name in scope.extra_params:
                return self._param_invariant(scope, name, active)
            if name in scope.local_aliases:
                return True
            key = (id(scope), name)
            if key in active:
                return False
            active.add(key)
            try:
                return all(
                    isinstance(v, cst.FunctionDef) or self.is_invariant(v, scope, active) for v in scope.assigned[name]
                )
            finally:
                active.discard(key)
        if name in analysis.rebound_globals:
            return False
        if name in analysis.aliases or name in analysis.module_bindings or name in analysis.module_functions:
            return True
        return name in catalog.BUILTIN_CONSTANTS

    def _param_invariant(self, fn: Function, name: str, active: Active) -> bool:
        """A helper's parameter is invariant when every call on the path passes one."""
        analysis = self.analysis
        # A cached function is off the path (its body runs once) but its callers are on it:
        # `@cache def s3(region="eu-west-1")` called as `s3()` builds an invariant client.
        if name in analysis.entry_params(fn) or (fn not in analysis.path_functions and not fn.cached):
            return False
        if any(e.function is fn for e in analysis.entry_points):
            return False
        key = (id(fn), "param:" + name)
        if key in active or name not in fn.params:
            return False
        memo = (id(fn), name)
        if memo in self._param_invariance:
            return self._param_invariance[memo]
        active.add(key)
        try:
            result = self._every_caller_passes_invariant(fn, name, active)
        finally:
            active.discard(key)
        self._param_invariance[memo] = result
        return result

    def _every_caller_passes_invariant(self, fn: Function, name: str, active: Active) -> bool:
        index = fn.positional_index(name)
        calls = list(self.analysis.call_sites(fn))
        if not calls:
            return False
        for caller, call in calls:
            if call is None:
                return False
            arg = argument(call, index, name)
            if arg is None:
                default = param_default(fn.node, name)
                if default is None or not self.is_invariant(default, None, active):
                    return False
            elif not _values_of(caller, self).is_invariant(arg, caller, active):
                return False
        return True

    # -- taint ---------------------------------------------------------------------------------
    def is_tainted(
        self, expr: object, fn: Optional[Function], request_only: bool = False, active: Optional[Active] = None
    ) -> bool:
        """True when the value derives from the event or context of an entry point.

        With `request_only`, the context counts only through what differs per request
        (`aws_request_id`, `client_context`, `identity`), not through the remaining time,
        the function name or a bare `context` in `hasattr(context, ...)`."""
        active = set() if active is None else active
        if fn is None or expr is None:
            return False
        if isinstance(expr, IterOf):
            return self.is_tainted(expr.iterable, fn, request_only, active)
        if isinstance(expr, Opaque):
            return False
        if isinstance(expr, cst.Name):
            return self._name_tainted(expr.value, fn, active, request_only)
        if isinstance(expr, cst.Attribute) and expr.attr.value in catalog.REQUEST_ATTRIBUTES:
            return True
        if (
            request_only
            and isinstance(expr, cst.Attribute)
            and isinstance(expr.value, cst.Name)
            and self._is_context_param(expr.value.value, fn)
        ):
            return expr.attr.value in catalog.REQUEST_CONTEXT_ATTRIBUTES
        if isinstance(expr, cst.AugAssign):
            return self.is_tainted(expr.value, fn, request_only, active)
        if isinstance(expr, cst.Lambda):
            return False
        return (
            any(self.is_tainted(child, fn, request_only, active) for child in nodes.children(expr))
            if isinstance(expr, cst.CSTNode)
            else False
        )

    def _is_context_param(self, name: str, fn: Function) -> bool:
        scope = binding_scope(name, fn)
        if scope is None:
            return False
        params = scope.positional_params()
        return name in self.analysis.entry_params(scope) and len(params) > 1 and params[1] == name

    def _name_tainted(self, name: str, fn: Function, active: Active, request_only: bool) -> bool:
        scope = binding_scope(name, fn)
        if scope is None:
            return False
        if name in scope.params or name in scope.extra_params:
            if name in self.analysis.entry_params(scope):
                return not (request_only and self._is_context_param(name, scope))
            return self._param_tainted(scope, name, active, request_only)
        if name not in scope.assigned:
            return False  # an alias of an import
        key = (id(scope), name)
        if key in active:
            return False
        active.add(key)
        try:
            return any(
                not isinstance(v, cst.FunctionDef) and self.is_tainted(v, scope, request_only, active)
                for v in scope.assigned[name]
            )
        finally:
            active.discard(key)

    def _param_tainted(self, fn: Function, name: str, active: Active, request_only: bool) -> bool:
        key = (id(fn), "taint:" + name)
        if key in active or name not in fn.params:
            return False
        index = fn.positional_index(name)
        memo = (id(fn), name, request_only)
        if memo in self._param_taint:
            return self._param_taint[memo]
        active.add(key)
        try:
            result = any(
                call is not None
                and argument(call, index, name) is not None
                and _values_of(caller, self).is_tainted(argument(call, index, name), caller, request_only, active)
                for caller, call in self.analysis.call_sites(fn)
            )
        finally:
            active.discard(key)
        self._param_taint[memo] = result
        return result
