"""Who calls whom: call resolution, the invocation path, and the call sites of each function."""

from __future__ import annotations

from typing import TYPE_CHECKING, Dict, Iterator, List, Optional, Set, Tuple

from lambdalint._lazy import cst
from lambdalint.analysis import guards, names
from lambdalint.analysis.model import Function, Site
from lambdalint.analysis.nodes import assigned_bases, callable_references
from lambdalint.analysis.project import ClassRef, InstanceRef, Symbol

if TYPE_CHECKING:  # pragma: no cover
    from lambdalint.analysis import ModuleAnalysis

CallSite = Tuple[Function, Optional["cst.Call"]]  # (caller, call); None: handed on as a callback
Receiver = Optional[ClassRef]  # the class of the object a method runs on, where known


def _made_lazily(analysis: "ModuleAnalysis", site: Site, fn: Function) -> bool:
    """A call behind a lazy-initialisation guard whose state outlives the call: it fills in
    a global (`if _repo is None: _repo = Repository()` with `global _repo`) or a class
    attribute (`if cls._instance is None: cls._instance = cls()`, a singleton), or the
    guard's flag is one (`if not _started: _started = True; start()`).  A local tested and
    set again (`if resp.ok: resp = notify()`) guards nothing beyond this call; nor, here,
    does an instance attribute, whose object may itself be made per request."""
    durable = set(fn.globals_declared)
    if fn.is_method and fn.cls is not None:
        durable |= _class_attributes_set(fn)
    if not durable or not analysis.is_lazily_initialised(site):
        return False  # (the first test is the cheap one: most functions declare no global)
    keys = assigned_bases(site)
    if not keys:  # a call whose result is not kept: the guard's own flags decide
        for anc in site.ancestors:
            if isinstance(anc, cst.If):
                keys |= guards.guard_flags(anc)
    return bool(keys) and all(key in durable for key in keys)


def _class_attributes_set(fn: Function) -> Set[str]:
    """Attributes `fn` sets on its class: `cls.x = ...` in a class method, `Name.x = ...`
    with the class's own name in any of its methods (then the name too, which an
    assignment's keys include)."""
    class_name = str(fn.cls).rsplit(".", 1)[-1]
    receivers = {class_name}
    if fn.params and fn.params[0] == "cls":
        receivers.add("cls")
    out: Set[str] = set()
    for site in fn.iter(cst.Assign):
        for target in site.node.targets:
            t = target.target
            if isinstance(t, cst.Attribute) and isinstance(t.value, cst.Name) and t.value.value in receivers:
                out |= {t.attr.value, t.value.value} - {"cls"}
    return out


def _class_of(symbol: Optional[Symbol]) -> Receiver:
    """The class an object is an instance of (or is, for a class called or named)."""
    if isinstance(symbol, InstanceRef):
        return symbol.cls
    return symbol if isinstance(symbol, ClassRef) else None


class CallGraph:
    """Calls made by the functions of one module, resolved once and remembered; calls into
    other modules of the project are resolved through `ProjectAnalysis`."""

    def __init__(self, analysis: "ModuleAnalysis") -> None:
        self.analysis = analysis
        self._module_value_functions: Dict[str, List[Function]] = {}
        self._reach: Dict[int, Set[Function]] = {}
        # (id(callee expression), id(caller)) -> (the expression, what `resolve` found)
        self._resolved: Dict[Tuple[int, int], Tuple[cst.BaseExpression, Optional[Function]]] = {}

    def _of(self, fn: Optional[Function]) -> "CallGraph":
        """The call graph of `fn`'s own module (local names are looked up there); this one
        for module-level code (`fn` None)."""
        if fn is None or fn.module is None or fn.module is self.analysis:
            return self
        return fn.module.calls

    # -- resolving one call --------------------------------------------------------------
    def resolve(self, func: cst.BaseExpression, fn: Optional[Function]) -> Optional[Function]:
        """The function that calling `func` inside `fn` runs, if known: in this module, or
        imported from another module of the project."""
        own = self._of(fn)
        if own is not self:
            return own.resolve(func, fn)
        key = (id(func), id(fn))
        known = self._resolved.get(key)
        if known is None:  # the node is kept with its answer, so its id is not reused
            known = self._resolved[key] = (func, self._resolve(func, fn))
        return known[1]

    def _resolve(self, func: cst.BaseExpression, fn: Optional[Function]) -> Optional[Function]:
        if isinstance(func, cst.Name):
            return names.function_named(self.analysis, func.value, fn)
        return self._resolve_attribute(func, fn) or self._resolve_in_project(func, fn)

    def _resolve_in_project(self, func: cst.BaseExpression, fn: Optional[Function]) -> Optional[Function]:
        """`db.get_connection`, `Service.create`, `service.run`, `self.inherited()`,
        `super().run()` where the module, class or object comes from another module."""
        project = self.analysis.project
        if project.layout is None or not isinstance(func, cst.Attribute):
            return None
        method = func.attr.value
        if isinstance(func.value, cst.Name) and func.value.value in ("self", "cls"):
            cls = project.class_of(fn)
            return project.method(cls, method) if cls is not None else None
        if (
            isinstance(func.value, cst.Call)
            and isinstance(func.value.func, cst.Name)
            and func.value.func.value == "super"
        ):
            cls = project.class_of(fn)
            for base in project.bases(cls) if cls is not None else ():
                found = project.method(base, method)
                if found is not None:
                    return found
            return None
        return project.as_function(project.called(func, fn, self.analysis))

    def _resolve_attribute(self, func: cst.BaseExpression, fn: Optional[Function]) -> Optional[Function]:
        analysis = self.analysis
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Call):
            inner = func.value.func
            if isinstance(inner, cst.Name) and inner.value == "super":
                owner = fn.owning_method() if fn is not None else None
                node = analysis.classes.get(owner.cls) if owner is not None and owner.cls else None
                for base in node.bases if node is not None else ():
                    if isinstance(base.value, cst.Name) and base.value.value in analysis.classes:
                        target = self.method(base.value.value, func.attr.value)
                        if target is not None:
                            return target
                return None
            if isinstance(inner, cst.Name) and inner.value in analysis.classes and not names.shadowed(inner.value, fn):
                return self.method(inner.value, func.attr.value)  # `Service().run(...)`
            return None
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
            receiver, method = func.value.value, func.attr.value
            owner = fn.owning_method() if fn is not None else None
            if receiver in ("self", "cls") and owner is not None:
                return self.method(owner.cls, method)
            if receiver in analysis.classes:
                return self.method(receiver, method)
            cls = names.instance_class(analysis, receiver, fn)
            if cls is not None:
                return self.method(cls, method)
        return None

    def method(self, cls: str, method: str) -> Optional[Function]:
        """`cls.method`, looked up through the class's bases in this module (imported bases:
        `_resolve_in_project`)."""
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
        """Functions that `fn` calls or hands on as a callback, in any module of the project,
        whatever object a method of `fn` runs on."""
        for callee, _ in self.callees_on(fn, None):
            yield callee

    def callees_on(
        self, fn: Function, receiver: Receiver, eagerly: bool = False
    ) -> Iterator[Tuple[Function, Receiver]]:
        """(callee, the class of the object it runs on where known) for each function `fn`
        calls or hands on, when `fn` runs on an instance of `receiver` (None: unknown).
        Knowing the receiver, `self.step()` in a base class's template method runs the
        receiver's own `step`, not every subclass's.  `eagerly`: without the calls made
        behind a lazy-initialisation guard (`if _repo is None: _repo = Repository()`),
        which run once per environment."""
        own = self._of(fn)
        if own is not self:
            yield from own.callees_on(fn, receiver, eagerly)
            return
        analysis = self.analysis
        for child in fn.children:
            if child.name in fn.referenced:
                yield child, receiver  # a closure's `self` is the method's
        lazily_called: Set[Function] = set()
        for site in fn.iter(cst.Call):
            func = site.node.func
            if eagerly and _made_lazily(analysis, site, fn):
                target = self.resolve(func, fn)
                if target is not None:
                    lazily_called.add(target)
                continue
            if (
                isinstance(func, cst.Attribute)
                and isinstance(func.value, cst.Name)
                and func.value.value in ("self", "cls")
            ):
                yield from self._self_dispatch(func, fn, receiver)
                continue
            target = self.resolve(func, fn)
            if target is not None:
                yield target, self._receiver_of(func, fn, target, receiver)
            if isinstance(site.parent, cst.WithItem) and site.parent.item is site.node:
                yield from self._context_manager_methods(site, fn)
        for name in fn.referenced:
            if name in analysis.classes or names.imports_a_class(analysis, name, fn):
                continue  # `Cls.method` / `isinstance(x, Cls)` do not run `Cls.__init__`
            target = names.function_named(analysis, name, fn)
            if target is not None:
                if target not in lazily_called:  # its name is that call's, not a callback
                    yield target, None
            elif names.is_module_level_name(analysis, name, fn):
                for handed_on in self._functions_in_module_value(name):
                    yield handed_on, None

    def _context_manager_methods(self, site: Site, fn: Function) -> Iterator[Tuple[Function, Receiver]]:
        """`with Connection() as cursor:` runs the class's `__enter__` and `__exit__` too
        (`__aenter__` / `__aexit__` under `async with`)."""
        cls = _class_of(self.analysis.project.called(site.node.func, fn, self.analysis))
        if cls is None:
            return
        statement = site.ancestors[-2] if len(site.ancestors) > 1 else None
        asynchronous = isinstance(statement, cst.With) and statement.asynchronous is not None
        for name in ("__aenter__", "__aexit__") if asynchronous else ("__enter__", "__exit__"):
            method = self.analysis.project.method(cls, name)
            if method is not None:
                yield method, cls

    def _self_dispatch(
        self, func: cst.Attribute, fn: Function, receiver: Receiver
    ) -> Iterator[Tuple[Function, Receiver]]:
        """`self.step()`: the receiver's `step` when the receiver is known; else the
        class's own (or inherited) `step` and every subclass's override, since a base
        class's template method may run any of them."""
        project = self.analysis.project
        if receiver is not None:
            target = project.method(receiver, func.attr.value)
            if target is not None:
                yield target, receiver
                return
        target = self.resolve(func, fn)
        if target is not None:
            yield target, None
        cls = project.class_of(fn)
        if cls is not None:
            for override in project.overrides(cls, func.attr.value):
                yield override, None

    def _receiver_of(self, func: cst.BaseExpression, fn: Function, target: Function, receiver: Receiver) -> Receiver:
        """The class of the object `target` (a method, or a class's `__init__`) runs on,
        called as `func` inside `fn`: `Service()`, `Service().run()`, `svc.run()` for
        `svc = Service()`, a module-level instance, `super().run()` (the same object)."""
        if target.cls is None or target.module is None:
            return None
        project = self.analysis.project
        if isinstance(func, cst.Attribute):
            value = func.value
            if isinstance(value, cst.Call) and isinstance(value.func, cst.Name) and value.func.value == "super":
                candidate = receiver
            else:
                candidate = _class_of(project.called(value, fn, self.analysis))
        else:
            candidate = _class_of(project.called(func, fn, self.analysis))
        if candidate is None:
            return None
        defining = ClassRef(target.module, target.cls)
        return candidate if defining in project.mro(candidate) else None

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
            seen: Set[Tuple[Function, Receiver]] = set()
            todo: List[Tuple[Function, Receiver]] = [(fn, None)]
            while todo:
                current, receiver = todo.pop()
                if (current, receiver) in seen or (current.cached and current is not fn):
                    continue
                seen.add((current, receiver))
                reached.add(current)
                todo.extend(self._of(current).callees_on(current, receiver))
            self._reach[key] = reached
        return self._reach[key]

    # -- who calls a function ----------------------------------------------------------------
    def call_sites(self, target: Function) -> Iterator[CallSite]:
        """Where `target` is called on the invocation path, in any module: (caller, call);
        the call is None where `target` is only handed on (a callback)."""
        return self.analysis.project.call_sites(target)

    def calls_made(self, caller: Function) -> Iterator[Tuple[Function, Optional["cst.Call"]]]:
        """(callee, call) for each function `caller` calls, and (callee, None) for each it
        hands on by name (a callback)."""
        analysis = self.analysis
        called: Set[Function] = set()
        for site in caller.iter(cst.Call):
            target = self.resolve(site.node.func, caller)
            if target is not None:
                called.add(target)
                yield target, site.node
        for name in caller.referenced:
            for target in analysis.functions_by_name().get(name, ()):
                if target not in called:
                    yield target, None
            imported = names.function_named(analysis, name, caller) if name in analysis.aliases else None
            if imported is not None and imported not in called and imported.module is not analysis:
                yield imported, None
