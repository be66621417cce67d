"""Modules analysed together: imports followed across the project, one invocation path.

A `ProjectAnalysis` holds the `ModuleAnalysis` of every module of a group that import one
another (the pipeline makes the groups, see `lambdalint.project`).  It is built in two
steps: each module is collected on its own (`add`), then `link` resolves what needs the
others — decorators and app objects imported from another module, entry points, and the
invocation path, which crosses module boundaries with calls of imported functions,
classes, module-level instances, static and class methods, inherited methods and the
overrides a base class's template method reaches through `self`.

Names are resolved symbolically: `services.db.get_connection` is the module that
`services.db` means to the importing file (see `SourceLayout.resolve`), then the name in
it; re-exports through `__init__.py` and aliases are followed, cycles are cut.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterator, List, Optional, Set, Tuple, TypeVar, Union

from lambdalint._lazy import cst
from lambdalint.analysis.model import EntryPoint, Function
from lambdalint.model import FunctionSettings

if TYPE_CHECKING:  # pragma: no cover
    from lambdalint.analysis import ModuleAnalysis
    from lambdalint.project.layout import SourceLayout

MAX_DEPTH = 12  # re-exports and aliases followed before giving up


@dataclass(frozen=True)
class ModuleRef:
    module: "ModuleAnalysis"


@dataclass(frozen=True)
class ClassRef:
    module: "ModuleAnalysis"
    qualname: str


@dataclass(frozen=True)
class InstanceRef:
    cls: ClassRef


Symbol = Union[Function, ModuleRef, ClassRef, InstanceRef]
_State = Tuple[Function, Optional[ClassRef]]  # a function, and the class of the object it runs on


_T = TypeVar("_T")


class ProjectAnalysis:
    def __init__(self, layout: Optional["SourceLayout"] = None) -> None:
        self.layout = layout
        self.modules: Dict[str, "ModuleAnalysis"] = {}  # real path -> analysis
        self.entry_points: List[EntryPoint] = []
        # Every function on some entry point's path -> the first entry point reaching it
        self.path: Dict[Function, EntryPoint] = {}
        self._subclasses: Optional[Dict[ClassRef, List[ClassRef]]] = None
        self._bases: Dict[ClassRef, List[ClassRef]] = {}
        self._call_index: Optional[Dict[Function, List[Tuple[Function, Optional[cst.Call]]]]] = None
        self._expanded: Dict[Tuple[int, str], str] = {}
        self._settings: Optional[Dict[Function, FunctionSettings]] = None
        self._eager: Optional[Set[Function]] = None  # the path without lazily made calls
        self._returned_classes: Dict[Function, Optional[ClassRef]] = {}
        self._remembered: Dict[str, Any] = {}
        # The call chains, walked back: the first (function, receiver) of each function on
        # the path, and the state each state was reached from
        self._reached_as: Dict[Function, _State] = {}
        self._parents: Dict[_State, Optional[_State]] = {}
        self.has_mangum = False
        self.has_wsgi_adapter = False
        self.loaded_by_lambda = False

    def remember(self, key: str, compute: Callable[[], _T]) -> _T:
        """A project-wide answer that the rules of every module ask for (what Init calls,
        what Init imports): computed once, on first use, after the modules are linked."""
        if key not in self._remembered:
            self._remembered[key] = compute()
        return self._remembered[key]

    def add(self, analysis: "ModuleAnalysis") -> None:
        self.modules[analysis.real_path] = analysis

    def link(self) -> None:
        """Resolve what needs the other modules: decorators, entry points, the path."""
        from lambdalint.analysis import entry_points, names

        for analysis in self.modules.values():
            for fn in analysis.functions.values():
                fn.decorators = [names.decorator_name(analysis, d.decorator, fn.parent) for d in fn.node.decorators]
        self.has_mangum = any(entry_points.has_mangum(a) for a in self.modules.values())
        self.has_wsgi_adapter = any(entry_points.has_wsgi_adapter(a) for a in self.modules.values())
        for analysis in self.modules.values():
            analysis.entry_points = entry_points.find_entry_points(analysis, analysis.named)
            self.entry_points.extend(analysis.entry_points)
        entry_points.give_routes_their_adapters_settings(self.modules.values(), self.entry_points)
        # Lambda loads some module of the group: an entry point, or a handler made by
        # code that is not followed (`handler = Mangum(app)`), whose module's Init runs
        self.loaded_by_lambda = bool(self.entry_points) or any(a.opaque_handlers for a in self.modules.values())
        self._follow_invocation_paths()
        for analysis in self.modules.values():
            analysis.path_functions = {}
        for fn, entry in self.path.items():
            fn.module.path_functions[fn] = entry

    # -- the invocation path -------------------------------------------------------------
    def _follow_invocation_paths(self) -> None:
        """`path` and the call chains, breadth first from every entry point, so each chain
        is a shortest one.  A method is visited once per class of object it is known to run
        on (a base class's template method, once for each subclass that calls it), so
        `self.step()` leads to that subclass's `step` and the chain names the handler that
        made the object."""
        parents = self._parents
        for entry in self.entry_points:
            todo: List[Tuple[_State, Optional[_State]]] = [((entry.function, None), None)]
            while todo:
                following: List[Tuple[_State, Optional[_State]]] = []
                for state, parent in todo:
                    fn, receiver = state
                    if state in parents or (fn.cached and fn is not entry.function):
                        continue
                    parents[state] = parent
                    if fn not in self.path:
                        self.path[fn] = entry
                        self._reached_as[fn] = state
                    following.extend((callee, state) for callee in fn.module.calls.callees_on(fn, receiver))
                todo = following

    def reached_only_lazily(self, fn: Function) -> bool:
        """Every way from an entry point to `fn` goes through a call made behind a
        lazy-initialisation guard (`if _repo is None: _repo = Repository()`): its body runs
        once per environment, like Init (computed for every function on the first question)."""
        if self._eager is None:
            entries = {entry.function for entry in self.entry_points}
            eager: Set[Function] = set()
            seen: Set[_State] = set()
            todo: List[_State] = [(entry, None) for entry in entries]
            while todo:
                state = todo.pop()
                current, receiver = state
                if state in seen or (current.cached and current not in entries):
                    continue
                seen.add(state)
                eager.add(current)
                todo.extend(current.module.calls.callees_on(current, receiver, eagerly=True))
            self._eager = eager
        return fn in self.path and fn not in self._eager

    def settings_for(self, fn: Function) -> "FunctionSettings":
        """How Lambda runs `fn`: the settings of every entry point that reaches it, combined
        (computed for every function at once, on the first question)."""
        if self._settings is None:
            self._settings = self._combined_settings()
        return self._settings.get(fn, FunctionSettings())

    def _combined_settings(self) -> Dict[Function, "FunctionSettings"]:
        distinct = {entry.settings for entry in self.entry_points}
        if len(distinct) <= 1:  # every entry point runs alike (the usual case): no walk needed
            same = next(iter(distinct), FunctionSettings())
            return {fn: same for fn in self.path}
        combined: Dict[Function, FunctionSettings] = {}
        for entry in self.entry_points:
            for fn in entry.function.module.calls.reachable_from(entry.function):
                combined[fn] = combined.get(fn, FunctionSettings()).combined(entry.settings)
        return combined

    def call_sites(self, target: Function) -> Iterator[Tuple[Function, Optional[cst.Call]]]:
        """Where `target` is called on the invocation path, in any module: (caller, call);
        the call is None where `target` is only handed on (a callback)."""
        if self._call_index is None:
            self._call_index = self._index_call_sites()
        return iter(self._call_index.get(target, ()))

    def _index_call_sites(self) -> Dict[Function, List[Tuple[Function, Optional[cst.Call]]]]:
        """Every call site on the path by callee, built once: parameter invariance and
        taint ask for the callers of each helper, along chains of helpers."""
        index: Dict[Function, List[Tuple[Function, Optional[cst.Call]]]] = {}
        for caller in self.path:
            for target, call in caller.module.calls.calls_made(caller):
                index.setdefault(target, []).append((caller, call))
        return index

    def call_chain(self, fn: Function) -> List[Function]:
        """The functions from the entry point that reaches `fn` down to `fn`."""
        chain: List[Function] = []
        state = self._reached_as.get(fn)
        while state is not None:
            chain.append(state[0])
            state = self._parents.get(state)
        return list(reversed(chain)) if chain else [fn]

    # -- symbols -----------------------------------------------------------------------------
    def lookup(self, qualified: str, importer: "ModuleAnalysis", depth: int = 0) -> Optional[Symbol]:
        """What a qualified name (as `names.qualified_name` writes it, `()` for calls)
        means in the project, seen from `importer`; None for third-party names."""
        if self.layout is None or depth > MAX_DEPTH or not qualified:
            return None
        found = self.layout.resolve_prefix(qualified, importer.real_path)
        if found is None:
            return None
        path, rest = found
        module = self.modules.get(path)
        if module is None:
            return None  # a project module outside this group: not analysed
        symbol: Optional[Symbol] = ModuleRef(module)
        for segment in rest.split(".") if rest else ():
            called = segment.endswith("()")
            symbol = self.attribute(symbol, segment[:-2] if called else segment, depth)
            if symbol is not None and called:
                symbol = InstanceRef(symbol) if isinstance(symbol, ClassRef) else None
            if symbol is None:
                return None
        return symbol

    def attribute(self, symbol: Symbol, name: str, depth: int = 0) -> Optional[Symbol]:
        if isinstance(symbol, ModuleRef):
            return self.module_attribute(symbol.module, name, depth)
        if isinstance(symbol, ClassRef):
            nested = f"{symbol.qualname}.{name}"
            if nested in symbol.module.classes:
                return ClassRef(symbol.module, nested)
            return self.method(symbol, name)
        if isinstance(symbol, InstanceRef):
            return self.method(symbol.cls, name)
        return None

    def module_attribute(self, module: "ModuleAnalysis", name: str, depth: int = 0) -> Optional[Symbol]:
        """A module-level name of `module`: a function, class, instance, or what it imports."""
        from lambdalint.analysis import names

        if name in module.module_functions:
            return module.module_functions[name]
        if name in module.classes:
            return ClassRef(module, name)
        if name in module.aliases:
            return self.lookup(module.aliases[name], module, depth + 1)
        call = names.single_call(module, name)
        if call is not None and name not in module.rebound_globals:
            made = self.called(call.func, None, module, depth + 1)
            if isinstance(made, Function):  # `repository = make_repository()` at module level
                made = self.returned_class(made, depth + 1)
            return InstanceRef(made) if isinstance(made, ClassRef) else None
        if module.real_path.endswith("__init__.py") and self.layout is not None:
            submodule = self.layout.resolve("." + name, module.real_path)
            if submodule is not None and submodule in self.modules:
                return ModuleRef(self.modules[submodule])
        for starred in module.star_imports:  # `from .aws import *`: what that module defines
            found = self.lookup(f"{starred}.{name}" if not starred.endswith(".") else starred + name, module, depth + 1)
            if found is not None:
                return found
        return None

    def called(
        self, func: cst.BaseExpression, fn: Optional[Function], module: "ModuleAnalysis", depth: int = 0
    ) -> Optional[Symbol]:
        """What an expression names inside `fn` (None: module level) of `module`: a class,
        a function, an instance, a module.  Local variables bound once to a call are
        followed (`svc = Service(); svc.run()`)."""
        from lambdalint.analysis import names
        from lambdalint.analysis.model import binding_scope

        if depth > MAX_DEPTH:
            return None
        if isinstance(func, cst.Name):
            name = func.value
            scope = binding_scope(name, fn)
            if scope is not None and name in scope.local_aliases:
                return self.lookup(scope.local_aliases[name], module, depth + 1)  # a local import
            if scope is not None:
                call = names.binding_call(module, func, fn)
                made = self.called(call.func, scope, module, depth + 1) if call is not None else None
                if isinstance(made, Function):  # `poller = make_poller(event)`: what it returns
                    made = self.returned_class(made, depth + 1)
                return InstanceRef(made) if isinstance(made, ClassRef) else None
            return self.module_attribute(module, name, depth + 1)
        if isinstance(func, cst.Attribute):
            base = self.called(func.value, fn, module, depth + 1)
            found = self.attribute(base, func.attr.value, depth + 1) if base is not None else None
            if found is None and (base is None or isinstance(base, ModuleRef)):
                return self._through_namespace_packages(func, fn, module, depth)
            return found
        if isinstance(func, cst.Call):
            made = self.called(func.func, fn, module, depth + 1)
            if isinstance(made, Function):  # `get_repository().save()`: what the getter returns
                made = self.returned_class(made, depth + 1)
            return InstanceRef(made) if isinstance(made, ClassRef) else None
        return None

    def returned_class(self, fn: Function, depth: int = 0) -> Optional[ClassRef]:
        """The project class whose instance `fn` returns, as its annotation says
        (`-> Repository`, `-> Optional[Repository]`, `-> Repository | None`), or as every
        `return` of it builds one (`return StackPoller(event)`)."""
        if fn not in self._returned_classes:
            self._returned_classes[fn] = None  # guards a getter whose annotation names itself
            found = None
            annotation = fn.node.returns.annotation if fn.node.returns is not None else None
            for part in _annotated_types(annotation):
                symbol = self.called(part, None, fn.module, depth + 1) if fn.module is not None else None
                if isinstance(symbol, ClassRef):
                    found = symbol
                    break
            if found is None and annotation is None and fn.module is not None:
                found = self._class_every_return_builds(fn, depth)
            self._returned_classes[fn] = found
        return self._returned_classes[fn]

    def _class_every_return_builds(self, fn: Function, depth: int) -> Optional[ClassRef]:
        built: Set[ClassRef] = set()
        for site in fn.iter(cst.Return):
            value = site.node.value
            if site.function is not fn or not isinstance(value, cst.Call):
                return None
            symbol = self.called(value.func, fn, fn.module, depth + 1)
            if not isinstance(symbol, ClassRef):
                return None
            built.add(symbol)
        return built.pop() if len(built) == 1 else None

    def _through_namespace_packages(
        self, func: cst.Attribute, fn: Optional[Function], module: "ModuleAnalysis", depth: int
    ) -> Optional[Symbol]:
        """`core.utils.files.delete` after `import core.utils.files`, where `core/utils/` has
        no `__init__.py`: the walk from `core` stops at that namespace package (no module
        to take `files` from); the whole dotted name, resolved as an import, does not."""
        from lambdalint.analysis.nodes import dotted_name

        dotted = dotted_name(func)
        head = dotted.partition(".")[0] if dotted else ""
        local = fn.local_aliases if fn is not None else {}
        if head not in module.aliases and head not in local:
            return None  # only an imported name can start a module path
        qualified = module.qualified_name(func, fn)
        return self.lookup(qualified, module, depth + 1) if qualified else None

    # -- classes -------------------------------------------------------------------------------
    def bases(self, cls: ClassRef) -> List[ClassRef]:
        if cls not in self._bases:
            self._bases[cls] = []  # guards a class that names itself
            node = cls.module.classes.get(cls.qualname)
            found: List[ClassRef] = []
            for base in node.bases if node is not None else ():
                symbol = self.called(base.value, None, cls.module)
                if isinstance(symbol, ClassRef) and symbol != cls:
                    found.append(symbol)
            self._bases[cls] = found
        return self._bases[cls]

    def mro(self, cls: ClassRef) -> Iterator[ClassRef]:
        seen: Set[ClassRef] = set()
        todo = [cls]
        while todo:
            current = todo.pop(0)
            if current in seen:
                continue
            seen.add(current)
            yield current
            todo.extend(self.bases(current))

    def method(self, cls: ClassRef, name: str) -> Optional[Function]:
        """`cls.name` through the class's bases, in this module and imported ones."""
        for current in self.mro(cls):
            fn = current.module.functions.get(f"{current.qualname}.{name}")
            if fn is not None:
                return fn
        return None

    def overrides(self, cls: ClassRef, name: str) -> Iterator[Function]:
        """`name` as the subclasses of `cls` define it: `self.name()` in a base class's
        template method may run any of them."""
        if self._subclasses is None:
            self._subclasses = {}
            for analysis in self.modules.values():
                for qualname in analysis.classes:
                    sub = ClassRef(analysis, qualname)
                    for base in self.bases(sub):
                        self._subclasses.setdefault(base, []).append(sub)
        seen: Set[ClassRef] = set()
        todo = list(self._subclasses.get(cls, ()))
        while todo:
            sub = todo.pop()
            if sub in seen:
                continue
            seen.add(sub)
            fn = sub.module.functions.get(f"{sub.qualname}.{name}")
            if fn is not None:
                yield fn
            todo.extend(self._subclasses.get(sub, ()))

    def class_of(self, fn: Optional[Function]) -> Optional[ClassRef]:
        owner = fn.owning_method() if fn is not None else None
        return ClassRef(owner.module, owner.cls) if owner is not None and owner.cls and owner.module else None

    def as_function(self, symbol: Optional[Symbol]) -> Optional[Function]:
        """The function that calling `symbol` runs: itself, or a class's `__init__`."""
        if isinstance(symbol, Function):
            return symbol
        if isinstance(symbol, ClassRef):
            return self.method(symbol, "__init__")
        if isinstance(symbol, InstanceRef):
            return self.method(symbol.cls, "__call__")
        return None

    def expand(self, qualified: str, importer: "ModuleAnalysis", depth: int = 0) -> str:
        """`app.api.app` -> `aws_lambda_powertools.event_handler.APIGatewayRestResolver()`
        when the project module `app.api` binds `app` once to that call: what an imported
        app or client object is, for frameworks and library tables."""
        if self.layout is None or depth > MAX_DEPTH:
            return qualified
        key = (id(importer), qualified)
        if key not in self._expanded:
            self._expanded[key] = self._expand(qualified, importer, depth)
        return self._expanded[key]

    def _expand(self, qualified: str, importer: "ModuleAnalysis", depth: int) -> str:
        from lambdalint.analysis import names

        found = self.layout.resolve_prefix(qualified, importer.real_path)
        if found is None or not found[1] or found[0] not in self.modules:
            return qualified
        module, rest = self.modules[found[0]], found[1]
        head, _, tail = rest.partition(".")
        if head in module.aliases:
            inner = self.expand(module.aliases[head], module, depth + 1)
        else:
            call = names.single_call(module, head)
            if call is None or head in module.rebound_globals or head in module.classes:
                return qualified
            made = module.qualified_name(call, None)
            if made is None:
                return qualified
            inner = self.expand(made, module, depth + 1)
        return f"{inner}.{tail}" if tail else inner


def _annotated_types(annotation: Optional["cst.BaseExpression"]) -> Iterator["cst.BaseExpression"]:
    """The types an annotation names: `X`, and `X` in `Optional[X]` and `X | None`."""
    if annotation is None:
        return
    if isinstance(annotation, cst.BinaryOperation) and isinstance(annotation.operator, cst.BitOr):
        yield from _annotated_types(annotation.left)
        yield from _annotated_types(annotation.right)
    elif isinstance(annotation, cst.Subscript):
        name = annotation.value
        if (
            isinstance(name, (cst.Name, cst.Attribute))
            and (name.value if isinstance(name, cst.Name) else name.attr.value) == "Optional"
        ):
            for element in annotation.slice:
                if isinstance(element.slice, cst.Index):
                    yield element.slice.value
    elif isinstance(annotation, (cst.Name, cst.Attribute)):
        yield annotation
