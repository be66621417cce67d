"""What the analysis knows about a module: functions, the sites inside them, entry points.

Plain records filled by the collector (`collector.py`) and read by everything else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Dict, Generic, Iterator, List, Optional, Set, Tuple, Type, TypeVar

from lambdalint._lazy import cst
from lambdalint.catalog import CACHE_DECORATORS
from lambdalint.model import FunctionSettings

if TYPE_CHECKING:  # pragma: no cover
    from lambdalint.analysis import ModuleAnalysis

# The kind of node a site holds: `fn.iter(cst.Call)` yields sites whose node is a Call.
NodeT = TypeVar("NodeT", bound="cst.CSTNode")


@dataclass(eq=False)
class Site(Generic[NodeT]):
    """A node inside a function body, with its ancestors up to (excluding) the function."""

    node: NodeT
    ancestors: Tuple[cst.CSTNode, ...]
    function: "Function"

    @property
    def parent(self) -> Optional[cst.CSTNode]:
        return self.ancestors[-1] if self.ancestors else None

    def statement(self) -> Optional[cst.CSTNode]:
        """The innermost statement line (SimpleStatementLine or compound) holding the node."""
        for anc in reversed(self.ancestors):
            if isinstance(anc, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
                return anc
        return self.node if isinstance(self.node, cst.BaseCompoundStatement) else None

    def enclosing(self, *types) -> List[cst.CSTNode]:
        return [a for a in self.ancestors if isinstance(a, types)]

    def in_control_flow(self) -> bool:
        """Inside an if/loop/try/with of the function (not at the top of its body)."""
        return any(
            isinstance(a, (cst.If, cst.For, cst.While, cst.Try, cst.With, cst.TryStar, cst.Match))
            for a in self.ancestors
        ) or any(isinstance(a, (cst.Lambda, cst.CompFor)) for a in self.ancestors)


@dataclass(eq=False)
class Function:
    name: str
    qualname: str
    node: cst.FunctionDef
    cls: Optional[str] = None  # qualname of the class for methods
    parent: Optional["Function"] = None  # enclosing function for nested defs
    params: List[str] = field(default_factory=list)  # positional parameters
    extra_params: List[str] = field(default_factory=list)  # keyword-only, *args, **kwargs
    decorators: List[str] = field(default_factory=list)  # qualified names, best effort
    sites: List[Site] = field(default_factory=list)
    globals_declared: Set[str] = field(default_factory=set)
    nonlocals_declared: Set[str] = field(default_factory=set)
    local_aliases: Dict[str, str] = field(default_factory=dict)
    assigned: Dict[str, List[object]] = field(default_factory=dict)  # name -> values
    referenced: Set[str] = field(default_factory=set)  # Names loaded in the body
    children: List["Function"] = field(default_factory=list)
    module: Optional["ModuleAnalysis"] = field(default=None, repr=False)  # the module it is in
    # `sites` by node type, and how many sites there were when it was made
    _by_kind: Optional[Tuple[int, Dict[type, List[Site]]]] = field(default=None, repr=False)

    @property
    def cached(self) -> bool:
        return any(d in CACHE_DECORATORS or d.endswith(("lru_cache", "ttl_cache")) for d in self.decorators)

    @property
    def is_method(self) -> bool:
        return self.cls is not None and self.parent is None

    def positional_params(self) -> List[str]:
        params = list(self.params)
        if self.is_method and params and params[0] in ("self", "cls"):
            params = params[1:]
        return params

    def positional_index(self, name: str) -> int:
        """Where a call passes parameter `name` positionally (a method's `self` not counted)."""
        index = self.params.index(name)
        if self.is_method and self.params and self.params[0] in ("self", "cls"):
            index -= 1
        return index

    def iter(self, *types: Type[NodeT]) -> Iterator[Site[NodeT]]:
        """The sites whose node is one of `types`, in source order.  The types are concrete
        node classes (`cst.Call`, `cst.Assign`: none has subclasses), matched exactly: rules
        ask for the calls of every function, and `isinstance` against LibCST's classes
        (which derive from an ABC) costs many times a dictionary lookup."""
        if len(types) != 1:
            return (site for site in self.sites if type(site.node) in types)
        if self._by_kind is None or self._by_kind[0] != len(self.sites):
            by_kind: Dict[type, List[Site]] = {}
            for site in self.sites:
                by_kind.setdefault(type(site.node), []).append(site)
            self._by_kind = (len(self.sites), by_kind)
        return iter(self._by_kind[1].get(types[0], ()))

    def is_local(self, name: str) -> bool:
        if name in self.globals_declared:
            return False
        return name in self.params or name in self.extra_params or name in self.assigned or name in self.local_aliases

    def scopes(self) -> Iterator["Function"]:
        """This function, then each enclosing function (innermost first)."""
        scope: Optional[Function] = self
        while scope is not None:
            yield scope
            scope = scope.parent

    def owning_method(self) -> Optional["Function"]:
        """The method this function is (or is nested in), if any."""
        return next((scope for scope in self.scopes() if scope.cls is not None), None)


def binding_scope(name: str, fn: Optional[Function]) -> Optional[Function]:
    """The innermost function (from `fn` outwards) in which `name` is a local variable;
    None when the name means a module-level (or builtin) name there."""
    for scope in fn.scopes() if fn is not None else ():
        if name in scope.globals_declared:
            return None
        if scope.is_local(name):
            return scope
    return None


@dataclass(eq=False)
class EntryPoint:
    function: Function
    # "convention", "signature", "config", "template", "class instance", "framework"
    # (a route on a web framework app) or "decorator" (a Powertools handler decorator)
    source: str
    detail: str = ""  # which template line, which framework or decorator
    settings: FunctionSettings = field(default_factory=FunctionSettings)

    def describe(self) -> str:
        return f"{self.source}: {self.detail}" if self.detail else self.source


class IterOf:
    """Marker value: the element of an iterable (a for-loop target)."""

    def __init__(self, iterable: cst.BaseExpression) -> None:
        self.iterable = iterable


class Opaque:
    """Marker value: bound to something we do not model (with-as, except-as)."""
