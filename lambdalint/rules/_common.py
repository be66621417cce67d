"""Small helpers several rules share (finding text, statement shapes, fix edits)."""

from __future__ import annotations

import builtins
from typing import Dict, Optional

from lambdalint._lazy import cst
from lambdalint.analysis import Function, ModuleAnalysis, Site, free_names
from lambdalint.analysis.nodes import argument, param_default, string_value, walk_nodes  # noqa: F401 - rules use walk_nodes from here
from lambdalint.model import UNSAFE, Fix

_BUILTINS = frozenset(dir(builtins))


def passed_arguments(call: cst.Call, helper: Function) -> Dict[str, cst.BaseExpression]:
    """What `call` passes for each parameter of `helper`, by position or keyword; a
    parameter left to its default gets the default."""
    if any(arg.star for arg in call.args):
        return {}  # `*args` / `**kwargs`: which parameter gets what is not known
    passed: Dict[str, cst.BaseExpression] = {}
    for name in [*helper.positional_params(), *helper.extra_params]:
        index = helper.positional_index(name) if name in helper.params else -1
        value = argument(call, index, name)
        if value is None:
            value = param_default(helper.node, name)
        if value is not None:
            passed[name] = value
    return passed


def splatted_dict(call: cst.Call, fn: Optional[Function]) -> Optional[Dict[str, cst.BaseExpression]]:
    """The string keys and values of the dict literal that `call` passes as `**name`, when
    `name` is bound in `fn` to that one literal."""
    star = [a for a in call.args if a.star == "**"]
    if fn is None or len(star) != 1 or not isinstance(star[0].value, cst.Name):
        return None
    bound = [v for v in fn.assigned.get(star[0].value.value, ()) if isinstance(v, cst.BaseExpression)]
    if len(bound) != 1 or not isinstance(bound[0], cst.Dict):
        return None
    out: Dict[str, cst.BaseExpression] = {}
    for element in bound[0].elements:
        key = string_value(element.key) if isinstance(element, cst.DictElement) else None
        if key is None:
            return None
        out[key] = element.value
    return out


def settled(analysis: ModuleAnalysis, value, fn: Optional[Function]) -> bool:
    """Invariant, or `self.<attr>` that every method of the class sets to an invariant
    value (`self._config = Config(...)` in `__init__`)."""
    if analysis.is_invariant(value, fn):
        return True
    if not (isinstance(value, cst.Attribute) and isinstance(value.value, cst.Name) and value.value.value == "self"):
        return False
    values = self_attribute_values(analysis, value.attr.value, fn)
    return bool(values) and all(
        not isinstance(v, cst.Attribute) and analysis.is_invariant(v, scope) for scope, v in values
    )


def self_attribute_values(analysis: ModuleAnalysis, attr: str, fn: Optional[Function]):
    """Every `self.<attr> = value` in the methods of `fn`'s class, with its method."""
    owner = fn
    while owner is not None and owner.cls is None:
        owner = owner.parent
    if owner is None:
        return []
    out = []
    for method in analysis.owner(owner).functions.values():  # the class's own module
        if method.cls != owner.cls:
            continue
        for site in method.iter(cst.Assign):
            for target in site.node.targets:
                t = target.target
                if (
                    isinstance(t, cst.Attribute)
                    and t.attr.value == attr
                    and isinstance(t.value, cst.Name)
                    and t.value.value == "self"
                ):
                    out.append((method, site.node.value))
    return out


def snippet(module, node, limit: int = 80) -> str:
    """The node's source on one line (without comments above it), shortened for messages."""
    if isinstance(node, cst.SimpleStatementLine):
        node = node.body[0] if len(node.body) == 1 else node.with_changes(leading_lines=())
    text = " ".join(module.code_for_node(node).strip().split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def assigned_name(site: Site) -> Optional[str]:
    """`x` when the node is the whole value of `x = <node>` (or `x: T = <node>`)."""
    parent = site.parent
    if isinstance(parent, cst.Assign) and parent.value is site.node and len(parent.targets) == 1:
        target = parent.targets[0].target
        return target.value if isinstance(target, cst.Name) else None
    if isinstance(parent, cst.AnnAssign) and parent.value is site.node and isinstance(parent.target, cst.Name):
        return parent.target.value
    return None


def is_single_assignment(statement, value, name: str) -> bool:
    """`statement` is a line holding exactly `name = value`."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return False
    small = statement.body[0]
    return (
        isinstance(small, (cst.Assign, cst.AnnAssign))
        and small.value is value
        and (not isinstance(small, cst.Assign) or len(small.targets) == 1)
    )


def uses_only_module_names(analysis: ModuleAnalysis, expr, fn: Function, statement) -> bool:
    """Every name in `expr` is a builtin or bound at module level before `fn` is defined,
    so the expression means the same when moved there."""
    limit = analysis.top_level_index(fn.node)
    for name in free_names(expr):
        scope: Optional[Function] = fn
        while scope is not None:
            if scope.is_local(name):
                return False
            scope = scope.parent
        index = analysis.module_binding_index(name)
        if index is None:
            if name not in _BUILTINS:
                return False
        elif index >= limit:
            return False
    return True


def remove_statement_edits(site: Site, statement) -> Dict:
    """Remove `statement` from its block, leaving `pass` if the block would be empty."""
    for anc in reversed(site.ancestors):
        if isinstance(anc, cst.IndentedBlock) and any(s is statement for s in anc.body):
            if len(anc.body) == 1:
                return {statement: cst.SimpleStatementLine(body=[cst.Pass()])}
            break
    return {statement: cst.RemoveFromParent()}


def cache_decorator_fix(fn: Function, description: Optional[str] = None) -> Fix:
    """Decorate `fn` with `@functools.cache` (unsafe: every caller now shares one result)."""
    decorator = cst.Decorator(decorator=cst.Attribute(value=cst.Name("functools"), attr=cst.Name("cache")))

    def add_decorator(updated):
        return updated.with_changes(decorators=[decorator, *updated.decorators])

    return Fix(
        applicability=UNSAFE,
        description=description or f"decorate `{fn.name}` with `@functools.cache`",
        edits={fn.node: add_decorator},
        imports=["functools"],
    )


def with_true_keyword(call, keyword: str):
    """`call` with `keyword=True` added after its arguments (or in place of the value it has)."""
    for index, existing in enumerate(call.args):
        if existing.keyword is not None and existing.keyword.value == keyword:
            args = list(call.args)
            args[index] = existing.with_changes(value=cst.Name("True"))
            return call.with_changes(args=args)
    arg = cst.Arg(
        keyword=cst.Name(keyword),
        value=cst.Name("True"),
        equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")),
    )
    args = list(call.args)
    if args and isinstance(args[-1].comma, cst.Comma):
        # A trailing comma (one argument per line): the new argument goes on its own line.
        arg = arg.with_changes(comma=args[-1].comma)
        separator = (
            args[-2].comma
            if len(args) >= 2 and isinstance(args[-2].comma, cst.Comma)
            else cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        )
        args[-1] = args[-1].with_changes(comma=separator)
    elif args:
        args[-1] = args[-1].with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
    return call.with_changes(args=[*args, arg])
