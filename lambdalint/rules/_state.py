"""What the state rules (LAM101, LAM102, LAM103) share: which module-level names hold
mutable containers, where the invocation path mutates them, and which of them are
caches.

How LAM101 and LAM103 split one container between them (never both):

- A container is **cache-shaped** when the invocation path both looks it up by key
  (`k in x`, `x.get(k)`, `x[k]` read, `x.setdefault(k, ...)`) and writes keys into it
  (`x[k] = v`, `x.setdefault(k, v)`, `x.add(k)`, `x.append(k)` after a membership test).
  Keeping entries across invocations is then the point, so LAM101 stays silent.
  LAM103 reports it when some written key derives from the event and nothing on the
  path bounds or evicts it (`len(x)`, `pop`, `popitem`, `clear`, `del x[k]`, a
  `global x` rebinding).  Cache-shaped containers with invariant keys (lazy per-name
  memo tables such as `_clients["s3"]`) or with eviction are correct practice.
- Every other container mutated on the path is LAM101.
- A container reset at the start of the handler (or of the mutating function) keeps no
  state across invocations and is reported by neither.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, Iterator, List, Optional, Set

from lambdalint._lazy import cst
from lambdalint.analysis import Function, ModuleAnalysis, Site, dotted_name, guards, nodes
from lambdalint.catalog import EVICTING_METHODS, LOOKUP_METHODS, MUTABLE_CONSTRUCTORS, STATE_MUTATING_METHODS


@dataclass
class MutableGlobal:
    """A container that outlives invocations: a module-level name, or an attribute of
    the one module-level instance of a class (`handler = Handler()`, `self.seen = set()`)."""

    name: str  # the key: `x`, or `Cls.attr` for an instance attribute
    kind: str  # "list", "dict", "deque", ...
    value: cst.BaseExpression  # the initial value
    bounded: bool = False  # a deque with maxlen
    cls: Optional[str] = None  # the class, for an instance attribute
    instance: Optional[str] = None  # the module-level instance's name

    @property
    def display(self) -> str:
        return f"self.{self.name.rsplit('.', 1)[1]}" if self.cls else self.name

    def describe(self) -> str:
        if self.cls:
            return f"`{self.display}` ({self.kind}) of the module-level instance `{self.instance}`"
        return f"module-level {self.kind} `{self.name}`"


@dataclass
class Mutation:
    site: Site
    name: str
    key: Optional[cst.BaseExpression] = None  # the key written (`x[k] = v`, `x.add(k)`)
    # `x[k].append(v)`, `x.setdefault(k, []).append(v)`: grows the value under k, an
    # accumulator rather than a cache entry.
    in_value: bool = False


@dataclass
class Usage:
    """How the invocation path uses one mutable global."""

    mutations: List[Mutation] = field(default_factory=list)
    looked_up: bool = False
    keyed_writes: List[Mutation] = field(default_factory=list)
    evicted: bool = False


def container_kind(analysis: ModuleAnalysis, value: object) -> Optional[str]:
    if isinstance(value, (cst.List, cst.ListComp)):
        return "list"
    if isinstance(value, (cst.Dict, cst.DictComp)):
        return "dict"
    if isinstance(value, (cst.Set, cst.SetComp)):
        return "set"
    if isinstance(value, cst.Call):
        qn = analysis.qualified_name(value.func, None)
        if (
            qn is None
            and isinstance(value.func, cst.Name)
            and not analysis.is_module_level_name(value.func.value, None)
        ):
            qn = value.func.value  # a builtin: list(), dict(), set()
        return MUTABLE_CONSTRUCTORS.get(qn or "")
    return None


def starts_empty(analysis: ModuleAnalysis, value: cst.BaseExpression) -> bool:
    """`x.clear()` gives back the initial value (an empty container, keeping a
    defaultdict's factory or a deque's maxlen)."""
    if isinstance(value, (cst.List, cst.Dict, cst.Set)):
        return not value.elements
    if isinstance(value, cst.Call):
        kind = container_kind(analysis, value)
        positional = [a for a in value.args if a.keyword is None]
        if kind == "defaultdict":
            return len(positional) <= 1 and len(value.args) == len(positional)
        if kind == "deque":
            return not positional and all(a.keyword and a.keyword.value == "maxlen" for a in value.args)
        return not value.args
    return False


def mutable_globals(analysis: ModuleAnalysis) -> Dict[str, MutableGlobal]:
    """The module's mutable globals (computed once per analysis, shared by the state rules)."""
    return analysis.remember("state_mutable_globals", lambda: _mutable_globals(analysis))


def _mutable_globals(analysis: ModuleAnalysis) -> Dict[str, MutableGlobal]:
    found: Dict[str, MutableGlobal] = {}
    for name, values in analysis.module_bindings.items():
        kinds = [container_kind(analysis, v) for v in values]
        if values and all(kinds):
            value = values[0]
            bounded = kinds[0] == "deque" and any(
                a.keyword is not None and a.keyword.value == "maxlen" for a in value.args
            )
            found[name] = MutableGlobal(name, kinds[0], value, bounded)
    found.update(_instance_attributes(analysis))
    return found


def _instance_attributes(analysis: ModuleAnalysis) -> Dict[str, MutableGlobal]:
    """`self.attr = <container>` in `__init__` of a class with exactly one instance, made at
    module level and never on the invocation path (so `self` is always that instance)."""
    instances: Dict[str, List[str]] = {}
    for name in analysis.module_bindings:
        cls = analysis.instance_class(name, None)
        if cls is not None:
            instances.setdefault(cls, []).append(name)
    found: Dict[str, MutableGlobal] = {}
    for cls, names in instances.items():
        if len(names) != 1 or _instantiated_on_path(analysis, cls):
            continue
        chain = _class_and_bases(analysis, cls)
        for owner in chain:
            if owner != cls and _has_other_subclasses(analysis, owner, chain):
                continue  # `self` in the base's methods may be some other, per-request object
            found.update(_init_attributes(analysis, owner, names[0]))
    return found


def _has_other_subclasses(analysis: ModuleAnalysis, base: str, chain: List[str]) -> bool:
    return any(
        name not in chain and any(isinstance(b.value, cst.Name) and b.value.value == base for b in node.bases)
        for name, node in analysis.classes.items()
    )


def _init_attributes(analysis: ModuleAnalysis, cls: str, instance: str) -> Dict[str, MutableGlobal]:
    found: Dict[str, MutableGlobal] = {}
    init = analysis.functions.get(f"{cls}.__init__")
    if init is not None:
        for stmt in body_statements(init):
            if not isinstance(stmt, cst.SimpleStatementLine):
                continue
            for small in stmt.body:
                if not isinstance(small, (cst.Assign, cst.AnnAssign)) or small.value is None:
                    continue
                targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else [small.target]
                kind = container_kind(analysis, small.value)
                for t in targets:
                    if (
                        kind
                        and isinstance(t, cst.Attribute)
                        and isinstance(t.value, cst.Name)
                        and t.value.value == "self"
                    ):
                        key = f"{cls}.{t.attr.value}"
                        bounded = kind == "deque" and any(
                            a.keyword is not None and a.keyword.value == "maxlen" for a in small.value.args
                        )
                        found[key] = MutableGlobal(key, kind, small.value, bounded, cls, instance)
    return found


def _instantiated_on_path(analysis: ModuleAnalysis, cls: str) -> bool:
    for fn in analysis.path_functions:
        for site in fn.iter(cst.Call):
            if isinstance(site.node.func, cst.Name) and site.node.func.value == cls:
                return True
    return False


def ref(analysis: ModuleAnalysis, expr: cst.CSTNode, fn: Function) -> Optional[str]:
    """The tracked container an expression names in `fn`: `x` for a module-level `x`,
    `Cls.attr` for `self.attr` in a method of `Cls` (or of a nested function there)."""
    tracked = mutable_globals(analysis)
    if isinstance(expr, cst.Name):
        name = expr.value
        return name if name in tracked and analysis.is_module_level_name(name, fn) else None
    if isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name) and expr.value.value == "self":
        owner: Optional[Function] = fn
        while owner is not None and owner.cls is None:
            if owner.is_local("self"):
                return None
            owner = owner.parent
        if owner is None or not owner.params or owner.params[0] != "self":
            return None
        for cls in _class_and_bases(analysis, owner.cls):
            key = f"{cls}.{expr.attr.value}"
            if key in tracked:
                return key
    return None


def _class_and_bases(analysis: ModuleAnalysis, cls: str) -> List[str]:
    out, todo = [], [cls]
    while todo:
        c = todo.pop(0)
        if c in out:
            continue
        out.append(c)
        node = analysis.classes.get(c)
        if node is not None:
            todo.extend(b.value.value for b in node.bases if isinstance(b.value, cst.Name))
    return out


def root(node: cst.BaseExpression) -> cst.BaseExpression:
    """`x` for `x`, `x[k]`, `x[k][j]` (a container reached by subscripts only)."""
    while isinstance(node, cst.Subscript):
        node = node.value
    return node


def _is_full_slice(node: cst.CSTNode) -> bool:
    return (
        isinstance(node, cst.Subscript)
        and len(node.slice) == 1
        and isinstance(node.slice[0].slice, cst.Slice)
        and node.slice[0].slice.lower is None
        and node.slice[0].slice.upper is None
    )


def _subscript_key(node: cst.CSTNode) -> Optional[cst.BaseExpression]:
    if isinstance(node, cst.Subscript) and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
        return node.slice[0].slice.value
    return None


def _empty_literal(value: cst.BaseExpression) -> bool:
    if isinstance(value, (cst.List, cst.Tuple, cst.Set, cst.Dict)):
        return not value.elements
    return isinstance(value, cst.Call) and not value.args and dotted_name(value.func) in ("list", "tuple")


def reads(analysis: ModuleAnalysis, expr: cst.CSTNode, key: str, fn: Function) -> bool:
    if ref(analysis, expr, fn) == key:
        return True
    return any(reads(analysis, child, key, fn) for child in nodes.children(expr))


# Methods that give the same state when repeated with the same arguments.
IDEMPOTENT_METHODS = {"update", "setdefault", "add", "discard", "__setitem__"}


_NUMERIC_CALLS = {"len", "int", "float", "round", "sum"}


def _idempotent(analysis: ModuleAnalysis, node: cst.CSTNode, fn: Function) -> bool:
    """It neither grows the container nor stores request data: a repeated update with
    invariant arguments (`x.update(DEFAULTS)`), a fixed slot overwritten with something
    that is not from the request (`x["last_run"] = time.time()`), or a counter under a
    fixed key (`stats["calls"] += 1`, `stats["records"] += len(records)`)."""
    invariant = analysis.is_invariant
    if (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Attribute)
        and not isinstance(node.func.value, cst.Subscript)
    ):
        return node.func.attr.value in IDEMPOTENT_METHODS and all(invariant(a.value, fn) for a in node.args)
    if (
        isinstance(node, cst.Assign)
        and isinstance(node.targets[0].target, cst.Subscript)
        and not isinstance(node.targets[0].target.value, cst.Subscript)
    ):
        key = _subscript_key(node.targets[0].target)
        return key is not None and invariant(key, fn) and not analysis.is_tainted(node.value, fn, request_only=True)
    if (
        isinstance(node, cst.AugAssign)
        and isinstance(node.target, cst.Subscript)
        and not isinstance(node.target.value, cst.Subscript)
    ):
        key = _subscript_key(node.target)
        value = node.value
        numeric = isinstance(value, (cst.Integer, cst.Float)) or (
            isinstance(value, cst.Call) and dotted_name(value.func) in _NUMERIC_CALLS
        )
        return key is not None and invariant(key, fn) and numeric
    return False


def mutations_in(analysis: ModuleAnalysis, fn: Function) -> Iterator[Mutation]:
    """Every mutation of a module-level mutable container in `fn`, in source order
    (leaving out idempotent ones, which carry nothing from one request to the next)."""
    for mutation in _all_mutations_in(analysis, fn):
        if not _idempotent(analysis, mutation.site.node, fn):
            yield mutation


def _all_mutations_in(analysis: ModuleAnalysis, fn: Function) -> Iterator[Mutation]:
    def tracked_root(expr: cst.BaseExpression) -> Optional[str]:
        return ref(analysis, root(expr), fn)

    def rebound(target: cst.CSTNode) -> Optional[str]:
        """`global x; x ...` or `self.attr ...` rebinding a tracked container."""
        if isinstance(target, cst.Name) and target.value not in fn.globals_declared:
            return None
        return ref(analysis, target, fn) if isinstance(target, (cst.Name, cst.Attribute)) else None

    for site in fn.sites:
        node = site.node
        if (
            isinstance(node, cst.Call)
            and isinstance(node.func, cst.Attribute)
            and node.func.attr.value in STATE_MUTATING_METHODS
        ):
            name = tracked_root(node.func.value)
            if name is not None:
                key = None
                if node.func.attr.value in ("setdefault", "add", "append", "__setitem__") and node.args:
                    key = node.args[0].value
                elif isinstance(node.func.value, cst.Subscript):
                    key = _subscript_key(node.func.value)  # groups[k].append(v)
                in_value = isinstance(node.func.value, cst.Subscript) or _result_mutated(site)
                yield Mutation(site, name, key, in_value)
        elif isinstance(node, cst.Assign):
            for target in node.targets:
                t = target.target
                name = tracked_root(t) if isinstance(t, cst.Subscript) else None
                if name is not None:
                    if _is_full_slice(t) and _empty_literal(node.value):
                        continue  # `x[:] = []` is a reset
                    yield Mutation(site, name, _subscript_key(t))
                    break
                name = rebound(t)
                if name is not None and reads(analysis, node.value, name, fn):
                    yield Mutation(site, name)  # `x = x + [item]`: accumulates
                    break
        elif isinstance(node, cst.AugAssign):
            t = node.target
            if isinstance(t, cst.Subscript):
                name = tracked_root(t)
                if name is not None:
                    yield Mutation(site, name, _subscript_key(t))
            else:
                name = rebound(t)
                if name is not None:
                    yield Mutation(site, name)  # `global x; x += [item]`
        elif isinstance(node, cst.Del):
            for deleted in _del_targets(node.target):
                name = tracked_root(deleted) if isinstance(deleted, cst.Subscript) else None
                if name is not None and not _is_full_slice(deleted):
                    yield Mutation(site, name, _subscript_key(deleted))
                    break


def _result_mutated(site: Site) -> bool:
    """`x.setdefault(k, [])` whose result is mutated right away (`.append(v)`)."""
    anc = site.ancestors
    return (
        len(anc) >= 2
        and isinstance(anc[-1], cst.Attribute)
        and anc[-1].value is site.node
        and anc[-1].attr.value in STATE_MUTATING_METHODS
        and isinstance(anc[-2], cst.Call)
    )


def _del_targets(target: cst.CSTNode) -> List[cst.CSTNode]:
    if isinstance(target, (cst.Tuple, cst.List)):
        return [e.value for e in target.elements]
    return [target]


# -- resets -------------------------------------------------------------------------------


def is_reset(analysis: ModuleAnalysis, statement: cst.CSTNode, name: str, fn: Function) -> bool:
    """A statement that gives the container a fresh value: `x.clear()`, `x[:] = []`,
    `del x[:]`, `global x; x = ...` or `self.x = ...` (not reading the old value)."""
    if not isinstance(statement, cst.SimpleStatementLine):
        return False

    def names(expr: cst.CSTNode) -> bool:
        return ref(analysis, expr, fn) == name

    for small in statement.body:
        if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
            func = small.value.func
            if isinstance(func, cst.Attribute) and func.attr.value == "clear" and names(func.value):
                return True
        if isinstance(small, (cst.Assign, cst.AnnAssign)) and small.value is not None:
            targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else [small.target]
            for t in targets:
                if _is_full_slice(t) and names(t.value) and _empty_literal(small.value):
                    return True
                rebinds = isinstance(t, cst.Attribute) or (isinstance(t, cst.Name) and t.value in fn.globals_declared)
                if rebinds and names(t) and not reads(analysis, small.value, name, fn):
                    return True
        if isinstance(small, cst.Del) and any(_is_full_slice(t) and names(t.value) for t in _del_targets(small.target)):
            return True
    return False


def body_statements(fn: Function) -> List[cst.CSTNode]:
    body = fn.node.body
    return list(body.body) if isinstance(body, cst.IndentedBlock) else [cst.SimpleStatementLine(body=body.body)]


def top_statement_index(site: Site) -> int:
    """Index of the top-level statement of the function body that holds the site."""
    if len(site.ancestors) < 2:
        return 0
    block, statement = site.ancestors[0], site.ancestors[1]
    for index, stmt in enumerate(getattr(block, "body", ())):
        if stmt is statement:
            return index
    return 0


def reset_before(analysis: ModuleAnalysis, fn: Function, name: str, limit: int) -> bool:
    """A top-level statement of `fn` before index `limit` resets the container."""
    return any(is_reset(analysis, stmt, name, fn) for stmt in body_statements(fn)[:limit])


def _finally_resets(analysis: ModuleAnalysis, site: Site, name: str) -> bool:
    for anc in site.ancestors:
        if (
            isinstance(anc, cst.Try)
            and anc.finalbody is not None
            and any(is_reset(analysis, s, name, site.function) for s in anc.finalbody.body.body)
        ):
            return True
    return False


def _is_lazy_fill(analysis: ModuleAnalysis, site: Site, name: str) -> bool:
    """Filled once when empty: `if not x:` / `if len(x) == 0:` guarding the mutation."""
    fn = site.function
    for anc in site.ancestors:
        if isinstance(anc, cst.If):
            test = anc.test
            if (
                isinstance(test, cst.UnaryOperation)
                and isinstance(test.operator, cst.Not)
                and ref(analysis, test.expression, fn) == name
            ):
                return True
            if (
                isinstance(test, cst.Comparison)
                and isinstance(test.left, cst.Call)
                and dotted_name(test.left.func) == "len"
                and test.left.args
                and ref(analysis, test.left.args[0].value, fn) == name
                and len(test.comparisons) == 1
                and isinstance(test.comparisons[0].operator, cst.Equal)
                and isinstance(test.comparisons[0].comparator, cst.Integer)
                and test.comparisons[0].comparator.value == "0"
            ):
                return True
    return False


def handled_per_invocation(analysis: ModuleAnalysis, mutation: Mutation) -> bool:
    """The mutation cannot carry state into the next invocation: the function resets the
    container before it (or in a `finally`), it only fills an empty container once (or a
    memo that an early-return guard of the function tests first), or
    every entry point reaching the function resets it before calling into it."""
    site, name, fn = mutation.site, mutation.name, mutation.site.function
    if reset_before(analysis, fn, name, top_statement_index(site)) or _finally_resets(analysis, site, name):
        return True
    if _is_lazy_fill(analysis, site, name) or name in guards.memo_guards(site):
        return True  # filled once: when empty, or until an early-return guard finds it
    entries = analysis.entries_reaching(fn)
    if not entries or any(e.function is fn for e in entries):
        return False
    return all(resets_on_every_way(analysis, e.function, name, fn, depth=0) for e in entries)


def resets_on_every_way(analysis: ModuleAnalysis, caller: Function, name: str, target: Function, depth: int) -> bool:
    """Every way from `caller` into `target` passes a reset of the container: `caller`
    resets it before its first call toward `target`, or each function it calls on the way
    does (`lambda_handler` -> `route`, which starts with `global done; done = []`)."""
    if entry_resets_before_calling(analysis, caller, name, target):
        return True
    if depth >= 4:
        return False
    toward: List[Function] = []
    for site in caller.iter(cst.Call):
        callee = analysis.function_called(site.node.func, caller)
        if callee is None:
            continue
        if callee is target or callee is caller:
            return False
        if target in analysis.reachable_from(callee) and callee not in toward:
            toward.append(callee)
    handed_on = {
        f
        for n in _names_in(caller.node.body)
        for f in [analysis.function_named(n.value, caller)]
        if f is not None and (f is target or target in analysis.reachable_from(f))
    }
    if not toward or handed_on - set(toward):
        return False  # the way in is a callback or not seen: no reset can be shown on it
    return all(resets_on_every_way(analysis, callee, name, target, depth + 1) for callee in toward)


def entry_resets_before_calling(analysis: ModuleAnalysis, entry: Function, name: str, target: Function) -> bool:
    statements = body_statements(entry)
    first_call = len(statements)
    for site in entry.iter(cst.Call):
        callee = analysis.function_called(site.node.func, entry)
        if callee is not None and target in analysis.reachable_from(callee):
            first_call = min(first_call, top_statement_index(site))
    for index, stmt in enumerate(statements[:first_call]):
        if any(_reaches(analysis, entry, name.value, target) for name in _names_in(stmt)):
            first_call = index  # handed on as a callback (`pool.map(helper, ...)`)
            break
    if reset_before(analysis, entry, name, first_call):
        return True
    for index, stmt in enumerate(statements[: first_call + 1]):
        if (
            isinstance(stmt, cst.Try)
            and stmt.finalbody is not None
            and index == first_call
            and any(is_reset(analysis, s, name, entry) for s in stmt.finalbody.body.body)
        ):
            return True
    return False


def _reaches(analysis: ModuleAnalysis, entry: Function, name: str, target: Function) -> bool:
    fn = analysis.function_named(name, entry)
    return fn is not None and target in analysis.reachable_from(fn)


def _names_in(node: cst.CSTNode) -> Iterator[cst.Name]:
    if isinstance(node, cst.Name):
        yield node
    for child in nodes.children(node):
        yield from _names_in(child)


# -- whole-path usage ---------------------------------------------------------------------


def usage(analysis: ModuleAnalysis) -> Dict[str, Usage]:
    """How the invocation path uses each mutable global (computed once per module)."""
    return analysis.remember("state_usage", lambda: _usage(analysis))


def _usage(analysis: ModuleAnalysis) -> Dict[str, Usage]:
    tracked = mutable_globals(analysis)
    result: Dict[str, Usage] = {name: Usage() for name in tracked}
    for fn in analysis.path_functions:
        for mutation in mutations_in(analysis, fn):
            u = result[mutation.name]
            u.mutations.append(mutation)
            if mutation.key is not None and not mutation.in_value:
                u.keyed_writes.append(mutation)
        for name, glob in tracked.items():
            if glob.cls is None and name not in fn.referenced and name not in fn.globals_declared:
                continue
            if glob.cls is not None and "self" not in fn.referenced:
                continue
            u = result[name]
            u.looked_up = u.looked_up or _looked_up(analysis, fn, name)
            u.evicted = u.evicted or _evicted(analysis, fn, name)
    return result


def _looked_up(analysis: ModuleAnalysis, fn: Function, name: str) -> bool:
    for site in fn.sites:
        node = site.node
        if isinstance(node, cst.Comparison):
            if any(
                isinstance(c.operator, (cst.In, cst.NotIn)) and ref(analysis, c.comparator, fn) == name
                for c in node.comparisons
            ):
                return True
        elif (
            isinstance(node, cst.Call)
            and isinstance(node.func, cst.Attribute)
            and node.func.attr.value in LOOKUP_METHODS
            and ref(analysis, node.func.value, fn) == name
            and not _result_mutated(site)
        ):
            return True
        elif isinstance(node, cst.Subscript) and ref(analysis, node.value, fn) == name and _is_load(site):
            return True
    return False


def _is_load(site: Site) -> bool:
    """The subscript is read, not written, deleted or mutated in place."""
    child: cst.CSTNode = site.node
    for anc in reversed(site.ancestors):
        if isinstance(anc, cst.Subscript) and anc.value is child:
            child = anc
            continue
        if isinstance(anc, (cst.AssignTarget, cst.Del)):
            return False
        if isinstance(anc, cst.AugAssign) and anc.target is child:
            return False
        if isinstance(anc, cst.Attribute) and anc.value is child and anc.attr.value in STATE_MUTATING_METHODS:
            return False
        return True
    return True


def _evicted(analysis: ModuleAnalysis, fn: Function, name: str) -> bool:
    for site in fn.sites:
        node = site.node
        if isinstance(node, cst.Call):
            func = node.func
            if (
                isinstance(func, cst.Attribute)
                and func.attr.value in EVICTING_METHODS
                and ref(analysis, func.value, fn) == name
            ):
                return True
            if (
                dotted_name(func) == "len"
                and node.args
                and ref(analysis, node.args[0].value, fn) == name
                and isinstance(site.parent, cst.Comparison)
            ):  # a size check, `if len(x) > N`
                return True
        elif isinstance(node, cst.Del):
            if any(ref(analysis, root(t), fn) == name for t in _del_targets(node.target)):
                return True
        elif isinstance(node, cst.Assign):
            for t in node.targets:
                target = t.target
                if isinstance(target, cst.Name) and target.value not in fn.globals_declared:
                    continue
                if isinstance(target, (cst.Name, cst.Attribute)) and ref(analysis, target, fn) == name:
                    return True
    return False


def is_cache(u: Usage) -> bool:
    return u.looked_up and bool(u.keyed_writes)


def first_per_function(mutations: List[Mutation]) -> List[Mutation]:
    seen: Set[int] = set()
    out: List[Mutation] = []
    for m in mutations:
        if id(m.site.function) not in seen:
            seen.add(id(m.site.function))
            out.append(m)
    return out
