"""Code that runs once although it sits in a function (lazy initialisation behind a guard),
and code that never runs in Lambda (a branch for local development)."""

from __future__ import annotations

from typing import Dict, Optional, Set, Tuple

from lambdalint._lazy import cst
from lambdalint.analysis.model import Site, binding_scope
from lambdalint.analysis.nodes import assigned_bases, assigned_in, names_in, string_value, target_keys
from lambdalint.catalog import ALWAYS_DEFINED_IN_LAMBDA, ONLY_DEFINED_LOCALLY

# id(if or while node) -> (names its test reads, names its body assigns): asked again for
# every site under the same `if`, and a long handler has many.
GuardCache = Dict[int, Tuple[object, Set[str], Set[str]]]


def _guard(node, cache: Optional[GuardCache]) -> Tuple[Set[str], Set[str]]:
    known = cache.get(id(node)) if cache is not None else None
    if known is not None and known[0] is node:
        return known[1], known[2]
    mentioned = {n.value for n in names_in(node.test)}
    assigned = assigned_in(node.body) if isinstance(node, cst.If) else set()
    if cache is not None:
        cache[id(node)] = (node, mentioned, assigned)
    return mentioned, assigned


def guard_flags(node, cache: Optional[GuardCache] = None) -> Set[str]:
    """The names an `if`'s test reads that its own body assigns (`if not _started:
    _started = True`)."""
    mentioned, assigned = _guard(node, cache)
    return mentioned & assigned


def is_lazily_initialised(site: Site, cache: Optional[GuardCache] = None) -> bool:
    """The node sits under `if x is None:` (or similar) guarding the name it assigns,
    or under an `if` whose test reads a name that its own body assigns (a lazy load
    into another name: `if _cfg is None: with open(p) as f: _cfg = json.load(f)`, or a
    refresh: `if time.time() > _expires: _secret = ...; _expires = ...`)."""
    fn = site.function
    # A local or parameter is per call: filling it in (`if client is None: client = ...`)
    # is not a cache.  A global, a module-level container or an attribute can be.
    targets = {t for t in assigned_bases(site) if binding_scope(t, fn) is not fn}
    for anc in site.ancestors:
        if isinstance(anc, cst.If):
            mentioned, assigned = _guard(anc, cache)
            if mentioned & (targets | {a for a in assigned if binding_scope(a, fn) is not fn}):
                return True
        if isinstance(anc, (cst.While, cst.IfExp)):
            if _guard(anc, cache)[0] & targets:
                return True
    return bool(_or_default(site, targets) or memo_guards(site))


def _or_default(site: Site, targets: Set[str]) -> bool:
    """`_client = _client or make()` (`Engine._forwarder = Engine._forwarder or make()`):
    the call runs only while the kept value is unset, like `if not _client:`."""
    node: cst.CSTNode = site.node
    for anc in reversed(site.ancestors):
        if isinstance(anc, cst.BooleanOperation) and isinstance(anc.operator, cst.Or) and anc.right is node:
            if {n.value for n in names_in(anc.left)} & targets:
                return True
        elif not isinstance(anc, (cst.BooleanOperation, cst.Attribute, cst.Call, cst.Arg, cst.Subscript)):
            return False
        node = anc
    return False


# Methods that put an entry into a container (a memo being filled in).
_FILLING_METHODS = {"update", "setdefault", "add", "append", "extend", "__setitem__"}


def memo_guards(site: Site) -> Set[str]:
    """Module-level names that an earlier `if` of the function tests and returns from,
    and that the code after it fills in: the site runs only until the memo holds the
    value, once per environment.

        if "keys" in _cache:            # or `if _cache:`, `if _cfg is not None:`,
            return _cache["keys"]       # `cached = _cache.get(k)` / `if cached: ...`
        ...                             # the site
        _cache["keys"] = fetched        # or `_cache.update(fetched)`, `global _cfg; _cfg = ...`
    """
    fn = site.function
    found: Set[str] = set()
    chain = (*site.ancestors, site.node)
    for index, block in enumerate(chain[:-1]):
        statements = getattr(block, "body", None)
        if not isinstance(statements, (list, tuple)):
            continue
        holder = chain[index + 1]
        if not any(stmt is holder for stmt in statements):
            continue
        position = next(i for i, stmt in enumerate(statements) if stmt is holder)
        later = statements[position:]
        for stmt in statements[:position]:
            if not isinstance(stmt, cst.If) or not _returns(stmt.body):
                continue
            tested = _tested_module_names(stmt.test, fn)
            # `if event["id"] in SEEN: return` is a per-request dedup check, not a memo.
            if tested and not (fn.module is not None and fn.module.is_tainted(stmt.test, fn)):
                found |= tested & _filled_in(later, fn)
    return found


def _returns(block: cst.CSTNode) -> bool:
    body = getattr(block, "body", ())
    last = body[-1] if isinstance(body, (list, tuple)) and body else None
    if isinstance(last, cst.SimpleStatementLine):
        last = last.body[-1]
    return isinstance(last, cst.Return)  # also `if k in memo: return memo[k]` on one line


def _tested_module_names(test: cst.BaseExpression, fn) -> Set[str]:
    """Names of module-level values the test reads, directly or through a local bound
    from one (`cached = _cache.get(key)`)."""
    out: Set[str] = set()
    for name in {n.value for n in names_in(test)}:
        if binding_scope(name, fn) is None:
            out.add(name)
            continue
        for value in fn.assigned.get(name, ()) if binding_scope(name, fn) is fn else ():
            if isinstance(value, cst.CSTNode):
                out |= {n.value for n in names_in(value) if binding_scope(n.value, fn) is None}
    return out


def _filled_in(statements, fn) -> Set[str]:
    """Module-level names the statements fill in: an entry written (`x[k] = v`,
    `x.update(...)`) or, after `global x`, the name rebound."""
    out: Set[str] = set()
    stack = list(statements)
    while stack:
        node = stack.pop()
        if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            continue
        if isinstance(node, cst.Assign):
            for t in node.targets:
                if isinstance(t.target, cst.Subscript):
                    out |= target_keys(t.target)
                elif isinstance(t.target, cst.Name) and t.target.value in fn.globals_declared:
                    out.add(t.target.value)
        elif (
            isinstance(node, cst.Call)
            and isinstance(node.func, cst.Attribute)
            and node.func.attr.value in _FILLING_METHODS
            and isinstance(node.func.value, cst.Name)
        ):
            out.add(node.func.value.value)
        stack.extend(node.children)
    return {name for name in out if binding_scope(name, fn) is None}


def only_outside_lambda(site: Site) -> bool:
    """The site is in a branch that Lambda never takes: `if "AWS_EXECUTION_ENV" not in
    os.environ:`, `if not os.getenv("AWS_LAMBDA_FUNCTION_NAME"):`, `if
    os.environ.get("AWS_SAM_LOCAL"):`, or the `else` of `if "LAMBDA_TASK_ROOT" in os.environ:`."""
    module = site.function.module
    if module is None:
        return False
    chain = (*site.ancestors, site.node)
    for anc, inner in zip(chain, chain[1:]):
        if not isinstance(anc, cst.If):
            continue
        in_lambda = _in_lambda(anc.test, site.function)
        if (inner is anc.body and in_lambda is False) or (inner is anc.orelse and in_lambda is True):
            return True
    return False


def _in_lambda(test: cst.BaseExpression, fn) -> Optional[bool]:
    """True when the test holds exactly in Lambda, False when exactly outside it, None
    when it says neither (tests of other variables, mixed conditions)."""
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        inner = _in_lambda(test.expression, fn)
        return None if inner is None else not inner
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
        operator, right = test.comparisons[0].operator, test.comparisons[0].comparator
        if isinstance(operator, (cst.In, cst.NotIn)) and _is_environ(right, fn):
            defined = _defined_in_lambda(string_value(test.left))
            if defined is None:
                return None
            return defined if isinstance(operator, cst.In) else not defined
        if isinstance(operator, (cst.Is, cst.IsNot)) and isinstance(right, cst.Name) and right.value == "None":
            defined = _defined_in_lambda(_read_variable(test.left, fn))
            if defined is None:
                return None
            return defined if isinstance(operator, cst.IsNot) else not defined
        return None
    return _defined_in_lambda(_read_variable(test, fn))


def _defined_in_lambda(variable: Optional[str]) -> Optional[bool]:
    if variable in ALWAYS_DEFINED_IN_LAMBDA:
        return True
    if variable in ONLY_DEFINED_LOCALLY:
        return False
    return None


def _read_variable(node: cst.BaseExpression, fn) -> Optional[str]:
    """`VAR` of `os.getenv("VAR")` / `os.environ.get("VAR")` with no default."""
    if not isinstance(node, cst.Call) or len(node.args) != 1 or node.args[0].keyword is not None:
        return None
    qualified = fn.module.qualified_name(node.func, fn)
    if qualified not in ("os.getenv", "os.environ.get"):
        return None
    return string_value(node.args[0].value)


def _is_environ(node: cst.BaseExpression, fn) -> bool:
    return fn.module.qualified_name(node, fn) == "os.environ"
