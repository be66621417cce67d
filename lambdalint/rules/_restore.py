"""What the Restore-phase and concurrency rules (LAM401, LAM402, LAM403, LAM106) share: the
settings of a module's Init code, the code that runs at Init, and the `snapshot_restore_py`
hooks registered there."""

from __future__ import annotations

from typing import Iterator, List, Optional, Set, Tuple

from lambdalint._lazy import cst
from lambdalint.analysis import Function, ModuleAnalysis, dotted_name
from lambdalint.catalog import AFTER_RESTORE_HOOKS, BEFORE_SNAPSHOT_HOOKS
from lambdalint.model import FunctionSettings

HOOKS = AFTER_RESTORE_HOOKS | BEFORE_SNAPSHOT_HOOKS

Ancestors = Tuple["cst.CSTNode", ...]


def init_settings(analysis: ModuleAnalysis) -> FunctionSettings:
    """How Lambda runs this module's Init code (a phase applies when it applies to any
    entry point that loads the module)."""
    return analysis.init_settings()


def init_nodes(analysis: ModuleAnalysis) -> List[Tuple[cst.CSTNode, Ancestors]]:
    """Every node of the code that runs at import (Init): module-level statements, class
    bodies, decorators and default values, with its ancestors; not function and lambda
    bodies, and not the `if __name__ == "__main__":` block (it never runs under Lambda).
    Walked once per module: half the rules ask."""
    return analysis.remember("init_nodes", lambda: list(_walk_init(analysis.module)))


def init_calls(analysis: ModuleAnalysis) -> List[Tuple[cst.Call, Ancestors]]:
    """The calls among `init_nodes`, with their ancestors."""
    return analysis.remember(
        "init_calls", lambda: [(node, up) for node, up in init_nodes(analysis) if isinstance(node, cst.Call)]
    )


def _walk_init(module: cst.Module) -> Iterator[Tuple[cst.CSTNode, Ancestors]]:
    from lambdalint._cstfast import children  # imports libcst: only when a module is linted

    stack: List[Tuple[cst.CSTNode, Ancestors]] = [(stmt, ()) for stmt in reversed(module.body)]
    while stack:
        node, ancestors = stack.pop()
        if is_main_guard(node):
            continue
        yield node, ancestors
        inner = ancestors + (node,)
        if isinstance(node, cst.FunctionDef):
            parts = [*node.decorators, node.params]
        elif isinstance(node, cst.Lambda):
            parts = [node.params]
        elif isinstance(node, cst.Param):
            parts = [node.default] if node.default is not None else []
        else:
            parts = children(node)
        stack.extend((child, inner) for child in reversed(parts))


def closed_at_init(analysis: ModuleAnalysis, name: str) -> bool:
    """Init code calls `<name>.close()` (the connection is not kept open across requests)."""
    return any(
        isinstance(node.func, cst.Attribute)
        and node.func.attr.value == "close"
        and dotted_name(node.func.value) == name
        for node, _ in init_calls(analysis)
    )


def init_call_targets(analysis: ModuleAnalysis) -> List[Tuple[Function, Ancestors]]:
    """The functions that this module's Init code calls, each with the ancestors of the
    call (a call inside a `try` may have failed)."""

    def compute() -> List[Tuple[Function, Ancestors]]:
        found: List[Tuple[Function, Ancestors]] = []
        for node, ancestors in init_calls(analysis):
            target = analysis.resolve_call(node.func, None)
            if target is not None:
                found.append((target, ancestors))
        return found

    return analysis.remember("init_call_targets", compute)


def called_at_init(analysis: ModuleAnalysis) -> Set[Function]:
    """The functions that module-level code of any module of the project calls (once per
    project: every module's rules ask the same question)."""
    project = analysis.project

    def compute() -> Set[Function]:
        return {target for module in project.modules.values() for target, _ in init_call_targets(module)}

    return project.remember("called_at_init", compute)


def is_main_guard(node: cst.CSTNode) -> bool:
    """`if __name__ == "__main__":`."""
    if not isinstance(node, cst.If) or not isinstance(node.test, cst.Comparison):
        return False
    test = node.test
    if len(test.comparisons) != 1 or not isinstance(test.comparisons[0].operator, cst.Equal):
        return False
    sides = [test.left, test.comparisons[0].comparator]
    return any(isinstance(s, cst.Name) and s.value == "__name__" for s in sides) and any(
        isinstance(s, cst.SimpleString) and s.evaluated_value == "__main__" for s in sides
    )


def hook_kind(analysis: ModuleAnalysis, expr: cst.BaseExpression, fn: Optional[Function]) -> Optional[str]:
    """The hook registry `expr` names (`snapshot_restore_py.register_after_restore`), if any."""
    qn = analysis.qualified_name(expr, fn)
    return qn if qn in HOOKS else None


def registered_hooks(analysis: ModuleAnalysis, kinds=AFTER_RESTORE_HOOKS) -> List[Function]:
    """Functions registered at Init as hooks of `kinds`: decorated (`@register_after_restore`)
    where the decorator runs at Init, or handed to `register_after_restore(fn, ...)` there."""
    found: List[Function] = []
    for fn in analysis.functions.values():
        if fn.parent is None and any(d in kinds for d in fn.decorators):
            found.append(fn)
    for node, _ancestors in init_calls(analysis):
        if node.args and analysis.qualified_name(node.func, None) in kinds:
            target = node.args[0].value
            name = dotted_name(target)
            hook = analysis.function_named(name, None) if name and "." not in name else None
            if hook is not None and hook not in found:
                found.append(hook)
    return found


def hook_code(analysis: ModuleAnalysis, kinds=AFTER_RESTORE_HOOKS) -> Set[Function]:
    """The hooks of `kinds` and every function of the module they call."""
    reached: Set[Function] = set()
    for hook in registered_hooks(analysis, kinds):
        reached |= analysis.reachable_from(hook)
    return reached


def rebound_globals(functions: Set[Function]) -> Set[str]:
    """Module-level names the functions assign (`global x; x = ...`)."""
    return {name for fn in functions for name in fn.globals_declared if name in fn.assigned}


def mentioned(functions: Set[Function], name: str) -> bool:
    """`name` (a module-level name) is read or written in one of the functions."""
    return any(name in fn.referenced and not fn.is_local(name) or name in fn.globals_declared for fn in functions)


def bound_target(ancestors: Ancestors, node: cst.CSTNode) -> Optional[cst.BaseAssignTargetExpression]:
    """The target of the assignment whose value holds `node` (a module-level or class-level
    `x = ...`, `obj.attr = ...`, `d["k"] = ...`), or None when the value is not kept."""
    chain = ancestors + (node,)
    for index in range(len(chain) - 1, -1, -1):
        anc = chain[index]
        child = chain[index + 1] if index + 1 < len(chain) else None
        if isinstance(anc, cst.Assign) and child is anc.value and len(anc.targets) == 1:
            return anc.targets[0].target
        if isinstance(anc, (cst.AnnAssign, cst.AugAssign)) and child is anc.value:
            return anc.target
        if isinstance(anc, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            return None
    return None


def in_default(ancestors: Ancestors) -> bool:
    """A parameter's default value: evaluated once, when the `def` runs at Init."""
    return any(isinstance(a, cst.Param) for a in ancestors)
