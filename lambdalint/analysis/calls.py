"""Who calls whom: call resolution, the invocation path, and the call sites of each function."""

from __future__ import annotations

from typing import TYPE_CHECKING, Dict, Iterator, List, Optional, Set, Tuple

from lambdalint._lazy import cst
from lambdalint.analysis import names
from lambdalint.analysis.model import EntryPoint, Function
from lambdalint.analysis.nodes import callable_references

if TYPE_CHECKING:  # pragma: no cover
    from lambdalint.analysis import ModuleAnalysis

CallSite = Tuple[Function, Optional["cst.Call"]]  # (caller, call); None: handed on as a callback


class CallGraph:
    """Calls between the functions of one module, resolved once and remembered."""

    def __init__(self, analysis: "ModuleAnalysis") -> None:
        self.analysis = analysis
        self._module_value_functions: Dict[str, List[Function]] = {}
        self._reach: Dict[int, Set[Function]] = {}
        self._call_index: Optional[Dict[Function, List[CallSite]]] = None

    # -- resolving one call --------------------------------------------------------------
    def resolve(self, func: cst.BaseExpression, fn: Function) -> Optional[Function]:
        """The function of this module that calling `func` inside `fn` runs, if known."""
        if isinstance(func, cst.Name):
            return names.function_named(self.analysis, func.value, fn)
        return self._resolve_attribute(func, fn)

    def _resolve_attribute(self, func: cst.BaseExpression, fn: Function) -> Optional[Function]:
        analysis = self.analysis
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Call):
            inner = func.value.func
            if isinstance(inner, cst.Name) and inner.value == "super":
                owner = fn.owning_method()
                node = analysis.classes.get(owner.cls) if owner is not None and owner.cls else None
                for base in node.bases if node is not None else ():
                    if isinstance(base.value, cst.Name) and base.value.value in analysis.classes:
                        target = self.method(base.value.value, func.attr.value)
                        if target is not None:
                            return target
                return None
            if isinstance(inner, cst.Name) and inner.value in analysis.classes \
                    and not names.shadowed(inner.value, fn):
                return self.method(inner.value, func.attr.value)  # `Service().run(...)`
            return None
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
            receiver, method = func.value.value, func.attr.value
            owner = fn.owning_method()
            if receiver in ("self", "cls") and owner is not None:
                return self.method(owner.cls, method)
            if receiver in analysis.classes:
                return self.method(receiver, method)
            cls = names.instance_class(analysis, receiver, fn)
            if cls is not None:
                return self.method(cls, method)
        return None

    def method(self, cls: str, method: str) -> Optional[Function]:
        """`cls.method`, looked up through the class's bases in this module."""
        analysis = self.analysis
        seen: Set[str] = set()
        todo = [cls]
        while todo:
            c = todo.pop(0)
            if c in seen:
                continue
            seen.add(c)
            if f"{c}.{method}" in analysis.functions:
                return analysis.functions[f"{c}.{method}"]
            node = analysis.classes.get(c)
            if node is not None:
                todo.extend(b.value.value for b in node.bases if isinstance(b.value, cst.Name))
        return None

    # -- what a function runs --------------------------------------------------------------
    def callees(self, fn: Function) -> Iterator[Function]:
        """Functions of this module that `fn` calls or hands on as a callback."""
        analysis = self.analysis
        for child in fn.children:
            if child.name in fn.referenced:
                yield child
        for site in fn.iter(cst.Call):
            target = self.resolve(site.node.func, fn)
            if target is not None:
                yield target
        for name in fn.referenced:
            if name in analysis.classes:
                continue  # `Cls.method` / `isinstance(x, Cls)` do not run `Cls.__init__`
            target = names.function_named(analysis, name, fn)
            if target is not None:
                yield target
            elif names.is_module_level_name(analysis, name, fn):
                yield from self._functions_in_module_value(name)

    def _functions_in_module_value(self, name: str) -> Iterator[Function]:
        """Functions a module-level value hands on: a dispatch table `{"a": on_a}`, an
        alias `process = on_a`, a lambda or `functools.partial(on_a, ...)`.  A call in the
        value (`X = build()`) ran at import time (Init), so its callee is not included."""
        if name in self._module_value_functions:
            return iter(self._module_value_functions[name])
        analysis = self.analysis
        found: List[Function] = []
        self._module_value_functions[name] = found  # also guards against self-reference
        for value in analysis.module_bindings.get(name, ()):
            if isinstance(value, cst.BaseExpression):
                for ref in callable_references(value):
                    target = names.function_named(analysis, ref, None)
                    if target is not None and target not in found:
                        found.append(target)
                    elif target is None and ref != name and ref in analysis.module_bindings:
                        found.extend(f for f in self._functions_in_module_value(ref) if f not in found)
        return iter(found)

    def reachable_from(self, fn: Function) -> Set[Function]:
        """`fn` and every function it reaches (the invocation path below one function).
        A cached function's body runs once, so the path stops there."""
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

    def invocation_path(self, entry_points: List[EntryPoint]) -> Dict[Function, EntryPoint]:
        """Every function on some entry point's path, with the first entry point reaching it."""
        reached: Dict[Function, EntryPoint] = {}
        for entry in entry_points:
            todo = [entry.function]
            while todo:
                fn = todo.pop()
                if fn in reached or (fn.cached and fn is not entry.function):
                    continue
                reached[fn] = entry
                todo.extend(self.callees(fn))
        return reached

    # -- who calls a function ----------------------------------------------------------------
    def call_sites(self, target: Function) -> Iterator[CallSite]:
        """Where `target` is called on the invocation path: (caller, call); the call is
        None where `target` is only handed on (a callback)."""
        if self._call_index is None:
            self._call_index = self._index_call_sites()
        return iter(self._call_index.get(target, ()))

    def _index_call_sites(self) -> Dict[Function, List[CallSite]]:
        """Every call site on the path by callee, built once: parameter invariance and
        taint ask for the callers of each helper, along chains of helpers."""
        by_name: Dict[str, List[Function]] = {}
        for fn in self.analysis.functions.values():
            by_name.setdefault(fn.name, []).append(fn)
        index: Dict[Function, List[CallSite]] = {}
        for caller in self.analysis.path_functions:
            called: Set[Function] = set()
            for site in caller.iter(cst.Call):
                target = self.resolve(site.node.func, caller)
                if target is not None:
                    called.add(target)
                    index.setdefault(target, []).append((caller, site.node))
            for name in caller.referenced:
                for target in by_name.get(name, ()):
                    if target not in called:
                        index.setdefault(target, []).append((caller, None))
        return index
