"""Where things are in the module: statement order, free module-level names, positions.

Fixes that move code to module level ask these; positions are computed only for the nodes
that findings report (libcst's PositionProvider would cost several times the parse).
"""

from __future__ import annotations

from typing import Dict, Iterable, Optional

from lambdalint._lazy import cst
from lambdalint.analysis.nodes import bound_by, walk_defs


class Layout:
    def __init__(self, analysis) -> None:
        self.analysis = analysis
        self._positions: Dict[cst.CSTNode, object] = {}
        self._top_index: Optional[Dict[int, int]] = None
        self._binding_index: Optional[Dict[str, int]] = None

    def top_level_index(self, node: cst.CSTNode) -> int:
        """Index of the module-level statement holding `node` (a def found by identity)."""
        body = self.analysis.module.body
        if self._top_index is None:
            self._top_index = {}
            for index, stmt in enumerate(body):
                self._top_index[id(stmt)] = index
                if isinstance(stmt, cst.ClassDef):
                    for inner in walk_defs(stmt):
                        self._top_index[id(inner)] = index
        for fn in self.analysis.functions.values():
            if fn.node is node:
                while fn.parent is not None:
                    fn = fn.parent
                return self._top_index.get(id(fn.node), len(body))
        return self._top_index.get(id(node), len(body))

    def module_binding_index(self, name: str) -> Optional[int]:
        """Index of the first module-level statement that binds `name`, if any."""
        if self._binding_index is None:
            self._binding_index = {}
            for index, stmt in enumerate(self.analysis.module.body):
                for bound in bound_by(stmt):
                    self._binding_index.setdefault(bound, index)
        return self._binding_index.get(name)

    def is_module_name_free(self, name: str) -> bool:
        """Nothing at module level (or via `global`) uses `name` yet."""
        analysis = self.analysis
        if self.module_binding_index(name) is not None or name in analysis.aliases:
            return False
        return not any(name in fn.globals_declared for fn in analysis.functions.values())

    def position(self, node: cst.CSTNode):
        """libcst's PositionProvider range of `node` (computed for reported nodes only)."""
        if node not in self._positions:
            self.resolve_positions([node])
        return self._positions[node]

    def resolve_positions(self, nodes: Iterable[cst.CSTNode]) -> None:
        """Compute the positions of `nodes` in one pass (call with every reported node)."""
        from lambdalint._cstfast import positions

        missing = [n for n in nodes if n not in self._positions]
        if missing:
            self._positions.update(positions(self.analysis.module, missing))
