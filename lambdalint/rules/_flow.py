"""Following one value (a thread, a future, a /tmp path) through one function body.

The shared analysis keeps only the interesting nodes of a function (`Function.sites`).
The lifecycle rules also need to know where a *name* is read and what the read feeds into
(`await t`, `t.join()`, `os.remove(path)`), and whether a `return` comes between two
points.  `FunctionFlow` walks one function body once, lazily, only for functions where a
rule has a candidate, and keeps every node in source order with its ancestors.
"""

from __future__ import annotations

from typing import Dict, Iterable, Iterator, List, Optional, Set, Tuple

from lambdalint._lazy import cst
from lambdalint.analysis import Function, free_names

Ancestors = Tuple["cst.CSTNode", ...]


class FunctionFlow:
    """Every node of a function body (not nested defs or classes), in source order."""

    def __init__(self, fn: Function) -> None:
        self.fn = fn
        self.nodes: List[Tuple[cst.CSTNode, Ancestors]] = []
        self._order: Dict[int, int] = {}
        self._walk(fn.node.body, ())

    @classmethod
    def of(cls, fn: Function) -> "FunctionFlow":
        """The flow of `fn`, walked once whichever rules ask (a flow is never changed)."""
        if fn.module is None:
            return cls(fn)
        return fn.module.remember(f"function flow {fn.qualname}", lambda: cls(fn))

    def _walk(self, node: cst.CSTNode, ancestors: Ancestors) -> None:
        self._order[id(node)] = len(self.nodes)
        self.nodes.append((node, ancestors))
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            return
        from lambdalint._cstfast import children  # imports libcst: not at module level

        inner = ancestors + (node,)
        for child in children(node):  # semantic children only: libcst's rebuilds the node
            self._walk(child, inner)

    def order(self, node: cst.CSTNode) -> int:
        return self._order.get(id(node), -1)

    def ancestors(self, node: cst.CSTNode) -> Ancestors:
        index = self._order.get(id(node))
        return () if index is None else self.nodes[index][1]

    def reads(self, names: Set[str]) -> Iterator[Tuple["cst.Name", Ancestors]]:
        """Loads of the given names (not assignment or loop targets, not attribute labels)."""
        for node, ancestors in self.nodes:
            if isinstance(node, cst.Name) and node.value in names and _is_load(node, ancestors):
                yield node, ancestors

    def returns_between(self, start: cst.CSTNode, end: cst.CSTNode) -> List["cst.Return"]:
        """`return` statements after `start` and before `end` (an early exit skips `end`)."""
        first, last = self.order(start), self.order(end)
        around_end = self.ancestors(end)
        return [
            node
            for node, _ in self.nodes[first + 1 : last]
            if isinstance(node, cst.Return) and not any(a is node for a in around_end)
        ]

    def nodes_under(self, parent: cst.CSTNode) -> Iterator[Tuple[cst.CSTNode, Ancestors]]:
        for node, ancestors in self.nodes:
            if any(a is parent for a in ancestors):
                yield node, ancestors


def _is_load(name: "cst.Name", ancestors: Ancestors) -> bool:
    if ancestors:
        parent = ancestors[-1]
        if isinstance(parent, cst.Attribute) and parent.attr is name:
            return False
        if isinstance(parent, cst.Arg) and parent.keyword is name:
            return False
    child: cst.CSTNode = name
    for anc in reversed(ancestors):
        if isinstance(anc, (cst.Tuple, cst.List, cst.StarredElement, cst.Element)):
            child = anc
            continue
        if isinstance(anc, (cst.AssignTarget, cst.AsName)):
            return False
        if isinstance(anc, (cst.For, cst.CompFor, cst.AnnAssign, cst.AugAssign, cst.NamedExpr)):
            return anc.target is not child
        return True
    return True


def unwrap_container(node: cst.CSTNode, ancestors: Ancestors) -> Tuple[cst.CSTNode, Ancestors]:
    """Climb out of list/tuple/set displays, comprehension elements and starred args, so
    `[pool.submit(f)]`, `{pool.submit(f): x for x in xs}` and `*tasks` are seen as the
    value that holds the node."""
    index = len(ancestors)
    current = node
    while index > 0:
        parent = ancestors[index - 1]
        if isinstance(
            parent,
            (
                cst.Element,
                cst.StarredElement,
                cst.List,
                cst.Tuple,
                cst.Set,
                cst.DictElement,
                cst.Dict,
                cst.ParenthesizedWhitespace,
            ),
        ):
            pass
        elif isinstance(parent, (cst.ListComp, cst.SetComp, cst.GeneratorExp)) and parent.elt is current:
            pass
        elif isinstance(parent, cst.DictComp) and current in (parent.key, parent.value):
            pass
        else:
            break
        current = parent
        index -= 1
    return current, ancestors[:index]


def mentions(expr: Optional[cst.CSTNode], names: Iterable[str]) -> bool:
    if expr is None:
        return False
    wanted = set(names)
    return any(n in wanted for n in free_names(expr))
