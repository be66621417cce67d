"""The analysis every rule shares, computed once per module.

`ModuleAnalysis` is the façade rules talk to.  Behind it, one module per concern, each
readable on its own:

- `model`: the records (functions, sites, entry points) and the scope chain;
- `collector`: the single walk over the CST that fills in the tables;
- `nodes`: questions about CST nodes that need nothing else;
- `names`: what a name means at a point (imports, locals, module-level bindings);
- `entry_points`: which functions Lambda calls, and why;
- `calls`: call resolution, the invocation path, call sites;
- `values`: invariance and taint;
- `guards`: lazy initialisation behind `if x is None:`;
- `layout`: statement order and positions, for fixes and reports.

No LibCST metadata provider is used: they cost several times the parse.
"""

from __future__ import annotations

from typing import Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Set, Union

from lambdalint._lazy import cst
from lambdalint.analysis import entry_points as _entry_points
from lambdalint.analysis import guards, names
from lambdalint.analysis.calls import CallGraph, CallSite
from lambdalint.analysis.entry_points import powertools_calls_with_event_and_context
from lambdalint.analysis.layout import Layout
from lambdalint.analysis.model import EntryPoint, Function, Site, binding_scope
from lambdalint.analysis.nodes import bound_by, dotted_name, free_names, string_value, target_names
from lambdalint.analysis.values import Values
from lambdalint.config import Config
from lambdalint.model import FunctionSettings, NamedHandler

__all__ = [
    "ModuleAnalysis", "Function", "Site", "EntryPoint", "CallSite", "binding_scope",
    "bound_by", "dotted_name", "free_names", "string_value", "target_names",
    "powertools_calls_with_event_and_context",
]

NamedHandlers = Union[Sequence[str], Mapping[str, NamedHandler]]


class ModuleAnalysis:
    """Everything the rules need to know about one module, computed once."""

    def __init__(self, module: cst.Module, path: str, config: Config, named: NamedHandlers = ()) -> None:
        from lambdalint._cstfast import walk
        from lambdalint.analysis.collector import Collector

        self.module = module
        self.path = path
        self.config = config
        # Filled in by the collector:
        self.aliases: Dict[str, str] = {}  # local name -> qualified name, from imports
        self.module_bindings: Dict[str, List[object]] = {}  # name -> values bound at module level
        self.module_functions: Dict[str, Function] = {}
        self.functions: Dict[str, Function] = {}  # by qualname, methods and nested defs included
        self.classes: Dict[str, cst.ClassDef] = {}
        walk(module, Collector(self))
        self.rebound_globals: Set[str] = {
            name for fn in self.functions.values() for name in fn.globals_declared if name in fn.assigned}
        for fn in self.functions.values():
            fn.decorators = [names.decorator_name(self, d.decorator, fn.parent) for d in fn.node.decorators]
        self.calls = CallGraph(self)
        self.values = Values(self)
        self.layout = Layout(self)
        self.entry_points: List[EntryPoint] = _entry_points.find_entry_points(self, _named_handlers(named))
        self.path_functions: Dict[Function, EntryPoint] = self.calls.invocation_path(self.entry_points)

    # -- names ---------------------------------------------------------------------------
    def qualified_name(self, expr: cst.CSTNode, fn: Optional[Function]) -> Optional[str]:
        """`boto3.client` for `b.client` after `import boto3 as b`; calls become `...()`."""
        return names.qualified_name(self, expr, fn)

    def binding_call(self, expr: cst.CSTNode, fn: Optional[Function]) -> Optional[cst.Call]:
        """The call a name was bound to (locally or at module level), if exactly one."""
        return names.binding_call(self, expr, fn)

    def is_module_level_name(self, name: str, fn: Optional[Function]) -> bool:
        return names.is_module_level_name(self, name, fn)

    def instance_class(self, name: str, fn: Optional[Function]) -> Optional[str]:
        return names.instance_class(self, name, fn)

    def function_named(self, name: str, fn: Optional[Function]) -> Optional[Function]:
        """The function a name means inside `fn` (nested, module-level, or a class's __init__)."""
        return names.function_named(self, name, fn)

    # -- entry points and the invocation path ----------------------------------------------
    def is_powertools_handler_decorator(self, decorator: str) -> bool:
        return _entry_points.is_powertools_handler_decorator(self, decorator)

    def entry_params(self, fn: Function) -> Set[str]:
        """The event/context parameters of an entry point."""
        return _entry_points.entry_params(self, fn)

    def on_path(self, fn: Function) -> bool:
        return fn in self.path_functions

    def handler_label(self, fn: Function) -> Optional[str]:
        entry = self.path_functions.get(fn)
        return None if entry is None else f"{self.path}:{entry.function.qualname}"

    def entries_reaching(self, fn: Function) -> List[EntryPoint]:
        """Every entry point whose invocation path includes `fn`."""
        return [e for e in self.entry_points if fn in self.reachable_from(e.function)]

    def settings_for(self, fn: Function) -> FunctionSettings:
        """How Lambda runs `fn`: the settings of every entry point that reaches it, combined."""
        combined = FunctionSettings()
        for entry in self.entries_reaching(fn):
            combined = combined.combined(entry.settings)
        return combined

    # -- calls -------------------------------------------------------------------------------
    def resolve_call(self, func: cst.BaseExpression, fn: Function) -> Optional[Function]:
        """The function of this module that calling `func` inside `fn` runs, if known."""
        return self.calls.resolve(func, fn)

    function_called = resolve_call

    def callees(self, fn: Function) -> Iterator[Function]:
        """Functions of this module that `fn` calls or hands on as a callback."""
        return self.calls.callees(fn)

    def reachable_from(self, fn: Function) -> Set[Function]:
        """`fn` and every function it reaches (the invocation path below one function)."""
        return self.calls.reachable_from(fn)

    def call_sites(self, target: Function) -> Iterator[CallSite]:
        """Where `target` is called on the invocation path: (caller, call); the call is
        None where `target` is only handed on (a callback)."""
        return self.calls.call_sites(target)

    # -- values --------------------------------------------------------------------------------
    def is_invariant(self, expr: object, fn: Optional[Function]) -> bool:
        """True when the value cannot depend on the event or context."""
        return self.values.is_invariant(expr, fn)

    def is_tainted(self, expr: object, fn: Optional[Function], request_only: bool = False) -> bool:
        """True when the value derives from the event or context of an entry point."""
        return self.values.is_tainted(expr, fn, request_only)

    def is_lazily_initialised(self, site: Site) -> bool:
        return guards.is_lazily_initialised(site)

    # -- layout ----------------------------------------------------------------------------------
    def top_level_index(self, node: cst.CSTNode) -> int:
        return self.layout.top_level_index(node)

    def module_binding_index(self, name: str) -> Optional[int]:
        return self.layout.module_binding_index(name)

    def is_module_name_free(self, name: str) -> bool:
        return self.layout.is_module_name_free(name)

    def position(self, node: cst.CSTNode):
        return self.layout.position(node)

    def resolve_positions(self, nodes: Iterable[cst.CSTNode]) -> None:
        self.layout.resolve_positions(nodes)


def _named_handlers(named: NamedHandlers) -> Mapping[str, NamedHandler]:
    """Entry points named from outside the module: a mapping from configuration and
    templates, or (in tests and the API) a plain list of function names."""
    if isinstance(named, Mapping):
        return named
    return {name: NamedHandler("config") for name in named}
