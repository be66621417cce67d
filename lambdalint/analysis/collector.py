"""The one walk over a module's CST that fills in `ModuleAnalysis`'s tables.

Imports and aliases, module-level bindings, the function table with the interesting nodes of
each function body (calls, assignments, imports, loops, ...) and what each body binds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Dict, List

from lambdalint._lazy import cst
from lambdalint.analysis.model import Function, IterOf, Opaque, Site
from lambdalint.analysis.nodes import dotted_name, target_names

if TYPE_CHECKING:  # pragma: no cover
    from lambdalint.analysis import ModuleAnalysis


def collected_types() -> tuple:
    """Nodes a rule may ask for, per function (a function so that importing this module,
    e.g. for `lambdalint rules`, does not import libcst)."""
    return (
        cst.Call,
        cst.Assign,
        cst.AnnAssign,
        cst.AugAssign,
        cst.Del,
        cst.Import,
        cst.ImportFrom,
        cst.While,
        cst.For,
        cst.With,
        cst.Return,
        cst.Lambda,
        cst.Await,
        cst.Yield,
        cst.Subscript,
        cst.Comparison,
    )


class Collector:
    """The single walk over the module (driven by `_cstfast.walk`, not libcst's visitor)."""

    def __init__(self, analysis: "ModuleAnalysis") -> None:
        self.a = analysis
        # Exact-type sets: isinstance() on libcst's ABC-derived nodes costs more than the
        # rest of the walk, and these node classes have no subclasses.
        self.collected = frozenset(collected_types())
        self.bodies = frozenset((cst.IndentedBlock, cst.SimpleStatementSuite))
        self.imports = frozenset((cst.Import, cst.ImportFrom))
        self.function_binders = frozenset(_function_binder_types())
        self.module_binders = frozenset(_module_binder_types())
        self.stack: List[cst.CSTNode] = []
        self.statement = -1  # index of the module-level statement being walked
        self.statement_of = analysis.statement_of
        self.functions: List[Function] = []  # enclosing function chain
        self.frames: List[int] = []  # index into stack where each function body starts
        self.classes: List[str] = []
        self.class_depth: Dict[int, int] = {}  # id(function) -> classes open around its def

    # -- generic bookkeeping -------------------------------------------------------
    def on_visit(self, node: cst.CSTNode) -> bool:
        kind = type(node)
        if len(self.stack) == 1:  # a module-level statement (the module is stack[0])
            self.statement += 1
        self.statement_of[id(node)] = self.statement
        if kind is cst.FunctionDef:
            self._enter_function(node)
        elif kind is cst.ClassDef:
            self._enter_class(node)
        elif kind in self.imports:
            self._record_import(node)
        if self.functions and self._in_body():
            fn = self.functions[-1]
            if kind in self.collected:
                fn.sites.append(Site(node, tuple(self.stack[self.frames[-1] :]), fn))
            if kind is cst.Name and not self._is_label(node):
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

    def _is_label(self, node: cst.Name) -> bool:
        """A name that refers to no variable: a keyword argument's name (`ping(reconnect=True)`)
        or an attribute (`db.reconnect`)."""
        parent = self.stack[-1] if self.stack else None
        # Only `Arg` has `keyword` and only `Attribute` has `attr`.
        return getattr(parent, "keyword", None) is node or getattr(parent, "attr", None) is node

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
        in_class = bool(self.classes) and (parent is None or self.class_depth[id(parent)] < len(self.classes))
        cls = self.classes[-1] if in_class else None
        if parent is not None and cls is None:
            qual = f"{parent.qualname}.<locals>.{node.name.value}"
        elif cls is not None:
            qual = f"{cls}.{node.name.value}"
        else:
            qual = node.name.value
        params = [p.name.value for p in (*node.params.posonly_params, *node.params.params)]
        fn = Function(
            name=node.name.value,
            qualname=qual,
            node=node,
            cls=cls,
            parent=parent,
            params=params,
            decorators=[],
            module=self.a,
        )
        fn.extra_params = [p.name.value for p in node.params.kwonly_params]
        if isinstance(node.params.star_arg, cst.Param):
            fn.extra_params.append(node.params.star_arg.name.value)
        if node.params.star_kwarg is not None:
            fn.extra_params.append(node.params.star_kwarg.name.value)
        self.a.functions[qual] = fn
        self.class_depth[id(fn)] = len(self.classes)
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
                if not self.functions:  # `from .aws import *` in a package's __init__.py
                    self.a.star_imports.append(module)
                return
            for alias in node.names:
                name = dotted_name(alias.name)
                if name is None:
                    continue
                local = name
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    local = alias.asname.name.value
                # `from . import service` is `.service`, `from .db import conn` is `.db.conn`
                aliases[local] = module + name if module.endswith(".") else f"{module}.{name}" if module else name

    # -- bindings --------------------------------------------------------------------
    # _record_binding / _record_module_binding only look at these node types (keep in sync).
    def _record_binding(self, fn: Function, node: cst.CSTNode) -> None:
        if isinstance(node, cst.Assign):
            for t in node.targets:
                for name in target_names(t.target):
                    fn.assigned.setdefault(name, []).append(node.value)
        elif isinstance(node, cst.AnnAssign) and node.value is not None:
            for name in target_names(node.target):
                fn.assigned.setdefault(name, []).append(node.value)
        elif isinstance(node, cst.AugAssign):
            for name in target_names(node.target):
                fn.assigned.setdefault(name, []).append(node)
        elif isinstance(node, (cst.For, cst.CompFor)):
            for name in target_names(node.target):
                fn.assigned.setdefault(name, []).append(IterOf(node.iter))
        elif isinstance(node, cst.WithItem) and node.asname is not None:
            for name in target_names(node.asname.name):
                fn.assigned.setdefault(name, []).append(Opaque())
        elif isinstance(node, cst.NamedExpr):
            for name in target_names(node.target):
                fn.assigned.setdefault(name, []).append(node.value)
        elif isinstance(node, cst.ExceptHandler) and node.name is not None:
            for name in target_names(node.name.name):
                fn.assigned.setdefault(name, []).append(Opaque())

    def _record_module_binding(self, node: cst.CSTNode) -> None:
        b = self.a.module_bindings
        if isinstance(node, cst.Assign):
            for t in node.targets:
                for name in target_names(t.target):
                    b.setdefault(name, []).append(node.value)
        elif isinstance(node, cst.AnnAssign):
            for name in target_names(node.target):
                b.setdefault(name, []).append(node.value if node.value is not None else Opaque())
        elif isinstance(node, (cst.For, cst.CompFor)):
            for name in target_names(node.target):
                b.setdefault(name, []).append(IterOf(node.iter))
        elif isinstance(node, cst.ClassDef):
            b.setdefault(node.name.value, []).append(node)


def _function_binder_types() -> tuple:
    return (
        cst.Assign,
        cst.AnnAssign,
        cst.AugAssign,
        cst.For,
        cst.CompFor,
        cst.WithItem,
        cst.NamedExpr,
        cst.ExceptHandler,
    )


def _module_binder_types() -> tuple:
    return (cst.Assign, cst.AnnAssign, cst.For, cst.CompFor, cst.ClassDef)
