"""Helpers of the handler-hygiene rules (LAM104, LAM107, LAM305, LAM306, LAM307): call
arguments, string constants, module-level code, and which statements run on every path."""

from __future__ import annotations

from typing import Iterator, List, Optional, Tuple

from lambdalint._lazy import cst
from lambdalint.analysis import Function, ModuleAnalysis, Site, string_value
from lambdalint.analysis.model import binding_scope
from lambdalint.rules import _common


def keyword(call: cst.Call, name: str) -> Optional[cst.Arg]:
    """The `name=` argument of the call, if given."""
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg
    return None


def has_unpacked_keywords(call: cst.Call) -> bool:
    """`f(**options)`: any keyword may be in there."""
    return any(arg.star == "**" for arg in call.args)


def positional(call: cst.Call) -> List[cst.Arg]:
    return [arg for arg in call.args if arg.keyword is None and not arg.star]


def has_unpacked_positionals(call: cst.Call) -> bool:
    return any(arg.star == "*" for arg in call.args)


def is_none(expr: Optional[cst.BaseExpression]) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "None"


def constant_string(analysis: ModuleAnalysis, expr, fn: Optional[Function], depth: int = 0) -> Optional[str]:
    """The string a literal, or a name bound exactly once to a literal, stands for."""
    value = string_value(expr)
    if value is not None or depth > 4 or not isinstance(expr, cst.Name):
        return value
    scope = binding_scope(expr.value, fn)
    if scope is not None:
        values = scope.assigned.get(expr.value, [])
        owner: Optional[Function] = scope
    else:
        if expr.value in analysis.rebound_globals:
            return None
        values = analysis.module_bindings.get(expr.value, [])
        owner = None
    if len(values) != 1 or not isinstance(values[0], cst.BaseExpression):
        return None
    return constant_string(analysis, values[0], owner, depth + 1)


def module_level_nodes(analysis: ModuleAnalysis) -> List[Tuple[cst.CSTNode, Tuple[cst.CSTNode, ...]]]:
    """Every node outside any function body (class bodies, decorators and the `__main__`
    block included; parameter defaults not), with its ancestors (the module first), in
    source order.  `_restore.init_nodes` is what runs at Init: defaults in, `__main__` out.
    Walked once per module for the rules that ask."""
    return analysis.remember("module_level_nodes", lambda: list(_walk_module_level(analysis.module)))


def _walk_module_level(module: cst.Module) -> Iterator[Tuple[cst.CSTNode, Tuple[cst.CSTNode, ...]]]:
    from lambdalint._cstfast import children

    stack: List[Tuple[cst.CSTNode, Tuple[cst.CSTNode, ...]]] = [(stmt, (module,)) for stmt in reversed(module.body)]
    while stack:
        node, ancestors = stack.pop()
        yield node, ancestors
        if isinstance(node, cst.FunctionDef):
            inner = [d for d in node.decorators]  # decorators run at import time
        else:
            inner = children(node)
        below = ancestors + (node,)
        stack.extend((child, below) for child in reversed(inner))


# Ancestors under which a statement may not run (or not completely) on a given call.
_CONDITIONAL = (
    "If",
    "For",
    "While",
    "Match",
    "ExceptHandler",
    "ExceptStarHandler",
    "IfExp",
    "BooleanOperation",
    "Lambda",
    "CompFor",
    "Else",
)


_conditional_kinds: Optional[frozenset] = None


def is_conditional(ancestors) -> bool:
    """Under an `if`, a loop, an `except` or `else` clause, a conditional expression or a
    comprehension: it does not run on every call of the function."""
    global _conditional_kinds
    if _conditional_kinds is None:  # exact types: these node classes have no subclasses
        _conditional_kinds = frozenset(getattr(cst, name) for name in _CONDITIONAL if hasattr(cst, name))
    return any(type(a) in _conditional_kinds for a in ancestors)


def top_statement(site: Site) -> Optional[cst.CSTNode]:
    """The statement of the function's own body that holds the site."""
    ancestors = site.ancestors
    if len(ancestors) >= 2 and isinstance(ancestors[0], (cst.IndentedBlock, cst.SimpleStatementSuite)):
        return ancestors[1]
    if len(ancestors) == 1:
        return site.node
    return None


def body_index(fn: Function, statement: Optional[cst.CSTNode]) -> int:
    """Position of a top-level statement in the function body (-1 if not one)."""
    body = fn.node.body
    statements = body.body if isinstance(body, (cst.IndentedBlock, cst.SimpleStatementSuite)) else ()
    for index, stmt in enumerate(statements):
        if stmt is statement:
            return index
    return -1


def in_finally(site: Site) -> bool:
    """Inside a `finally:` clause of the function."""
    return any(isinstance(a, cst.Finally) for a in site.ancestors)


def format_seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


# -- AWS SDK clients -----------------------------------------------------------------------------


def client_service(analysis: ModuleAnalysis, receiver, fn: Optional[Function], depth: int = 0) -> Optional[str]:
    """The service name of the AWS SDK client an expression holds (`boto3.client("lambda")`,
    a session's client, a name or `self.` attribute bound to one, a helper returning one),
    when every binding agrees; None when unknown."""
    from lambdalint.catalog import CLIENT_CONSTRUCTORS

    if depth > 8 or receiver is None:
        return None
    if isinstance(receiver, cst.Call):
        qn = analysis.qualified_name(receiver.func, fn)
        if qn in CLIENT_CONSTRUCTORS and qn.endswith(("client", "create_client")):
            arg = keyword(receiver, "service_name")
            value = arg.value if arg is not None else (positional(receiver)[0].value if positional(receiver) else None)
            return constant_string(analysis, value, fn)
        if isinstance(receiver.func, cst.Name):
            helper = analysis.function_named(receiver.func.value, fn)
            if helper is not None and helper.name != "__init__":
                found = {
                    client_service(analysis, r.node.value, helper, depth + 1)
                    for r in helper.iter(cst.Return)
                    if r.node.value is not None
                }
                return found.pop() if len(found) == 1 else None
        return None
    if (
        isinstance(receiver, cst.Attribute)
        and isinstance(receiver.value, cst.Name)
        and receiver.value.value in ("self", "cls")
    ):
        found = {
            client_service(analysis, v, s, depth + 1) for s, v in attribute_values(analysis, receiver.attr.value, fn)
        }
        found.discard(None)
        return found.pop() if len(found) == 1 else None
    if isinstance(receiver, cst.Name):
        values = name_values(analysis, receiver.value, fn) + with_items(receiver.value, fn)
        found = {client_service(analysis, v, s, depth + 1) for s, v in values if not is_none(v)}
        found.discard(None)
        return found.pop() if len(found) == 1 else None
    return None


def with_items(name: str, fn: Optional[Function]):
    """`with <expr> as name:` / `async with` in the scope that binds `name`: (scope, expr)."""
    scope = binding_scope(name, fn)
    if scope is None:
        return []
    out = []
    for site in scope.iter(cst.With):
        for item in site.node.items:
            if item.asname is not None and isinstance(item.asname.name, cst.Name) and item.asname.name.value == name:
                out.append((scope, item.item))
    return out


def name_values(analysis: ModuleAnalysis, name: str, fn: Optional[Function]):
    """Every value `name` is bound to where `fn` reads it, with the scope of each: the
    local assignments, or the module bindings plus `global name` assignments."""
    scope = binding_scope(name, fn)
    if scope is not None:
        return [(scope, v) for v in scope.assigned.get(name, []) if isinstance(v, cst.BaseExpression)]
    values: List[Tuple[Optional[Function], cst.BaseExpression]] = [
        (None, v) for v in analysis.module_bindings.get(name, []) if isinstance(v, cst.BaseExpression)
    ]
    for other in analysis.functions.values():
        if name in other.globals_declared:
            values.extend((other, v) for v in other.assigned.get(name, []) if isinstance(v, cst.BaseExpression))
    return values


def attribute_values(analysis: ModuleAnalysis, attr: str, fn: Optional[Function]):
    """Every `self.<attr> = value` in the methods of `fn`'s class, and `<attr> = value`
    in the class body, with the scope of each."""
    owner = fn.owning_method() if fn is not None else None
    if owner is None:
        return []
    out: List[Tuple[Optional[Function], cst.BaseExpression]] = list(_common.self_attribute_values(analysis, attr, fn))
    cls = analysis.owner(owner).classes.get(owner.cls or "")
    if cls is not None and isinstance(cls.body, cst.IndentedBlock):
        for stmt in cls.body.body:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, cst.Assign) and any(
                        isinstance(t.target, cst.Name) and t.target.value == attr for t in small.targets
                    ):
                        out.append((None, small.value))
    return out
