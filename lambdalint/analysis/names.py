"""What a name means at a point of the module: an import, a local, a module-level binding.

Every question walks the same scope chain (`model.binding_scope`): the innermost function
that binds the name, else the module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from lambdalint._lazy import cst
from lambdalint.analysis.model import Function, binding_scope
from lambdalint.analysis.nodes import dotted_name
from lambdalint.catalog import MODULE_ALIASES

if TYPE_CHECKING:  # pragma: no cover
    from lambdalint.analysis import ModuleAnalysis

MAX_DEPTH = 20  # `a = b(); b = c(); ...` chains followed before giving up


def qualified_name(
    analysis: "ModuleAnalysis", expr: cst.CSTNode, fn: Optional[Function], depth: int = 0
) -> Optional[str]:
    """`boto3.client` for `b.client` after `import boto3 as b`; calls become `...()`.

    Local variables bound once to a call resolve through it, so
    `s = boto3.session.Session(); s.client` gives `boto3.session.Session().client`.
    """
    if depth > MAX_DEPTH:
        return None
    if isinstance(expr, cst.Name):
        name = expr.value
        scope = binding_scope(name, fn)
        if scope is not None:
            if name in scope.local_aliases:
                return scope.local_aliases[name]
            if name in scope.params:
                return None
            values = scope.assigned.get(name, [])
            if len(values) == 1 and isinstance(values[0], cst.Call):
                return qualified_name(analysis, values[0], scope, depth + 1)
            return None
        if name in analysis.aliases:
            return canonical(analysis.project.expand(analysis.aliases[name], analysis))
        call = single_call(analysis, name)
        if call is not None and name not in analysis.rebound_globals:
            return qualified_name(analysis, call, None, depth + 1)
        return None
    if isinstance(expr, cst.Attribute):
        base = qualified_name(analysis, expr.value, fn, depth + 1)
        if base is None:
            return None
        full = f"{base}.{expr.attr.value}"
        return MODULE_ALIASES.get(full, full)
    if isinstance(expr, cst.Call):
        base = qualified_name(analysis, expr.func, fn, depth + 1)
        return None if base is None else f"{base}()"
    return None


def canonical(qualified: str) -> str:
    """`requests.get` for `botocore.vendored.requests.get`: a library under its own name."""
    for alias, library in MODULE_ALIASES.items():
        if qualified == alias or qualified.startswith(alias + "."):
            return library + qualified[len(alias) :]
    return qualified


def single_call(analysis: "ModuleAnalysis", name: str) -> Optional[cst.Call]:
    """The call a module-level name is bound to, when it is bound exactly once, to a call."""
    values = analysis.module_bindings.get(name)
    if values and len(values) == 1 and isinstance(values[0], cst.Call):
        return values[0]
    return None


def decorator_name(analysis: "ModuleAnalysis", expr: cst.BaseExpression, scope: Optional[Function]) -> str:
    if isinstance(expr, cst.Call):
        expr = expr.func
    return qualified_name(analysis, expr, scope) or dotted_name(expr) or ""


def binding_call(analysis: "ModuleAnalysis", expr: cst.CSTNode, fn: Optional[Function]) -> Optional[cst.Call]:
    """The call a name was bound to (locally or at module level), if exactly one."""
    if isinstance(expr, cst.Call):
        return expr
    if not isinstance(expr, cst.Name):
        return None
    scope = binding_scope(expr.value, fn)
    if scope is None:
        return single_call(analysis, expr.value)
    values = scope.assigned.get(expr.value, [])
    return values[0] if len(values) == 1 and isinstance(values[0], cst.Call) else None


def is_module_level_name(analysis: "ModuleAnalysis", name: str, fn: Optional[Function]) -> bool:
    """`name`, read inside `fn`, is a module-level binding, import or function."""
    return binding_scope(name, fn) is None and (
        name in analysis.module_bindings or name in analysis.aliases or name in analysis.module_functions
    )


def shadowed(name: str, fn: Optional[Function]) -> bool:
    """`name` is bound in `fn` or an enclosing function (not the module's)."""
    return binding_scope(name, fn) is not None


def function_named(analysis: "ModuleAnalysis", name: str, fn: Optional[Function]) -> Optional[Function]:
    """The function a name means inside `fn` (nested, module-level, or a class's __init__)."""
    scope = binding_scope(name, fn)
    if scope is not None:
        if name in scope.local_aliases and analysis.project.layout is not None:
            # `from .service import list_subnets` inside the function
            return analysis.project.as_function(analysis.project.lookup(scope.local_aliases[name], analysis))
        return next((child for child in scope.children if child.name == name), None)
    if name in analysis.module_functions:
        return analysis.module_functions[name]
    if name in analysis.classes:
        return analysis.functions.get(f"{name}.__init__")
    return analysis.project.as_function(imported_symbol(analysis, name))


def imported_symbol(analysis: "ModuleAnalysis", name: str):
    """What a module-level name imported from another project module is (a function,
    class, instance or module: `lambdalint.analysis.project`), else None."""
    if name not in analysis.aliases or analysis.project.layout is None:
        return None
    return analysis.project.lookup(analysis.aliases[name], analysis)


def imports_a_class(analysis: "ModuleAnalysis", name: str, fn: Optional[Function]) -> bool:
    from lambdalint.analysis.project import ClassRef

    return binding_scope(name, fn) is None and isinstance(imported_symbol(analysis, name), ClassRef)


def instance_class(analysis: "ModuleAnalysis", name: str, fn: Optional[Function]) -> Optional[str]:
    """The class of this module that `name` is an instance of (`svc = Service()`)."""
    if fn is not None and not is_module_level_name(analysis, name, fn):
        call = binding_call(analysis, cst.Name(name), fn)
    else:
        call = single_call(analysis, name)
    if call is not None and isinstance(call.func, cst.Name) and call.func.value in analysis.classes:
        return call.func.value
    return None
