"""Code that runs once although it sits in a function: lazy initialisation behind a guard."""

from __future__ import annotations

from lambdalint._lazy import cst
from lambdalint.analysis.model import Site
from lambdalint.analysis.nodes import assigned_bases, assigned_in, names_in


def is_lazily_initialised(site: Site) -> bool:
    """The node sits under `if x is None:` (or similar) guarding the name it assigns,
    or under an `if` whose test reads a name that its own body assigns (a lazy load
    into another name: `if _cfg is None: with open(p) as f: _cfg = json.load(f)`, or a
    refresh: `if time.time() > _expires: _secret = ...; _expires = ...`)."""
    targets = assigned_bases(site)
    for anc in site.ancestors:
        if isinstance(anc, cst.If):
            mentioned = {n.value for n in names_in(anc.test)}
            # A parameter is per call: filling it in is not a cache.
            assigned = assigned_in(anc.body) - set(site.function.params)
            if mentioned & (targets | assigned):
                return True
        if isinstance(anc, (cst.While, cst.IfExp)):
            if {n.value for n in names_in(anc.test)} & targets:
                return True
    return False
