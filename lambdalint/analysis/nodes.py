"""Small questions about CST nodes that need no knowledge of the module around them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator, List, Optional, Set

from lambdalint._lazy import cst

if TYPE_CHECKING:  # pragma: no cover
    from lambdalint.analysis.model import Site


def children(node: cst.CSTNode) -> list:  # noqa: F811 (rebinds itself to the fast version on first call)
    """`node.children` without whitespace and punctuation (`_cstfast.children`): libcst's
    property rebuilds the node on every call.  Imported on first use, as libcst is."""
    global children
    from lambdalint._cstfast import children as fast

    children = fast
    return fast(node)


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


def target_names(target: cst.CSTNode) -> List[str]:
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        out: List[str] = []
        for el in target.elements:
            out.extend(target_names(el.value))
        return out
    if isinstance(target, cst.StarredElement):
        return target_names(target.value)
    return []


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
    for child in children(expr):
        yield from free_names(child)


def names_in(node: cst.CSTNode) -> Iterator[cst.Name]:
    if isinstance(node, cst.Name):
        yield node
    for child in children(node):
        yield from names_in(child)


def bound_by(stmt: cst.CSTNode) -> Iterator[str]:
    """Names a module-level statement binds (looking into if/try/with blocks)."""
    if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
        yield stmt.name.value
    elif isinstance(stmt, cst.SimpleStatementLine):
        for small in stmt.body:
            if isinstance(small, cst.Assign):
                for t in small.targets:
                    yield from target_names(t.target)
            elif isinstance(small, (cst.AnnAssign, cst.AugAssign)):
                yield from target_names(small.target)
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
            yield from target_names(stmt.target)
        else:
            for item in stmt.items:
                if item.asname is not None:
                    yield from target_names(item.asname.name)
    if isinstance(stmt, (cst.If, cst.Try, cst.For, cst.While, cst.With)):
        for child in children(stmt):
            if isinstance(child, (cst.IndentedBlock, cst.Else, cst.ExceptHandler, cst.Finally, cst.If)):
                for inner in block_statements(child):
                    yield from bound_by(inner)


def block_statements(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    if isinstance(node, cst.IndentedBlock):
        yield from node.body
    elif isinstance(node, cst.If):
        yield node
    else:
        for child in children(node):
            if isinstance(child, cst.IndentedBlock):
                yield from child.body


def walk_defs(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """Every def and class inside `node` (not `node` itself), in lexical order."""
    from lambdalint._cstfast import walk

    found: List[cst.CSTNode] = []

    class _Defs:  # walk: libcst's `children` property rebuilds every node
        def on_visit(self, child: cst.CSTNode) -> bool:
            if child is not node and type(child) in (cst.FunctionDef, cst.ClassDef):
                found.append(child)
            return True

        def on_leave(self, child: cst.CSTNode) -> None:
            pass

    walk(node, _Defs())
    return iter(found)


def callable_references(value: cst.CSTNode) -> Iterator[str]:
    """Names a module-level value stores for later calls (not names it calls right away)."""
    if isinstance(value, cst.Name):
        yield value.value
    elif isinstance(value, cst.Lambda):
        yield from (n.value for n in names_in(value.body))
    elif isinstance(value, cst.Call):
        for arg in value.args:  # `partial(on_a, ...)`, `Router(routes=[...])`
            yield from callable_references(arg.value)
    elif isinstance(value, (cst.Dict, cst.List, cst.Tuple, cst.Set)):
        for element in value.elements:
            yield from callable_references(element.value)
            if isinstance(element, cst.DictElement):
                yield from callable_references(element.key)


def assigned_bases(site: Site) -> Set[str]:
    """Names (or self attributes) the statement holding the node assigns to."""
    out: Set[str] = set()
    for anc in reversed(site.ancestors):
        if isinstance(anc, cst.Assign):
            for t in anc.targets:
                out |= target_keys(t.target)
            break
        if isinstance(anc, (cst.AnnAssign, cst.AugAssign)):
            out |= target_keys(anc.target)
            break
        if isinstance(anc, cst.BaseSmallStatement):
            break
    return out


def assigned_in(block: cst.CSTNode) -> Set[str]:
    """Names (or self attributes) assigned anywhere in a block, nested defs excluded."""
    out: Set[str] = set()
    stack = [block]
    while stack:
        node = stack.pop()
        if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            continue
        if isinstance(node, cst.Assign):
            for t in node.targets:
                out |= target_keys(t.target)
        elif isinstance(node, (cst.AnnAssign, cst.AugAssign)):
            out |= target_keys(node.target)
        stack.extend(children(node))
    return out


def target_keys(target: cst.CSTNode) -> Set[str]:
    if isinstance(target, cst.Name):
        return {target.value}
    if isinstance(target, cst.Attribute):
        return {target.attr.value} | target_keys(target.value) - {"self", "cls"}
    if isinstance(target, cst.Subscript):
        return target_keys(target.value)
    if isinstance(target, (cst.Tuple, cst.List)):
        out: Set[str] = set()
        for el in target.elements:
            out |= target_keys(el.value)
        return out
    return set()


def called_name(func: cst.BaseExpression) -> Optional[str]:
    """The last name of what a call calls: `f` for `f(...)` and for `x.f(...)`."""
    if isinstance(func, cst.Name):
        return func.value
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return None


def argument(call: cst.Call, index: int, name: str) -> Optional[cst.BaseExpression]:
    positional = [a for a in call.args if a.keyword is None and not a.star]
    for a in call.args:
        if a.keyword is not None and a.keyword.value == name:
            return a.value
        if a.star:
            return a.value
    if 0 <= index < len(positional):
        return positional[index].value
    return None


def param_default(node: cst.FunctionDef, name: str) -> Optional[cst.BaseExpression]:
    for p in (*node.params.posonly_params, *node.params.params, *node.params.kwonly_params):
        if p.name.value == name:
            return p.default
    return None


def walk_nodes(node) -> Iterator:
    """Every node of a subtree, the root included (order unspecified)."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(children(current))
