"""Code that runs once although it sits in a function: lazy initialisation behind a guard."""

from __future__ import annotations

from typing import Dict, Optional, Set, Tuple

from lambdalint._lazy import cst
from lambdalint.analysis.model import Site
from lambdalint.analysis.nodes import assigned_bases, assigned_in, names_in

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


def is_lazily_initialised(site: Site, cache: Optional[GuardCache] = None) -> bool:
    """The node sits under `if x is None:` (or similar) guarding the name it assigns,
    or under an `if` whose test reads a name that its own body assigns (a lazy load
    into another name: `if _cfg is None: with open(p) as f: _cfg = json.load(f)`, or a
    refresh: `if time.time() > _expires: _secret = ...; _expires = ...`)."""
    targets = assigned_bases(site)
    for anc in site.ancestors:
        if isinstance(anc, cst.If):
            mentioned, assigned = _guard(anc, cache)
            # A parameter is per call: filling it in is not a cache.
            if mentioned & (targets | (assigned - set(site.function.params))):
                return True
        if isinstance(anc, (cst.While, cst.IfExp)):
            if _guard(anc, cache)[0] & targets:
                return True
    return False
