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

import os
from typing import (
    Any,
    Callable,
    Dict,
    Iterable,
    Iterator,
    List,
    Mapping,
    Optional,
    Sequence,
    Set,
    Tuple,
    TypeVar,
    Union,
)

from lambdalint._lazy import cst
from lambdalint.analysis import entry_points as _entry_points
from lambdalint.analysis import guards, names
from lambdalint.analysis.calls import CallGraph, CallSite
from lambdalint.analysis.entry_points import powertools_calls_with_event_and_context
from lambdalint.analysis.layout import Layout
from lambdalint.analysis.model import EntryPoint, Function, Site, binding_scope
from lambdalint.analysis.nodes import bound_by, dotted_name, free_names, string_value, target_names
from lambdalint.analysis.project import ProjectAnalysis
from lambdalint.analysis.values import Values
from lambdalint.config import Config
from lambdalint.model import FunctionSettings, NamedHandler

__all__ = [
    "ModuleAnalysis",
    "ProjectAnalysis",
    "Function",
    "Site",
    "EntryPoint",
    "CallSite",
    "binding_scope",
    "bound_by",
    "dotted_name",
    "free_names",
    "string_value",
    "target_names",
    "powertools_calls_with_event_and_context",
]

NamedHandlers = Union[Sequence[str], Mapping[str, NamedHandler]]


_T = TypeVar("_T")


class ModuleAnalysis:
    """Everything the rules need to know about one module, computed once."""

    def __init__(
        self,
        module: cst.Module,
        path: str,
        config: Config,
        named: NamedHandlers = (),
        project: Optional[ProjectAnalysis] = None,
        real_path: Optional[str] = None,
        source: Optional[Tuple[str, Optional[Tuple[int, ...]]]] = None,
    ) -> None:
        """Analyse `module` (shown as `path`).  Alone, unless `project` is given: then it is
        only collected, and `project.link()` (after every module is added) does the rest.
        `source`: the text `module` was parsed from and its `parsing.statement_lines`
        (None if unknown), which make positions cheaper (`Layout`); optional."""
        from lambdalint._cstfast import walk
        from lambdalint.analysis.collector import Collector

        self.module = module
        self.path = path
        self.real_path = real_path or os.path.realpath(path)
        self.config = config
        self.named: Mapping[str, NamedHandler] = _named_handlers(named)
        # Filled in by the collector:
        self.aliases: Dict[str, str] = {}  # local name -> qualified name, from imports
        self.star_imports: List[str] = []  # modules of `from x import *` at module level
        self.module_bindings: Dict[str, List[object]] = {}  # name -> values bound at module level
        self.module_functions: Dict[str, Function] = {}
        self.functions: Dict[str, Function] = {}  # by qualname, methods and nested defs included
        self.classes: Dict[str, cst.ClassDef] = {}
        self.statement_of: Dict[int, int] = {}  # id(node) -> index of its module-level statement
        self.source = source
        walk(module, Collector(self))
        self.rebound_globals: Set[str] = {
            name for fn in self.functions.values() for name in fn.globals_declared if name in fn.assigned
        }
        self._by_name: Optional[Dict[str, List[Function]]] = None
        self._guards: guards.GuardCache = {}
        self._remembered: Dict[str, Any] = {}
        # (id(node), id(scope)) -> (node, qualified_name's answer)
        self._qualified: Dict[Tuple[int, int], Tuple[cst.CSTNode, Optional[str]]] = {}
        self.calls = CallGraph(self)
        self.values = Values(self)
        self.layout = Layout(self)
        # Filled in by ProjectAnalysis.link:
        self.entry_points: List[EntryPoint] = []
        # Handlers named by configuration or a template that are module-level values made
        # by code lambdalint does not follow (`handler = Mangum(app)`), by name
        self.opaque_handlers: Dict[str, NamedHandler] = {}
        self.path_functions: Dict[Function, EntryPoint] = {}  # this module's functions on the path
        self.project = project if project is not None else ProjectAnalysis()
        self.project.add(self)
        if project is None:
            self.project.link()

    def remember(self, key: str, compute: Callable[[], _T]) -> _T:
        """A per-module answer that several rules ask for: computed once, on first use.
        Kept here rather than in a table keyed by the analysis, so that it goes when the
        analysis goes."""
        if key not in self._remembered:
            self._remembered[key] = compute()
        return self._remembered[key]

    def functions_by_name(self) -> Dict[str, List[Function]]:
        """Every function of the module by its simple name (methods and nested ones too)."""
        if self._by_name is None:
            self._by_name = {}
            for fn in self.functions.values():
                self._by_name.setdefault(fn.name, []).append(fn)
        return self._by_name

    def owner(self, fn: Optional[Function]) -> "ModuleAnalysis":
        """The analysis of the module `fn` is in (this one for module-level questions): rules
        may follow a call into another module and ask about what they find there."""
        return fn.module if fn is not None and fn.module is not None else self

    # -- names ---------------------------------------------------------------------------
    def qualified_name(self, expr: cst.CSTNode, fn: Optional[Function]) -> Optional[str]:
        """`boto3.client` for `b.client` after `import boto3 as b`; calls become `...()`.
        Remembered per node: most rules ask it of every call."""
        owner = self.owner(fn)
        key = (id(expr), id(fn))
        known = owner._qualified.get(key)
        if known is None:
            # the node is kept with its answer: its id is never reused while the entry lives
            known = owner._qualified[key] = (expr, names.qualified_name(owner, expr, fn))
        return known[1]

    def binding_call(self, expr: cst.CSTNode, fn: Optional[Function]) -> Optional[cst.Call]:
        """The call a name was bound to (locally or at module level), if exactly one."""
        return names.binding_call(self.owner(fn), expr, fn)

    def is_module_level_name(self, name: str, fn: Optional[Function]) -> bool:
        return names.is_module_level_name(self.owner(fn), name, fn)

    def instance_class(self, name: str, fn: Optional[Function]) -> Optional[str]:
        return names.instance_class(self.owner(fn), name, fn)

    def function_named(self, name: str, fn: Optional[Function]) -> Optional[Function]:
        """The function a name means inside `fn` (nested, module-level, or a class's __init__),
        also when it is imported from another module of the project."""
        return names.function_named(self.owner(fn), name, fn)

    # -- entry points and the invocation path ----------------------------------------------
    def is_powertools_handler_decorator(self, decorator: str) -> bool:
        return _entry_points.is_powertools_handler_decorator(self, decorator)

    def entry_params(self, fn: Function) -> Set[str]:
        """The event/context parameters of an entry point."""
        return _entry_points.entry_params(self.owner(fn), fn)

    def on_path(self, fn: Function) -> bool:
        return fn in self.project.path

    def handler_label(self, fn: Function) -> Optional[str]:
        """`path:function` of the entry point whose invocation path reaches `fn`."""
        entry = self.project.path.get(fn)
        return None if entry is None else function_label(entry.function)

    def call_chain(self, fn: Function) -> List[str]:
        """`path:function` labels from the entry point that reaches `fn` down to `fn`."""
        return [function_label(f) for f in self.project.call_chain(fn)] if fn in self.project.path else []

    def entries_reaching(self, fn: Function) -> List[EntryPoint]:
        """Every entry point (of any module of the project) whose invocation path includes `fn`."""
        return [e for e in self.project.entry_points if fn in self.reachable_from(e.function)]

    def settings_for(self, fn: Function) -> FunctionSettings:
        """How Lambda runs `fn`: the settings of every entry point (of any module of the
        project) that reaches it, combined."""
        return self.project.settings_for(fn)

    def init_settings(self) -> FunctionSettings:
        """How Lambda runs this module's Init code: for each of its entry points (and each
        handler it binds to a value whose code is not followed, such as `Mangum(app)`), or
        — for a module without any, imported by others — for the project's."""
        own = [entry.settings for entry in self.entry_points] + [h.settings for h in self.opaque_handlers.values()]
        combined = FunctionSettings()
        for settings in own or [entry.settings for entry in self.project.entry_points]:
            combined = combined.combined(settings)
        return combined

    # -- calls -------------------------------------------------------------------------------
    def resolve_call(self, func: cst.BaseExpression, fn: Optional[Function]) -> Optional[Function]:
        """The function (of this module or another of the project) that calling `func`
        inside `fn` (module level: None) runs, if known."""
        return self.owner(fn).calls.resolve(func, fn)

    function_called = resolve_call

    def callees(self, fn: Function) -> Iterator[Function]:
        """Functions that `fn` calls or hands on as a callback, across the project."""
        return self.owner(fn).calls.callees(fn)

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
        return self.owner(fn).values.is_invariant(expr, fn)

    def is_tainted(self, expr: object, fn: Optional[Function], request_only: bool = False) -> bool:
        """True when the value derives from the event or context of an entry point."""
        return self.owner(fn).values.is_tainted(expr, fn, request_only)

    def is_lazily_initialised(self, site: Site) -> bool:
        """The site sits under `if x is None:` (or a similar guard) filling in what it reads."""
        return guards.is_lazily_initialised(site, self._guards)

    def runs_once_per_environment(self, site: Site) -> bool:
        """The site is lazily initialised, or its function is reached only through calls
        that are (`if _repo is None: _repo = Repository()` runs `Repository.__init__` once)."""
        return self.is_lazily_initialised(site) or self.project.reached_only_lazily(site.function)

    def never_runs_in_lambda(self, site: Site) -> bool:
        """The site is in a branch for local development (`if "AWS_EXECUTION_ENV" not in
        os.environ:`): whatever it builds is never built in Lambda."""
        return guards.only_outside_lambda(site)

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


def function_label(fn: Function) -> str:
    """`src/db.py:get_connection`: where a function is, as findings show it."""
    return f"{fn.module.path}:{fn.qualname}" if fn.module is not None else fn.qualname


def _named_handlers(named: NamedHandlers) -> Mapping[str, NamedHandler]:
    """Entry points named from outside the module: a mapping from configuration and
    templates, or (in tests and the API) a plain list of function names."""
    if isinstance(named, Mapping):
        return named
    return {name: NamedHandler("config") for name in named}
